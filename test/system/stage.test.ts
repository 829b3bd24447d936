/**
 * The settled stage of /etc/postfix (Effects.stageCopy) that an apply's Postfix tools read after
 * mailsetup has written main.cf: what it holds, that the live files keep their times, that real
 * Postfix reads it without its "cool down" pause (seen in postconf -vv, not timed), and that
 * apply uses it exactly when it wrote main.cf and removes it afterwards.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_SETTLE_MS, stagePathOf } from '../../src/model/effects.js';
import type { Action } from '../../src/model/plan.js';
import { apply } from '../../src/system/apply.js';
import { createMemoryEffects, type MemoryEffects } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix, tempRoots } from '../helpers/postfix.js';
import { NOBODY_UID, NOGROUP_GID, planOf, testHost } from '../helpers/system-fixture.js';

const AS_ROOT = needsRoot('the owner tests of stageCopy', 'they expect nobody-owned files to keep their owner');
const CHECKS = needsRoot('the real --root apply of this file', 'postfix check refuses users other than root');
const root = tempRoots('mailsetup-stage-', 'etc/postfix');

/** The "pausing to let … cool down" lines of `postconf -vv -c dir -h myhostname`. */
function coolDownPauses(dir: string): number {
  const r = spawnSync('postconf', ['-vv', '-c', dir, '-h', 'myhostname'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr.split('\n').filter((l) => /pausing to let .*main\.cf cool down/.test(l)).length;
}

describe('stagePathOf', () => {
  it('names a hidden sibling of the directory', () => {
    expect(stagePathOf('/etc/postfix')).toBe('/etc/.postfix.mailsetup-stage');
    expect(stagePathOf('/x')).toBe('/.x.mailsetup-stage');
  });
});

describe('createRealEffects: stageCopy', () => {
  it.skipIf(!AS_ROOT)(
    'links every file, copies main.cf dated in the past, keeps owners and modes, replaces a left-over stage',
    async () => {
      const r = root();
      const cfg = join(r, 'etc/postfix');
      const before = Date.now();
      writeFileSync(join(cfg, 'main.cf'), 'myhostname = staged.example\n');
      chownSync(join(cfg, 'main.cf'), NOBODY_UID, NOGROUP_GID);
      chmodSync(join(cfg, 'main.cf'), 0o640);
      writeFileSync(join(cfg, 'master.cf'), 'smtp inet n - y - - smtpd\n');
      mkdirSync(join(cfg, 'sasl'), { mode: 0o750 });
      chmodSync(join(cfg, 'sasl'), 0o750);
      writeFileSync(join(cfg, 'sasl', 'passwd'), 'secret\n', { mode: 0o600 });
      symlinkSync('main.cf', join(cfg, 'link.cf'));
      // Debian's link out of the directory, which its `postfix check` excuses only as /etc/postfix/./makedefs.out
      symlinkSync('/usr/share/postfix/makedefs.out', join(cfg, 'makedefs.out'));
      chmodSync(cfg, 0o751);
      // A stage a killed run left behind, holding junk.
      mkdirSync(join(r, 'etc/.postfix.mailsetup-stage/old'), { recursive: true });
      writeFileSync(join(r, 'etc/.postfix.mailsetup-stage/old/junk'), 'x');
      const liveMtime = statSync(join(cfg, 'main.cf')).mtimeMs;

      const fx = createRealEffects(r);
      const stage = await fx.stageCopy?.('/etc/postfix', ['main.cf']);
      expect(stage).toBe('/etc/.postfix.mailsetup-stage');
      const s = join(r, 'etc/.postfix.mailsetup-stage');
      expect(readdirSync(s).sort()).toEqual(['link.cf', 'main.cf', 'master.cf', 'sasl']);
      expect(statSync(s).mode & 0o7777).toBe(0o751);
      // Hard links: the very same files.
      expect(statSync(join(s, 'master.cf')).ino).toBe(statSync(join(cfg, 'master.cf')).ino);
      expect(statSync(join(s, 'sasl/passwd')).ino).toBe(statSync(join(cfg, 'sasl/passwd')).ino);
      expect(statSync(join(s, 'sasl')).mode & 0o7777).toBe(0o750);
      expect(lstatSync(join(s, 'link.cf')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(s, 'link.cf'))).toBe('main.cf');
      // main.cf: its own copy, same bytes, owner and mode, dated in the past.
      const m = statSync(join(s, 'main.cf'));
      expect(m.ino).not.toBe(statSync(join(cfg, 'main.cf')).ino);
      expect(readFileSync(join(s, 'main.cf'), 'utf8')).toBe('myhostname = staged.example\n');
      expect([m.mode & 0o7777, m.uid, m.gid]).toEqual([0o640, NOBODY_UID, NOGROUP_GID]);
      expect(m.mtimeMs).toBeLessThanOrEqual(Date.now() - STAGE_SETTLE_MS + 1000);
      // The live file keeps its own time.
      expect(statSync(join(cfg, 'main.cf')).mtimeMs).toBe(liveMtime);
      expect(liveMtime).toBeGreaterThanOrEqual(before - 1000);

      await fx.removeTree?.(stage as string);
      expect(existsSync(s)).toBe(false);
      expect(readFileSync(join(cfg, 'sasl/passwd'), 'utf8')).toBe('secret\n');
    },
  );

  it.skipIf(!AS_ROOT)(
    "a new text for main.cf: the stage holds it (the live file's owner unless one is given, the mode given, dated back); the live file is untouched",
    async () => {
      const r = root();
      const cfg = join(r, 'etc/postfix');
      writeFileSync(join(cfg, 'main.cf'), 'myhostname = old.example\n');
      chownSync(join(cfg, 'main.cf'), NOBODY_UID, NOGROUP_GID);
      chmodSync(join(cfg, 'main.cf'), 0o644);
      const liveMtime = statSync(join(cfg, 'main.cf')).mtimeMs;
      const fx = createRealEffects(r);
      const stage = await fx.stageCopy?.('/etc/postfix', ['main.cf'], {
        'main.cf': { content: 'myhostname = new.example\n', mode: 0o640 },
      });
      const m = statSync(join(r, 'etc/.postfix.mailsetup-stage/main.cf'));
      expect(readFileSync(join(r, 'etc/.postfix.mailsetup-stage/main.cf'), 'utf8')).toBe('myhostname = new.example\n');
      expect([m.mode & 0o7777, m.uid, m.gid]).toEqual([0o640, NOBODY_UID, NOGROUP_GID]);
      expect(m.mtimeMs).toBeLessThanOrEqual(Date.now() - STAGE_SETTLE_MS + 1000);
      expect(readFileSync(join(cfg, 'main.cf'), 'utf8')).toBe('myhostname = old.example\n');
      expect(statSync(join(cfg, 'main.cf')).mtimeMs).toBe(liveMtime);
      await fx.removeTree?.(stage as string);
      // A main.cf that does not exist yet (a fresh box): the stage still gets the new text, root's.
      rmSync(join(cfg, 'main.cf'));
      await fx.stageCopy?.('/etc/postfix', ['main.cf'], { 'main.cf': { content: 'a = 1\n', mode: 0o644 } });
      const f = statSync(join(r, 'etc/.postfix.mailsetup-stage/main.cf'));
      expect([f.mode & 0o7777, f.uid, f.gid]).toEqual([0o644, 0, 0]);
      expect(existsSync(join(cfg, 'main.cf'))).toBe(false);
      // An owner given (a secret the apply makes root's): it wins over the live file's.
      writeFileSync(join(cfg, 'sasl_passwd'), 'old\n');
      chownSync(join(cfg, 'sasl_passwd'), NOBODY_UID, NOGROUP_GID);
      await fx.stageCopy?.('/etc/postfix', ['sasl_passwd'], {
        sasl_passwd: { content: 'new\n', mode: 0o600, uid: 0, gid: 0 },
      });
      const p = statSync(join(r, 'etc/.postfix.mailsetup-stage/sasl_passwd'));
      expect([p.mode & 0o7777, p.uid, p.gid]).toEqual([0o600, 0, 0]);
      expect(statSync(join(cfg, 'sasl_passwd')).uid).toBe(NOBODY_UID);
    },
  );

  it('refuses a path that is not a directory, and leaves no stage behind', async () => {
    const r = root();
    writeFileSync(join(r, 'etc/postfix/main.cf'), 'x = 1\n');
    const fx = createRealEffects(r);
    await expect(fx.stageCopy?.('/etc/postfix/main.cf', [])).rejects.toThrow(/not a directory/);
    expect(existsSync(join(r, 'etc/postfix/.main.cf.mailsetup-stage'))).toBe(false);
  });
});

describePostfix('real Postfix reads the stage without pausing', () => {
  it('a main.cf written just now makes postconf pause; its stage does not', async () => {
    const r = root();
    const cfg = join(r, 'etc/postfix');
    writeFileSync(join(cfg, 'main.cf'), 'myhostname = fresh.example\n');
    const fx = createRealEffects(r);
    const stage = (await fx.stageCopy?.('/etc/postfix', ['main.cf'])) as string;
    expect(coolDownPauses(fx.resolve(stage))).toBe(0);
    // The control: the live directory, whose main.cf was written in this second, does pause.
    writeFileSync(join(cfg, 'main.cf'), 'myhostname = fresh.example\n');
    expect(coolDownPauses(cfg)).toBeGreaterThan(0);
    // And the stage's answer is the live file's.
    const q = spawnSync('postconf', ['-c', fx.resolve(stage), '-h', 'myhostname'], { encoding: 'utf8' });
    expect(q.stdout.trim()).toBe('fresh.example');
    // A new main.cf staged before it goes live: Postfix reads the new text there, without pausing.
    await fx.removeTree?.(stage);
    const next = (await fx.stageCopy?.('/etc/postfix', ['main.cf'], {
      'main.cf': { content: 'myhostname = next.example\n', mode: 0o644 },
    })) as string;
    expect(coolDownPauses(fx.resolve(next))).toBe(0);
    const n = spawnSync('postconf', ['-c', fx.resolve(next), '-h', 'myhostname'], { encoding: 'utf8' });
    expect(n.stdout.trim()).toBe('next.example');
  });

  it.skipIf(!CHECKS)(
    'a real --root apply that writes main.cf makes no stage: the tools read the private copy (issue 14), never waiting',
    async () => {
      const r = root();
      const cfg = join(r, 'etc/postfix');
      writeFileSync(join(cfg, 'master.cf'), readFileSync(join(import.meta.dirname, '../../templates/master.cf')));
      writeFileSync(join(cfg, 'main.cf'), 'compatibility_level = 3.6\n');
      const past = new Date(Date.now() - 3600_000);
      utimesSync(join(cfg, 'main.cf'), past, past);
      const started = Date.now();
      const fx = createRealEffects(r);
      const res = await apply(
        planOf(
          [
            {
              path: '/etc/postfix/main.cf',
              before: 'compatibility_level = 3.6\n',
              after: 'compatibility_level = 3.6\nmyhostname = staged.example.com\n',
              description: 'main',
            },
            {
              path: '/etc/postfix/transport',
              before: null,
              after: 'example.com relay:[a.example]\n',
              description: 't',
            },
          ],
          [
            { kind: 'postmap', map: 'hash:/etc/postfix/transport', path: '/etc/postfix/transport' },
            { kind: 'postfix-check' },
          ],
        ),
        fx,
        testHost(),
      );
      expect(res.error).toBeUndefined();
      expect(res.ok).toBe(true);
      const stage = join(r, 'etc/.postfix.mailsetup-stage');
      const cmds = res.events.flatMap((e) => e.commands ?? []).map((c) => c.command);
      // The private copy's path is told as the sandbox's configuration directory.
      expect(cmds).toEqual([`postmap -c ${cfg} hash:${cfg}/transport`, `postfix -c ${cfg} check`]);
      expect(existsSync(stage)).toBe(false);
      expect(existsSync(join(cfg, 'transport.db'))).toBe(true);
      // The live main.cf has the time it was written at: never backdated.
      expect(statSync(join(cfg, 'main.cf')).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
    },
  );
});

/** The plans' change of main.cf (so that the apply has just written it). */
const MAIN_CHANGE = { path: '/etc/postfix/main.cf', before: 'a = 1\n', after: 'a = 2\n', description: 'm' };

const sleep = (ms: number) => new Promise<string>((r) => setTimeout(() => r(`${ms} ms passed`), ms));

/** The command lines the in-memory Effects recorded. */
function commandLines(fx: { calls: ReadonlyArray<{ cmd: string; args: readonly string[] }> }): string[] {
  return fx.calls.map((c) => [c.cmd, ...c.args].join(' '));
}

const postmap: Action = { kind: 'postmap', map: 'hash:/etc/postfix/transport', path: '/etc/postfix/transport' };

describe('apply and the stage (memory effects)', () => {
  it('main.cf written: the tools get the stage; it is removed afterwards and is no write of the apply', async () => {
    const fx = createMemoryEffects({
      files: { '/etc/postfix/main.cf': 'a = 1\n', '/etc/postfix/transport': 'x y\n' },
    });
    const r = await apply(planOf([MAIN_CHANGE], [postmap, { kind: 'postfix-check' }]), fx, testHost());
    expect(r.ok).toBe(true);
    // (postfix check runs beside the build before it: the two in either order.)
    expect(commandLines(fx).sort()).toEqual([
      'postfix -c /etc/.postfix.mailsetup-stage check',
      'postmap -c /etc/.postfix.mailsetup-stage hash:/etc/postfix/transport',
    ]);
    expect([...fx.files.keys()].filter((k) => k.includes('mailsetup-stage'))).toEqual([]);
    expect([...fx.dirs.keys()].filter((k) => k.includes('mailsetup-stage'))).toEqual([]);
    expect(fx.writes.filter((w) => w.startsWith('/etc') && !w.includes('.mailsetup-keep'))).toEqual([
      '/etc/postfix/main.cf',
    ]);
  });

  it('main.cf not written: the tools read /etc/postfix itself (nothing to wait for)', async () => {
    const fx = createMemoryEffects({
      files: { '/etc/postfix/main.cf': 'a = 1\n', '/etc/postfix/transport': 'x y\n' },
    });
    const r = await apply(
      planOf([{ path: '/etc/postfix/transport', before: 'x y\n', after: 'x z\n', description: 't' }], [postmap]),
      fx,
      testHost(),
    );
    expect(r.ok).toBe(true);
    expect(commandLines(fx)).toEqual(['postmap -c /etc/postfix hash:/etc/postfix/transport']);
  });

  it('live, no systemd: newaliases -C, postfix check and reload read the stage; postfix status runs once', async () => {
    const fx = createMemoryEffects({
      files: { '/etc/postfix/main.cf': 'a = 1\n', '/etc/aliases': 'postmaster: root\n' },
    });
    const r = await apply(
      planOf(
        [MAIN_CHANGE],
        [{ kind: 'newaliases', path: '/etc/aliases' }, { kind: 'postfix-check' }, { kind: 'reload' }],
      ),
      fx,
      testHost(),
    );
    expect(r.ok).toBe(true);
    const lines = commandLines(fx);
    expect(lines).toContain('newaliases -C /etc/.postfix.mailsetup-stage');
    expect(lines).toContain('postfix -c /etc/.postfix.mailsetup-stage check');
    // Asked once, before anything was written (the backup); the reload decides by that answer.
    expect(lines.filter((l) => l.endsWith(' status'))).toEqual(['postfix status']);
    expect(lines.at(-1)).toBe('postfix -c /etc/.postfix.mailsetup-stage reload');
  });

  it('the new main.cf is checked on the stage before it replaces the live one, which is in place before the reload', async () => {
    const fx = createMemoryEffects({
      files: {
        '/etc/postfix/main.cf': 'a = 1\n',
        '/etc/aliases': 'postmaster: root\n',
        '/var/spool/postfix/pid/master.pid': '        282\n',
        '/proc/282/comm': 'master\n',
        '/proc/282/status': 'Name:\tmaster\nUid:\t0\t0\t0\t0\n',
      },
      // What each command found: the live main.cf and the stage's, when it ran.
      run: (cmd, args) => {
        const live = fx.files.get('/etc/postfix/main.cf')?.content;
        const staged = fx.files.get('/etc/.postfix.mailsetup-stage/main.cf')?.content;
        seen.push(`${[cmd, ...args].join(' ')} | live ${live?.trim()} | stage ${staged?.trim()}`);
        return { command: cmd, exitCode: cmd.endsWith('/master') ? 1 : 0, stdout: '', stderr: '', timedOut: false };
      },
    });
    const seen: string[] = [];
    const host = testHost();
    host.postfix = { ...host.postfix, daemonDirectory: '/usr/lib/postfix/sbin', queueDirectory: '/var/spool/postfix' };
    const events: string[] = [];
    const r = await apply(
      planOf(
        [MAIN_CHANGE],
        [{ kind: 'newaliases', path: '/etc/aliases' }, { kind: 'postfix-check' }, { kind: 'reload' }],
      ),
      fx,
      host,
      { onEvent: (e) => e.status !== 'running' && events.push(e.id) },
    );
    expect(r.ok).toBe(true);
    const S = '/etc/.postfix.mailsetup-stage';
    expect(seen).toEqual([
      // the stage is made from the plan right after the lock, and the check starts on it first;
      // then the backup step asks master(8) whether Postfix runs (the pid file names root's master)
      `postfix -c ${S} check | live a = 1 | stage a = 2`,
      '/usr/lib/postfix/sbin/master -t | live a = 1 | stage a = 2',
      // newaliases (the build before the check) on the stage too
      `newaliases -C ${S} | live a = 1 | stage a = 2`,
      `postsuper active | live a = 2 | stage a = 2`,
      'kill -HUP 282 | live a = 2 | stage a = 2',
      'postsuper | live a = 2 | stage a = 2',
    ]);
    expect(events).toEqual([
      'lock',
      'backup',
      'action:newaliases:/etc/aliases',
      'action:postfix-check',
      'write:/etc/postfix/main.cf',
      'action:reload',
      'manifest',
    ]);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('a = 2\n');
    // The last postsuper is started in the background on the live configuration (no MAIL_CONFIG):
    // the stage is removed when the apply ends, whatever still runs.
    const last = fx.calls.at(-1);
    expect([last?.cmd, last?.opts]).toEqual(['postsuper', { background: true }]);
    expect([...fx.files.keys()].filter((k) => k.startsWith(`${S}/`))).toEqual([]);
  });

  it('a failed check on the stage: the live main.cf is never replaced, not even for a moment', async () => {
    const live: string[] = [];
    const fx = createMemoryEffects({
      files: { '/etc/postfix/main.cf': 'a = 1\n' },
      run: (cmd, args) => {
        live.push(fx.files.get('/etc/postfix/main.cf')?.content ?? '');
        return {
          command: [cmd, ...args].join(' '),
          exitCode: args.includes('check') ? 1 : 0,
          stdout: '',
          stderr: 'postfix/postfix-script: fatal: bad',
          timedOut: false,
        };
      },
    });
    const r = await apply(planOf([MAIN_CHANGE], [{ kind: 'postfix-check' }, { kind: 'reload' }]), fx, testHost());
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/check/);
    expect(commandLines(fx)).toContain('postfix -c /etc/.postfix.mailsetup-stage check');
    // Every command (the check, and the rollback's reload) saw the old main.cf; so does Postfix now.
    expect(new Set(live)).toEqual(new Set(['a = 1\n']));
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('a = 1\n');
  });

  it('postfix check runs beside the builds before it; their steps still report in order', async () => {
    let checkStarted = () => undefined as void;
    const started = new Promise<void>((r) => (checkStarted = r));
    const log: string[] = [];
    const fx = createMemoryEffects({
      files: { '/etc/postfix/main.cf': 'a = 1\n', '/etc/postfix/transport': 'x y\n' },
      run: async (cmd, args) => {
        const line = [cmd, ...args].join(' ');
        if (args.includes('check')) checkStarted();
        // The build ends only once the check has started (or after 5 s, when it never does).
        if (cmd === 'postmap')
          log.push(await Promise.race([started.then(() => 'check began during the build'), sleep(5000)]));
        return { command: line, exitCode: 0, stdout: '', stderr: '', timedOut: false };
      },
    });
    const events: string[] = [];
    const r = await apply(planOf([MAIN_CHANGE], [postmap, { kind: 'postfix-check' }]), fx, testHost(), {
      onEvent: (e) => events.push(`${e.id} ${e.status}`),
    });
    expect(r.ok).toBe(true);
    expect(log).toEqual(['check began during the build']);
    expect(events.filter((e) => e.startsWith('action:'))).toEqual([
      'action:postmap:/etc/postfix/transport running',
      'action:postmap:/etc/postfix/transport ok',
      'action:postfix-check running',
      'action:postfix-check ok',
    ]);
  });

  it('a build that fails stops the check beside it, and the rollback waits for the check to end', async () => {
    let checkEnded = false;
    let writesAtCheckEnd = -1;
    const fx = createMemoryEffects({
      files: { '/etc/postfix/main.cf': 'a = 1\n', '/etc/postfix/transport': 'x y\n' },
      run: async (cmd, args, opts) => {
        const command = [cmd, ...args].join(' ');
        if (args.includes('check')) {
          // A long check: it ends when the apply stops it (or after 10 s).
          await Promise.race([
            new Promise((r) => opts.signal?.addEventListener('abort', r, { once: true })),
            sleep(10_000),
          ]);
          checkEnded = true;
          writesAtCheckEnd = fx.writes.length;
          return { command, exitCode: opts.signal?.aborted ? 143 : 0, stdout: '', stderr: '', timedOut: false };
        }
        if (cmd === 'postmap')
          return { command, exitCode: 1, stdout: '', stderr: 'postmap: fatal: bad', timedOut: false };
        return { command, exitCode: 0, stdout: '', stderr: '', timedOut: false };
      },
    });
    const t0 = Date.now();
    const r = await apply(planOf([MAIN_CHANGE], [postmap, { kind: 'postfix-check' }]), fx, testHost());
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/postmap: fatal: bad/);
    expect(Date.now() - t0).toBeLessThan(9_000); // stopped, not waited for
    expect(checkEnded).toBe(true);
    // The rollback wrote main.cf back only after the check had ended.
    const back = fx.writes.lastIndexOf('/etc/postfix/main.cf');
    expect(back).toBeGreaterThanOrEqual(writesAtCheckEnd);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('a = 1\n');
  });

  it('a stage that cannot be made: the tools read /etc/postfix (and wait, as before)', async () => {
    const fx = createMemoryEffects({ files: { '/etc/postfix/main.cf': 'a = 1\n' } });
    fx.stageCopy = () => Promise.reject(new Error('EROFS'));
    const r = await apply(planOf([MAIN_CHANGE], [{ kind: 'postfix-check' }]), fx, testHost());
    expect(r.ok).toBe(true);
    expect(commandLines(fx)).toEqual(['postfix -c /etc/postfix check']);
  });

  it("under --root no stage is made: the tools read the sandbox's private copy (src/system/sandbox.ts)", async () => {
    const fx = createMemoryEffects({
      root: '/srv/x',
      files: { '/etc/postfix/main.cf': 'a = 1\n', '/etc/postfix/transport': 'x y\n' },
    });
    let staged = 0;
    const stageCopy = fx.stageCopy?.bind(fx);
    fx.stageCopy = (dir, settle) => {
      staged++;
      return (stageCopy as NonNullable<typeof stageCopy>)(dir, settle);
    };
    const r = await apply(planOf([MAIN_CHANGE], [postmap, { kind: 'postfix-check' }]), fx, testHost());
    expect(r.ok).toBe(true);
    expect(staged).toBe(0);
    expect(commandLines(fx).sort()).toEqual([
      'postfix -c /tmp/mailsetup-scratch-1/config check',
      'postmap -c /tmp/mailsetup-scratch-1/config hash:/srv/x/etc/postfix/transport',
    ]);
  });
});

describe('--root: postfix check from the start of the apply', () => {
  it('checks the planned main.cf on the private copy before anything is written, and still reports in order', async () => {
    const seen: Array<{ copy: string | undefined; sandbox: string | undefined; writes: number }> = [];
    const events: string[] = [];
    const fx: MemoryEffects = createMemoryEffects({
      root: '/srv/x',
      files: { '/etc/postfix/main.cf': 'a = 1\n', '/etc/postfix/transport': 'x y\n' },
      run: (cmd, args) => {
        if (args.includes('check')) {
          const dir = args[args.indexOf('-c') + 1];
          seen.push({
            copy: fx.scratch.get(dir.replace(/\/config$/, ''))?.get('config/main.cf'),
            sandbox: fx.files.get('/etc/postfix/main.cf')?.content,
            writes: fx.writes.length,
          });
        }
        return { command: [cmd, ...args].join(' '), exitCode: 0, stdout: '', stderr: '', timedOut: false };
      },
    });
    const r = await apply(planOf([MAIN_CHANGE], [postmap, { kind: 'postfix-check' }]), fx, testHost(), {
      onEvent: (e) => events.push(`${e.id} ${e.status}`),
    });
    expect(r.ok).toBe(true);
    // The check read the new main.cf (pinned to the copy's queue) while the sandbox still had the old one.
    expect(seen).toHaveLength(1);
    expect(seen[0].copy).toMatch(/^a = 2\n/);
    expect(seen[0].sandbox).toBe('a = 1\n');
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('a = 2\n');
    expect(events.filter((e) => !e.startsWith('write:') && e.endsWith(' ok'))).toEqual([
      'lock ok',
      'backup ok',
      'action:postmap:/etc/postfix/transport ok',
      'action:postfix-check ok',
      'manifest ok',
    ]);
  });

  it('a planned main.cf that names directories of its own is refused before any tool runs; nothing is written', async () => {
    const fx = createMemoryEffects({ root: '/srv/x', files: { '/etc/postfix/main.cf': 'a = 1\n' } });
    const evil = { ...MAIN_CHANGE, after: 'a = 2\ndaemon_directory = /srv/x/tmp/evil\n' };
    const r = await apply(planOf([evil], [{ kind: 'postfix-check' }]), fx, testHost());
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/names directories of its own/);
    expect(fx.calls).toEqual([]);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('a = 1\n');
    expect(r.backupDir).toBeUndefined();
  });
});

