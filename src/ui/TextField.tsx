/**
 * A one-line text input (optionally masked). Keys: typing inserts at the cursor, ←/→ move,
 * Backspace deletes before the cursor, Ctrl-A / Ctrl-E go to the start / end, Ctrl-U clears the
 * line, Enter submits. Unlike @inkjs/ui's TextInput it also handles input that arrives in one
 * chunk (a paste, or keys repeated faster than a frame): Backspace bytes inside the chunk delete,
 * escape sequences and other control characters are dropped, so no invisible byte ever reaches
 * an answer.
 */
import { useContext, useRef, useState } from 'react';
import { Text, useInput } from 'ink';
import { HELP_KEY, InputPaused, useColor } from './style.js';

export interface TextFieldProps {
  defaultValue?: string;
  /** Show one "*" per character instead of the text (a secret: `?` is typed into it like any key). */
  mask?: boolean;
  /** Shown dimmed while the field is empty. */
  placeholder?: string;
  onChange?(value: string): void;
  onSubmit(value: string): void;
}

interface Edit {
  value: string;
  cursor: number;
}

/** Apply a chunk of typed input: printable characters insert, DEL/BS delete back, the rest is dropped. */
export function applyChunk(edit: Edit, chunk: string): Edit {
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

/** The text field. */
export function TextField({ defaultValue = '', mask = false, placeholder, onChange, onSubmit }: TextFieldProps) {
  const tint = useColor();
  const [edit, setEdit] = useState<Edit>({ value: defaultValue, cursor: defaultValue.length });
  // The latest edit, updated at once: keys that arrive before the next render still see it.
  const latest = useRef(edit);

  const update = (next: Edit) => {
    const before = latest.current.value;
    latest.current = next;
    setEdit(next);
    if (next.value !== before) onChange?.(next.value);
  };

  const paused = useContext(InputPaused);
  useInput(
    (input, key) => {
      const now = latest.current;
      if (key.return) onSubmit(now.value);
      else if (key.leftArrow) update({ ...now, cursor: Math.max(0, now.cursor - 1) });
      else if (key.rightArrow) update({ ...now, cursor: Math.min(now.value.length, now.cursor + 1) });
      else if (key.backspace || key.delete) update(applyChunk(now, '\u007F'));
      else if (key.ctrl && input === 'a') update({ ...now, cursor: 0 });
      else if (key.ctrl && input === 'e') update({ ...now, cursor: now.value.length });
      else if (key.ctrl && input === 'u') update({ value: '', cursor: 0 });
      else if (
        key.ctrl ||
        key.meta ||
        key.escape ||
        key.tab ||
        key.upArrow ||
        key.downArrow ||
        key.pageUp ||
        key.pageDown ||
        // The help key alone opens the question's help; in a paste it is text.
        (input === HELP_KEY && !mask)
      )
        return;
      else update(applyChunk(now, input));
    },
    { isActive: !paused },
  );

  const shown = mask ? '*'.repeat(edit.value.length) : edit.value;
  // The same element tree whatever the content: Ink re-measures a text only when a child is
  // appended, removed or its text changes, not when a child is inserted before another one.
  if (shown === '' && placeholder !== undefined) {
    return (
      <Text key="placeholder">
        <Text inverse> </Text>
        <Text color={tint('gray')}>{placeholder}</Text>
      </Text>
    );
  }
  return (
    <Text key="value">
      <Text>{shown.slice(0, edit.cursor)}</Text>
      <Text inverse>{edit.cursor < shown.length ? shown[edit.cursor] : ' '}</Text>
      <Text>{shown.slice(edit.cursor + 1)}</Text>
    </Text>
  );
}
