/**
 * Output for a terminal that shows ASCII only (LANG=C or POSIX, the Linux console's fonts): the
 * marks mailsetup draws (❯ ✓ ✗ ⚠ ↺ → — … · and the spinner's braille dots) become ASCII of the
 * same width, so a screen laid out for the marks keeps its layout; any other character outside
 * ASCII becomes "?" ("??" for a double-width one), never bytes the terminal would garble.
 */

const MARKS: Readonly<Record<string, string>> = {
  '❯': '>',
  '✓': '+',
  '✗': 'x',
  '⚠': '!',
  '↺': '~',
  '→': '>',
  '←': '<',
  '↑': '^',
  '↓': 'v',
  '—': '-',
  '–': '-',
  '…': '.',
  '·': '|',
  '•': '*',
  '×': 'x',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '\u00a0': ' ',
  // The spinner: ⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ turns as | / - \.
  '⠋': '|',
  '⠙': '/',
  '⠹': '-',
  '⠸': '\\',
  '⠼': '|',
  '⠴': '/',
  '⠦': '-',
  '⠧': '\\',
  '⠇': '|',
  '⠏': '/',
};

/** Code points a terminal draws two columns wide (East Asian wide and full-width, emoji). */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Combining marks, which take no column of their own. */
function isCombining(cp: number): boolean {
  return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfe0f;
}

/** `text` with every character outside ASCII replaced as above. */
export function toAscii(text: string): string {
  if (!/[^\u0000-\u007f]/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) out += ch;
    else if (MARKS[ch] !== undefined) out += MARKS[ch];
    else if (isCombining(cp)) continue;
    else out += isWide(cp) ? '??' : '?';
  }
  return out;
}