describe('live: postfix check from the start of the apply', () => {
  const S = '/etc/.postfix.mailsetup-stage';
  /** What the check found on the stage and in /etc/postfix when it ran, and the writes before it. */
  function recording() {
    const seen: {
      stage: Record<string, string | undefined>;
      live: Record<string, string | undefined>;
      writes: string[];
    }[] = [];
    const names = ['main.cf', 'transport', 'sasl_passwd', 'sasl/x'];
    const fx: MemoryEffects = createMemoryEffects({
      files: {
        '/etc/postfix/main.cf': 'a = 1\n',
        '/etc/postfix/sasl_passwd': 'old secret\n',
        '/etc/postfix/sasl/x': 'x 1\n',
        '/etc/postfix/transport': 'x y\n',
      },
      run: (cmd, args) => {
        if (args.includes('check')) {
          const at = (dir: string) => Object.fromEntries(names.map((n) => [n, fx.files.get(`${dir}/${n}`)?.content]));
          seen.push({ stage: at(S), live: at('/etc/postfix'), writes: fx.writes.filter((w) => w.startsWith('/etc/')) });
        }
        return { command: [cmd, ...args].join(' '), exitCode: 0, stdout: '', stderr: '', timedOut: false };
      },
    });
    return { fx, seen };
  }

  it('the stage is made from the planned files after the lock, and the check reads it before anything is written', async () => {
    const { fx, seen } = recording();
    fx.files.get('/etc/postfix/sasl_passwd')!.uid = NOBODY_UID;
    let modes: Record<string, string> = {};
    const events: string[] = [];
    let checkRanBeforeTheWrites = false;
    const r = await apply(
      planOf(
        [
          MAIN_CHANGE,
          {
            path: '/etc/postfix/transport',
            before: 'x y\n',
            after: 'x z\n',
            mode: 0o640,
            modeBefore: 0o644,
            description: 't',
          },
          {
            path: '/etc/postfix/sasl_passwd',
            before: 'old secret\n',
            after: 'new secret\n',
            secret: true,
            description: 's',
          },
          { path: '/etc/postfix/virtual', before: null, after: 'a@example.com b\n', description: 'v' },
          { path: '/etc/aliases', before: null, after: 'postmaster: root\n', description: 'aliases' },
        ],
        [postmap, { kind: 'postfix-check' }, { kind: 'reload' }],
      ),
      fx,
      testHost(),
      {
        onEvent: (e) => e.status !== 'running' && events.push(e.id),
        faultHook: (id) => {
          if (id === 'write:/etc/postfix/transport') {
            checkRanBeforeTheWrites = seen.length === 1;
            modes = Object.fromEntries(
              ['main.cf', 'transport', 'sasl_passwd', 'virtual'].map((n) => {
                const f = fx.files.get(`${S}/${n}`);
                return [n, f ? `${f.mode.toString(8)} ${f.uid}:${f.gid}` : 'none'];
              }),
            );
          }
        },
      },
    );
    expect(r.error).toBeUndefined();
    expect(checkRanBeforeTheWrites).toBe(true);
    expect(seen).toEqual([
      {
        stage: { 'main.cf': 'a = 2\n', transport: 'x z\n', sasl_passwd: 'new secret\n', 'sasl/x': 'x 1\n' },
        live: { 'main.cf': 'a = 1\n', transport: 'x y\n', sasl_passwd: 'old secret\n', 'sasl/x': 'x 1\n' },
        writes: [],
      },
    ]);
    // As the writes will make them: the new mode, a secret root's and 0600, a new file 0644.
    expect(modes).toEqual({
      'main.cf': '644 0:0',
      transport: '640 0:0',
      sasl_passwd: '600 0:0',
      virtual: '644 0:0',
    });
    expect(fx.files.get('/etc/postfix/sasl_passwd')).toMatchObject({ mode: 0o600, uid: 0, gid: 0 });
    expect(events).toEqual([
      'lock',
      'backup',
      'write:/etc/postfix/transport',
      'write:/etc/postfix/sasl_passwd',
      'write:/etc/postfix/virtual',
      'write:/etc/aliases',
      'action:postmap:/etc/postfix/transport',
      'action:postfix-check',
      'write:/etc/postfix/main.cf',
      'action:reload',
      'manifest',
    ]);
    expect(commandLines(fx)).toContain(`postfix -c ${S} check`);
    expect([...fx.dirs.keys()].filter((k) => k.startsWith(S))).toEqual([]);
  });

  it('a change in a sub-directory of /etc/postfix: the stage is made after the writes, as before', async () => {
    const { fx, seen } = recording();
    const r = await apply(
      planOf(
        [MAIN_CHANGE, { path: '/etc/postfix/sasl/x', before: 'x 1\n', after: 'x 2\n', description: 'x' }],
        [{ kind: 'postfix-check' }, { kind: 'reload' }],
      ),
      fx,
      testHost(),
    );
    expect(r.error).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0].writes).toContain('/etc/postfix/sasl/x');
    expect(seen[0].stage).toMatchObject({ 'main.cf': 'a = 2\n', 'sasl/x': 'x 2\n' });
    expect(seen[0].live['main.cf']).toBe('a = 1\n');
  });

  it('a file removed from /etc/postfix: the stage is made after the writes (the removal is on it)', async () => {
    const { fx, seen } = recording();
    const r = await apply(
      planOf(
        [MAIN_CHANGE, { path: '/etc/postfix/transport', before: 'x y\n', after: null, description: 't' }],
        [{ kind: 'postfix-check' }, { kind: 'reload' }],
      ),
      fx,
      testHost(),
    );
    expect(r.error).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0].writes).toContain('/etc/postfix/transport');
    expect(seen[0].stage).toMatchObject({ 'main.cf': 'a = 2\n', transport: undefined });
  });

  it('a file changed on disk since the plan: the apply stops before writing, the early check is stopped and the stage removed', async () => {
    const { fx } = recording();
    const plan = planOf(
      [MAIN_CHANGE, { path: '/etc/postfix/transport', before: 'x y\n', after: 'x z\n', description: 't' }],
      [{ kind: 'postfix-check' }, { kind: 'reload' }],
    );
    const r = await apply(plan, fx, testHost(), {
      faultHook: (id) => {
        if (id === 'backup') fx.files.get('/etc/postfix/transport')!.content = 'hand edit\n';
      },
    });
    expect(r.ok).toBe(false);
    expect(r.stale).toEqual(['/etc/postfix/transport']);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('a = 1\n');
    expect([...fx.dirs.keys()].filter((k) => k.startsWith(S))).toEqual([]);
  });
});

