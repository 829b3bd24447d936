/**
 * Asynchronous runs of the real postconf for tests that call it hundreds of times: a long loop of
 * synchronous runs blocks the worker's event loop and starves vitest's RPC ("Timeout calling
 * onTaskUpdate"). Same environment as helpers/postfix.ts (NORANDOMIZE=1, `-c DIR`), but output
 * and files are handled as latin1 "byte strings" (one character per byte).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSettledAsync } from './settled.js';

/** Result of one postconf run; stdout/stderr as latin1 byte strings. */
export interface AsyncRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * A latin1 byte string as a command-line argument carrying the same bytes. Node encodes argv as
 * UTF-8, so the bytes must form valid UTF-8 (test generators only produce such strings).
 */
export function byteArg(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** `postconf -c DIR ARGS` with NORANDOMIZE=1; never rejects on a non-zero exit. */
export function postconfAsync(dir: string, args: string[]): Promise<AsyncRun> {
  return new Promise((resolve) => {
    execFile(
      'postconf',
      ['-c', dir, ...args.map(byteArg)],
      { env: { ...process.env, NORANDOMIZE: '1' }, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ status, stdout: stdout.toString('latin1'), stderr: stderr.toString('latin1') });
      },
    );
  });
}

/**
 * Write DIR/main.cf (latin1 bytes), dated a minute back (helpers/settled.ts): postconf would
 * otherwise wait up to 2 s for a just-written main.cf before it reads it.
 */
export async function writeMainCf(dir: string, text: string): Promise<void> {
  await writeSettledAsync(join(dir, 'main.cf'), Buffer.from(text, 'latin1'));
}

/** Write `text` as DIR/main.cf, run postconf with `args`, return the run and the resulting bytes. */
export async function postconfEditAsync(
  dir: string,
  text: string,
  args: string[],
): Promise<AsyncRun & { text: string }> {
  await writeMainCf(dir, text);
  const r = await postconfAsync(dir, args);
  return { ...r, text: (await readFile(join(dir, 'main.cf'))).toString('latin1') };
}
