/**
 * master(8) asked directly (src/system/master.ts): the pid its pid file names, trusted only when
 * /proc shows a live root process called master, and whether Postfix runs (master -t, confirmed
 * by that pid; `postfix status` when they disagree or the directories are unknown). The real
 * master is asked in test/live and by the live bench rows.
 */
import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../../src/model/effects.js';
import type { PostfixFacts } from '../../src/model/host.js';
import { masterPid, masterRuns, masterTest } from '../../src/system/master.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';

const Q = '/var/spool/postfix';
const proc = (pid: number, comm: string, uid: number) => ({
  [`/proc/${pid}/comm`]: `${comm}\n`,
  [`/proc/${pid}/status`]: `Name:\t${comm}\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`,
});
const result = (exitCode: number, command: string): CommandResult => ({
  command,
  exitCode,
  stdout: '',
  stderr: '',
  timedOut: false,
});

describe('masterPid', () => {
  it('the pid in pid/master.pid (Postfix pads it with spaces) when /proc shows root running master', async () => {
    const fx = createMemoryEffects({ files: { [`${Q}/pid/master.pid`]: '        282\n', ...proc(282, 'master', 0) } });
    expect(await masterPid(fx, Q)).toBe(282);
  });

  it.each([
    ['no pid file', {}],
    ['a stale pid (no such process)', { [`${Q}/pid/master.pid`]: '282\n' }],
    ['a pid naming another program', { [`${Q}/pid/master.pid`]: '282\n', ...proc(282, 'sshd', 0) }],
    ['a process called master run by a user', { [`${Q}/pid/master.pid`]: '282\n', ...proc(282, 'master', 1000) }],
    ['not a number', { [`${Q}/pid/master.pid`]: '282; rm -rf /\n', ...proc(282, 'master', 0) }],
    ['pid 1', { [`${Q}/pid/master.pid`]: '1\n', ...proc(1, 'master', 0) }],
    ['two numbers', { [`${Q}/pid/master.pid`]: '282 283\n', ...proc(282, 'master', 0) }],
  ])('undefined for %s: nothing is signalled on its word', async (_, files) => {
    expect(await masterPid(createMemoryEffects({ files }), Q)).toBeUndefined();
  });
});

describe('masterRuns', () => {
  const dirs: PostfixFacts = {
    installed: true,
    defaultDatabaseType: 'hash',
    running: false,
    daemonDirectory: '/usr/lib/postfix/sbin',
    queueDirectory: Q,
  };
  const running = { [`${Q}/pid/master.pid`]: '282\n', ...proc(282, 'master', 0) };
  const effects = (files: Record<string, string>, masterT: number, status: number) =>
    createMemoryEffects({
      files,
      run: (cmd, args) =>
        result(cmd.endsWith('/master') ? masterT : cmd === 'postfix' ? status : 0, [cmd, ...args].join(' ')),
    });
  const commands = (fx: { calls: ReadonlyArray<{ cmd: string; args: readonly string[]; opts?: unknown }> }) =>
    fx.calls.map((c) => [c.cmd, ...c.args].join(' '));

  it('master -t exit 0 (the pid file is not locked): not running, nothing else asked', async () => {
    const fx = effects(running, 0, 0);
    expect(await masterRuns(fx, dirs, '/etc/.postfix.mailsetup-stage')).toBe(false);
    expect(commands(fx)).toEqual(['/usr/lib/postfix/sbin/master -t']);
    expect(fx.calls[0].opts).toMatchObject({ env: { MAIL_CONFIG: '/etc/.postfix.mailsetup-stage' } });
  });

  it('master -t exit 1 and the pid file names a live master: running', async () => {
    const fx = effects(running, 1, 1);
    expect(await masterRuns(fx, dirs)).toBe(true);
    expect(commands(fx)).toEqual(['/usr/lib/postfix/sbin/master -t']);
  });

  it('master -t exit 1 without a live master (a broken main.cf makes it fail too): postfix status decides', async () => {
    const down = effects({}, 1, 1);
    expect(await masterRuns(down, dirs)).toBe(false);
    expect(commands(down)).toEqual(['/usr/lib/postfix/sbin/master -t', 'postfix status']);
    const up = effects({}, 1, 0);
    expect(await masterRuns(up, dirs, '/etc/postfix')).toBe(true);
    expect(commands(up)).toEqual(['/usr/lib/postfix/sbin/master -t', 'postfix -c /etc/postfix status']);
  });

  it('a master -t started already (from the package directory) is taken when the directories agree', async () => {
    const fx = effects(running, 1, 1);
    const started = masterTest(fx, '/usr/lib/postfix/sbin', '/etc/postfix');
    expect(await masterRuns(fx, dirs, '/etc/postfix', started)).toBe(true);
    expect(commands(fx)).toEqual(['/usr/lib/postfix/sbin/master -t']);
    expect(fx.calls[0].opts).toMatchObject({ env: { MAIL_CONFIG: '/etc/postfix' } });
  });

  it('… and asked again from the configured daemon_directory, or for another configuration, when they do not', async () => {
    const fx = effects(running, 0, 0);
    const elsewhere = { ...dirs, daemonDirectory: '/usr/local/libexec/postfix' };
    const started = masterTest(fx, '/usr/lib/postfix/sbin', '/etc/postfix');
    expect(await masterRuns(fx, elsewhere, '/etc/postfix', started)).toBe(false);
    expect(commands(fx)).toEqual(['/usr/lib/postfix/sbin/master -t', '/usr/local/libexec/postfix/master -t']);
    const fx2 = effects(running, 0, 0);
    expect(
      await masterRuns(
        fx2,
        dirs,
        '/etc/.postfix.mailsetup-stage',
        masterTest(fx2, dirs.daemonDirectory ?? '', '/etc/postfix'),
      ),
    ).toBe(false);
    expect(fx2.calls.map((c) => c.opts)).toMatchObject([
      { env: { MAIL_CONFIG: '/etc/postfix' } },
      { env: { MAIL_CONFIG: '/etc/.postfix.mailsetup-stage' } },
    ]);
  });

  it('the directories unknown (not live, or no main.cf): postfix status alone', async () => {
    const fx = effects(running, 1, 0);
    expect(await masterRuns(fx, { installed: true, defaultDatabaseType: 'hash', running: false })).toBe(true);
    expect(commands(fx)).toEqual(['postfix status']);
  });
});