describe('a stage left behind by a killed apply', () => {
  it('is removed by the recovery of that apply', async () => {
    const fx = createMemoryEffects({ files: { '/etc/postfix/main.cf': 'a = 1\n' } });
    const plan = planOf([MAIN_CHANGE], [{ kind: 'postfix-check' }]);
    // Killed while the check ran: the stage is there, the manifest says in-progress.
    const r = await apply(plan, fx, testHost(), {
      faultHook: (id) => {
        if (id === 'action:postfix-check') throw new Error('killed');
      },
    });
    expect(r.ok).toBe(false);
    expect([...fx.dirs.keys()].filter((k) => k.includes('mailsetup-stage'))).toEqual([]);
    await fx.stageCopy?.('/etc/postfix', ['main.cf']);
    expect(fx.files.has('/etc/.postfix.mailsetup-stage/main.cf')).toBe(true);
    const { recoverUnfinished } = await import('../../src/system/apply.js');
    const backups = [...fx.files.keys()].filter((k) => k.endsWith('/manifest.json'));
    expect(backups).toHaveLength(1);
    // Mark it in-progress again, as a kill -9 during the apply would have left it.
    const m = JSON.parse(fx.files.get(backups[0])!.content) as { status: string };
    m.status = 'in-progress';
    fx.files.get(backups[0])!.content = JSON.stringify(m);
    const rec = await recoverUnfinished(fx, testHost());
    expect(rec.ok).toBe(true);
    expect([...fx.files.keys()].filter((k) => k.includes('mailsetup-stage'))).toEqual([]);
  });
});
