/**
 * The preview: the plan's lines from src/plan/diff.ts (the same text --dry-run prints), scrolled in
 * a window sized to the terminal. ↑/↓ line, PgUp/PgDn page. y/Enter confirms, unless an error
 * finding blocks it: then the footer says so and, when every blocking error has an override id,
 * `o` adds those ids to the answers' overrides and plans again. Esc goes back to the questions.
 */
import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { Plan } from '../model/plan.js';
import { isEmptyPlan } from '../model/plan.js';
import { planLines } from '../output/preview.js';
import type { StyledLine } from '../output/styled.js';
import { blockingFindings } from './machine.js';
import { Spinner } from './Spinner.js';
import { Line, useColor, wrapLine } from './style.js';

export interface PreviewScreenProps {
  plan: Plan | null;
  planError: string | null;
  /** Lines available for the scrolled body. */
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
          ⚠ {count(warnings, 'warning')}: see Findings at the end
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

/** The preview screen. */
export function PreviewScreen({ plan, planError, height, width, onConfirm, onBack, onOverride }: PreviewScreenProps) {
  const tint = useColor();
  const [top, setTop] = useState(0);
  const lines: StyledLine[] = plan === null ? [] : planLines(plan).flatMap((l) => wrapLine(l, width));
  const page = Math.max(1, height);
  const maxTop = Math.max(0, lines.length - page);
  const first = Math.min(top, maxTop);

  // Functional update: keys that arrive before the next render add up.
  const scroll = (by: number) => setTop((t) => Math.max(0, Math.min(maxTop, Math.min(t, maxTop) + by)));

  useInput((input, key) => {
    if (key.escape) onBack();
    else if (plan === null) return;
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
      {shown.map((l, i) => (
        <Line key={first + i} line={l} />
      ))}
      <Text color={tint('gray')}>
        lines {lines.length === 0 ? 0 : first + 1}–{first + shown.length} of {lines.length}
        {lines.length > page ? ' · ↑/↓ scroll · PgUp/PgDn page' : ''}
      </Text>
      <Footer plan={plan} />
    </Box>
  );
}
