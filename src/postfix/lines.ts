/**
 * Physical-line primitives shared by every Postfix file format (main.cf, master.cf, aliases,
 * lookup tables). Postfix reads all of them with readllines(): a line whose first
 * non-whitespace character is `#`, or that is empty or all whitespace, is a comment; a content
 * line that starts with whitespace continues the previous logical line.
 */

/** C isspace() on ASCII: space, \t, \n, \v, \f, \r. */
export function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

/** Split text into physical lines, each keeping its terminating "\n" (the last may lack it). */
export function splitPhysicalLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      lines.push(text.slice(start));
      break;
    }
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  return lines;
}

/** A comment or blank line: nothing but whitespace, or `#` as the first non-whitespace char. */
export function isNonContent(line: string): boolean {
  let i = 0;
  while (i < line.length && isSpace(line[i])) i++;
  return i >= line.length || line[i] === '#';
}

/** A content line that starts with whitespace: it continues the current logical line. */
export function isContinuation(line: string): boolean {
  return !isNonContent(line) && isSpace(line[0]);
}

/** Postfix (and this editor) cannot safely handle NUL bytes in its files. */
export function assertNoNul(text: string, what: string): void {
  const at = text.indexOf('\0');
  if (at >= 0) {
    const line = text.slice(0, at).split('\n').length;
    throw new Error(`${what}: NUL byte at line ${line}; refusing to edit a file Postfix would misread`);
  }
}
