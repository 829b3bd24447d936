/**
 * The preview of a Plan as styled lines, what matters first: a summary (the role, the parameters
 * that change old → new with their $names expanded, the findings, hand edits since the last run,
 * the commands and restarts that will run and why), then a unified diff per file (secrets
 * hidden). The wizard's preview screen shows the summary as its first page and one page per file;
 * the non-interactive mode prints `renderPlanText()`, the same text in the same order.
 */
import { createTwoFilesPatch } from 'diff';
import type { RoleId } from '../model/answers.js';
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

/** What the preview says besides the plan: the role configured now, the sandbox. */
export interface PreviewContext {
  /** The role configured now (detect()): null on a fresh box, 'custom' for a configuration by hand. */
  current?: RoleId | 'custom' | null;
  /** The --root sandbox; undefined on the live system. */
  sandbox?: string;
}

/** A value as Postfix reads it, and what its $names expand to when that says more. */
function shownValue(raw: string | undefined, expanded: string): string {
  if (raw === undefined) return `(default: ${expanded === '' ? 'empty' : expanded})`;
  if (raw === '') return '(empty)';
  return expanded === raw ? raw : `${raw} (${expanded === '' ? 'empty' : expanded})`;
}

/** One parameter: "  name: old → new", each side with its $names expanded where they are. */
function paramLine(p: ParamChange): StyledLine {
  return [
    { text: `  ${p.name}: ` },
    { text: shownValue(p.before, p.beforeExpanded), style: 'old' },
    { text: ' → ' },
    { text: p.after === undefined ? '(removed: Postfix default)' : shownValue(p.after, p.afterExpanded), style: 'new' },
  ];
}

