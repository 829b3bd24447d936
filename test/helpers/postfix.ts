/**
 * Test helpers for the real Postfix tools. Tests that need postconf/postfix call
 * `describePostfix` (or check `POSTFIX_AVAILABLE`): without Postfix they are skipped, and with
 * MAILSETUP_REQUIRE_POSTFIX=1 (set by .ci/run) a missing Postfix fails the run instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';

function probe(): boolean {
  const r = spawnSync('postconf', ['-d', 'mail_version'], { encoding: 'utf8' });
  return r.status === 0;
}

export const POSTFIX_AVAILABLE: boolean = probe();
export const POSTFIX_REQUIRED: boolean = process.env.MAILSETUP_REQUIRE_POSTFIX === '1';

if (!POSTFIX_AVAILABLE && POSTFIX_REQUIRED) {
  throw new Error("MAILSETUP_REQUIRE_POSTFIX=1 but postconf is not installed: install Debian's postfix package");
}

/** `describe` that runs only where the real Postfix tools exist. */
export const describePostfix: typeof describe.skip = (
  POSTFIX_AVAILABLE ? describe : describe.skip
) as typeof describe.skip;

/** The real Postfix version ("3.7.11"). */
export function postfixVersion(): string {
  return execFileSync('postconf', ['-dh', 'mail_version'], { encoding: 'utf8' }).trim();
}

/**
 * Whether Postfix `version` has a fix that came in the given patch releases of each stable
 * series (e.g. ['3.7.15', '3.8.10', '3.9.4', '3.10.2']): a later series always has it, an
 * earlier one never, a listed series from that patch on.
 */
export function fixedIn(version: string, releases: string[]): boolean {
  const num = (v: string): number[] => v.split(/[.-]/).slice(0, 3).map(Number);
  const [maj, min, patch] = num(version);
  const series = releases.map(num).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const last = series[series.length - 1];
  if (maj > last[0] || (maj === last[0] && min > last[1])) return true;
  const same = series.find((r) => r[0] === maj && r[1] === min);
  return same !== undefined && (patch ?? 0) >= same[2];
}

/** A fresh temporary directory; remove it with `cleanup`. */
export function tempDir(prefix = 'mailsetup-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * For a test file: a maker of temporary roots (`prefix…`, with the directory `sub` made inside),
 * every one removed after the file's tests. Call it at the file's top level.
 */
export function tempRoots(prefix: string, sub: string): () => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(cleanup));
  return () => {
    const d = tempDir(prefix);
    dirs.push(d);
    mkdirSync(join(d, sub), { recursive: true });
    return d;
  };
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the real postconf against DIR with NORANDOMIZE=1 (3.7–3.10.4 seed their hash tables from
 * /dev/urandom otherwise). Returns status and output; never throws on a non-zero exit.
 */
export function postconf(dir: string, args: string[]): RunResult {
  const r = spawnSync('postconf', ['-c', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NORANDOMIZE: '1' },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Write `text` as DIR/FILE, run postconf with `args` on it, and return the resulting bytes
 * (as a latin1 string, so every byte round-trips) plus the run's result.
 */
export function postconfEdit(
  dir: string,
  file: 'main.cf' | 'master.cf',
  text: string,
  args: string[],
): RunResult & { text: string } {
  writeFileSync(join(dir, file), Buffer.from(text, 'latin1'));
  if (file === 'master.cf') {
    // postconf reads main.cf for -c DIR; an empty one is enough.
    try {
      readFileSync(join(dir, 'main.cf'));
    } catch {
      writeFileSync(join(dir, 'main.cf'), '');
    }
  }
  const r = postconf(dir, args);
  return { ...r, text: readFileSync(join(dir, file)).toString('latin1') };
}
