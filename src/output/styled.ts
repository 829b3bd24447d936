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
  | 'failed'
  | 'selected';

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
  selected: { color: 'cyan', bold: true },
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

/** The SGR codes chalk (which styles Ink's text) opens and closes each colour with; gray is bright black. */
const CHALK_COLOUR: Readonly<Record<Color, readonly [string, string]>> = {
  red: ['31', '39'],
  green: ['32', '39'],
  yellow: ['33', '39'],
  blue: ['34', '39'],
  magenta: ['35', '39'],
  cyan: ['36', '39'],
  gray: ['90', '39'],
};

/**
 * A styled line as Ink draws it: the same codes chalk gives Ink's <Text> (bold, underline, the
 * colour when `color` is on; bold and underline are drawn either way, as on the Ink screens).
 */
export function inkLineText(line: StyledLine, color: boolean): string {
  return line
    .map((span) => {
      const s = span.style === undefined ? {} : STYLES[span.style];
      const codes: Array<readonly [string, string]> = [];
      if (s.bold) codes.push(['1', '22']);
      if (s.underline) codes.push(['4', '24']);
      if (s.color !== undefined && color) codes.push(CHALK_COLOUR[s.color]);
      if (span.text === '' || codes.length === 0) return span.text;
      const open = codes.map(([o]) => `\x1b[${o}m`).join('');
      const close = codes
        .map(([, c]) => `\x1b[${c}m`)
        .reverse()
        .join('');
      return `${open}${span.text}${close}`;
    })
    .join('');
}

/** Styled lines as text, with ANSI colours when `color` is true; every line ends with "\n". */
export function renderLines(styled: StyledLine[], opts: { color: boolean }): string {
  return styled
    .map((line) => line.map((s) => (s.style === undefined ? s.text : paint(opts.color, s.style, s.text))).join(''))
    .map((l) => `${l}\n`)
    .join('');
}

/**
 * Fold a styled line to lines of at most `width` columns at spaces, for reading: a continuation
 * starts under the text of the first line (its leading spaces, plus `hang` more), a word longer
 * than the room is cut. Styles carry over. An empty line stays one empty line.
 */
export function foldLine(line: StyledLine, width: number, hang = 2): StyledLine[] {
  const text = line.map((s) => s.text).join('');
  const w = Math.max(1, width);
  if (text.length <= w) return [line];
  // The style of each character, so that the pieces can be cut anywhere.
  const styles: Array<Style | undefined> = [];
  for (const s of line) for (let i = 0; i < s.text.length; i++) styles.push(s.style);
  const indent = Math.min(/^ */.exec(text)?.[0].length ?? 0, Math.floor(w / 2)) + hang;
  const pad = ' '.repeat(Math.min(indent, Math.max(0, w - 10)));
  const out: StyledLine[] = [];
  let start = 0;
  let first = true;
  while (start < text.length) {
    const lead = first ? '' : pad;
    const room = w - lead.length;
    let end = start + room;
    if (end >= text.length) end = text.length;
    else {
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space;
    }
    const spans: StyledLine = lead === '' ? [] : [{ text: lead }];
    for (let i = start; i < end;) {
      let j = i;
      while (j < end && styles[j] === styles[i]) j++;
      const span: Span = { text: text.slice(i, j) };
      if (styles[i] !== undefined) span.style = styles[i];
      spans.push(span);
      i = j;
    }
    out.push(spans);
    start = end;
    while (text[start] === ' ' && start < text.length) start++;
    first = false;
  }
  return out;
}
