/**
 * The preview: the parts of src/output/preview.ts (the same text --dry-run prints, in the same
 * order), one page each: the summary first (role, parameters old → new, findings, hand edits,
 * commands and restarts, the sandbox, the files with their keys), then one page per file with its
 * diff. A key per page: s the summary, 1–9 a file, Tab/→ the next page, Shift-Tab/← the one
 * before. Each page scrolls in a window sized to the terminal: ↑/↓ line, PgUp/PgDn (Space) page,
 * Home/End; a new page starts at its top. Only `y` applies, and only a y typed
 * while the plan is on the screen: Enter, which accepts a default everywhere else, does not (two
 * quick Enters on the last question never apply), nor does a y typed before the plan was shown.
 * Blocking errors are shown at the top with their reasons; overriding one takes typing its rule's
 * id after `o`. `h` takes mailsetup's values over hand edits; `m` accepts the migration of the
 * deprecated parameters the plan found, `c` moving `# comments` out of values (each for this run,
 * planned again and shown before anything is written). A failed apply comes back here,
 * saying what failed and whether the files were restored. Esc goes back to the questions. A
 * resize keeps the line at the top of the window.
 */
import { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { Plan } from '../model/plan.js';
import { isEmptyPlan } from '../model/plan.js';
import { previewOf, REPLACE_TLS_OVERRIDE, type Preview, type PreviewContext } from '../output/preview.js';
import { foldLine, type StyledLine } from '../output/styled.js';
import { STEP_MARKS } from '../output/steps.js';
import type { ApplyResult } from './backend.js';
import { isChar } from './input/keys.js';
import { useKeys } from './input/InputProvider.js';
import { wrapText } from './layout.js';
import { blockingFindings } from './machine.js';
import { Spinner } from './Spinner.js';
import { Line, useColor, wrapLine } from './style.js';
import { TextField } from './TextField.js';

export interface PreviewScreenProps {
  plan: Plan | null;
  planError: string | null;
  /** The role configured now and the sandbox, for the summary. */
  context?: PreviewContext;
  /** The apply that failed just before, to say what happened. */
  failure?: ApplyResult | null;
  /** Lines available for the whole screen. */
  height: number;
  width: number;
  onConfirm(): void;
  onBack(): void;
  onOverride(ids: string[]): void;
}

/** The override ids that lift every blocking error, or [] when some error has none. */
export function liftingOverrides(plan: Plan): string[] {
  const blocking = blockingFindings(plan);
  if (blocking.length === 0 || blocking.some((f) => f.override === undefined)) return [];
  return [...new Set(blocking.map((f) => f.override as string))];
}

/** The override that takes mailsetup's values over parameters changed by hand since it set them. */
export const OVERWRITE_HAND_EDITS = 'overwrite-hand-edits';

/** Whether the plan keeps hand edits that `h` could overwrite. */
export function keepsHandEdits(plan: Plan): boolean {
  return plan.drift.length > 0 && !(plan.answers.overrides ?? []).includes(OVERWRITE_HAND_EDITS);
}

/** The clean-up that migrates the deprecated parameters (Postfix 3.9+) of lines mailsetup did not write. */
export const MIGRATE_DEPRECATED = 'migrate-deprecated';
/** The clean-up that moves a `# comment` inside a value onto a line of its own. */
export const FIX_VALUE_COMMENTS = 'fix-value-comments';

/** Whether the plan found deprecated parameters that `m` could migrate. */
export function offersMigration(plan: Plan): boolean {
  return (plan.offers?.migrateDeprecated ?? 0) > 0 && !(plan.answers.overrides ?? []).includes(MIGRATE_DEPRECATED);
}

/** Whether the plan found values with a `# comment` inside that `c` could fix. */
export function offersCommentFix(plan: Plan): boolean {
  return (plan.offers?.fixValueComments ?? 0) > 0 && !(plan.answers.overrides ?? []).includes(FIX_VALUE_COMMENTS);
}

/** Whether the plan keeps TLS settings of main.cf as the user's, which `t` could replace with mailsetup's. */
export function keepsTlsSettings(plan: Plan): boolean {
  return (plan.tls?.kept.length ?? 0) > 0 && !(plan.answers.overrides ?? []).includes(REPLACE_TLS_OVERRIDE);
}

/** "1 error", "2 warnings". */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One page of the preview: its tab name, its key and its lines as the preview made them. */
interface PageParts {
  /** "summary", or the file's name without its directory. */
  name: string;
  /** The key that shows it: "s", "1"…"9" (no key past the ninth file: Tab reaches it). */
  key: string | null;
  lines: StyledLine[];
  /** The summary's lines fold at spaces; a diff's line is cut exactly, never reflowed. */
  fold: 'words' | 'exact';
}

/** One page of the preview: its tab name, its key and its lines folded to the width. */
export interface PreviewPage {
  name: string;
  key: string | null;
  lines: StyledLine[];
}

/** The short name of a file for its tab: main.cf, sasl_passwd, postfix.conf. */
function tabName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The pages of a preview before folding: the summary, which ends with the files and the key of each, then one per file. */
function pageParts(p: Preview): PageParts[] {
  const keyOf = (i: number): string | null => (i < 9 ? String(i + 1) : null);
  const summary: StyledLine[] = [...p.summary];
  if (p.files.length > 0) {
    summary.push([], [{ text: 'Files (a key shows each one: its diff)', style: 'heading' }]);
    p.files.forEach((f, i) => summary.push([{ text: `  ${keyOf(i) ?? ' '} ` }, ...f.heading]));
  }
  if (p.unchanged.length > 0) summary.push([{ text: `  Unchanged: ${p.unchanged.join(', ')}`, style: 'dim' }]);
  const pages: PageParts[] = [{ name: 'summary', key: 's', lines: summary, fold: 'words' }];
  p.files.forEach((f, i) =>
    pages.push({
      name: tabName(f.path),
      key: keyOf(i),
      lines: [
        f.heading,
        ...(f.diff.length > 0 ? f.diff : [[{ text: 'no change in the text', style: 'dim' as const }]]),
      ],
      fold: 'exact',
    }),
  );
  return pages;
}

function fold(page: PageParts, line: StyledLine, width: number): StyledLine[] {
  return page.fold === 'words' ? foldLine(line, width) : wrapLine(line, width);
}

/**
 * The pages of a preview: the summary, which ends with the files and the key of each, then one
 * page per file (its heading and diff). Lines are folded to `width`: the summary's at spaces, a
 * diff's exactly (a diff line is cut, never reflowed).
 */
export function previewPages(p: Preview, width: number): PreviewPage[] {
  return pageParts(p).map((pg) => ({
    name: pg.name,
    key: pg.key,
    lines: pg.lines.flatMap((l) => fold(pg, l, width)),
  }));
}

/** A folded row of a page: which of the page's lines it comes from and which part of it. */
interface Row {
  line: StyledLine;
  logical: number;
  part: number;
}

function rowsOf(page: PageParts | undefined, width: number): Row[] {
  if (page === undefined) return [];
  return page.lines.flatMap((l, logical) => fold(page, l, width).map((line, part) => ({ line, logical, part })));
}

/** "1 the file", "1–3 files", "1–9 files" (no key past the ninth). */
function fileKeys(n: number): string {
  return n === 1 ? '1 the file' : `1–${Math.min(9, n)} files`;
}

/** The tabs above the page: "[s summary]  1 main.cf  2 master.cf", the shown one in brackets. */
function Tabs({ pages, shown }: { pages: PageParts[]; shown: number }) {
  const tint = useColor();
  return (
    <Text wrap="truncate-end">
      {pages.map((pg, i) => {
        const label = `${pg.key === null ? '' : `${pg.key} `}${pg.name}`;
        return (
          <Text key={i} bold={i === shown} color={i === shown ? tint('cyan') : tint('gray')}>
            {i === shown ? `[${label}]` : ` ${label} `}
            {i < pages.length - 1 ? ' ' : ''}
          </Text>
        );
      })}
    </Text>
  );
}

/** Where the window starts: a page's line (and which of its folded parts), so that a resize keeps it. */
interface Anchor {
  logical: number;
  part: number;
}

/** The page shown and where its window starts. */
interface View {
  page: number;
  anchor: Anchor;
}

/** The row index of `anchor` among `rows`. */
function rowAt(rows: Row[], anchor: Anchor): number {
  let best = 0;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].logical > anchor.logical) break;
    best = i;
    if (rows[i].logical === anchor.logical && rows[i].part >= anchor.part) break;
  }
  return best;
}

