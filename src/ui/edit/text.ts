/**
 * One line of text being edited, as a pure function of (text, cursor, key). The keys a shell
 * user expects: characters insert at the cursor; ←/→ (Ctrl-B/Ctrl-F) move, Ctrl-←/→ by word;
 * Home/End and Ctrl-A/Ctrl-E go to the ends; Backspace deletes before the cursor, Delete and
 * Ctrl-D after it; Ctrl-U clears the line, Ctrl-K deletes to its end, Ctrl-W (and Alt-Backspace)
 * the word before the cursor; a paste inserts its text (line breaks become spaces, a final one is
 * dropped: a paste never submits). Enter submits, Esc leaves; anything else is not this field's.
 */
import type { Key } from '../input/keys.js';

export interface TextEdit {
  value: string;
  cursor: number;
}

export interface TextOutcome {
  edit: TextEdit;
  /** Enter: the value to submit. */
  submit?: string;
  /** Esc. */
  escape?: true;
  /** False: the key means nothing to a text field (the caller may use it). */
  handled: boolean;
}

/** A field holding `value` with the cursor at its end. */
export function textAt(value: string): TextEdit {
  return { value, cursor: value.length };
}

/** Apply typed input: printable characters insert, DEL/BS delete back, the rest is dropped. */
export function applyChunk(edit: TextEdit, chunk: string): TextEdit {
  let { value, cursor } = edit;
  const clean = chunk.replace(/\u001B\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\u001B./g, '');
  for (const ch of clean) {
    if (ch === '\u007F' || ch === '\b') {
      if (cursor > 0) {
        value = value.slice(0, cursor - 1) + value.slice(cursor);
        cursor -= 1;
      }
    } else if (ch >= ' ' && ch !== '\u007F' && !(ch >= '\u0080' && ch <= '\u009F')) {
      value = value.slice(0, cursor) + ch + value.slice(cursor);
      cursor += ch.length;
    }
  }
  return { value, cursor };
}

/** Pasted text for one line: tabs and line breaks become spaces; a trailing break is dropped. */
export function oneLine(pasted: string): string {
  return pasted.replace(/\n+$/, '').replace(/[\t\n]/g, ' ');
}

const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);

/** Where the word before `cursor` starts. */
function wordStart(value: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && !isWordChar(value[i - 1])) i--;
  while (i > 0 && isWordChar(value[i - 1])) i--;
  return i;
}

/** Where the word after `cursor` ends. */
function wordEnd(value: string, cursor: number): number {
  let i = cursor;
  while (i < value.length && !isWordChar(value[i])) i++;
  while (i < value.length && isWordChar(value[i])) i++;
  return i;
}

/** The field after `key`. */
export function editText(edit: TextEdit, key: Key): TextOutcome {
  const { value, cursor } = edit;
  const at = (c: number): TextOutcome => ({
    edit: { value, cursor: Math.max(0, Math.min(value.length, c)) },
    handled: true,
  });
  const cut = (from: number, to: number): TextOutcome => ({
    edit: { value: value.slice(0, from) + value.slice(to), cursor: from },
    handled: true,
  });
  switch (key.name) {
    case 'return':
      return { edit, submit: value, handled: true };
    case 'escape':
      return { edit, escape: true, handled: true };
    case 'left':
      return at(key.ctrl || key.meta ? wordStart(value, cursor) : cursor - 1);
    case 'right':
      return at(key.ctrl || key.meta ? wordEnd(value, cursor) : cursor + 1);
    case 'home':
      return at(0);
    case 'end':
      return at(value.length);
    case 'backspace':
      if (key.meta) return cut(wordStart(value, cursor), cursor);
      return cursor > 0 ? cut(cursor - 1, cursor) : at(cursor);
    case 'delete':
      return cursor < value.length ? cut(cursor, cursor + 1) : at(cursor);
    case 'paste':
      return { edit: applyChunk(edit, oneLine(key.text)), handled: true };
    case 'char':
      if (key.meta) return { edit, handled: false };
      if (!key.ctrl) return { edit: applyChunk(edit, key.text), handled: true };
      switch (key.text) {
        case 'a':
          return at(0);
        case 'e':
          return at(value.length);
        case 'b':
          return at(cursor - 1);
        case 'f':
          return at(cursor + 1);
        case 'd':
          return cursor < value.length ? cut(cursor, cursor + 1) : at(cursor);
        case 'u':
          return { edit: { value: '', cursor: 0 }, handled: true };
        case 'k':
          return cut(cursor, value.length);
        case 'w':
          return cut(wordStart(value, cursor), cursor);
        default:
          return { edit, handled: false };
      }
    default:
      return { edit, handled: false };
  }
}
