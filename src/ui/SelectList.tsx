/**
 * A vertical list with the selected row marked "❯" (">" in ASCII), in bold and cyan: the mark
 * alone shows the selection when colours are off. A pure view: the screen that shows it owns the
 * keys. Each row is one line, cut at the edge; a hint too long for it is cut with "…".
 */
import { Box, Text } from 'ink';
import { useColor } from './style.js';

export interface SelectItem {
  value: string;
  label: string;
  /** Shown dimmed after the label. */
  hint?: string;
}

export interface SelectListProps {
  items: SelectItem[];
  index: number;
}

/** The list. */
export function SelectList({ items, index }: SelectListProps) {
  const tint = useColor();
  return (
    <Box flexDirection="column">
      {items.map((item, i) => (
        <Text key={item.value} wrap="truncate-end">
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
