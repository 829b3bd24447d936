/**
 * A one-line text input (optionally masked), the active input owner while it is mounted. Keys:
 * those of ./edit/text.ts (typing, ←/→, Home/End, Ctrl-A/E, Backspace, Delete, Ctrl-U/K/W, a paste
 * as text); Enter submits; Esc calls onEscape with the text as it stands; with onHelp, `?` typed
 * alone or F1 calls it instead (in a masked field only F1: there `?` is typed like any key). Every key sees the text
 * as the previous key left it, however fast the keys come. The cursor is drawn in reverse video,
 * which stays when colours are off.
 */
import { useRef, useState } from 'react';
import { Text } from 'ink';
import { editText, textAt, type TextEdit } from './edit/text.js';
import { useKeys } from './input/InputProvider.js';
import { isHelpKey, type Key } from './input/keys.js';
import { useColor } from './style.js';

export { applyChunk } from './edit/text.js';

export interface TextFieldProps {
  defaultValue?: string;
  /** Show one "*" per character instead of the text. */
  mask?: boolean;
  /** Shown dimmed while the field is empty. */
  placeholder?: string;
  onChange?(value: string): void;
  onSubmit(value: string): void;
  /** Esc, with the text typed so far. */
  onEscape?(value: string): void;
  /** A key the field has no use for (↑/↓, Tab, …). */
  onOtherKey?(key: Key): void;
  /** The help key (`?` alone unless masked, F1): the text stays as typed. */
  onHelp?(): void;
  /** `?` is typed like any key, only F1 opens the help (default: when masked). */
  questionMarkIsText?: boolean;
}

/** The text and its cursor, as the field draws them. */
export function TextView({
  edit,
  mask = false,
  placeholder,
}: {
  edit: TextEdit;
  mask?: boolean;
  placeholder?: string;
}) {
  const tint = useColor();
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

/** The text field. */
export function TextField({
  defaultValue = '',
  mask = false,
  placeholder,
  onChange,
  onSubmit,
  onEscape,
  onOtherKey,
  onHelp,
  questionMarkIsText = mask,
}: TextFieldProps) {
  const [edit, setEdit] = useState<TextEdit>(() => textAt(defaultValue));
  // The latest edit, updated at once: the next key sees it even before React renders.
  const latest = useRef(edit);

  useKeys((key) => {
    if (onHelp !== undefined && isHelpKey(key, !questionMarkIsText)) {
      onHelp();
      return;
    }
    const before = latest.current;
    const r = editText(before, key);
    if (!r.handled) {
      onOtherKey?.(key);
      return;
    }
    if (r.edit !== before) {
      latest.current = r.edit;
      setEdit(r.edit);
      if (r.edit.value !== before.value) onChange?.(r.edit.value);
    }
    if (r.submit !== undefined) onSubmit(r.submit);
    else if (r.escape) onEscape?.(before.value);
  });

  return <TextView edit={edit} mask={mask} placeholder={placeholder} />;
}
