/**
 * A vertical list with a cursor: ↑/↓ move, Enter picks. Controlled (the cursor lives with the
 * caller) so that a detected role can move it after the first frame.
 */
import { useContext } from 'react';
import { Box, Text, useInput } from 'ink';
import { InputPaused, useColor } from './style.js';

export interface SelectItem {
  value: string;
  label: string;
  /** Shown dimmed after the label. */
  hint?: string;
}

export interface SelectListProps {
  items: SelectItem[];
  index: number;
  onMove(index: number): void;
  onSubmit(index: number): void;
  isActive?: boolean;
}

/** The list; the highlighted row starts with "❯". */
export function SelectList({ items, index, onMove, onSubmit, isActive = true }: SelectListProps) {
  const tint = useColor();
  const paused = useContext(InputPaused);
  useInput(
    (_input, key) => {
      if (key.upArrow) onMove(Math.max(0, index - 1));
      else if (key.downArrow) onMove(Math.min(items.length - 1, index + 1));
      else if (key.return && items.length > 0) onSubmit(index);
    },
    { isActive: isActive && !paused },
  );
  return (
    <Box flexDirection="column">
      {/* One Text per row: a hint too long for the line wraps under the row; two Texts side by side would squeeze the label. */}
      {items.map((item, i) => (
        <Text key={item.value}>
          <Text color={i === index ? tint('cyan') : undefined} bold={i === index}>
            {i === index ? '❯ ' : '  '}
            {item.label}
          </Text>
          {item.hint !== undefined && <Text color={tint('gray')}> {item.hint}</Text>}
        </Text>
      ))}
    </Box>
  );
}
