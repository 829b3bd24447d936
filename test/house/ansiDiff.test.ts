/**
 * The bundle gives Ink's output library a diffAnsiCodes with a shortcut for two characters of the
 * same style (scripts/ansi-diff.mjs, swapped in by scripts/build.mjs): its answers must be the
 * library's, for the styles Ink's frames are made of.
 */
import { diffAnsiCodes, styledCharsFromTokens, styledCharsToString, tokenize } from '@alcalzone/ansi-tokenize';
import { describe, expect, it } from 'vitest';
import { withSameStyleShortcut } from '../../scripts/ansi-diff.mjs';
import { Rng } from '../helpers/prng.js';

const shortcut = withSameStyleShortcut(diffAnsiCodes);

/** SGR codes as chalk writes them: colours, their reset, bold/dim, underline, inverse, background, reset. */
const CODES = [0, 1, 2, 22, 4, 24, 7, 27, 31, 32, 33, 36, 39, 90, 41, 49].map((n) => `\u001b[${n}m`);

/** A line of text with style codes between random runs of characters. */
function styledLine(rng: Rng): string {
  let s = '';
  const runs = rng.range(1, 12);
  for (let r = 0; r < runs; r++) {
    for (let k = rng.range(0, 3); k > 0; k--) s += CODES[rng.int(CODES.length)];
    for (let k = rng.range(1, 8); k > 0; k--) s += 'ab ❯—·'[rng.int(6)];
  }
  return s;
}

describe('diffAnsiCodes with the same-style shortcut', () => {
  it('answers as the library does for consecutive and for arbitrary characters', () => {
    const rng = new Rng(20);
    let empty = 0;
    let nonEmpty = 0;
    for (let n = 0; n < 400; n++) {
      const chars = styledCharsFromTokens(tokenize(styledLine(rng)));
      for (let i = 0; i < chars.length; i++) {
        const pairs = [
          [i === 0 ? [] : chars[i - 1].styles, chars[i].styles],
          [chars[rng.int(chars.length)].styles, chars[i].styles],
          [chars[i].styles, []],
        ];
        for (const [from, to] of pairs) {
          const want = diffAnsiCodes(from, to);
          expect(shortcut(from, to)).toEqual(want);
          if (want.length === 0) empty++;
          else nonEmpty++;
        }
      }
    }
    // Both kinds of answer were asked for, many times.
    expect(empty).toBeGreaterThan(1000);
    expect(nonEmpty).toBeGreaterThan(1000);
  });

  it('gives the same line as the library: styledCharsToString with either function', () => {
    const rng = new Rng(7);
    for (let n = 0; n < 200; n++) {
      const chars = styledCharsFromTokens(tokenize(styledLine(rng)));
      let viaShortcut = '';
      for (let i = 0; i < chars.length; i++) {
        viaShortcut += (i === 0 ? chars[i].styles : shortcut(chars[i - 1].styles, chars[i].styles))
          .map((c) => c.code)
          .join('');
        viaShortcut += chars[i].value;
        if (i === chars.length - 1)
          viaShortcut += shortcut(chars[i].styles, [])
            .map((c) => c.code)
            .join('');
      }
      expect(viaShortcut).toBe(styledCharsToString(chars));
    }
  });

  it('takes the shortcut only for equal styles: a different code or order goes to the library', () => {
    const bold = { type: 'ansi' as const, code: '\u001b[1m', endCode: '\u001b[22m' };
    const red = { type: 'ansi' as const, code: '\u001b[31m', endCode: '\u001b[39m' };
    const green = { type: 'ansi' as const, code: '\u001b[32m', endCode: '\u001b[39m' };
    expect(shortcut([bold, red], [bold, red])).toEqual([]);
    expect(shortcut([bold, red], [bold, green])).toEqual(diffAnsiCodes([bold, red], [bold, green]));
    expect(shortcut([bold, red], [bold, green])).toEqual([green]);
    expect(shortcut([red], [])).toEqual(diffAnsiCodes([red], []));
    expect(shortcut([red], []).length).toBe(1);
  });
});
