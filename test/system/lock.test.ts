import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apply } from '../../src/system/apply.js';
import { acquireLock, lockedMessage } from '../../src/system/lock.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { cleanup, tempDir } from '../helpers/postfix.js';
import { planOf, testHost } from '../helpers/system-fixture.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));
function root(): string {
  const d = tempDir('mailsetup-lock-');
  dirs.push(d);
  mkdirSync(join(d, 'etc'));
  writeFileSync(join(d, 'etc/mailname'), 'a\n');
  return d;
}
const plan = planOf([{ path: '/etc/mailname', before: 'a\n', after: 'b\n', description: 'mailname' }], []);

/** A pid that is certainly dead: a child that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

describe('lock', () => {
  it('holds our pid, refuses a second holder with the exact message, is removed on release', async () => {
    const r = root();
    const fx = createRealEffects(r);
    const lock = await acquireLock(fx);
    expect(lock.path).toBe(`${r}/run/mailsetup.lock`);
    expect(readFileSync(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    await expect(acquireLock(fx)).rejects.toThrow(
      `another mailsetup (pid ${process.pid}) is running; wait for it or remove ${r}/run/mailsetup.lock if it is not`,
    );
    await lock.release();
    expect(existsSync(lock.path)).toBe(false);
    const again = await acquireLock(fx);
    await again.release();
  });

  it('a concurrent apply is refused while another process holds the lock; nothing is written', async () => {
    const r = root();
    const fx = createRealEffects(r);
    const child = spawn('sleep', ['30']);
    try {
      mkdirSync(join(r, 'run'));
      writeFileSync(join(r, 'run/mailsetup.lock'), `${child.pid}\n`);
      const res = await apply(plan, fx, testHost());
      expect(res.ok).toBe(false);
      expect(res.error).toBe(
        `Take the lock ${r}/run/mailsetup.lock failed: ${lockedMessage(child.pid as number, `${r}/run/mailsetup.lock`)}`,
      );
      expect(readFileSync(join(r, 'etc/mailname'), 'utf8')).toBe('a\n');
      expect(existsSync(join(r, 'var/backups'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('two applies started together in one process: one wins, the other is refused', async () => {
    const fx = createMemoryEffects({ files: { '/etc/mailname': 'a\n' } });
    const [x, y] = await Promise.all([apply(plan, fx, testHost()), apply(plan, fx, testHost())]);
    expect([x.ok, y.ok].sort()).toEqual([false, true]);
    expect((x.ok ? y : x).error).toContain(`another mailsetup (pid ${process.pid}) is running`);
  });

  it('a stale lock (dead pid, or no pid at all) is taken over', async () => {
    const r = root();
    const fx = createRealEffects(r);
    mkdirSync(join(r, 'run'));
    const pid = deadPid();
    writeFileSync(join(r, 'run/mailsetup.lock'), `${pid}\n`);
    const res = await apply(plan, fx, testHost());
    expect(res.error).toBeUndefined();
    expect(readFileSync(join(r, 'etc/mailname'), 'utf8')).toBe('b\n');
    expect(existsSync(join(r, 'run/mailsetup.lock'))).toBe(false);
    writeFileSync(join(r, 'run/mailsetup.lock'), '');
    const lock = await acquireLock(fx);
    expect(readFileSync(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });
});
