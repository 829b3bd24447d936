/**
 * The first screen: the start header, then the role choice, each role with its one-line
 * explanation; ↑/↓ (Home/End) and Enter. The current role (on a re-run) is marked and selected
 * from the first frame on. The slow probes' findings arrive later, below the list, so the list
 * never moves. The screen fits the terminal: the header's summary gives way first. Its lines
 * come from roleFrameLines (./roleFrame.ts), which also gives the plain first frame the wizard
 * draws before Ink has loaded: the two are the same text in the same styles.
 */
import { useContext } from 'react';
import { Box } from 'ink';
import { useKeys } from './input/InputProvider.js';
import { roleFrameLines, type RoleFrame } from './roleFrame.js';
import { RootContext } from './SummaryScreen.js';
import { Line } from './style.js';

/** What the role screen shows (the sandbox comes from RootContext), and what its keys do. */
export interface RoleScreenProps extends Omit<RoleFrame, 'sandbox'> {
  /** Move the cursor by `by` rows. */
  onMove(by: number): void;
  onChoose(): void;
}

/** The role screen. */
export function RoleScreen({ onMove, onChoose, ...frame }: RoleScreenProps) {
  const { roles } = frame;
  // Relative moves: the machine moves its own cursor, never one this screen remembers.
  useKeys((key) => {
    if (key.name === 'up') onMove(-1);
    else if (key.name === 'down') onMove(1);
    else if (key.name === 'home' || key.name === 'pageup') onMove(-roles.length);
    else if (key.name === 'end' || key.name === 'pagedown') onMove(roles.length);
    else if (key.name === 'return') onChoose();
  });
  const sandbox = useContext(RootContext);
  const lines = roleFrameLines({ ...frame, sandbox });
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Line key={i} line={line} />
      ))}
    </Box>
  );
}
