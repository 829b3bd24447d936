/** The text field: editing keys, chunked input (paste, fast repeat), masking. */
import { afterEach, describe, expect, test } from 'vitest';
import { Box, Text } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { applyChunk, TextField } from '../../src/ui/TextField.js';
import { KEY, plain, press, tick, type } from './keys.js';

afterEach(() => cleanup());

describe('applyChunk', () => {
  test('inserts at the cursor, DEL and BS delete back, escape sequences and control bytes are dropped', () => {
    expect(applyChunk({ value: 'ac', cursor: 1 }, 'b')).toEqual({ value: 'abc', cursor: 2 });
    expect(applyChunk({ value: 'abcdef', cursor: 6 }, '\u007F\u007F\u007F')).toEqual({ value: 'abc', cursor: 3 });
    expect(applyChunk({ value: 'abc', cursor: 3 }, '\b\bX')).toEqual({ value: 'aX', cursor: 2 });
    expect(applyChunk({ value: '', cursor: 0 }, '\u007F')).toEqual({ value: '', cursor: 0 });
    expect(applyChunk({ value: '', cursor: 0 }, 'a\u001B[Bb\u001B[1;5Cc\td\r\ne\u0000')).toEqual({
      value: 'abcde',
      cursor: 5,
    });
    expect(applyChunk({ value: '', cursor: 0 }, 'x\u001Bqy')).toEqual({ value: 'xy', cursor: 2 });
  });
});

describe('TextField', () => {
  function field(props: { defaultValue?: string; mask?: boolean; placeholder?: string } = {}) {
    const submitted: string[] = [];
    const changes: string[] = [];
    const r = render(<TextField {...props} onChange={(v) => changes.push(v)} onSubmit={(v) => submitted.push(v)} />);
    // Ink drops trailing spaces, so the cursor after the last character does not show.
    return { ...r, submitted, changes, frame: () => plain(r.lastFrame()) };
  }

  test('typing, ←/→, Backspace in the middle, Ctrl-A/Ctrl-E, Enter submits', async () => {
    const f = field({ defaultValue: 'mail.example.com' });
    await tick();
    expect(f.frame()).toBe('mail.example.com');
    await press(f.stdin, KEY.backspace, KEY.backspace, KEY.backspace);
    await type(f.stdin, 'org');
    expect(f.frame()).toBe('mail.example.org');
    await press(f.stdin, '\u0001'); // Ctrl-A
    await type(f.stdin, 'x');
    await press(f.stdin, '\u0005', '\u001B[D', KEY.backspace); // Ctrl-E, ←, Backspace
    expect(f.frame()).toBe('xmail.example.og');
    await press(f.stdin, KEY.enter);
    expect(f.submitted).toEqual(['xmail.example.og']);
    expect(f.changes.at(-1)).toBe('xmail.example.og');
  });

  test('a chunk of Backspaces deletes as many characters; a pasted line is inserted without control bytes', async () => {
    const f = field({ defaultValue: 'abcdef' });
    await tick();
    f.stdin.write('\u007F\u007F\u007F');
    await tick();
    expect(f.frame()).toBe('abc');
    // A bracketed paste (the terminal marks it) ending in a line break.
    f.stdin.write('\u001B[200~12.34\r\n\u001B[201~');
    await tick();
    expect(f.frame()).toBe('abc12.34');
    expect(f.submitted).toEqual([]);
    await press(f.stdin, KEY.enter);
    expect(f.submitted).toEqual(['abc12.34']);
  });

  test('Ctrl-U clears the line; keys typed faster than a frame all count', async () => {
    const f = field({ defaultValue: 'old' });
    await tick();
    await press(f.stdin, '\u0015');
    expect(f.frame()).toBe('');
    for (const ch of 'new') f.stdin.write(ch); // no tick between the keys
    f.stdin.write('\r');
    await tick();
    expect(f.submitted).toEqual(['new']);
  });

  test('masked: one * per character, never the text; placeholder when empty', async () => {
    const f = field({ mask: true, placeholder: 'password' });
    await tick();
    expect(f.frame()).toBe(' password');
    await type(f.stdin, 'hunter2');
    expect(f.frame()).toBe('*******');
    await press(f.stdin, KEY.enter);
    expect(f.submitted).toEqual(['hunter2']);
  });

  test('beside a label, a first chunk typed into an empty field shows whole (Ink re-measures the text)', async () => {
    const submitted: string[] = [];
    const r = render(
      <Box>
        <Text>user name: </Text>
        <TextField onSubmit={(v) => submitted.push(v)} />
      </Box>,
    );
    await tick();
    r.stdin.write('bob');
    await tick();
    expect(plain(r.lastFrame())).toBe('user name: bob');
    await press(r.stdin, '\u001B[D', '\u001B[D', 'X');
    expect(plain(r.lastFrame())).toBe('user name: bXob');
  });
});
