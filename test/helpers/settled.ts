/**
 * Files a Postfix tool reads, dated in the past. Postfix re-reads a main.cf modified in the
 * current or the previous second every 300 ms until it is older ("read the file again if it is
 * hot", dict_load_file_xt in Postfix's src/util/dict.c): a test that writes a main.cf and runs
 * postconf, postmap or `postfix check` on it at once waits up to 2 s per command for nothing.
 *
 * Honest for test fixtures only: a file the test wrote and will not change again. A file
 * mailsetup itself wrote is never re-dated (a test may compare its times); read it through
 * `settledCopy`, a copy of the configuration directory dated in the past.
 */
import { copyFileSync, existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A minute back: older than anything dict_load_file_xt waits for. */
function past(): Date {
  return new Date(Date.now() - 60_000);
}

/** Date `paths` a minute back. */
export function settle(...paths: string[]): void {
  const t = past();
  for (const p of paths) utimesSync(p, t, t);
}

/** Write `data` to `path` and date it a minute back. */
export function writeSettled(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data);
  settle(path);
}

/** `writeSettled`, asynchronously. */
export async function writeSettledAsync(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(path, data);
  const t = past();
  await utimes(path, t, t);
}

/**
 * A new temporary directory holding copies of `configDir`'s main.cf and master.cf (those that
 * exist), dated a minute back: for `postconf -c COPY` / `postmap -c COPY` reads of a
 * configuration mailsetup has just written, without touching its files. The caller removes it.
 */
export function settledCopy(configDir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'mailsetup-settled-'));
  const copied: string[] = [];
  for (const name of ['main.cf', 'master.cf']) {
    const from = join(configDir, name);
    if (!existsSync(from)) continue;
    copyFileSync(from, join(copy, name));
    copied.push(join(copy, name));
  }
  settle(...copied);
  return copy;
}
