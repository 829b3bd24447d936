/**
 * Text that came from outside (answers, files, a server's replies, a program's output) on its way
 * to a terminal: control characters made visible so that no escape sequence reaches the terminal
 * raw, and long values cut when a message quotes them.
 */

/** C0 controls except TAB and LF, DEL, and the C1 controls (U+0080–U+009F; U+009B is a CSI). */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * `text` with every control character but TAB and line feed written as \xNN (ESC → \x1b), so a
 * terminal shows it instead of obeying it. Line feeds are kept: the caller decides about lines.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** printable() on one line: line feeds and tabs made visible too. */
export function printableLine(text: string): string {
  return printable(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** The longest value a message quotes whole. */
export const QUOTE_MAX = 512;

/**
 * A value quoted for a message: JSON string syntax (so control characters show as \u001b, \n),
 * cut after QUOTE_MAX characters with the full length said ("…" (52428800 characters)).
 */
export function quoteValue(text: string, max = QUOTE_MAX): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)`;
}
