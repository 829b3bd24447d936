/**
 * The last resort for an error nobody expected: the user gets one line, and the details (the
 * stack) go to a file only its owner can read, whose name the line gives.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Write `err`'s details to a new file (mode 0600, never an existing one); its path, or null. */
export function writeCrashReport(err: unknown, argv: readonly string[], version: string): string | null {
  const path = join(tmpdir(), `mailsetup-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  const text =
    `mailsetup ${version} on Node ${process.version}\n` +
    `arguments: ${JSON.stringify(argv)}\n\n` +
    `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`;
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return path;
  } catch {
    return null;
  }
}
