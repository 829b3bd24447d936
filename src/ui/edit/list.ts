/**
 * A list answer being edited, as a pure function of (state, key). The rows are the entries, then
 * "+ add an entry" and "done". Browsing: ↑/↓ move (Home/End to the first row and to "done");
 * Enter edits the entry under the cursor (or adds, or accepts the list on "done"); `a` adds; `d`,
 * Delete or Backspace removes the entry under the cursor; Esc leaves (the caller keeps the
 * entries as they are). Editing an entry: the text keys of ./text.ts; Enter keeps it (emptied:
 * removed), Esc cancels the edit. A paste of several lines while adding adds one entry per line.
 * The cursor starts on "done", so Enter alone accepts the list as shown.
 */
import { isChar, type Key } from '../input/keys.js';
import { editText, oneLine, textAt, type TextEdit } from './text.js';

export type ListMode =
  { kind: 'browse' } | { kind: 'edit'; index: number; text: TextEdit } | { kind: 'add'; text: TextEdit };

export interface ListState {
  entries: string[];
  /** 0…entries.length-1: an entry; entries.length: "add"; entries.length + 1: "done". */
  cursor: number;
  mode: ListMode;
}

export interface ListOutcome {
  state: ListState;
  /** Enter on "done": the entries. */
  submit?: string[];
  /** Esc while browsing. */
  back?: true;
  /** The entries changed (the caller clears a validation message). */
  changed?: true;
}

/** The editor on `entries`, cursor on "done". */
export function listOf(entries: string[]): ListState {
  return { entries: [...entries], cursor: entries.length + 1, mode: { kind: 'browse' } };
}

/** The cursor after removing the entry at `index`, leaving `left` entries: the next entry, else the last, else "add". */
function afterRemoval(index: number, left: number): number {
  return Math.min(index, Math.max(left - 1, 0));
}

function browse(s: ListState, k: Key): ListOutcome {
  const { entries, cursor } = s;
  const done = entries.length + 1;
  const move = (c: number): ListOutcome => ({ state: { ...s, cursor: Math.max(0, Math.min(done, c)) } });
  const remove = (): ListOutcome => {
    if (cursor >= entries.length) return { state: s };
    const next = entries.filter((_, i) => i !== cursor);
    return { state: { ...s, entries: next, cursor: afterRemoval(cursor, next.length) }, changed: true };
  };
  switch (k.name) {
    case 'escape':
      return { state: s, back: true };
    case 'up':
      return move(cursor - 1);
    case 'down':
      return move(cursor + 1);
    case 'home':
    case 'pageup':
      return move(0);
    case 'end':
    case 'pagedown':
      return move(done);
    case 'return':
      if (cursor < entries.length)
        return { state: { ...s, mode: { kind: 'edit', index: cursor, text: textAt(entries[cursor]) } } };
      if (cursor === entries.length) return { state: { ...s, mode: { kind: 'add', text: textAt('') } } };
      return { state: s, submit: [...entries] };
    case 'delete':
    case 'backspace':
      return remove();
    case 'paste':
      return addLines(s, k.text);
    case 'char':
      if (isChar(k, 'a')) return { state: { ...s, mode: { kind: 'add', text: textAt('') } } };
      if (isChar(k, 'd')) return remove();
      return { state: s };
    default:
      return { state: s };
  }
}

/** Add every non-empty line of `text` as an entry; the cursor goes to "done". */
function addLines(s: ListState, text: string): ListOutcome {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\t/g, ' ').trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return { state: { ...s, mode: { kind: 'browse' } } };
  const entries = [...s.entries, ...lines];
  return { state: { entries, cursor: entries.length + 1, mode: { kind: 'browse' } }, changed: true };
}

/** The list after `key`. */
export function editList(s: ListState, k: Key): ListOutcome {
  const mode = s.mode;
  if (mode.kind === 'browse') return browse(s, k);
  if (k.name === 'escape') return { state: { ...s, mode: { kind: 'browse' } } };
  if (mode.kind === 'add' && k.name === 'paste' && k.text.replace(/\n+$/, '').includes('\n')) {
    const typed = mode.text.value.trim();
    return addLines(s, `${typed}${typed === '' ? '' : '\n'}${k.text}`);
  }
  const r = editText(mode.text, k);
  if (r.submit === undefined) {
    if (!r.handled) return { state: s };
    const next: ListMode = mode.kind === 'edit' ? { ...mode, text: r.edit } : { ...mode, text: r.edit };
    return { state: { ...s, mode: next } };
  }
  const t = oneLine(r.submit).trim();
  if (mode.kind === 'edit') {
    if (t === '') {
      const entries = s.entries.filter((_, i) => i !== mode.index);
      return {
        state: { entries, cursor: afterRemoval(mode.index, entries.length), mode: { kind: 'browse' } },
        changed: true,
      };
    }
    const entries = s.entries.map((e, i) => (i === mode.index ? t : e));
    return { state: { ...s, entries, mode: { kind: 'browse' } }, changed: true };
  }
  if (t === '') return { state: { ...s, mode: { kind: 'browse' } } };
  const entries = [...s.entries, t];
  return { state: { entries, cursor: entries.length + 1, mode: { kind: 'browse' } }, changed: true };
}
