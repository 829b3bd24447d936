/**
 * A list edited as a list. The rows are the entries, then "+ add an entry" and "✓ done". Keys:
 * ↑/↓ move; Enter edits the entry under the cursor (or adds, or accepts the list on "done"); `a`
 * adds; `d` or Del/Backspace removes the entry under the cursor; Esc goes back a question. While
 * editing an entry: Enter keeps it (an emptied entry is removed), Esc cancels the edit.
 * The cursor starts on "done", so Enter alone accepts the list as shown.
 */
import { useContext, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { TextField } from './TextField.js';
import { InputPaused, useColor } from './style.js';

export interface ListEditorProps {
  initial: string[];
  /** One line on the form of an entry, e.g. "domain next-hop". */
  format?: string;
  /** Most entry rows shown at once. */
  maxRows?: number;
  onSubmit(entries: string[]): void;
  onBack(): void;
  /** Called on every edit (the caller clears a validation error). */
  onEdit?(): void;
}

type Mode = { kind: 'nav' } | { kind: 'edit'; index: number } | { kind: 'add' };

/** The first entry row to show so that the cursor is visible. */
function windowStart(cursor: number, count: number, rows: number): number {
  if (count <= rows) return 0;
  const c = Math.min(cursor, count - 1);
  return Math.max(0, Math.min(c - Math.floor(rows / 2), count - rows));
}

/** The cursor after removing the entry at `index`, leaving `left` entries: the next entry, else the last, else "add". */
function afterRemoval(index: number, left: number): number {
  return Math.min(index, Math.max(left - 1, 0));
}

/** The list editor. */
export function ListEditor({ initial, format, maxRows = 10, onSubmit, onBack, onEdit }: ListEditorProps) {
  const tint = useColor();
  const [entries, setEntries] = useState<string[]>(initial);
  const [cursor, setCursor] = useState(initial.length + 1);
  const [mode, setMode] = useState<Mode>({ kind: 'nav' });
  const addRow = entries.length;
  const doneRow = entries.length + 1;

  const change = (next: string[]) => {
    setEntries(next);
    onEdit?.();
  };

  const paused = useContext(InputPaused);
  useInput(
    (input, key) => {
      if (mode.kind !== 'nav') {
        if (key.escape) setMode({ kind: 'nav' });
        return;
      }
      if (key.escape) onBack();
      else if (key.upArrow) setCursor(Math.max(0, cursor - 1));
      else if (key.downArrow) setCursor(Math.min(doneRow, cursor + 1));
      else if (key.return) {
        if (cursor < entries.length) setMode({ kind: 'edit', index: cursor });
        else if (cursor === addRow) setMode({ kind: 'add' });
        else onSubmit(entries);
      } else if (input === 'a' && !key.ctrl && !key.meta) setMode({ kind: 'add' });
      else if ((input === 'd' && !key.ctrl && !key.meta) || key.delete || key.backspace) {
        if (cursor < entries.length) {
          change(entries.filter((_, i) => i !== cursor));
          setCursor(afterRemoval(cursor, entries.length - 1));
        }
      }
    },
    { isActive: !paused },
  );

  const save = (text: string) => {
    const t = text.trim();
    if (mode.kind === 'edit') {
      if (t === '') {
        change(entries.filter((_, i) => i !== mode.index));
        setCursor(afterRemoval(mode.index, entries.length - 1));
      } else {
        change(entries.map((e, i) => (i === mode.index ? t : e)));
      }
    } else if (t !== '') {
      change([...entries, t]);
      setCursor(entries.length + 2);
    }
    setMode({ kind: 'nav' });
  };

  const start = windowStart(cursor, entries.length, maxRows);
  const shown = entries.slice(start, start + maxRows);
  const pointer = (row: number) => (row === cursor && mode.kind === 'nav' ? '❯ ' : '  ');
  const rowColor = (row: number) => (row === cursor && mode.kind === 'nav' ? tint('cyan') : undefined);

  return (
    <Box flexDirection="column">
      {entries.length === 0 && <Text color={tint('gray')}>{'  (empty list)'}</Text>}
      {entries.length > maxRows && (
        <Text color={tint('gray')}>
          {'  '}entries {start + 1}–{start + shown.length} of {entries.length}
        </Text>
      )}
      {shown.map((entry, j) => {
        const i = start + j;
        if (mode.kind === 'edit' && mode.index === i) {
          return (
            <Box key={i}>
              <Text>{`  ${i + 1}. `}</Text>
              <TextField defaultValue={entry} onSubmit={save} />
            </Box>
          );
        }
        return (
          <Text key={i} color={rowColor(i)} wrap="truncate-end">
            {pointer(i)}
            {i + 1}. {entry}
          </Text>
        );
      })}
      {mode.kind === 'add' ? (
        <Box>
          <Text>{`  ${entries.length + 1}. `}</Text>
          <TextField placeholder={format ?? 'new entry'} onSubmit={save} />
        </Box>
      ) : (
        <Text color={rowColor(addRow)}>{pointer(addRow)}+ add an entry</Text>
      )}
      <Text color={rowColor(doneRow)} bold={cursor === doneRow && mode.kind === 'nav'}>
        {pointer(doneRow)}✓ done: accept this list
      </Text>
      <Text color={tint('gray')}>
        {mode.kind === 'nav'
          ? '↑/↓ move · Enter edit/choose · a add · d/Del remove · Esc back'
          : 'Enter keep (empty removes) · Esc cancel the edit'}
        {format !== undefined ? ` · entry: ${format}` : ''}
      </Text>
    </Box>
  );
}