/** A block of text lines in one colour, each cut at the edge. */
function Block({ lines, color, bold }: { lines: string[]; color?: 'red' | 'yellow' | 'gray'; bold?: boolean }) {
  const tint = useColor();
  return (
    <>
      {lines.map((l, i) => (
        <Text key={i} color={color === undefined ? undefined : tint(color)} bold={bold} wrap="truncate-end">
          {l}
        </Text>
      ))}
    </>
  );
}

/** A line of the fixed parts above the plan, in its colour. */
interface Said {
  text: string;
  color?: 'red' | 'yellow' | 'gray' | 'green';
  bold?: boolean;
}

/**
 * What the failed apply left: its error (head), the steps that failed, then those rolled back,
 * each with its detail (steps), whether the files are back and the backup (tail).
 */
function failureLines(failure: ApplyResult, width: number): { head: Said[]; steps: Said[]; tail: Said[] } {
  const head: Said[] = wrapText(`✗ Apply failed: ${failure.error ?? 'unknown error'}`, width).map((text) => ({
    text,
    color: 'red',
    bold: true,
  }));
  const steps: Said[] = [];
  // The step that failed first, then what was rolled back (the part a short screen leaves out).
  const failed = failure.events.filter((e) => e.status === 'failed');
  for (const e of [...failed, ...failure.events.filter((x) => x.status === 'rolled-back')]) {
    const failedStep = e.status === 'failed';
    steps.push({
      text: `  ${STEP_MARKS[failedStep ? 'failed' : 'rolled-back'].mark} ${e.label}${failedStep ? '' : ' (rolled back)'}`,
      color: failedStep ? 'red' : 'yellow',
    });
    if (e.detail !== undefined)
      for (const text of wrapText(e.detail, width - 6))
        steps.push({ text: `      ${text}`, color: failedStep ? 'red' : 'gray' });
  }
  const tail: Said[] = [];
  const back = failure.rolledBack
    ? '↺ Rolled back: the earlier files are back in place; nothing was left changed.'
    : 'Not rolled back: restore the earlier files with `mailsetup --rollback`.';
  for (const text of wrapText(back, width)) tail.push({ text, color: failure.rolledBack ? 'yellow' : 'red' });
  if (failure.backupDir !== undefined) tail.push({ text: `Backup:  ${failure.backupDir}` });
  return { head, steps, tail };
}

