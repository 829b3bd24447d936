// One holder at a time, across test workers and test runs: a lock directory (mkdir is atomic).
// Used by ensureBuilt (test/helpers/cli.ts) and the source tree (./source-tree.mjs).
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** How old a lock may grow before it counts as left over by a dead run and is taken over. */
const STALE_MS = 180_000;

/**
 * Run `fn` while holding the lock directory `lock`, waiting (100 ms steps) while another holds
 * it; a lock older than 3 minutes is taken over. Throws, naming the lock, after 3 minutes of waiting.
 */
export function withDirLock(lock, fn) {
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + STALE_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_MS) rmSync(lock, { recursive: true, force: true });
      } catch {
        // removed meanwhile
      }
      if (Date.now() > deadline) throw new Error(`${lock} is still held after 180 s; remove it if no build runs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
