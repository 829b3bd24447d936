/** The /etc/postfix test lock (test/helpers/etcLock.ts), on a private lock path. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireEtcLock } from '../helpers/etcLock.js';
import { cleanup, tempDir } from '../helpers/postfix.js';

const dir = tempDir('mailsetup-lock-');
afterAll(() => cleanup(dir));

describe('acquireEtcLock', () => {
  it('excludes a second holder (bounded wait with a precise message) until released', async () => {
    const path = join(dir, 'a.lock');
    const release = await acquireEtcLock(1_000, path);
    expect(readFileSync(path, 'utf8')).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16}$`));
    const t0 = Date.now();
    await expect(acquireEtcLock(500, path)).rejects.toThrow(
      `timed out after 0.5 s waiting for ${path} (held by pid ${process.pid})`,
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
    const waiter = acquireEtcLock(5_000, path);
    setTimeout(release, 300);
    const second = await waiter;
    second();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a stale lock whose process is gone; release leaves a foreign lock alone', async () => {
    const path = join(dir, 'b.lock');
    writeFileSync(path, '999999999 deadbeefdeadbeef');
    const release = await acquireEtcLock(1_000, path);
    writeFileSync(path, `${process.pid} someone-else`);
    release();
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid} someone-else`);
  });
});
