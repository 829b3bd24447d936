/**
 * The fields' editing rules as pure functions of (state, key): a line of text, a list, a choice,
 * a yes/no answer. Each key starts from the state the previous key left, so a burst of keys
 * gives the same result as the keys one by one.
 */
import { describe, expect, test } from 'vitest';
import { keysOf, type Key } from '../../src/ui/input/keys.js';
import { editText, oneLine, textAt, type TextEdit } from '../../src/ui/edit/text.js';
import { editList, listOf, type ListOutcome, type ListState } from '../../src/ui/edit/list.js';
import { select, yesNo } from '../../src/ui/edit/choice.js';

/** Type `input` (one read) into a field holding `value` with the cursor at `cursor` (default: the end). */
function typed(value: string, input: string, cursor = value.length): { edit: TextEdit; submitted: string[] } {
  let edit = { value, cursor };
  const submitted: string[] = [];
  for (const k of keysOf(input)) {
    const r = editText(edit, k);
    edit = r.edit;
    if (r.submit !== undefined) submitted.push(r.submit);
  }
  return { edit, submitted };
}

describe('a line of text', () => {
  test('Ctrl-U then a new name in one read replaces the old name (vm + box1.example.com → box1.example.com)', () => {
    expect(typed('vm', '\u0015box1.example.com\r')).toEqual({
      edit: { value: 'box1.example.com', cursor: 16 },
      submitted: ['box1.example.com'],
    });
  });

  test('Delete deletes forward, Backspace back; Home/End and Ctrl-A/Ctrl-E go to the ends', () => {
    expect(
      typed('box1.example.com', '\u001b[H\u001b[3~\u001b[3~\u001b[3~mx\u001b[F\u007f\u007f\u007fnet').edit,
    ).toEqual({
      value: 'mx1.example.net',
      cursor: 15,
    });
    expect(typed('abc', '\u0001X\u0005Y').edit).toEqual({ value: 'XabcY', cursor: 5 });
    expect(typed('abc', '\u001b[3~').edit.value).toBe('abc');
    expect(typed('abc', '\u0004', 0).edit.value).toBe('bc');
  });

  test('Ctrl-W and Alt-Backspace delete a word back, Ctrl-K to the end, Ctrl-←/→ move by word', () => {
    expect(typed('mail.example.com', '\u0017').edit.value).toBe('mail.example.');
    expect(typed('mail.example.com', '\u001b\u007f').edit).toEqual({ value: 'mail.example.', cursor: 13 });
    expect(typed('mail.example.com', '\u000b', 4).edit.value).toBe('mail');
    expect(typed('mail.example.com', '\u001b[1;5D\u001b[1;5D').edit.cursor).toBe(5);
    expect(typed('mail.example.com', '\u001b[1;5C', 0).edit.cursor).toBe(4);
  });

  test('a paste inserts its text: line breaks become spaces, a last one is dropped and never submits', () => {
    expect(typed('', '\u001b[200~mx1.example.org\r\u001b[201~')).toEqual({
      edit: { value: 'mx1.example.org', cursor: 15 },
      submitted: [],
    });
    expect(typed('a', '\u001b[200~b\nc\td\u001b[201~').edit.value).toBe('ab c d');
    expect(oneLine('x\n\n')).toBe('x');
  });

  test('keys it has no use for are not handled (the screen may use them)', () => {
    const e = textAt('x');
    for (const k of keysOf('\u001b[A\u001b[B\t\u001b[5~')) expect(editText(e, k).handled).toBe(false);
    expect(editText(e, keysOf('\u001b')[0])).toMatchObject({ escape: true, handled: true });
  });
});

/** Feed `input` to a list editor on `entries`; returns the last state and everything submitted. */
function listTyped(entries: string[], input: string, start?: ListState) {
  let state = start ?? listOf(entries);
  const outcomes: ListOutcome[] = [];
  for (const k of keysOf(input)) {
    const r = editList(state, k);
    state = r.state;
    outcomes.push(r);
  }
  return {
    state,
    submitted: outcomes.flatMap((o) => (o.submit ? [o.submit] : [])),
    back: outcomes.some((o) => o.back),
  };
}

