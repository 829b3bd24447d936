import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import type { ChrootSync } from '../../src/system/commands.js';
import {
  findRsyslogd,
  postfixRunning,
  probeChrootSync,
  reloadPostfix,
  restartPostfix,
  restartSyslog,
  rsyslogRunning,
  startPostfix,
  stopPostfix,
} from '../../src/system/services.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix, postfixVersion, tempDir } from '../helpers/postfix.js';
import { readDebian } from '../helpers/reference.js';
import { stubBin, testHost } from '../helpers/system-fixture.js';

const AS_ROOT = needsRoot('the service commands against a private Postfix instance', 'its master runs as root');
const ADDR = '127.0.0.57';
const PORT = 2557;

/** The first line the server at ADDR:PORT sends, or the connection error; gives up after 5 s. */
function banner(): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: ADDR, port: PORT });
    let buf = '';
    const done = (v: string): void => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done('timeout'), 5_000);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const i = buf.indexOf('\r\n');
      if (i >= 0) done(buf.slice(0, i));
    });
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

(AS_ROOT ? describePostfix : describe.skip)(
  'service commands against a private Postfix instance (127.0.0.57:2557, temp dirs)',
  () => {
    let dir = '';
    let cfg = '';
    const fx = createRealEffects('/');
    let host = testHost();
    let sync: ChrootSync = 'none';
    /** The chroot sync before `postfix start`, as the installed package needs it. */
    const syncCommands = (): string[] =>
      sync === 'configure-instance' ? ['/usr/lib/postfix/configure-instance.sh -'] : [];
    const masterPid = (): string => readFileSync(join(dir, 'queue/pid/master.pid'), 'utf8').trim();

    beforeAll(async () => {
      host = testHost({
        postfix: {
          installed: true,
          version: postfixVersion(),
          defaultDatabaseType: 'hash',
          running: false,
          smtpPort: 25,
        },
      });
      sync = await probeChrootSync(fx);
      dir = tempDir('mailsetup-pi-');
      chmodSync(dir, 0o755); // master opens its lock file as postfix
      cfg = join(dir, 'etc');
      mkdirSync(cfg);
      mkdirSync(join(dir, 'queue'));
      mkdirSync(join(dir, 'data'));
      chownSync(join(dir, 'data'), Number(execFileSync('id', ['-u', 'postfix']).toString()), 0);
      const master = readDebian('master.cf');
      const smtp = 'smtp      inet  n       -       y       -       -       smtpd';
      if (!master.includes(smtp)) throw new Error('reference master.cf changed');
      writeFileSync(
        join(cfg, 'master.cf'),
        master.replace(smtp, `${ADDR}:${PORT} inet n       -       y       -       -       smtpd`),
      );
      const debian = readDebian('main.cf.debian').replace(/^smtpd_banner = .*\n/m, '');
      writeFileSync(
        join(cfg, 'main.cf'),
        `${debian}
queue_directory = ${dir}/queue
data_directory = ${dir}/data
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = private.mailsetup.test
mydestination =
smtpd_banner = $myhostname ESMTP first
maillog_file = ${dir}/data/maillog
maillog_file_prefixes = ${dir}
`,
      );
    });

    afterAll(() => {
      if (dir && spawnSync('postfix', ['-c', cfg, 'status'], { timeout: 20_000 }).status === 0) {
        spawnSync('postfix', ['-c', cfg, 'stop'], { timeout: 30_000 });
      }
      if (dir) cleanup(dir);
    });

    it('not running at first; stop is skipped', async () => {
      expect(await postfixRunning(fx, host, { configDir: cfg })).toBe(false);
      expect(await stopPostfix(fx, host, { configDir: cfg })).toMatchObject({
        status: 'skipped',
        detail: 'Postfix is not running',
      });
    });

    it('the chroot sync follows the installed package: configure-instance.sh only where it is callable', () => {
      if (sync === 'postfix-start') {
        // Debian 13: an internal helper of `postfix start`, which refuses to be called by hand.
        const ci = spawnSync('/usr/lib/postfix/configure-instance.sh', ['-'], {
          encoding: 'utf8',
          env: { ...process.env, MAIL_CONFIG: cfg },
        });
        expect(ci.status).toBe(1);
        expect(ci.stderr).toContain('E: This is internal script used by postfix');
      } else if (sync === 'configure-instance') {
        expect(existsSync('/usr/lib/postfix/configure-instance.sh')).toBe(true);
      } else {
        expect(existsSync('/usr/lib/postfix/configure-instance.sh')).toBe(false);
      }
    });

    it('start: the chroot is filled (by configure-instance.sh or by postfix start), smtpd answers', async () => {
      const o = await startPostfix(fx, host, { configDir: cfg });
      expect(o.error).toBeUndefined();
      expect(o.status).toBe('ok');
      expect(o.results.map((r) => r.command)).toEqual([...syncCommands(), `postfix -c ${cfg} start`]);
      expect(o.results.at(-1)?.stderr).toMatch(/postfix\/(postfix-script|postlog): starting the Postfix mail system/);
      expect(existsSync(join(dir, 'queue/etc/resolv.conf'))).toBe(true);
      expect(readFileSync(join(dir, 'queue/etc/resolv.conf'), 'utf8')).toBe(readFileSync('/etc/resolv.conf', 'utf8'));
      expect(await postfixRunning(fx, host, { configDir: cfg })).toBe(true);
      expect(await banner()).toBe('220 private.mailsetup.test ESMTP first');
    });

    it('reload: same master, new configuration in effect', async () => {
      const pid = masterPid();
      writeFileSync(
        join(cfg, 'main.cf'),
        readFileSync(join(cfg, 'main.cf'), 'utf8').replace('ESMTP first', 'ESMTP second'),
      );
      const o = await reloadPostfix(fx, host, { configDir: cfg });
      expect(o.error).toBeUndefined();
      expect(o.results.map((r) => r.command)).toEqual([`postfix -c ${cfg} reload`]);
      expect(masterPid()).toBe(pid);
      let b = '';
      for (let i = 0; i < 20 && b !== '220 private.mailsetup.test ESMTP second'; i++) {
        b = await banner();
        if (b !== '220 private.mailsetup.test ESMTP second') await new Promise((r) => setTimeout(r, 250));
      }
      expect(b).toBe('220 private.mailsetup.test ESMTP second');
    });

    it('restart: stop, [configure-instance.sh,] start; a new master', async () => {
      const pid = masterPid();
      const o = await restartPostfix(fx, host, { configDir: cfg });
      expect(o.error).toBeUndefined();
      expect(o.results.map((r) => r.command)).toEqual([
        `postfix -c ${cfg} stop`,
        ...syncCommands(),
        `postfix -c ${cfg} start`,
      ]);
      expect(masterPid()).not.toBe(pid);
      expect(await banner()).toBe('220 private.mailsetup.test ESMTP second');
    });

    it("a start that fails reports Postfix's own words", async () => {
      const o = await startPostfix(fx, host, { configDir: cfg }); // already running
      expect(o.status).toBe('failed');
      // Before 3.8 the words reach mailsetup through the terminal it gives postfix(1), since 3.8 on
      // stderr; the program name in them differs (postfix-script, postlog).
      expect(o.error).toMatch(
        new RegExp(
          `^postfix -c ${cfg} start exited 1: postfix/(postfix-script|postlog): fatal: the Postfix mail system is already running$`,
        ),
      );
    });

    it('stop: not running, port closed', async () => {
      const o = await stopPostfix(fx, host, { configDir: cfg });
      expect(o.error).toBeUndefined();
      expect(o.results.map((r) => r.command)).toEqual([`postfix -c ${cfg} stop`]);
      expect(await postfixRunning(fx, host, { configDir: cfg })).toBe(false);
      expect(await banner()).toBe('ECONNREFUSED');
    });
  },
);

