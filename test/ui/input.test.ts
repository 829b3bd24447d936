/**
 * The input layer without React: reads of terminal input into keys (KeyDecoder), whatever the
 * read boundaries, and the hub that hands each key to the one active owner, in order.
 */
import { describe, expect, test } from 'vitest';
import { InputHub, type KeyInfo } from '../../src/ui/input/hub.js';
import { cleanPaste, isChar, isCtrl, isHelpKey, KeyDecoder, keysOf, type Key } from '../../src/ui/input/keys.js';

/** A key as "name", "ctrl-u", "char:x", "paste:text", with modifiers. */
function show(k: Key): string {
  const mods = `${k.ctrl ? 'ctrl-' : ''}${k.meta ? 'alt-' : ''}${k.shift ? 'shift-' : ''}`;
  if (k.name === 'char') return k.ctrl ? `ctrl-${k.text}` : `${mods}char:${k.text}`;
  if (k.name === 'paste') return `paste:${k.text}`;
  return `${mods}${k.name}`;
}

const names = (text: string) => keysOf(text).map(show);

describe('KeyDecoder', () => {
  test('several keys in one read are every one a key, in order', () => {
    expect(names('\u001b[B\u001b[B\u001b[B\r')).toEqual(['down', 'down', 'down', 'return']);
    expect(names('\u0015box1.example.com\r')).toEqual([
      'ctrl-u',
      ...[...'box1.example.com'].map((c) => `char:${c}`),
      'return',
    ]);
    expect(names('\rabc')).toEqual(['return', 'char:a', 'char:b', 'char:c']);
    expect(names('dd')).toEqual(['char:d', 'char:d']);
  });

  test('the keys a terminal sends: cursor keys in both modes, Home/End in their forms, Delete, PgUp/PgDn, Tab, Backspace', () => {
    expect(names('\u001b[A\u001bOB\u001b[C\u001bOD')).toEqual(['up', 'down', 'right', 'left']);
    expect(names('\u001b[H\u001b[F\u001b[1~\u001b[4~\u001b[7~\u001b[8~\u001bOH\u001bOF')).toEqual([
      'home',
      'end',
      'home',
      'end',
      'home',
      'end',
      'home',
      'end',
    ]);
    expect(names('\u001b[3~\u001b[5~\u001b[6~\u001b[2~')).toEqual(['delete', 'pageup', 'pagedown', 'insert']);
    expect(names('\t\u001b[Z\u007f\b')).toEqual(['tab', 'backtab', 'backspace', 'backspace']);
    expect(names('\u001b[1;5C\u001b[1;3D\u001b[1;2A')).toEqual(['ctrl-right', 'alt-left', 'shift-up']);
    expect(names('\u001b[3;5~')).toEqual(['ctrl-delete']);
    expect(names('\u001b\u001b[A')).toEqual(['alt-up']);
    expect(names('\u001b\u007f')).toEqual(['alt-backspace']);
  });

  test('Enter is \\r, \\n (Ctrl-J, or typed before raw mode) or \\r\\n, one key each', () => {
    expect(names('\r\n\n\r')).toEqual(['return', 'return', 'return']);
  });

  test('Ctrl-letters; Esc alone, Esc Esc, Esc then a letter', () => {
    expect(names('\u0001\u0005\u0015\u0017\u000b\u0004\u0003')).toEqual([
      'ctrl-a',
      'ctrl-e',
      'ctrl-u',
      'ctrl-w',
      'ctrl-k',
      'ctrl-d',
      'ctrl-c',
    ]);
    const d = new KeyDecoder();
    expect(d.feed('\u001b').map(show)).toEqual(['escape']);
    expect(d.pending).toBe(false);
    expect(names('\u001b\u001b')).toEqual(['escape', 'escape']);
    expect(names('\u001bq')).toEqual(['escape', 'char:q']);
  });

  test('a sequence cut between two reads is held and completed by the next one', () => {
    const d = new KeyDecoder();
    expect(d.feed('x\u001b').map(show)).toEqual(['char:x']);
    expect(d.partial).toBe(true);
    expect(d.feed('[B').map(show)).toEqual(['down']);
    expect(d.feed('\u001b[1;').map(show)).toEqual([]);
    expect(d.feed('5C\u001bO').map(show)).toEqual(['ctrl-right']);
    expect(d.feed('A').map(show)).toEqual(['up']);
    expect(d.pending).toBe(false);
  });

  test('held bytes that nothing completes are flushed as what they are: an Esc, then keys', () => {
    const d = new KeyDecoder();
    expect(d.feed('a\u001b').map(show)).toEqual(['char:a']);
    expect(d.flush().map(show)).toEqual(['escape']);
    expect(d.feed('\u001b[').map(show)).toEqual([]);
    expect(d.flush().map(show)).toEqual(['escape', 'char:[']);
    expect(d.flush()).toEqual([]);
  });

  test('a bracketed paste is one key with its text, line ends as \\n and no control bytes, across reads', () => {
    expect(names('\u001b[200~mx1.example.org\r\u001b[201~')).toEqual(['paste:mx1.example.org\n']);
    const d = new KeyDecoder();
    expect(d.feed('\u001b[200~one\r\ntw').map(show)).toEqual([]);
    expect(d.pending).toBe(true);
    expect(d.partial).toBe(false);
    expect(d.feed('o\u001b[201').map(show)).toEqual([]);
    expect(d.feed('~\r').map(show)).toEqual(['paste:one\ntwo', 'return']);
    expect(cleanPaste('a\u001b[31mb\u0007c\td\r\ne\u0000')).toBe('abc\td\ne');
    // Keys inside a paste are text, never commands: no Ctrl-C, no Enter.
    expect(names('\u001b[200~\u0003\r\u001b[A\u001b[201~')).toEqual(['paste:\n']);
  });

  test('F1 in the forms terminals send it (xterm and tmux ESC O P, rxvt ESC [11~, Shift-F1 ESC [1;2P); the help key is F1 or ? alone', () => {
    expect(names('\u001bOP\u001b[11~\u001b[1;2P')).toEqual(['f1', 'f1', 'shift-f1']);
    // Cut between two reads, it is still one key.
    const d = new KeyDecoder();
    expect(d.feed('\u001bO').map(show)).toEqual([]);
    expect(d.feed('Px').map(show)).toEqual(['f1', 'char:x']);
    const [f1, q, pasted, more] = keysOf('\u001bOP?\u001b[200~?\u001b[201~');
    expect(isHelpKey(f1)).toBe(true);
    expect(isHelpKey(q)).toBe(true);
    // Where ? is text (a password), only F1 is the help key; a paste holding ? is always text.
    expect(isHelpKey(q, false)).toBe(false);
    expect(isHelpKey(f1, false)).toBe(true);
    expect(isHelpKey(pasted)).toBe(false);
    expect(more).toBeUndefined();
  });

  test('characters beyond the BMP and C1 controls', () => {
    expect(names('é😀')).toEqual(['char:é', 'char:😀']);
    expect(names('\u0085')).toEqual(['unknown']);
    expect(names('\u001b[99x')).toEqual(['unknown']);
  });

  test('isChar and isCtrl', () => {
    const [y, cu, ay] = keysOf('y\u0015\u001by');
    expect(isChar(y, 'y')).toBe(true);
    expect(isChar(cu)).toBe(false);
    expect(isCtrl(cu, 'u')).toBe(true);
    expect(ay.name).toBe('escape');
  });
});

