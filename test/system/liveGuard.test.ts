/** The live tests' guard (test/helpers/liveGuard.ts), on private directories: no real /etc. */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { differences, restore, snapshot } from '../helpers/etcSnapshot.js';
import { guardLive, type LiveGuardOptions } from '../helpers/liveGuard.js';
import { cleanup, tempDir } from '../helpers/postfix.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

/** A machine in a directory: etc/ with two files, "Postfix running" = the file `running`. */
function machine(running: boolean) {
  const dir = tempDir('mailsetup-guard-');
  dirs.push(dir);
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc', 'main.cf'), 'myhostname = a.example\n');
  writeFileSync(join(dir, 'etc', 'aliases'), 'postmaster: root\n', { mode: 0o640 });
  if (running) writeFileSync(join(dir, 'running'), '');
  writeFileSync(join(dir, 'installed'), '');
  const calls: string[] = [];
  const options: LiveGuardOptions = {
    dir: join(dir, 'record'),
    lockPath: join(dir, 'lock'),
    timeoutMs: 5_000,
    postfixRunning: () => existsSync(join(dir, 'running')),
    stopPostfix: () => {
      calls.push('stop');
      rmSync(join(dir, 'running'), { force: true });
    },
    startPostfix: () => {
      calls.push('start');
      writeFileSync(join(dir, 'running'), '');
    },
    postfixInstalled: () => existsSync(join(dir, 'installed')),
    installPostfix: () => {
      calls.push('install');
      writeFileSync(join(dir, 'installed'), '');
    },
  };
  return { dir, etc: join(dir, 'etc'), record: join(dir, 'record', 'live-in-progress.v8'), calls, options };
}

function killedHolder(dir: string, purge = false): void {
  const r = spawnSync(
    process.execPath,
    ['node_modules/vite-node/vite-node.mjs', 'test/helpers/live-guard-child.ts', dir, ...(purge ? ['purge'] : [])],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(r.signal, r.stderr).toBe('SIGKILL');
}

describe('guardLive', () => {
  it('puts back what a holder killed half-way left changed, starts Postfix again, then guards anew', async () => {
    const m = machine(true);
    const before = snapshot([m.etc]);
    killedHolder(m.dir);
    // What the killed run left: changed, added and removed files, Postfix stopped, its record.
    expect(differences(before).sort()).toEqual([
      join(m.etc, 'added.cf'),
      join(m.etc, 'aliases'),
      join(m.etc, 'main.cf'),
    ]);
    expect(existsSync(join(m.dir, 'running'))).toBe(false);
    expect(existsSync(m.record)).toBe(true);

    const g = await guardLive([m.etc], m.options);
    expect(g.repaired.sort()).toEqual([join(m.etc, 'added.cf'), join(m.etc, 'aliases'), join(m.etc, 'main.cf')]);
    expect(differences(before)).toEqual([]);
    expect(m.calls).toEqual(['stop', 'start']);
    expect(g.wasRunning).toBe(true);
    // This holder's own record stands until done().
    expect(existsSync(m.record)).toBe(true);
    g.done();
    expect(existsSync(m.record)).toBe(false);
    expect(existsSync(m.options.lockPath ?? '')).toBe(false);
  }, 60_000);

  it('a holder killed after purging the package: the package comes back first, then the files and Postfix', async () => {
    const m = machine(true);
    const before = snapshot([m.etc]);
    killedHolder(m.dir, true);
    expect(existsSync(join(m.dir, 'installed'))).toBe(false);
    const g = await guardLive([m.etc], m.options);
    expect(m.calls).toEqual(['install', 'stop', 'start']);
    expect(differences(before)).toEqual([]);
    expect(existsSync(join(m.dir, 'installed'))).toBe(true);
    g.done();
  }, 60_000);

  it("without a record it changes nothing; done() after the file's restore leaves no record", async () => {
    const m = machine(false);
    const g = await guardLive([m.etc], m.options);
    expect(g.repaired).toEqual([]);
    expect(g.wasRunning).toBe(false);
    writeFileSync(join(m.etc, 'main.cf'), 'changed by the test, which restores it itself\n');
    restore(g.saved);
    g.done();
    expect(existsSync(m.record)).toBe(false);
    const next = await guardLive([m.etc], m.options);
    expect(next.repaired).toEqual([]);
    expect(readFileSync(join(m.etc, 'main.cf'), 'utf8')).toBe('myhostname = a.example\n');
    expect(m.calls).toEqual([]);
    next.done();
  });

  it('done() after a restore that did not finish keeps the record; the next holder puts the files back', async () => {
    const m = machine(false);
    const before = snapshot([m.etc]);
    const g = await guardLive([m.etc], m.options);
    writeFileSync(join(m.etc, 'main.cf'), 'left changed by a failed restore\n');
    g.done();
    expect(existsSync(m.record)).toBe(true);
    expect(existsSync(m.options.lockPath ?? '')).toBe(false);
    const next = await guardLive([m.etc], m.options);
    expect(next.repaired).toEqual([join(m.etc, 'main.cf')]);
    expect(differences(before)).toEqual([]);
    next.done();
    expect(existsSync(m.record)).toBe(false);
  });

  it('refuses a record it cannot read or a directory others may write, and releases the lock', async () => {
    const m = machine(false);
    mkdirSync(join(m.dir, 'record'), { mode: 0o700 });
    writeFileSync(m.record, 'not a record');
    await expect(guardLive([m.etc], m.options)).rejects.toThrow(
      `${m.record} is not a record of a live test run; the machine may still be changed by the run that wrote it`,
    );
    expect(existsSync(m.options.lockPath ?? '')).toBe(false);
    rmSync(m.record);
    chmodSync(join(m.dir, 'record'), 0o777);
    await expect(guardLive([m.etc], m.options)).rejects.toThrow(
      /record must be a directory owned by uid \d+ and writable only by it/,
    );
    expect(existsSync(m.options.lockPath ?? '')).toBe(false);
    expect(m.calls).toEqual([]);
  });
});
