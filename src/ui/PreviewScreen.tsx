/**
 * The preview: the parts of src/output/preview.ts (the same text --dry-run prints, in the same
 * order), one page each: the summary first (role, parameters old → new, findings, hand edits,
 * commands and restarts, the files with their keys), then one page per file with its diff. A key
 * per page: s the summary, 1–9 a file, Tab/→ the next page, Shift-Tab/← the one before. Each page
 * scrolls in a window sized to the terminal: ↑/↓ line, PgUp/PgDn (or space) page. y/Enter
 * confirms, unless an error finding blocks it: then the footer says so and, when every blocking
 * error has an override id, `o` adds those ids to the answers' overrides and plans again. Esc
 * goes back to the questions.
 */
import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { Plan } from '../model/plan.js';
import { isEmptyPlan } from '../model/plan.js';
import { previewOf, type Preview, type PreviewContext } from '../output/preview.js';
import { foldLine, type StyledLine } from '../output/styled.js';
import { blockingFindings } from './machine.js';
import { Spinner } from './Spinner.js';
import { Line, useColor, wrapLine } from './style.js';

export interface PreviewScreenProps {
  plan: Plan | null;
  planError: string | null;
  /** The role configured now and the sandbox, for the summary. */
  context?: PreviewContext;
  /** Lines available for the page tabs and the scrolled body. */
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

/** "1 error", "2 warnings". */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The footer under the scrolled plan: what Enter does, or why it does nothing. */
function Footer({ plan }: { plan: Plan }) {
  const tint = useColor();
  const blocking = blockingFindings(plan);
  const warnings = plan.findings.filter((f) => f.level === 'warning').length;
  if (blocking.length > 0) {
    const ids = liftingOverrides(plan);
    return (
      <Box flexDirection="column">
        <Text color={tint('red')} bold>
          ✗ Blocked by {count(blocking.length, 'error')}: {blocking.map((f) => f.id).join(', ')}.
        </Text>
        <Text>
          Esc back to change the answers
          {ids.length > 0 ? ` · o override knowingly (override id: ${ids.join(', ')})` : ''} · Ctrl-C quit
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      {warnings > 0 ? (
        <Text color={tint('yellow')}>
          ⚠ {count(warnings, 'warning')}: see Findings in the summary (s)
          {keepsHandEdits(plan) ? ` · h take mailsetup's values over the ${count(plan.drift.length, 'hand edit')}` : ''}
        </Text>
      ) : (
        <Text> </Text>
      )}
      {isEmptyPlan(plan) ? (
        <Text bold>Nothing to change. Enter/y finish · Esc back · Ctrl-C quit</Text>
      ) : (
        <Text bold>Apply these changes? y/Enter apply · Esc back to the questions · Ctrl-C quit without writing</Text>
      )}
    </Box>
  );
}

/** One page of the preview: its tab name and its lines. */
export interface PreviewPage {
  /** "summary", or the file's name without its directory. */
  name: string;
  /** The key that shows it: "s", "1"…"9" (no key past the ninth file: Tab reaches it). */
  key: string | null;
  lines: StyledLine[];
}

/** The short name of a file for its tab: main.cf, sasl_passwd, postfix.conf. */
function tabName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The pages of a preview: the summary, which ends with the files and the key of each, then one
 * page per file (its heading and diff). Lines are folded to `width`: the summary's at spaces, a
 * diff's exactly (a diff line is cut, never reflowed).
 */
export function previewPages(p: Preview, width: number): PreviewPage[] {
  const keyOf = (i: number): string | null => (i < 9 ? String(i + 1) : null);
  const summary: StyledLine[] = [...p.summary];
  if (p.files.length > 0) {
    summary.push([], [{ text: 'Files (a key shows each one: its diff)', style: 'heading' }]);
    p.files.forEach((f, i) => summary.push([{ text: `  ${keyOf(i) ?? ' '} ` }, ...f.heading]));
  }
  if (p.unchanged.length > 0) summary.push([{ text: `  Unchanged: ${p.unchanged.join(', ')}`, style: 'dim' }]);
  const pages: PreviewPage[] = [{ name: 'summary', key: 's', lines: summary.flatMap((l) => foldLine(l, width)) }];
  p.files.forEach((f, i) =>
    pages.push({
      name: tabName(f.path),
      key: keyOf(i),
      lines: [
        f.heading,
        ...(f.diff.length > 0 ? f.diff : [[{ text: 'no change in the text', style: 'dim' as const }]]),
      ].flatMap((l) => wrapLine(l, width)),
    }),
  );
  return pages;
}

/** "1 the file", "1–3 files", "1–9 files" (no key past the ninth). */
function fileKeys(n: number): string {
  return n === 1 ? '1 the file' : `1–${Math.min(9, n)} files`;
}

/** The tabs above the page: "[s summary]  1 main.cf  2 master.cf", the shown one in brackets. */
function Tabs({ pages, shown }: { pages: PreviewPage[]; shown: number }) {
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

/** The preview screen. */
export function PreviewScreen({
  plan,
  planError,
  context,
  height,
  width,
  onConfirm,
  onBack,
  onOverride,
}: PreviewScreenProps) {
  const tint = useColor();
  // The page shown and its first line; a new page starts at its top.
  const [view, setView] = useState({ page: 0, top: 0 });
  const pages = plan === null ? [] : previewPages(previewOf(plan, context), width);
  const multi = pages.length > 1;
  const shownPage = Math.min(view.page, Math.max(0, pages.length - 1));
  const lines: StyledLine[] = pages[shownPage]?.lines ?? [];
  // The tabs take a line when there is more than one page.
  const page = Math.max(1, height - (multi ? 1 : 0));
  const maxTop = Math.max(0, lines.length - page);
  const first = Math.min(view.top, maxTop);

  // Functional updates: keys that arrive before the next render add up.
  const scroll = (by: number) =>
    setView((v) => ({ page: v.page, top: Math.max(0, Math.min(maxTop, Math.min(v.top, maxTop) + by)) }));
  const turnTo = (to: number) => setView({ page: Math.max(0, Math.min(pages.length - 1, to)), top: 0 });
  const turnBy = (by: number) =>
    setView((v) => ({ page: (Math.min(v.page, pages.length - 1) + by + pages.length) % pages.length, top: 0 }));

  useInput((input, key) => {
    if (key.escape) onBack();
    else if (plan === null) return;
    else if (key.tab && key.shift) turnBy(-1);
    else if (key.tab || key.rightArrow) turnBy(1);
    else if (key.leftArrow) turnBy(-1);
    else if (input === 's') turnTo(0);
    else if (/^[1-9]$/.test(input) && Number(input) < pages.length) turnTo(Number(input));
    else if (key.upArrow) scroll(-1);
    else if (key.downArrow) scroll(1);
    else if (key.pageUp) scroll(-Math.max(1, page - 1));
    else if (key.pageDown || input === ' ') scroll(Math.max(1, page - 1));
    else if (key.return || input === 'y' || input === 'Y') {
      if (blockingFindings(plan).length === 0) onConfirm();
    } else if (input === 'o') {
      const ids = liftingOverrides(plan);
      if (ids.length > 0) onOverride(ids);
    } else if (input === 'h' && keepsHandEdits(plan)) {
      onOverride([OVERWRITE_HAND_EDITS]);
    }
  });

  if (planError !== null) {
    return (
      <Box flexDirection="column">
        <Text color={tint('red')} bold>
          ✗ Could not build the plan: {planError}
        </Text>
        <Text>Esc back to the questions · Ctrl-C quit without writing</Text>
      </Box>
    );
  }
  if (plan === null) {
    return (
      <Text>
        <Spinner /> Building the plan…
      </Text>
    );
  }
  const shown = lines.slice(first, first + page);
  return (
    <Box flexDirection="column">
      {multi ? <Tabs pages={pages} shown={shownPage} /> : null}
      {shown.map((l, i) => (
        <Line key={`${shownPage}:${first + i}`} line={l} />
      ))}
      <Text color={tint('gray')} wrap="truncate-end">
        {multi ? `${pages[shownPage].name} · ` : ''}lines {lines.length === 0 ? 0 : first + 1}–{first + shown.length} of{' '}
        {lines.length}
        {lines.length > page ? ' · ↑/↓ PgUp/PgDn scroll' : ''}
        {multi ? ` · Tab next · s summary · ${fileKeys(pages.length - 1)}` : ''}
      </Text>
      <Footer plan={plan} />
    </Box>
  );
}