describe('InputHub', () => {
  function hub() {
    const interrupts: number[] = [];
    const timers: Array<() => void> = [];
    const h = new InputHub({
      onInterrupt: () => interrupts.push(1),
      setTimer: (fn) => {
        timers.push(fn);
        return () => timers.splice(timers.indexOf(fn), 1);
      },
    });
    return { h, interrupts, timers };
  }

  test('every key of a read goes to the owner registered last, in order; an owner that left gets none', () => {
    const { h } = hub();
    const a: string[] = [];
    const b: string[] = [];
    const ownerA = h.register((k) => void a.push(show(k)));
    h.input('x');
    const ownerB = h.register((k) => {
      b.push(show(k));
      // B hands over to A after its first key, as a screen that submits does.
      if (b.length === 1) h.unregister(ownerB);
    });
    h.input('\r\u001b[B');
    expect(a).toEqual(['char:x', 'down']);
    expect(b).toEqual(['return']);
    h.unregister(ownerA);
    h.input('z');
    expect(a).toEqual(['char:x', 'down']);
    expect(h.waiting).toBe(1);
  });

  test('keys wait while no owner is registered and go to the next one, marked early', async () => {
    const { h } = hub();
    h.input('ab');
    const got: Array<[string, KeyInfo]> = [];
    h.register((k, info) => void got.push([show(k), info]));
    await Promise.resolve();
    h.input('c');
    expect(got).toEqual([
      ['char:a', { early: true }],
      ['char:b', { early: true }],
      ['char:c', { early: false }],
    ]);
  });

  test('an owner that passes a key on (returns false) leaves it and the keys after it for the next owner', async () => {
    const { h } = hub();
    const loading: string[] = [];
    const loader = h.register((k) => {
      if (k.name !== 'escape') return false;
      loading.push('escape');
    });
    h.input('\r\u001b[B');
    expect(h.waiting).toBe(2);
    h.unregister(loader);
    const shown: Array<[string, boolean]> = [];
    h.register((k, info) => void shown.push([show(k), info.early]));
    await Promise.resolve();
    expect(shown).toEqual([
      ['return', true],
      ['down', true],
    ]);
    expect(loading).toEqual([]);
  });

  test('Ctrl-C interrupts at once, even behind waiting keys', () => {
    const { h, interrupts } = hub();
    h.input('abc\u0003');
    expect(interrupts).toEqual([1]);
    expect(h.waiting).toBe(3);
  });

  test('a read that ends inside a sequence is completed by the next read, or flushed by the timer', () => {
    const { h, timers } = hub();
    const got: string[] = [];
    h.register((k) => void got.push(show(k)));
    h.input('a\u001b');
    expect(got).toEqual(['char:a']);
    expect(timers).toHaveLength(1);
    h.input('[A');
    expect(got).toEqual(['char:a', 'up']);
    expect(timers).toHaveLength(0);
    h.input('b\u001b');
    timers[0]();
    expect(got).toEqual(['char:a', 'up', 'char:b', 'escape']);
  });
});
