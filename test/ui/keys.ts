/** Key sequences and typing helpers for ink-testing-library tests. */
import { expect } from 'vitest';

export const KEY = {
  enter: '\r',
  up: '\u001B[A',
  down: '\u001B[B',
  esc: '\u001B',
  backspace: '\u007F',
  delete: '\u001B[3~',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  right: '\u001B[C',
  left: '\u001B[D',
  tab: '\t',
  shiftTab: '\u001B[Z',
  f1: '\u001BOP',
  ctrlC: '\u0003',
} as const;

/** Wait `ms` milliseconds (Ink needs a tick between keypresses). */
export function tick(ms = 20): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Let React finish: a keypress renders at once, but effects (the driver's backend calls, the new
 * screen's key handlers) run in setImmediate callbacks that may chain. Five rounds drain them, so a
 * slow machine cannot deliver the next key to the previous screen.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

interface Writable {
  write(data: string): void;
}

/** Press keys one after another. */
export async function press(stdin: Writable, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    stdin.write(k);
    await tick();
    await settle();
  }
}

/** Type text one character at a time. */
export async function type(stdin: Writable, text: string): Promise<void> {
  for (const ch of text) {
    stdin.write(ch);
    await tick();
    await settle();
  }
}

/** The frame without ANSI escapes. */
export function plain(frame: string | undefined): string {
  return (frame ?? '').replace(/\u001B\[[0-9;]*m/g, '');
}

/**
 * Poll the frame until it contains `text` (2 s at most); returns the frame. It then waits a tick
 * more: a frame is drawn on commit, but the new screen's key handlers subscribe in effects that run
 * just after it.
 */
export async function waitFor(lastFrame: () => string | undefined, text: string, timeoutMs = 2000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const f = plain(lastFrame());
    if (f.includes(text)) {
      await tick();
      await settle();
      return f;
    }
    if (Date.now() > end) {
      expect(f).toContain(text);
      return f;
    }
    await tick(10);
  }
}