describe('a list', () => {
  test('starts on "done"; Enter accepts the list as shown', () => {
    expect(listTyped(['a', 'b'], '\r').submitted).toEqual([['a', 'b']]);
  });

  test('Up Up Up d d in one read removes both entries; a, text and Enter adds one whose letters are not commands', () => {
    const r = listTyped(['resource', 'software'], '\u001b[A\u001b[A\u001b[Add' + 'adelay\r');
    expect(r.state.entries).toEqual(['delay']);
    expect(r.state.mode.kind).toBe('browse');
    expect(r.state.cursor).toBe(2);
  });

  test('Enter on an entry edits it; emptied it is removed; Esc cancels the edit; Esc browsing leaves with the entries as they are', () => {
    expect(listTyped(['a', 'b'], '\u001b[A\u001b[A\u001b[A\r\u007fz\r').state.entries).toEqual(['z', 'b']);
    expect(listTyped(['a', 'b'], '\u001b[A\u001b[A\u001b[A\r\u007f\r').state.entries).toEqual(['b']);
    expect(listTyped(['a', 'b'], '\u001b[A\r\u0015x\u001b').state.entries).toEqual(['a', 'b']);
    const left = listTyped(['a', 'b'], '\u001b[A\u001b[A\u001b[Ad\u001b');
    expect(left.back).toBe(true);
    expect(left.state.entries).toEqual(['b']);
  });

  test('Delete and Backspace remove the entry under the cursor; nothing on "add" or "done"', () => {
    expect(listTyped(['a', 'b'], '\u001b[A\u001b[A\u001b[3~').state.entries).toEqual(['a']);
    expect(listTyped(['a', 'b'], '\u001b[A\u001b[A\u001b[A\u007f').state.entries).toEqual(['b']);
    expect(listTyped(['a', 'b'], '\u007f\u001b[3~d').state.entries).toEqual(['a', 'b']);
  });

  test('a paste of several lines while adding adds one entry per line', () => {
    const r = listTyped(['resource'], 'a\u001b[200~delay\rbounce\r\u001b[201~');
    expect(r.state.entries).toEqual(['resource', 'delay', 'bounce']);
    expect(r.state.mode.kind).toBe('browse');
    // One line: it goes into the entry being typed, and does not submit it.
    const one = listTyped([], 'a\u001b[200~delay\r\u001b[201~');
    expect(one.state.mode).toMatchObject({ kind: 'add', text: { value: 'delay' } });
  });

  test('Home/End go to the first entry and to "done"', () => {
    expect(listTyped(['a', 'b', 'c'], '\u001b[H').state.cursor).toBe(0);
    expect(listTyped(['a', 'b', 'c'], '\u001b[H\u001b[F').state.cursor).toBe(4);
  });
});

describe('choices', () => {
  const run = (index: number, count: number, input: string) => {
    let i = index;
    let submit = false;
    for (const k of keysOf(input)) {
      const r = select(i, count, k);
      i = r.index;
      submit ||= r.submit === true;
    }
    return { i, submit };
  };
  test('Down Down Enter in one read chooses two further down; moves stop at the ends', () => {
    expect(run(0, 3, '\u001b[B\u001b[B\r')).toEqual({ i: 2, submit: true });
    expect(run(0, 3, '\u001b[A\u001b[A')).toEqual({ i: 0, submit: false });
    expect(run(0, 3, '\u001b[F')).toEqual({ i: 2, submit: false });
  });

  test('yes/no: Left Left Enter switches twice; y and n answer at once', () => {
    let on = true;
    const submitted: boolean[] = [];
    for (const k of keysOf('\u001b[D\u001b[D\r')) {
      const r = yesNo(on, k);
      on = r.on;
      if (r.submit) submitted.push(r.on);
    }
    expect(submitted).toEqual([true]);
    const key = (s: string): Key => keysOf(s)[0];
    expect(yesNo(true, key('n'))).toEqual({ on: false, submit: true });
    expect(yesNo(false, key('Y'))).toEqual({ on: true, submit: true });
    expect(yesNo(false, key(' '))).toEqual({ on: true });
    expect(yesNo(false, key('\u001b'))).toEqual({ on: false, back: true });
  });
});