/**
 * The failure in at most `max` lines: what failed and whether the files are back always (they say
 * what the user must know), the steps in the room left.
 */
function failureShown(failure: ApplyResult, width: number, max: number): Said[] {
  const { head, steps, tail } = failureLines(failure, width);
  const error = capped(head, Math.max(2, max - tail.length - 1));
  return [...error, ...capped(steps, Math.max(1, max - error.length - tail.length)), ...tail];
}

/** `lines` in at most `max` lines: the first ones, then how many more there are. */
function capped(lines: Said[], max: number): Said[] {
  if (lines.length <= max) return lines;
  const keep = Math.max(0, max - 1);
  return [
    ...lines.slice(0, keep),
    { text: `  … ${lines.length - keep} more lines (a taller terminal shows them)`, color: 'gray' },
  ];
}

/** Lines said above the plan. */
function Said({ lines }: { lines: Said[] }) {
  const tint = useColor();
  return (
    <>
      {lines.map((l, i) => (
        <Text key={i} color={l.color === undefined ? undefined : tint(l.color)} bold={l.bold} wrap="truncate-end">
          {l.text}
        </Text>
      ))}
    </>
  );
}

/** The preview screen. */
export function PreviewScreen({
  plan,
  planError,
  context,
  failure = null,
  height,
  width,
  onConfirm,
  onBack,
  onOverride,
}: PreviewScreenProps) {
  const [view, setView] = useState<View>({ page: 0, anchor: { logical: 0, part: 0 } });
  // The view as the last key left it: the next key starts from it, however fast keys come.
  const viewRef = useRef(view);
  const [prompting, setPrompting] = useState(false);
  const [promptError, setPromptError] = useState<string | null>(null);
  const [hint, setHint] = useState<string | null>(null);

  const pages = plan === null ? [] : pageParts(previewOf(plan, context));
  const multi = pages.length > 1;
  const pageOf = (v: View) => Math.min(v.page, Math.max(0, pages.length - 1));
  const shownPage = pageOf(view);
  const rowsFor = (i: number) => rowsOf(pages[i], width);
  const rows = rowsFor(shownPage);
  const blocking = plan === null ? [] : blockingFindings(plan);
  const liftable = plan === null ? [] : liftingOverrides(plan);

  // The fixed parts: the failure and the blocking errors at the top, the footer at the bottom.
  const errors: Said[] = [];
  if (blocking.length > 0) {
    const head = `✗ Blocked by ${count(blocking.length, 'error')}: ${blocking.map((f) => f.id).join(', ')}.`;
    for (const text of wrapText(head, width)) errors.push({ text, color: 'red', bold: true });
    for (const f of blocking)
      for (const text of wrapText(`  error ${f.id}: ${f.message}`, width, '    ')) errors.push({ text, color: 'red' });
  }
  const warnings = plan === null ? 0 : plan.findings.filter((f) => f.level === 'warning').length;
  const footer = plan === null ? null : footerText(plan, blocking.length > 0, liftable, warnings);
  const warnLines = footer?.warn == null ? [] : wrapText(footer.warn, width);
  const promptText = footer === null ? [] : wrapText(footer.prompt, width);
  const footerLines = [...warnLines, ...promptText];
  const promptLines = prompting ? 2 + (promptError === null ? 0 : wrapText(`✗ ${promptError}`, width).length) : 0;
  const hintLines = hint === null ? [] : wrapText(hint, width);
  // The tabs (more than one page) and the status line under the page.
  const tabsLines = multi ? 1 : 0;
  const statusFor = (first: number, shown: number, page: number) =>
    wrapText(
      `${multi ? `${pages[shownPage].name} · ` : ''}lines ${rows.length === 0 ? 0 : first + 1}–${first + shown} of ${rows.length}` +
        (rows.length > page ? ' · ↑/↓ scroll · PgUp/PgDn page' : '') +
        (multi ? ` · Tab next · s summary · ${fileKeys(pages.length - 1)}` : ''),
      width,
    );
  // The status line's height does not depend on the numbers in it (they take as many digits at most).
  const statusHeight = statusFor(rows.length, rows.length, 0).length;
  // The top takes at most what leaves the prompt and a few lines of the plan on the screen.
  const bottom = tabsLines + statusHeight + footerLines.length + promptLines + hintLines.length;
  const topRoom = Math.max(2, height - bottom - 3);
  const failedShown = failure === null ? [] : failureShown(failure, width, Math.ceil(topRoom / 2));
  const errorsShown = capped(errors, Math.max(2, topRoom - failedShown.length));
  const page = Math.max(1, height - failedShown.length - errorsShown.length - bottom);
  const maxTopOf = (r: Row[]) => Math.max(0, r.length - page);
  const maxTop = maxTopOf(rows);
  const first = Math.min(rowAt(rows, view.anchor), maxTop);

  const show = (next: View) => {
    viewRef.current = next;
    setView(next);
  };
  // From the view as the last key left it (not as this render saw it).
  const scrollTo = (row: number) => {
    const at = pageOf(viewRef.current);
    const r0 = rowsFor(at);
    const r = r0[Math.max(0, Math.min(maxTopOf(r0), row))];
    if (r === undefined) return;
    show({ page: at, anchor: { logical: r.logical, part: r.part } });
  };
  const scroll = (by: number) => {
    const r0 = rowsFor(pageOf(viewRef.current));
    scrollTo(Math.min(rowAt(r0, viewRef.current.anchor), maxTopOf(r0)) + by);
  };
  const turnTo = (to: number) =>
    show({ page: Math.max(0, Math.min(pages.length - 1, to)), anchor: { logical: 0, part: 0 } });
  const turnBy = (by: number) => turnTo((pageOf(viewRef.current) + by + pages.length) % pages.length);

  // While the plan is being built: Esc goes back; any other key waits for the plan to be shown
  // (and then counts as typed before it: a y does not apply).
  const building = plan === null && planError === null;
  useKeys((key) => {
    if (key.name !== 'escape') return false;
    onBack();
  }, building);
  useKeys((key, info) => {
    if (key.name === 'escape') {
      onBack();
      return;
    }
    if (plan === null) return;
    setHint(null);
    if (key.name === 'backtab' || (key.name === 'tab' && key.shift) || key.name === 'left') turnBy(-1);
    else if (key.name === 'tab' || key.name === 'right') turnBy(1);
    else if (isChar(key, 's')) turnTo(0);
    else if (key.name === 'char' && !key.ctrl && !key.meta && /^[1-9]$/.test(key.text)) {
      if (Number(key.text) < pages.length) turnTo(Number(key.text));
    } else if (key.name === 'up') scroll(-1);
    else if (key.name === 'down') scroll(1);
    else if (key.name === 'pageup') scroll(-Math.max(1, page - 1));
    else if (key.name === 'pagedown' || isChar(key, ' ')) scroll(Math.max(1, page - 1));
    else if (key.name === 'home') scrollTo(0);
    else if (key.name === 'end') scrollTo(maxTop);
    else if (
      isEmptyPlan(plan) &&
      blocking.length === 0 &&
      (key.name === 'return' || isChar(key, 'y') || isChar(key, 'Y'))
    )
      onConfirm();
    else if (isChar(key, 'y') || isChar(key, 'Y')) {
      if (blocking.length > 0) return;
      if (info.early) setHint('That y was typed before the plan was on the screen: press y again to apply.');
      else onConfirm();
    } else if (key.name === 'return') {
      if (blocking.length === 0) setHint('Enter does not apply: press y to apply these changes, Esc to go back.');
    } else if (isChar(key, 'o') && liftable.length > 0) {
      setPromptError(null);
      setPrompting(true);
    } else if (isChar(key, 'h') && keepsHandEdits(plan)) onOverride([OVERWRITE_HAND_EDITS]);
    else if (isChar(key, 't') && keepsTlsSettings(plan)) onOverride([REPLACE_TLS_OVERRIDE]);
    else if (isChar(key, 'm') && offersMigration(plan)) onOverride([MIGRATE_DEPRECATED]);
    else if (isChar(key, 'c') && offersCommentFix(plan)) onOverride([FIX_VALUE_COMMENTS]);
  }, !building && !prompting);

  if (planError !== null) {
    return (
      <Box flexDirection="column">
        <Block lines={wrapText(`✗ Could not build the plan: ${planError}`, width)} color="red" bold />
        <Text>Esc back to the questions · Ctrl-C quit without writing</Text>
      </Box>
    );
  }
  const failedBlock = failedShown.length > 0 && <Said lines={failedShown} />;
  if (plan === null) {
    return (
      <Box flexDirection="column">
        {failedBlock}
        <Text>
          <Spinner /> Building the plan…
        </Text>
      </Box>
    );
  }
  const shown = rows.slice(first, first + page);
  return (
    <Box flexDirection="column">
      {failedBlock}
      {errorsShown.length > 0 && <Said lines={errorsShown} />}
      {multi ? <Tabs pages={pages} shown={shownPage} /> : null}
      {shown.map((r) => (
        <Line key={`${shownPage}:${r.logical}.${r.part}`} line={r.line} />
      ))}
      <Block lines={statusFor(first, shown.length, page)} color="gray" />
      {hintLines.length > 0 && <Block lines={hintLines} color="yellow" bold />}
      {prompting ? (
        <Box flexDirection="column">
          <Text bold wrap="truncate-end">
            Type the id of the rule to override knowingly ({liftable.join(', ')}), then Enter; Esc cancels:
          </Text>
          <Box>
            <Text>{'> '}</Text>
            <TextField
              onChange={() => setPromptError(null)}
              onEscape={() => setPrompting(false)}
              onSubmit={(typed) => {
                const id = typed.trim();
                if (liftable.includes(id)) onOverride([id]);
                else
                  setPromptError(
                    `"${id}" is not the id of an error shown above: type ${liftable.map((x) => `"${x}"`).join(' or ')}`,
                  );
              }}
            />
          </Box>
          {promptError !== null && <Block lines={wrapText(`✗ ${promptError}`, width)} color="red" />}
        </Box>
      ) : (
        <Box flexDirection="column">
          <Block lines={warnLines} color={warnings > 0 ? 'yellow' : undefined} />
          <Block lines={promptText} bold={blocking.length === 0} />
        </Box>
      )}
    </Box>
  );
}

