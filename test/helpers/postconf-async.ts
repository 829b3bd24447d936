/**
 * Asynchronous runs of the real postconf for tests that call it hundreds of times: a long loop of
 * synchronous runs blocks the worker's event loop and starves vitest's RPC ("Timeout calling
 * onTaskUpdate"). Same environment as helpers/postfix.ts (NORANDOMIZE=1, `-c DIR`), but output
 * and files are handled as latin1 "byte strings" (one character per byte).
 *
 * The runs are started by long-lived shells (PostconfRunner), not by the test worker: on a 2-core
 * machine where starting a process is dear, 300 postconf runs cost 9.9 CPU-s started from Node and
 * 7.3 started from sh, and the differential tests start thousands (the four postconf-heavy files
 * took 168 CPU-s with a start from the worker for each run, 108 with the shells).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { writeSettledAsync } from './settled.js';
import { shellQuote } from './shell.js';

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

let outputs = 0;

/**
 * A long-lived `sh` that runs `postconf -c DIR ARGS` on request, one run at a time (requests made
 * meanwhile wait their turn): the command goes to its stdin, its stdout and stderr to files of
 * their own in DIR (read, then removed), its exit status comes back as a line on the shell's
 * stdout. The shell ends with close(), or when the worker exits (its stdin closes).
 */
export class PostconfRunner {
  private readonly proc: ChildProcessWithoutNullStreams;
  /** The run under way (runs are one at a time: `queue`) waits for its status line. */
  private waiting: ((status: number) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;
  /** Runs asked for and not finished. */
  pending = 0;

  constructor() {
    this.proc = spawn('sh', [], { env: { ...process.env, NORANDOMIZE: '1' } });
    // Neither the shell nor its pipes keep the worker alive.
    this.proc.unref();
    for (const stream of [this.proc.stdin, this.proc.stdout, this.proc.stderr]) (stream as unknown as Socket).unref();
    createInterface({ input: this.proc.stdout }).on('line', (line) => this.settle(Number(line)));
    let stderr = '';
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk: string) => (stderr += chunk));
    this.proc.on('error', (err) => (this.failed ??= err));
    this.proc.on('close', (code) => {
      this.failed ??= new Error(`the shell running postconf exited (${code}): ${stderr}`);
      this.settle(-1);
    });
  }

  private settle(status: number): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(status);
  }

  /** `postconf -c DIR ARGS` (each argument a latin1 byte string); never rejects on a non-zero exit. */
  run(dir: string, args: string[]): Promise<AsyncRun> {
    this.pending++;
    const result = this.queue.then(() => this.runNow(dir, args));
    this.queue = result.catch(() => undefined);
    return result.finally(() => this.pending--);
  }

  /** End the shell. */
  close(): void {
    this.proc.stdin.end();
  }

  private async runNow(dir: string, args: string[]): Promise<AsyncRun> {
    if (this.failed) throw this.failed;
    const n = ++outputs;
    const out = join(dir, `.postconf-${process.pid}-${n}.stdout`);
    const err = join(dir, `.postconf-${process.pid}-${n}.stderr`);
    const status = await new Promise<number>((resolve) => {
      this.waiting = resolve;
      const argv = ['postconf', '-c', dir, ...args.map(byteArg)].map(shellQuote).join(' ');
      this.proc.stdin.write(`${argv} </dev/null >${shellQuote(out)} 2>${shellQuote(err)}; echo $?\n`, 'utf8');
    });
    if (this.failed && status === -1) throw this.failed;
    const [stdout, stderr] = await Promise.all([readFile(out), readFile(err)]);
    await Promise.all([rm(out, { force: true }), rm(err, { force: true })]);
    return { status, stdout: stdout.toString('latin1'), stderr: stderr.toString('latin1') };
  }
}

/** The worker's shells for postconfAsync: as many as the runs it keeps going at once. */
const RUNNERS = 4;
const runners: PostconfRunner[] = [];

/** `postconf -c DIR ARGS` with NORANDOMIZE=1; never rejects on a non-zero exit. */
export function postconfAsync(dir: string, args: string[]): Promise<AsyncRun> {
  let runner = runners.find((r) => r.pending === 0);
  if (runner === undefined && runners.length < RUNNERS) runners.push((runner = new PostconfRunner()));
  runner ??= runners.reduce((a, b) => (b.pending < a.pending ? b : a));
  return runner.run(dir, args);
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
