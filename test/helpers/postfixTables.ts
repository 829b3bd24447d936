/**
 * Test helpers for the real postalias/postmap: build tables from text in a private directory
 * (`-c DIR` with a minimal main.cf, never /etc/postfix), dump them, query them, and collect the
 * warnings. Plus a small seeded random generator for the differential tests.
 *
 * Tool runs are the slow part (tens of milliseconds each), so many tables are built by one
 * `postalias`/`postmap` call and dumps/queries run concurrently.
 */
import { spawn, spawnSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from './prng.js';

/** mulberry32: a small deterministic PRNG; the same seed gives the same sequence. */
export class Rng {
  /** A float in [0, 1) (the shared mulberry32 PRNG). */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/**
 * The main.cf used for table builds: Debian's compatibility level (so smtputf8_enable = yes and
 * keys are case-folded as on a real Debian 12 system).
 */
export const TABLE_MAIN_CF = 'compatibility_level = 3.6\n';

/**
 * Write DIR/main.cf dated an hour back: Postfix re-reads a main.cf modified within the last
 * second (dict_load_file waits in 300 ms steps until it is older), which would cost up to 2 s
 * per tool run.
 */
export function writeMainCf(dir: string, text: string = TABLE_MAIN_CF): void {
  const path = join(dir, 'main.cf');
  writeFileSync(path, text);
  const past = new Date(Date.now() - 3600_000);
  utimesSync(path, past, past);
}

export interface ToolRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command asynchronously, feeding `input` on stdin. Never rejects on a non-zero exit. */
export function runAsync(cmd: string, args: string[], input = ''): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === '' ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    if (child.stdin) {
      child.stdin.on('error', reject);
      child.stdin.end(input);
    }
  });
}

/** Map over items with at most `limit` promises in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Which tool builds the table. */
export type TableTool = 'postalias' | 'postmap';

export interface BuildResult {
  /** Exit status and output of the single build run. */
  run: ToolRun;
  /** Per input file: its path and the `<tool>: warning: ` lines about it, prefix removed. */
  files: Array<{ path: string; warnings: string[] }>;
}

/**
 * Write each text (UTF-8) as DIR/NAME and build all of them as `hash:` maps with ONE run of the
 * real tool under `-c DIR`. Warnings are attributed to a file by their `PATH,`, `PATH:` or
 * `PATH.db:` prefix.
 */
export function buildTables(tool: TableTool, dir: string, files: Array<{ name: string; text: string }>): BuildResult {
  writeMainCf(dir);
  const paths = files.map((f) => {
    const path = join(dir, f.name);
    writeFileSync(path, f.text, 'utf8');
    return path;
  });
  const r = spawnSync(tool, ['-c', dir, ...paths.map((p) => `hash:${p}`)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const run = { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  const prefix = `${tool}: warning: `;
  const lines = run.stderr
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
  return {
    run,
    files: paths.map((path) => ({
      path,
      warnings: lines.filter(
        (l) => l.startsWith(`${path},`) || l.startsWith(`${path}:`) || l.startsWith(`${path}.db:`),
      ),
    })),
  };
}

/**
 * Every record of `hash:PATH` as `-s` prints it (postalias's `@` and `YP_*` records removed).
 * The key/value separator is ":\t" for postalias and "\t" for postmap; keys must not contain it.
 */
export async function dumpTable(tool: TableTool, dir: string, path: string): Promise<Map<string, string>> {
  const r = await runAsync(tool, ['-c', dir, '-s', `hash:${path}`]);
  if (r.status !== 0) throw new Error(`${tool} -s ${path} failed: ${r.stderr}`);
  const sep = tool === 'postalias' ? ':\t' : '\t';
  const records = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const at = line.indexOf(sep);
    if (at < 0) throw new Error(`unexpected ${tool} -s line: ${JSON.stringify(line)}`);
    const key = line.slice(0, at);
    if (tool === 'postalias' && (key === '@' || key.startsWith('YP_'))) continue;
    records.set(key, line.slice(at + sep.length));
  }
  return records;
}

/**
 * Query several keys of `hash:PATH` at once (`-q -`, keys on stdin). Returns the value found for
 * each key, or undefined. Keys must not contain a newline.
 */
export async function queryTable(
  tool: TableTool,
  dir: string,
  path: string,
  keys: string[],
): Promise<Array<string | undefined>> {
  const r = await runAsync(tool, ['-c', dir, '-q', '-', `hash:${path}`], keys.map((k) => `${k}\n`).join(''));
  if (r.status !== 0 && r.status !== 1) throw new Error(`${tool} -q failed: ${r.stderr}`);
  const sep = tool === 'postalias' ? ':\t' : '\t';
  const lines = r.stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let n = 0;
  return keys.map((k) => {
    const line = lines[n];
    if (line !== undefined && line.startsWith(`${k}${sep}`)) {
      n++;
      return line.slice(k.length + sep.length);
    }
    return undefined;
  });
}
