/**
 * One mailsetup at a time: <root>/run/mailsetup.lock, created atomically (never half-written),
 * holding the owner's pid. A lock whose pid is dead is stale and taken over.
 */
import type { Effects } from '../model/effects.js';
import { fullEffects } from './backup.js';
import { LOCK_PATH } from '../model/paths.js';

/** A held lock. */
export interface Lock {
  /** The real path of the lock file. */
  path: string;
  release(): Promise<void>;
}

/** The message when another live mailsetup holds the lock. */
export function lockedMessage(pid: number, realPath: string): string {
  return `another mailsetup (pid ${pid}) is running; wait for it or remove ${realPath} if it is not`;
}

/**
 * Take the lock, or throw the "another mailsetup is running" Error. A lock file whose pid is
 * not alive (or that holds no pid) is removed and taken over. The lock is also removed when the
 * process exits without releasing it.
 */
export async function acquireLock(fx: Effects): Promise<Lock> {
  const f = fullEffects(fx);
  const real = await fx.realPath(LOCK_PATH);
  const mine = `${process.pid}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await f.createExclusive(LOCK_PATH, mine)) {
      const cancelExitRemoval = fx.removeAtExit(LOCK_PATH, mine);
      return {
        path: real,
        async release() {
          cancelExitRemoval();
          const now = await fx.readFile(LOCK_PATH).catch(() => null);
          if (now === mine) await fx.removeFile(LOCK_PATH);
        },
      };
    }
    const held = await fx.readFile(LOCK_PATH).catch(() => null);
    if (held === null) continue; // released meanwhile
    const pid = /^\s*(\d+)\s*$/.test(held) ? Number(held.trim()) : NaN;
    if (Number.isInteger(pid) && pid > 0 && f.processAlive(pid)) throw new Error(lockedMessage(pid, real));
    // Stale: remove it unless someone replaced it meanwhile.
    if ((await fx.readFile(LOCK_PATH).catch(() => null)) === held) await fx.removeFile(LOCK_PATH);
  }
  throw new Error(`cannot take the lock ${real}: it keeps changing; is another mailsetup starting?`);
}

/**
 * The pid of another mailsetup that holds the lock and is alive, or null (no lock, a stale one,
 * or this process's own).
 */
export async function lockHolder(fx: Effects): Promise<number | null> {
  const f = fullEffects(fx);
  const held = await fx.readFile(LOCK_PATH).catch(() => null);
  if (held === null) return null;
  const pid = /^\s*(\d+)\s*$/.test(held) ? Number(held.trim()) : NaN;
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  return f.processAlive(pid) ? pid : null;
}
