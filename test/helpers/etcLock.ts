/**
 * A lock for tests that touch the live /etc/postfix (and /etc/aliases, /etc/mailname, debconf):
 * test files run in parallel workers, so such tests take /tmp/mailsetup-etc-postfix.lock first.
 * The lock file holds "<pid> <token>"; a lock whose process is gone is stale and taken over.
 * Waiting is bounded.
 */
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';

export const ETC_POSTFIX_LOCK = '/tmp/mailsetup-etc-postfix.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Take the lock (waiting up to `timeoutMs`, default 5 minutes); returns the release function.
 * Throws "timed out after N s waiting for LOCK (held by pid P)" when it cannot.
 */
export async function acquireEtcLock(timeoutMs = 300_000, path = ETC_POSTFIX_LOCK): Promise<() => void> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, token);
      closeSync(fd);
      return () => {
        if (readLock(path) === token) unlinkSync(path);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = readLock(path);
    const pid = held === null ? 0 : Number.parseInt(held, 10);
    if (held !== null && !(pid > 0 && alive(pid))) {
      // Stale (its process is gone) or garbage: remove it if it is still the same file content.
      if (readLock(path) === held) {
        try {
          unlinkSync(path);
        } catch {
          // Someone else removed it first.
        }
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 100) / 10} s waiting for ${path} (held by pid ${pid})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Run `fn` holding the lock. */
export async function withEtcLock<T>(fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
  const release = await acquireEtcLock(timeoutMs);
  try {
    return await fn();
  } finally {
    release();
  }
}
