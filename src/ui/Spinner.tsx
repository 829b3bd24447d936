/** A one-character spinner for running steps. */
import { useEffect, useState } from 'react';
import { Text } from 'ink';
import { useColor } from './style.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The spinner; advances every 80 ms while mounted. */
export function Spinner() {
  const tint = useColor();
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 80);
    return () => clearInterval(timer);
  }, []);
  return <Text color={tint('cyan')}>{FRAMES[frame]}</Text>;
}
