/**
 * The preview of a Plan as styled lines: a unified diff per file (secrets hidden), the parameter
 * table old → new with expanded values, the commands that will run and why, hand edits since the
 * last run, and the findings. The wizard's preview screen draws these lines with Ink; the
 * non-interactive mode prints `renderPlanText()`. Both show the same text.
 */
import { createTwoFilesPatch } from 'diff';
import type { FileChange, Finding, ParamChange, Plan } from '../model/plan.js';
import type { TlsSummary } from '../model/tls.js';
import { describeAction, isEmptyPlan } from '../model/plan.js';
import { printable } from '../model/text.js';
import { renderLines, type Style, type StyledLine } from './styled.js';

/** The number of lines in a file's text (a final newline does not start another line). */
export function countLines(text: string): number {
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

/** "1 line", "3 lines". */
function lines(n: number): string {
  return `${n} ${n === 1 ? 'line' : 'lines'}`;
}

/** The mode as four octal digits: 0644. */
function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** One word (and the mode of a new file) saying what happens to the file. */
function changeKind(change: FileChange): string {
  const mode =
    change.modeBefore !== undefined && change.mode !== undefined
      ? `mode ${octal(change.modeBefore)} → ${octal(change.mode)}: Postfix expects no group or other write access`
      : '';
  if (change.before === change.after) return mode || 'no change';
  if (mode) return `${change.after === null ? 'removed' : 'changed'}, ${mode}`;
  if (change.before === null) return change.mode === undefined ? 'new file' : `new file, mode ${octal(change.mode)}`;
  if (change.after === null) return 'removed';
  return 'changed';
}

/**
 * The unified diff of one file (no colour): `--- old` / `+++ new` headers (/dev/null for an absent
 * side) and hunks with 3 lines of context. A secret file shows only the headers and
 * "(secret: contents hidden, N lines)"; a file whose content does not change shows "no change".
 */
export function fileDiff(change: FileChange): string {
  return fileDiffLines(change)
    .map((l) => l.map((s) => s.text).join(''))
    .join('\n')
    .concat('\n');
}

/** fileDiff() as styled lines. */
export function fileDiffLines(change: FileChange): StyledLine[] {
  return visible(rawDiffLines(change));
}

function rawDiffLines(change: FileChange): StyledLine[] {
  if (change.before === change.after) return [[{ text: 'no change', style: 'dim' }]];
  const oldName = change.before === null ? '/dev/null' : change.path;
  const newName = change.after === null ? '/dev/null' : change.path;
  const out: StyledLine[] = [[{ text: `--- ${oldName}`, style: 'meta' }], [{ text: `+++ ${newName}`, style: 'meta' }]];
  if (change.secret) {
    const n = countLines(change.after ?? change.before ?? '');
    out.push([{ text: `(secret: contents hidden, ${lines(n)})`, style: 'dim' }]);
    return out;
  }
  if (change.quiet) {
    const n = countLines(change.after ?? change.before ?? '');
    out.push([{ text: `(mailsetup's own record, ${lines(n)}: not shown)`, style: 'dim' }]);
    return out;
  }
  const patch = createTwoFilesPatch(oldName, newName, change.before ?? '', change.after ?? '', undefined, undefined, {
    context: 3,
  });
  const body = patch.split('\n');
  // Drop "Index:", "=====" and the two header lines (ours are above); the patch ends with "\n".
  const start = body.findIndex((l) => l.startsWith('@@'));
  if (start < 0) return out;
  for (const l of body.slice(start, body[body.length - 1] === '' ? -1 : undefined)) {
    if (l.startsWith('@@')) out.push([{ text: l, style: 'hunk' }]);
    else if (l.startsWith('+')) out.push([{ text: l, style: 'add' }]);
    else if (l.startsWith('-')) out.push([{ text: l, style: 'del' }]);
    else if (l.startsWith('\\')) out.push([{ text: l, style: 'dim' }]);
    else out.push([{ text: l }]);
  }
  return out;
}

/** A raw parameter value for the table: "(not set)", "(empty)" or the value. */
function rawValue(v: string | undefined): string {
  if (v === undefined) return '(not set)';
  return v === '' ? '(empty)' : v;
}

/** An expanded value for the table. */
function expandedValue(v: string): string {
  return v === '' ? '(empty)' : v;
}

/** The table rows of one parameter: raw old → new, then the expanded values when they differ from the raw ones. */
function paramLines(p: ParamChange): StyledLine[] {
  const out: StyledLine[] = [
    [
      { text: `  ${p.name}: ` },
      { text: rawValue(p.before), style: 'old' },
      { text: ' → ' },
      { text: rawValue(p.after), style: 'new' },
    ],
  ];
  if (p.beforeExpanded !== (p.before ?? '') || p.afterExpanded !== (p.after ?? '')) {
    out.push([
      { text: '      expands to: ', style: 'dim' },
      { text: expandedValue(p.beforeExpanded), style: 'old' },
      { text: ' → ' },
      { text: expandedValue(p.afterExpanded), style: 'new' },
    ]);
  }
  return out;
}

const LEVEL_STYLE: Record<Finding['level'], Style> = { error: 'error', warning: 'warning', info: 'info' };

/** A finding as one or two lines: "  error   id: message" and, when it can be overridden, the override id. */
export function findingLines(f: Finding): StyledLine[] {
  const out: StyledLine[] = [
    [{ text: `  ${f.level.padEnd(7)} ${f.id}: `, style: LEVEL_STYLE[f.level] }, { text: f.message }],
  ];
  if (f.override !== undefined) {
    out.push([
      { text: '          override id: ', style: 'dim' },
      { text: f.override, style: LEVEL_STYLE[f.level] },
    ]);
  }
  return out;
}

/** The override that takes mailsetup's TLS settings over those already in main.cf. */
export const REPLACE_TLS_OVERRIDE = 'replace-tls-settings';

/** What TLS each direction gets, the certificate, the user's TLS settings kept, and the notes. */
export function tlsLines(t: TlsSummary): StyledLine[] {
  const out: StyledLine[] = [[{ text: 'TLS (encryption in transit)', style: 'heading' }]];
  out.push([{ text: '  Outbound: ', style: 'dim' }, { text: t.outbound }]);
  out.push([{ text: '  Inbound:  ', style: 'dim' }, { text: t.inbound }]);
  for (const l of t.certificate) out.push([{ text: `    ${l}` }]);
  if (t.kept.length > 0) {
    out.push([{ text: '  Kept as yours (already in main.cf, not set by mailsetup):', style: 'dim' }]);
    for (const k of t.kept) out.push([{ text: `    ${k.name} = ${k.value}`, style: 'warning' }]);
    out.push([
      { text: "    to take mailsetup's values instead: override ", style: 'dim' },
      { text: REPLACE_TLS_OVERRIDE, style: 'warning' },
      { text: ' (the wizard: t)', style: 'dim' },
    ]);
  }
  for (const n of t.notes) out.push([{ text: `  ${n}`, style: 'dim' }]);
  return out;
}

/** main.cf, master.cf, the aliases and the syslog drop-in: the files the preview always accounts for. */
export const CONFIG_FILES = [
  '/etc/postfix/main.cf',
  '/etc/postfix/master.cf',
  '/etc/aliases',
  '/etc/rsyslog.d/postfix.conf',
];

/** The whole preview of a plan as styled lines. */
export function planLines(plan: Plan): StyledLine[] {
  const out: StyledLine[] = [[{ text: `Plan for role ${plan.role}`, style: 'title' }], []];
  if (plan.notes && plan.notes.length > 0) {
    for (const n of plan.notes) out.push([{ text: n, style: 'warning' }]);
    out.push([]);
  }
  if (isEmptyPlan(plan)) {
    out.push([{ text: 'No change: the files already match these answers; nothing will run.' }], []);
  } else {
    out.push([{ text: 'Files', style: 'heading' }]);
    if (plan.files.length === 0) out.push([{ text: 'no change', style: 'dim' }], []);
    for (const f of plan.files) {
      out.push([
        { text: `${f.path}`, style: 'file' },
        { text: ` — ${f.description} (${changeKind(f)})`, style: 'dim' },
      ]);
      if (f.before !== f.after) out.push(...fileDiffLines(f));
      out.push([]);
    }
    // The configuration files every role looks at: those the plan leaves alone say so.
    const unchanged = CONFIG_FILES.filter((p) => !plan.files.some((f) => f.path === p));
    if (unchanged.length > 0 && plan.files.length > 0)
      out.push([{ text: `Unchanged: ${unchanged.join(', ')}`, style: 'dim' }], []);
    if (plan.params.length > 0) {
      out.push([{ text: 'Parameters (old → new)', style: 'heading' }]);
      for (const p of plan.params) out.push(...paramLines(p));
      out.push([]);
    }
    out.push([{ text: 'Commands to run, in order', style: 'heading' }]);
    if (plan.actions.length === 0) out.push([{ text: '  none', style: 'dim' }]);
    plan.actions.forEach((a, i) => {
      const { command, reason } = describeAction(a);
      out.push([{ text: `  ${i + 1}. ` }, { text: command, style: 'file' }, { text: ` — ${reason}`, style: 'dim' }]);
    });
    out.push([]);
  }
  if (plan.tls) out.push(...tlsLines(plan.tls), []);
  if (plan.drift.length > 0) {
    out.push([{ text: 'Changed by hand since mailsetup set them', style: 'heading' }]);
    for (const d of plan.drift) {
      out.push([
        { text: `  ${d.name}: `, style: 'warning' },
        { text: `mailsetup set ${rawValue(d.ours)}, main.cf now has ${rawValue(d.now)}` },
      ]);
    }
    out.push([]);
  }
  if (plan.findings.length > 0) {
    out.push([{ text: 'Findings', style: 'heading' }]);
    for (const f of plan.findings) out.push(...findingLines(f));
    out.push([]);
  }
  while (out.length > 0 && out[out.length - 1].length === 0) out.pop();
  return visible(out);
}

/** Lines whose text came from files and answers, with control characters made visible. */
function visible(lines: StyledLine[]): StyledLine[] {
  return lines.map((l) => l.map((s) => ({ ...s, text: printable(s.text) })));
}

/** The preview of a plan for the non-interactive mode (--dry-run, --yes): see planLines(). */
export function renderPlanText(plan: Plan, opts: { color: boolean }): string {
  return renderLines(planLines(plan), opts);
}

/** What a --rollback --dry-run shows: which backup would be restored, and each file's change. */
export interface RollbackPreview {
  kind: 'recover' | 'apply';
  /** The backup directory (real path). */
  dir: string;
  created: string;
  files: FileChange[];
  /** Whether anything would change (also only a mode or owner). */
  changes: boolean;
}

/**
 * The preview of a rollback: the backup (unless `title` is false: --rollback has described it
 * already), then a diff per file that changes (now → backup).
 */
export function rollbackLines(p: RollbackPreview, title = true): StyledLine[] {
  const what =
    p.kind === 'recover'
      ? `Roll back the unfinished apply of ${p.created} (backup ${p.dir})`
      : `Roll back the apply of ${p.created} (backup ${p.dir})`;
  const out: StyledLine[] = title ? [[{ text: what, style: 'title' }], []] : [];
  if (!p.changes) out.push([{ text: 'No file differs from the backup: nothing would be restored.' }], []);
  for (const f of p.files) {
    out.push([
      { text: f.path, style: 'file' },
      { text: ` — ${f.description} (${changeKind(f)})`, style: 'dim' },
    ]);
    out.push(...fileDiffLines(f), []);
  }
  if (p.changes && p.files.length === 0) out.push([{ text: 'Only modes or owners differ from the backup.' }], []);
  while (out.length > 0 && out[out.length - 1].length === 0) out.pop();
  return out;
}

/** rollbackLines() as text. */
export function renderRollbackText(p: RollbackPreview, opts: { color: boolean; title?: boolean }): string {
  return renderLines(rollbackLines(p, opts.title ?? true), opts);
}
