/** Run `fn` while holding the lock directory `lock` (see dirLock.mjs). */
export function withDirLock<T>(lock: string, fn: () => T): T;