/** A raw value in the hand-edit lines: "(not set)", "(empty)" or the value. */
function rawValue(v: string | undefined): string {
  if (v === undefined) return '(not set)';
  return v === '' ? '(empty)' : v;
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

/** The role line: which role now, which after. */
function roleLine(plan: Plan, ctx: PreviewContext): StyledLine | null {
  if (ctx.current === undefined) return null;
  const now = ctx.current;
  let what: string;
  if (now === null) what = `${plan.role} (first configuration: there is no main.cf yet)`;
  else if (now === plan.role) what = `${plan.role} (as now; only what differs changes)`;
  else if (now === 'custom') what = `a custom configuration → ${plan.role} (only what this role needs changes)`;
  else what = `${now} → ${plan.role} (what ${now} set and ${plan.role} does not is put back as it was)`;
  return [{ text: 'Role:    ' }, { text: what, style: 'file' }];
}

/** One file of the plan: its heading line and its diff. */
export interface FileSection {
  path: string;
  /** "/etc/postfix/main.cf — Postfix main configuration (changed)". */
  heading: StyledLine;
  /** The unified diff (or what stands for it: a secret, mailsetup's own record). */
  diff: StyledLine[];
}

/** The preview in its parts: the summary first, then one section per file. */
export interface Preview {
  summary: StyledLine[];
  files: FileSection[];
  /** The configuration files the plan leaves as they are ("Unchanged: …"), empty when nothing changes. */
  unchanged: string[];
}

/** The preview of a plan, in its parts. */
export function previewOf(plan: Plan, ctx: PreviewContext = {}): Preview {
  const summary: StyledLine[] = [[{ text: `Plan for role ${plan.role}`, style: 'title' }]];
  const empty = isEmptyPlan(plan);
  if (!empty) {
    const role = roleLine(plan, ctx);
    if (role !== null) summary.push(role);
  }
  if (ctx.sandbox !== undefined)
    summary.push([
      { text: 'Sandbox: ' },
      { text: ctx.sandbox, style: 'file' },
      { text: ' (--root: files only; no daemon is touched, nothing reaches the network)', style: 'dim' },
    ]);
  summary.push([]);
  if (plan.notes && plan.notes.length > 0) {
    for (const n of plan.notes) summary.push([{ text: n, style: 'warning' }]);
    summary.push([]);
  }
  if (empty) {
    summary.push([{ text: 'No change: the files already match these answers; nothing will run.' }], []);
  } else if (plan.params.length > 0) {
    // The values Postfix works with change for these; the others are only written out now.
    const effective = plan.params.filter((p) => p.beforeExpanded !== p.afterExpanded);
    const same = plan.params.filter((p) => p.beforeExpanded === p.afterExpanded);
    summary.push([{ text: 'Parameters (old → new, $names expanded)', style: 'heading' }]);
    for (const p of effective) summary.push(paramLine(p));
    if (same.length > 0)
      summary.push([
        { text: '  Same value as before, now written out: ', style: 'dim' },
        { text: same.map((p) => p.name).join(', ') },
      ]);
    summary.push([]);
  }
  if (plan.findings.length > 0) {
    summary.push([{ text: 'Findings', style: 'heading' }]);
    for (const f of plan.findings) summary.push(...findingLines(f));
    summary.push([]);
  }
  if (plan.tls) summary.push(...tlsLines(plan.tls), []);
  if (plan.drift.length > 0) {
    summary.push([{ text: 'Changed by hand since mailsetup set them', style: 'heading' }]);
    for (const d of plan.drift) {
      summary.push([
        { text: `  ${d.name}: `, style: 'warning' },
        { text: `mailsetup set ${rawValue(d.ours)}, main.cf now has ${rawValue(d.now)}` },
      ]);
    }
    summary.push([]);
  }
  if (!empty) {
    summary.push([{ text: 'Commands to run, in order', style: 'heading' }]);
    if (plan.actions.length === 0) summary.push([{ text: '  none', style: 'dim' }]);
    plan.actions.forEach((a, i) => {
      const { command, reason } = describeAction(a);
      summary.push([
        { text: `  ${i + 1}. ` },
        { text: command, style: 'file' },
        { text: ` — ${reason}`, style: 'dim' },
      ]);
    });
    summary.push([]);
  }
  while (summary.length > 0 && summary[summary.length - 1].length === 0) summary.pop();

  const files: FileSection[] = empty
    ? []
    : plan.files.map((f) => ({
        path: f.path,
        heading: [
          { text: `${f.path}`, style: 'file' },
          { text: ` — ${f.description} (${changeKind(f)})`, style: 'dim' },
        ],
        diff: f.before !== f.after ? fileDiffLines(f) : [],
      }));
  // The configuration files every role looks at: those the plan leaves alone say so.
  const unchanged =
    empty || plan.files.length === 0 ? [] : CONFIG_FILES.filter((p) => !plan.files.some((f) => f.path === p));
  return {
    summary: visible(summary),
    files: files.map((f) => ({ ...f, heading: visible([f.heading])[0], diff: visible(f.diff) })),
    unchanged: unchanged.map((u) => printable(u)),
  };
}

/** The whole preview as styled lines: the summary, then the files with their diffs. */
export function planLines(plan: Plan, ctx: PreviewContext = {}): StyledLine[] {
  const p = previewOf(plan, ctx);
  const out: StyledLine[] = [...p.summary];
  if (!isEmptyPlan(plan)) {
    out.push([], [{ text: 'Files', style: 'heading' }]);
    if (p.files.length === 0) out.push([{ text: 'no change', style: 'dim' }]);
    for (const f of p.files) out.push(f.heading, ...f.diff, []);
    if (p.unchanged.length > 0) out.push([{ text: `Unchanged: ${p.unchanged.join(', ')}`, style: 'dim' }]);
  }
  while (out.length > 0 && out[out.length - 1].length === 0) out.pop();
  return visible(out);
}

/** Lines whose text came from files and answers, with control characters made visible. */
function visible(lines: StyledLine[]): StyledLine[] {
  return lines.map((l) => l.map((s) => ({ ...s, text: printable(s.text) })));
}

/** The preview of a plan for the non-interactive mode (--dry-run, --yes): see planLines(). */
export function renderPlanText(plan: Plan, opts: { color: boolean } & PreviewContext): string {
  return renderLines(planLines(plan, opts), opts);
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
