/**
 * Styled text, the one way mailsetup colours what it shows: a line is a list of spans, each in a
 * named style; the Ink screens draw spans with the palette below, the plain-text mode (pipes,
 * --dry-run, --yes) with the matching ANSI codes, or without any when colours are off.
 */

/** How a span is drawn. */
export type Style =
  | 'title'
  | 'heading'
  | 'file'
  | 'meta'
  | 'hunk'
  | 'add'
  | 'del'
  | 'old'
  | 'new'
  | 'error'
  | 'warning'
  | 'info'
  | 'dim'
  | 'ok'
  | 'failed';

/** A run of text in one style; no style = plain. */
export interface Span {
  text: string;
  style?: Style;
}

/** One output line (no newline inside). */
export type StyledLine = Span[];

/** The colours the palette uses (Ink's names). */
export type Color = 'red' | 'green' | 'yellow' | 'cyan' | 'blue' | 'gray' | 'magenta';

export interface TextStyle {
  color?: Color;
  bold?: boolean;
  underline?: boolean;
}

/** The palette: one entry per style, for Ink and (through ANSI_CODE) for plain text. */
export const STYLES: Readonly<Record<Style, TextStyle>> = {
  title: { bold: true },
  heading: { bold: true, underline: true },
  file: { bold: true },
  meta: { bold: true },
  hunk: { color: 'cyan' },
  add: { color: 'green' },
  del: { color: 'red' },
  old: { color: 'red' },
  new: { color: 'green' },
  error: { color: 'red', bold: true },
  warning: { color: 'yellow' },
  info: { color: 'cyan' },
  dim: { color: 'gray' },
  ok: { color: 'green' },
  failed: { color: 'red' },
};

/** SGR codes of the colours; gray is the terminal's faint text. */
const COLOUR_SGR: Readonly<Record<Color, string>> = {
  red: '31',
  green: '32',
  yellow: '33',
  blue: '34',
  magenta: '35',
  cyan: '36',
  gray: '2',
};

function sgr(style: Style): string {
  const s = STYLES[style];
  return [s.bold ? '1' : '', s.underline ? '4' : '', s.color ? COLOUR_SGR[s.color] : ''].filter((x) => x).join(';');
}

/** `text` in `style` for a terminal when `color` is on; the text alone otherwise. */
export function paint(color: boolean, style: Style, text: string): string {
  return color && text !== '' ? `\x1b[${sgr(style)}m${text}\x1b[0m` : text;
}

/** Styled lines as text, with ANSI colours when `color` is true; every line ends with "\n". */
export function renderLines(styled: StyledLine[], opts: { color: boolean }): string {
  return styled
    .map((line) => line.map((s) => (s.style === undefined ? s.text : paint(opts.color, s.style, s.text))).join(''))
    .map((l) => `${l}\n`)
    .join('');
}
