/**
 * Text-level helpers for main.cf that the editor (src/postfix/mainCf.ts, which does exactly what
 * postconf does) has no operation for: the physical lines of one definition, and putting back a
 * definition's original text.
 */
import { isContinuation, splitPhysicalLines } from '../postfix/lines.js';
import { MainCf } from '../postfix/mainCf.js';

/** A definition's physical lines as [start, end) indexes. */
export interface Span {
  start: number;
  end: number;
}

/** The span of an entry that starts at 1-based line `line`: that line and the continuation lines right after it. */
export function spanAt(lines: readonly string[], line: number): Span {
  const start = line - 1;
  let end = start + 1;
  while (end < lines.length && isContinuation(lines[end])) end++;
  return { start, end };
}

/** The span of the one definition of `name`; null when main.cf does not define it exactly once. */
export function definitionSpan(lines: readonly string[], cf: MainCf, name: string): Span | null {
  const defs = cf.entries().filter((e) => e.name === name);
  return defs.length === 1 ? spanAt(lines, defs[0].line) : null;
}

/** The text of the one definition of `name` (ending in a newline), or null. */
export function definitionText(cf: MainCf, name: string): string | null {
  const lines = splitPhysicalLines(cf.toString());
  const span = definitionSpan(lines, cf, name);
  if (!span) return null;
  const text = lines.slice(span.start, span.end).join('');
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** main.cf text with the one definition of `name` replaced by `text` (unchanged when there is not exactly one). */
export function replaceDefinition(mainText: string, name: string, text: string): string {
  const cf = MainCf.parse(mainText);
  const lines = splitPhysicalLines(mainText);
  const span = definitionSpan(lines, cf, name);
  if (!span) return mainText;
  return [...lines.slice(0, span.start), text, ...lines.slice(span.end)].join('');
}