describe('service commands with systemd (stand-in systemctl on PATH)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(cleanup));

  it('systemctl start/reload/restart postfix, restart rsyslog; is-active decides reload vs start', async () => {
    const stub = stubBin({ systemctl: { body: '[ "$1" = is-active ] && exit 0\nexit 0' } });
    dirs.push(stub.dir);
    const fx = createRealEffects('/', { env: { PATH: `${stub.dir}:${process.env.PATH ?? ''}` } });
    const host = testHost({ systemd: true, rsyslog: true });
    expect((await startPostfix(fx, host)).status).toBe('ok');
    expect((await reloadPostfix(fx, host)).status).toBe('ok');
    expect((await restartPostfix(fx, host)).status).toBe('ok');
    expect((await stopPostfix(fx, host)).status).toBe('ok');
    expect((await restartSyslog(fx, host)).status).toBe('ok');
    expect(stub.calls().filter((c) => !c.startsWith('systemctl is-active'))).toEqual([
      'systemctl start postfix',
      'systemctl reload postfix',
      'systemctl restart postfix',
      'systemctl stop postfix',
      'systemctl restart rsyslog',
    ]);
    expect(await restartSyslog(fx, testHost({ systemd: true, rsyslog: false }))).toMatchObject({
      status: 'skipped',
      detail: 'rsyslog is not installed',
    });
    const sb = tempDir();
    dirs.push(sb);
    expect(await restartSyslog(createRealEffects(sb), host)).toMatchObject({
      status: 'skipped',
      detail: '--root: daemons are not touched',
    });
  });

  it('rsyslogRunning scans /proc/<pid>/comm', async () => {
    expect(
      await rsyslogRunning(createMemoryEffects({ files: { '/proc/1/comm': 'init\n', '/proc/42/comm': 'rsyslogd\n' } })),
    ).toBe(true);
    expect(
      await rsyslogRunning(
        createMemoryEffects({ files: { '/proc/1/comm': 'init\n', '/proc/self/comm': 'rsyslogd\n' } }),
      ),
    ).toBe(false);
    const real = spawnSync('sh', ['-c', 'cat /proc/[0-9]*/comm 2>/dev/null'])
      .stdout.toString()
      .split('\n')
      .includes('rsyslogd');
    expect(await rsyslogRunning(createRealEffects('/'))).toBe(real);
  });

  it('findRsyslogd: pid, command line, and whether root runs it (anyone can name a process rsyslogd)', async () => {
    const files = {
      '/proc/1/comm': 'init\n',
      '/proc/42/comm': 'rsyslogd\n',
      '/proc/42/cmdline': 'rsyslogd\0-i\0/run/rsyslogd.pid\0',
      '/proc/42/status': 'Name:\trsyslogd\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n',
    };
    expect(await findRsyslogd(createMemoryEffects({ files }))).toEqual({
      pid: 42,
      argv: ['rsyslogd', '-i', '/run/rsyslogd.pid'],
      root: true,
    });
    const user = { ...files, '/proc/42/status': 'Name:\trsyslogd\nUid:\t1000\t0\t0\t0\n' };
    expect(await findRsyslogd(createMemoryEffects({ files: user }))).toMatchObject({ pid: 42, root: false });
    expect(await findRsyslogd(createMemoryEffects({ files: { '/proc/1/comm': 'init\n' } }))).toBeNull();
  });
});
