/**
 * Role choice: each role with its one-line explanation; ↑/↓ and Enter. The current role (on a
 * re-run) is marked and pre-selected.
 */
import { Box, Text } from 'ink';
import type { RoleId, RoleInfo } from '../model/answers.js';
import { SelectList } from './SelectList.js';
import { useColor } from './style.js';

export interface RoleScreenProps {
  roles: RoleInfo[];
  index: number;
  current: RoleId | 'custom' | null;
  /** Still waiting for the host: Enter is remembered and the questions follow once it is known. */
  waiting: boolean;
  onMove(index: number): void;
  onChoose(): void;
}

/** The role screen. */
export function RoleScreen({ roles, index, current, waiting, onMove, onChoose }: RoleScreenProps) {
  const tint = useColor();
  const items = roles.map((r) => ({
    value: r.id,
    label: r.title,
    hint: `— ${r.summary}${r.id === current ? '  (current)' : ''}`,
  }));
  return (
    <Box flexDirection="column">
      <Text bold>Which role should this host play?</Text>
      <SelectList items={items} index={index} onMove={onMove} onSubmit={() => onChoose()} />
      <Box marginTop={1}>
        <Text color={tint('gray')}>
          ↑/↓ move · Enter choose · Ctrl-C quit without writing
          {waiting ? ' · (still probing the host)' : ''}
        </Text>
      </Box>
    </Box>
  );
}
