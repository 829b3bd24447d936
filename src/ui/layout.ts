/**
 * Fitting screens into the terminal. Ink draws a frame as tall as its content, and a frame as
 * tall as the terminal or taller makes Ink clear the screen on every change and leaves lines of
 * it behind on the next screen; so every screen is laid out in at most rows − 1 lines, with its
 * prompt last. Text that may wrap is wrapped here, into lines drawn one per Text and cut at the
 * edge, so that the number of lines a screen takes is known before it is drawn.
 */

/** The longest frame a terminal of `rows` lines shows without scrolling. */
export function frameHeight(rows: number): number {
  return Math.max(1, rows - 1);
}

/**
 * `text` word-wrapped into lines of at most `width` characters; a word longer than a line is
 * split. `indent` (a string) starts every line but the first.
 */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  // The text's own leading spaces stay in front of its first line.
  const lead = /^ */.exec(text)?.[0] ?? '';
  let line = lead.slice(0, w - 1);
  text = text.slice(lead.length);
  const room = () => w - (out.length === 0 ? 0 : indent.length);
  const push = () => {
    out.push(out.length === 0 ? line : indent + line);
    line = '';
  };
  for (const word of text.split(/ +/)) {
    let rest = word;
    for (;;) {
      const sep = line.trim() === '' ? '' : ' ';
      if (line.length + sep.length + rest.length <= room()) {
        line += sep + rest;
        break;
      }
      if (line.trim() !== '') {
        push();
        continue;
      }
      // A word longer than a whole line: cut it.
      const r = Math.max(1, room() - line.length);
      line += rest.slice(0, r);
      rest = rest.slice(r);
      push();
      if (rest === '') break;
    }
  }
  if (line.trim() !== '' || out.length === 0) push();
  return out;
}

/** How many lines `text` takes wrapped at `width`. */
export function lineCount(text: string, width: number, indent = ''): number {
  return wrapText(text, width, indent).length;
}