/** The footer: a line on the warnings (blank when none), then what y does; or why nothing applies. */
function footerText(
  plan: Plan,
  blocked: boolean,
  liftable: string[],
  warnings: number,
): { warn: string | null; prompt: string } {
  if (blocked) {
    const o = liftable.length > 0 ? ` · o override knowingly (override id: ${liftable.join(', ')})` : '';
    return { warn: null, prompt: `Esc back to change the answers${o} · Ctrl-C quit` };
  }
  const tls = keepsTlsSettings(plan)
    ? ` · t take mailsetup's TLS settings over your ${count(plan.tls?.kept.length ?? 0, 'setting')}`
    : '';
  const deprecated = plan.offers?.migrateDeprecated ?? 0;
  const comments = plan.offers?.fixValueComments ?? 0;
  const cleanups =
    (offersMigration(plan) ? ` · m migrate the ${count(deprecated, 'deprecated parameter')}` : '') +
    (offersCommentFix(plan)
      ? ` · c move the ${count(comments, '# comment')} out of ${comments === 1 ? 'its value' : 'their values'}`
      : '');
  const warn =
    warnings > 0
      ? `⚠ ${count(warnings, 'warning')}: see Findings in the summary (s)` +
        (keepsHandEdits(plan) ? ` · h take mailsetup's values over the ${count(plan.drift.length, 'hand edit')}` : '') +
        cleanups +
        tls
      : tls
        ? `TLS: see the TLS section in the summary (s)${tls}`
        : ' ';
  const prompt = isEmptyPlan(plan)
    ? 'Nothing to change. Enter/y finish · Esc back · Ctrl-C quit'
    : 'Apply these changes? y apply · Esc back · Ctrl-C quit without writing';
  return { warn, prompt };
}
