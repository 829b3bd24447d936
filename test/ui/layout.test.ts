/** Fitting text to the terminal: word wrap with a known number of lines; ASCII stand-ins of the marks. */
import { describe, expect, test } from 'vitest';
import { frameHeight, lineCount, wrapText } from '../../src/ui/layout.js';
import { toAscii } from '../../src/output/ascii.js';

describe('wrapText', () => {
  test('wraps at word boundaries, keeps the leading indent, indents the following lines', () => {
    expect(wrapText('  error x: hello world foo', 12, '    ')).toEqual([
      '  error x:',
      '    hello',
      '    world',
      '    foo',
    ]);
    expect(wrapText('a b', 10)).toEqual(['a b']);
    expect(wrapText('', 4)).toEqual(['']);
  });

  test('splits a word longer than a line', () => {
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapText('x abcdefghij', 4)).toEqual(['x', 'abcd', 'efgh', 'ij']);
  });

  test('no line is longer than the width', () => {
    const text = 'Apply these changes? y apply · Esc back · Ctrl-C quit without writing';
    for (let w = 5; w < 80; w++) for (const l of wrapText(text, w, '  ')) expect(l.length).toBeLessThanOrEqual(w);
    expect(lineCount(text, 80)).toBe(1);
    expect(lineCount(text, 60)).toBe(2);
  });

  test('a frame keeps one line free: Ink clears the screen for a frame as tall as the terminal', () => {
    expect(frameHeight(24)).toBe(23);
    expect(frameHeight(1)).toBe(1);
  });
});

describe('toAscii', () => {
  test('the marks become ASCII of the same width; other characters a question mark', () => {
    expect(toAscii('❯ Null client — sends only · ✓ ✗ ⚠ ↺ → …')).toBe('> Null client - sends only | + x ! ~ > .');
    expect(toAscii('⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏')).toBe('|/-\\|/-\\|/');
    expect(toAscii('café 日本')).toBe('caf? ????');
    expect(toAscii('plain \u001b[1mbold\u001b[22m')).toBe('plain \u001b[1mbold\u001b[22m');
    const marks = '❯✓✗⚠↺→←↑↓—–…·';
    expect(toAscii(marks)).toHaveLength([...marks].length);
  });
});
