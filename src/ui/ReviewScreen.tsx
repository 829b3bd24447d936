/**
 * "Review all settings": after the short path's questions, every setting of the role on one
 * screen, one row each: the Postfix name, the value the plan will get, and where that value comes
 * from (you set it, asked, the current value, the answers file, a default); the highlighted row
 * says it in full below the list. Enter on the first row builds the plan; Enter on a setting opens
 * its question, whose answer comes back here. ↑/↓, PgUp/PgDn, Home/End move; Esc goes back to the
 * last question asked. The list scrolls within the terminal's height.
 */
import { Box, Text } from 'ink';
import type { AnswerValue, Question } from '../model/answers.js';
import { formatValue } from './format.js';
import { useKeys } from './input/InputProvider.js';
import { wrapText } from './layout.js';
import { useColor } from './style.js';

/** Where a setting's value comes from, in one word for its row. */
export type ReviewOrigin = 'you set' | 'asked' | 'current' | 'answers' | 'default';

/** One row of the review: a setting, its value as shown, and its origin. */
export interface ReviewRow {
  question: Question;
  value: AnswerValue;
  origin: ReviewOrigin;
}

/** The origin of a setting's value: typed or chosen in this run, accepted when asked, or its question's origin. */
export function reviewOrigin(q: Question, edited: boolean, asked: boolean): ReviewOrigin {
  if (edited) return 'you set';
  if (asked) return 'asked';
  if (q.origin.startsWith('the current value')) return 'current';
  if (q.origin === 'the answers given (--answers)') return 'answers';
  return 'default';
}

/** The full sentence for the highlighted row. */
function detailOf(row: ReviewRow): string {
  const q = row.question;
  const from =
    row.origin === 'you set'
      ? `you set it in this run (the default: ${formatValue(q, q.default)}, ${q.origin})`
      : row.origin === 'asked'
        ? `asked, the default kept: ${q.origin}`
        : q.origin;
  return `${q.label} (${q.param}): ${formatValue(q, row.value)} · ${from}`;
}

/** `text` cut to `width` characters, with "…" when cut. */
function cut(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

export const REVIEW_CONTINUE = 'Continue: build the plan and show the preview';

const KEYS = '↑/↓ move · Enter change it / continue · Esc back · Ctrl-C quit without writing';

/** The rows as the screen draws them, `width` columns wide (pure, for the tests too). */
export function reviewLines(rows: readonly ReviewRow[], cursor: number, width: number): string[] {
  const name = Math.min(28, Math.max(8, ...rows.map((r) => r.question.param.length)));
  const tag = 8;
  const value = Math.max(8, width - 2 - name - 1 - 1 - tag);
  const lines = [`${cursor === 0 ? '›' : ' '} ${cut(REVIEW_CONTINUE, width - 2)}`];
  rows.forEach((r, i) => {
    const mark = cursor === i + 1 ? '›' : ' ';
    const v = cut(formatValue(r.question, r.value), value).padEnd(value);
    lines.push(`${mark} ${cut(r.question.param, name).padEnd(name)} ${v} ${r.origin}`.trimEnd());
  });
  return lines;
}

export interface ReviewScreenProps {
  rows: ReviewRow[];
  cursor: number;
  roleTitle: string;
  /** How many settings the short path asked. */
  asked: number;
  height: number;
  columns: number;
  onMove(by: number): void;
  onChoose(): void;
  onBack(): void;
}

/** The review screen. */
export function ReviewScreen({
  rows,
  cursor,
  roleTitle,
  asked,
  height,
  columns,
  onMove,
  onChoose,
  onBack,
}: ReviewScreenProps) {
  const tint = useColor();
  const width = Math.max(20, columns - 1);
  const total = rows.length + 1;
  // The list's room: title, heading, note, a gap, the detail (2 lines), a gap, the keys.
  const keys = wrapText(KEYS, width);
  const detailHeight = 2;
  const room = Math.max(3, height - 3 - 1 - detailHeight - 1 - keys.length);
  const page = Math.max(1, room - 1);
  useKeys((key) => {
    if (key.name === 'up') onMove(-1);
    else if (key.name === 'down') onMove(1);
    else if (key.name === 'pageup') onMove(-page);
    else if (key.name === 'pagedown') onMove(page);
    else if (key.name === 'home') onMove(-total);
    else if (key.name === 'end') onMove(total);
    else if (key.name === 'return') onChoose();
    else if (key.name === 'escape') onBack();
  });
  const lines = reviewLines(rows, cursor, width);
  const start = Math.min(Math.max(0, cursor - Math.floor(room / 2)), Math.max(0, total - room));
  const shown = lines.slice(start, start + room);
  const row = cursor > 0 ? rows[cursor - 1] : undefined;
  const detail = (
    row === undefined
      ? wrapText(
          'Every setting below goes into the plan with the value shown; the preview shows what changes before anything is written.',
          width,
        )
      : wrapText(detailOf(row), width)
  ).slice(0, detailHeight);
  const more = rows.length - asked;
  const range = total > room ? ` · rows ${start + 1}–${start + shown.length} of ${total}` : '';
  return (
    <Box flexDirection="column">
      <Text color={tint('gray')} wrap="truncate-end">
        {roleTitle} · review all settings{range}
      </Text>
      <Text bold wrap="truncate-end">
        Review all settings: Enter on one to change it, or continue
      </Text>
      <Text color={tint('gray')} wrap="truncate-end">
        {cut(`${asked} asked; the other ${more} keep the value shown (on a re-run, the current one)`, width)}
      </Text>
      <Box marginTop={1} flexDirection="column">
        {shown.map((line, i) => (
          <Text
            key={start + i}
            bold={start + i === cursor}
            color={start + i === cursor ? tint('cyan') : undefined}
            wrap="truncate-end"
          >
            {line}
          </Text>
        ))}
      </Box>
      <Box marginTop={1} flexDirection="column" height={detailHeight}>
        {detail.map((line, i) => (
          <Text key={i} wrap="truncate-end">
            {line}
          </Text>
        ))}
      </Box>
      {keys.map((line, i) => (
        <Text key={i} color={tint('gray')} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}
