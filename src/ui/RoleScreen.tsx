/**
 * The first screen: the start header, then the role choice, each role with its one-line
 * explanation; ↑/↓ (Home/End) and Enter. The current role (on a re-run) is marked and selected
 * from the first frame on. The slow probes' findings arrive later, below the list, so the list
 * never moves. The screen fits the terminal: the header's summary gives way first.
 */
import { useContext } from 'react';
import { Box, Text } from 'ink';
import type { RoleInfo } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import type { Detection } from './backend.js';
import { Header, headerHeight } from './Header.js';
import { useKeys } from './input/InputProvider.js';
import { frameHeight, lineCount, wrapText } from './layout.js';
import { SelectList } from './SelectList.js';
import { RootContext } from './SummaryScreen.js';
import { useColor } from './style.js';

export interface RoleScreenProps {
  roles: RoleInfo[];
  index: number;
  detection: Detection | null;
  host: HostFacts | null;
  /** The slow probes' lines; null while they run. */
  probes: string[] | null;
  rows: number;
  columns: number;
  /** Move the cursor by `by` rows. */
  onMove(by: number): void;
  onChoose(): void;
}

/** The role screen. */
export function RoleScreen({
  roles,
  index,
  detection,
  host,
  probes,
  rows,
  columns,
  onMove,
  onChoose,
}: RoleScreenProps) {
  const tint = useColor();
  const current = detection?.role ?? null;
  // Relative moves: the machine moves its own cursor, never one this screen remembers.
  useKeys((key) => {
    if (key.name === 'up') onMove(-1);
    else if (key.name === 'down') onMove(1);
    else if (key.name === 'home' || key.name === 'pageup') onMove(-roles.length);
    else if (key.name === 'end' || key.name === 'pagedown') onMove(roles.length);
    else if (key.name === 'return') onChoose();
  });
  const items = roles.map((r) => ({
    value: r.id,
    label: r.title,
    hint: `— ${r.summary}${r.id === current ? '  (current)' : ''}`,
  }));
  const waiting = host === null || probes === null;
  const sandbox = useContext(RootContext);
  const help = `↑/↓ move · Enter choose · Ctrl-C quit without writing${waiting ? ' · (still probing the host)' : ''}`;

  // Lines: header (with its summary), question, the list, [the selected role's whole hint], gap, help, [notes].
  const height = frameHeight(rows);
  const helpLines = lineCount(help, columns);
  const fixed = headerHeight(detection, 0, sandbox) + 1 + roles.length + 1 + helpLines;
  let room = Math.max(0, height - fixed);
  const summaryShown = Math.min(detection?.summary.length ?? 0, room);
  room -= summaryShown;
  const selected = items[index];
  const cut = selected !== undefined && 2 + selected.label.length + 1 + (selected.hint?.length ?? 0) > columns;
  const whole = cut && selected !== undefined ? wrapText(selected.hint ?? '', columns - 4) : [];
  const wholeShown = whole.length <= room ? whole : [];
  room -= wholeShown.length;
  const notes = probes ?? [];
  const notesRoom = Math.max(0, room - 1);
  const notesShown = notes.length <= notesRoom ? notes : notes.slice(0, Math.max(0, notesRoom - 1));
  const notesHidden = notes.length - notesShown.length;

  return (
    <Box flexDirection="column">
      <Header host={host} detection={detection} roles={roles} maxSummary={summaryShown} />
      <Text bold>Which role should this host play?</Text>
      <SelectList items={items} index={index} />
      {wholeShown.map((line, i) => (
        <Text key={i} color={tint('gray')} wrap="truncate-end">
          {'    '}
          {line}
        </Text>
      ))}
      <Box marginTop={1} flexDirection="column">
        {wrapText(help, columns).map((line, i) => (
          <Text key={i} color={tint('gray')} wrap="truncate-end">
            {line}
          </Text>
        ))}
      </Box>
      {notesRoom > 0 && notes.length > 0 && (
        <Box marginTop={1} flexDirection="column">
          {notesShown.map((line, i) => (
            <Text key={i} color={tint('gray')} wrap="truncate-end">
              {line}
            </Text>
          ))}
          {notesHidden > 0 && (
            <Text color={tint('gray')} wrap="truncate-end">
              … {notesHidden} more {notesHidden === 1 ? 'line' : 'lines'} (a taller terminal shows them)
            </Text>
          )}
        </Box>
      )}
    </Box>
  );
}
