/**
 * A list edited as a list, the active input owner while it is mounted. The rows are the entries,
 * then "+ add an entry" and "✓ done"; the keys are those of ./edit/list.ts: ↑/↓ move; Enter edits
 * the entry under the cursor (or adds, or accepts the list on "done"); `a` adds; `d` or
 * Del/Backspace removes the entry under the cursor; Esc goes back a question, keeping the entries
 * as they are. While editing an entry: Enter keeps it (an emptied entry is removed), Esc cancels
 * the edit. The cursor starts on "done", so Enter alone accepts the list as shown. With onHelp,
 * `?` typed alone or F1 opens the question's help, browsing or editing (the entry keeps its text).
 */
import { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { editList, listOf, type ListState } from './edit/list.js';
import { useKeys } from './input/InputProvider.js';
import { isHelpKey } from './input/keys.js';
import { wrapText } from './layout.js';
import { TextView } from './TextField.js';
import { useColor } from './style.js';

export interface ListEditorProps {
  initial: string[];
  /** One line on the form of an entry, e.g. "domain next-hop". */
  format?: string;
  /** Lines the editor may take, its key help included. */
  height?: number;
  /** Width of the terminal. */
  columns?: number;
  onSubmit(entries: string[]): void;
  /** Esc while browsing, with the entries as they are now. */
  onBack(entries: string[]): void;
  /** Called on every edit (the caller clears a validation error). */
  onEdit?(): void;
  /** The help key (`?`, F1). */
  onHelp?(): void;
}

/** The first entry row to show so that the cursor is visible. */
function windowStart(cursor: number, count: number, rows: number): number {
  if (count <= rows) return 0;
  const c = Math.min(cursor, count - 1);
  return Math.max(0, Math.min(c - Math.floor(rows / 2), count - rows));
}

/** The key help under the list (browsing, or editing an entry). */
function helpText(s: ListState, format: string | undefined, help: boolean): string {
  return (
    (s.mode.kind === 'browse'
      ? `↑/↓ move · Enter edit/choose · a add · d/Del remove · Esc back${help ? ' · ? help' : ''} · Ctrl-C quit`
      : 'Enter keep (empty removes) · Esc cancel the edit') + (format !== undefined ? ` · entry: ${format}` : '')
  );
}

/** The list editor. */
export function ListEditor({
  initial,
  format,
  height = 14,
  columns = 80,
  onSubmit,
  onBack,
  onEdit,
  onHelp,
}: ListEditorProps) {
  const tint = useColor();
  const [state, setState] = useState<ListState>(() => listOf(initial));
  // The list as the last key left it: the next key starts from it, however fast keys come.
  const latest = useRef(state);

  useKeys((key) => {
    if (onHelp !== undefined && isHelpKey(key)) {
      onHelp();
      return;
    }
    const r = editList(latest.current, key);
    if (r.state !== latest.current) {
      latest.current = r.state;
      setState(r.state);
    }
    if (r.changed) onEdit?.();
    if (r.submit !== undefined) onSubmit(r.submit);
    else if (r.back) onBack(r.state.entries);
  });

  const { entries, cursor, mode } = state;
  const addRow = entries.length;
  const doneRow = entries.length + 1;
  const help = wrapText(helpText(state, format, onHelp !== undefined), columns);
  // Rows for entries: the height less "add", "done", the help and the "entries x–y" line.
  const maxRows = Math.max(1, height - 2 - help.length - 1);
  const start = windowStart(mode.kind === 'edit' ? mode.index : cursor, entries.length, maxRows);
  const shown = entries.slice(start, start + maxRows);
  const browsing = mode.kind === 'browse';
  const pointer = (row: number) => (row === cursor && browsing ? '❯ ' : '  ');
  const rowColor = (row: number) => (row === cursor && browsing ? tint('cyan') : undefined);

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
              <TextView edit={mode.text} />
            </Box>
          );
        }
        return (
          <Text key={i} color={rowColor(i)} bold={i === cursor && browsing} wrap="truncate-end">
            {pointer(i)}
            {i + 1}. {entry}
          </Text>
        );
      })}
      {mode.kind === 'add' ? (
        <Box>
          <Text>{`  ${entries.length + 1}. `}</Text>
          <TextView edit={mode.text} placeholder={format ?? 'new entry'} />
        </Box>
      ) : (
        <Text color={rowColor(addRow)} bold={cursor === addRow && browsing}>
          {pointer(addRow)}+ add an entry
        </Text>
      )}
      <Text color={rowColor(doneRow)} bold={cursor === doneRow && browsing}>
        {pointer(doneRow)}✓ done: accept this list
      </Text>
      {help.map((line, i) => (
        <Text key={i} color={tint('gray')} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}
