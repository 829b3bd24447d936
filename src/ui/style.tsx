/**
 * Colours and terminal size for the screens. Colours come from one context so that `--no-color`
 * (and NO_COLOR) turn every colour off in one place; bold and underline stay.
 */
import { createContext, useContext, useEffect, useState } from 'react';
import { Text, useStdout } from 'ink';
import { STYLES, type Color, type StyledLine } from '../output/styled.js';

/**
 * Whether the fields of a question are paused: while its help is open, the help has the keys and
 * the field (with what was typed in it) waits underneath.
 */
export const InputPaused = createContext(false);

/** The key that opens and closes a question's help; a field never takes it as typed text. */
export const HELP_KEY = '?';

/** Whether screens may use colours. */
export const ColorContext = createContext(true);

export type { Color };

/** A function giving the colour to use, or undefined when colours are off. */
export function useColor(): (c: Color) => Color | undefined {
  const on = useContext(ColorContext);
  return (c) => (on ? c : undefined);
}

/** One styled line (src/output/) as Ink text, cut at the box edge. */
export function Line({ line }: { line: StyledLine }) {
  const tint = useColor();
  if (line.length === 0) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {line.map((span, i) => {
        const s = span.style === undefined ? {} : STYLES[span.style];
        return (
          <Text key={i} color={s.color === undefined ? undefined : tint(s.color)} bold={s.bold} underline={s.underline}>
            {span.text}
          </Text>
        );
      })}
    </Text>
  );
}

/** Replace tabs by spaces up to the next multiple of 8 columns. */
function expandTabs(text: string, column: number): string {
  let out = '';
  let col = column;
  for (const ch of text) {
    if (ch === '\t') {
      const n = 8 - (col % 8);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col += 1;
    }
  }
  return out;
}

/** Split a styled line into lines of at most `width` characters (tabs expanded), keeping the styles. */
export function wrapLine(line: StyledLine, width: number): StyledLine[] {
  const w = Math.max(1, width);
  const out: StyledLine[] = [];
  let current: StyledLine = [];
  let used = 0;
  let column = 0;
  for (const span of line) {
    let text = expandTabs(span.text, column);
    column += text.length;
    while (text.length > 0) {
      const room = w - used;
      if (room === 0) {
        out.push(current);
        current = [];
        used = 0;
        continue;
      }
      const piece = text.slice(0, room);
      current.push({ text: piece, style: span.style });
      used += piece.length;
      text = text.slice(room);
    }
  }
  out.push(current);
  return out;
}

/** rows × columns of a stream, 24×80 when it is not a terminal. */
function sizeOf(stdout: NodeJS.WriteStream): { rows: number; columns: number } {
  return { rows: stdout.rows > 0 ? stdout.rows : 24, columns: stdout.columns > 0 ? stdout.columns : 80 };
}

/** The terminal's size, following resizes (24×80 when the output is not a terminal). */
export function useTerminalSize(): { rows: number; columns: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
