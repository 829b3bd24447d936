/**
 * --root containment (security audit H1, H2, M4, and the symlink loop of L4): a sandbox run never
 * reads, writes or removes anything outside DIR, neither by itself nor through the Postfix tools
 * it runs; an empty --root is a usage error and one that is / is the live run; a sandbox main.cf
 * that names its own program directories is refused, and its postfix check never opens the
 * host's queue.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRealEffects } from '../../src/system/realEffects.js';
import { cliArgv, cliEnv, ensureBuilt, runCli, snapshotTree } from '../helpers/cli.js';
import { needsRoot, skipLoudly } from '../helpers/needs.js';
import { describePostfix } from '../helpers/postfix.js';
import { ANSWERS, Lab, mailsetup } from './helpers.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 180_000 };
const AS_ROOT = needsRoot('the sandbox applies of the containment attacks', 'postfix check refuses other users');
const lab = new Lab('mailsetup-sec-h1-');
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => lab.remove());

const bytes = (p: string) => readFileSync(p).toString('hex');

describe('the real Effects under --root: links resolved inside the sandbox (unit)', TIMEOUT, () => {
  it('a missing component never hands the rest of the path to the kernel (H1 b)', async () => {
    const outside = lab.file('h1b-unit/outside/main.cf', 'outside\n');
    const root = lab.path('h1b-unit/root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    // /etc/postfix -> /usr/../x/pfx, with /usr missing in the sandbox; x/pfx is a link to the outside.
    symlinkSync('/usr/../x/pfx', join(root, 'etc/postfix'));
    mkdirSync(join(root, 'x'));
    symlinkSync(join(outside, '..'), join(root, 'x/pfx'));
    const fx = createRealEffects(root);
    // /x/pfx -> <outside> is taken under the root: <root><outside dir>, which does not exist.
    expect(await fx.readFile('/etc/postfix/main.cf')).toBeNull();
    await fx.writeFileAtomic('/etc/postfix/main.cf', 'mine\n');
    expect(readFileSync(outside, 'utf8')).toBe('outside\n');
    expect(await fx.realPath('/etc/postfix/main.cf')).toBe(join(root, outside));
    expect(readFileSync(join(root, outside), 'utf8')).toBe('mine\n');
  });

  it('removeTree follows links inside the root and never removes the root or anything outside (H1 c)', async () => {
    const victim = lab.file('h1c-unit/victim/mailsetup/20000101T000000Z/precious.txt', 'precious\n');
    const root = lab.path('h1c-unit/root');
    mkdirSync(join(root, 'var'), { recursive: true });
    symlinkSync(lab.path('h1c-unit/victim'), join(root, 'var/backups'));
    const fx = createRealEffects(root);
    mkdirSync(join(root, lab.path('h1c-unit/victim/mailsetup/20000101T000000Z')), { recursive: true });
    await fx.removeTree?.('/var/backups/mailsetup/20000101T000000Z');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(join(root, lab.path('h1c-unit/victim/mailsetup/20000101T000000Z')))).toBe(false);
    await expect(fx.removeTree?.('/')).rejects.toThrow('refusing to remove');
  });

  it('removeFile removes a link, not what it points to', async () => {
    const target = lab.file('rm-unit/root/etc/target', 'keep\n');
    const root = lab.path('rm-unit/root');
    symlinkSync('/etc/target', join(root, 'etc/link'));
    await createRealEffects(root).removeFile('/etc/link');
    expect(readFileSync(target, 'utf8')).toBe('keep\n');
    expect(existsSync(join(root, 'etc/link'))).toBe(false);
  });

  it('commandPath refuses what a tool would follow elsewhere, and a database file that is a link', async () => {
    const root = lab.path('cp-unit/root');
    mkdirSync(join(root, 'etc/postfix'), { recursive: true });
    writeFileSync(join(root, 'etc/real-aliases'), 'postmaster: root\n');
    symlinkSync('real-aliases', join(root, 'etc/aliases')); // relative: the same file for everyone
    symlinkSync('/etc/real-aliases', join(root, 'etc/abs-aliases')); // absolute: the host's /etc for a tool
    symlinkSync('/etc/shadow', join(root, 'etc/postfix/virtual.db'));
    const fx = createRealEffects(root);
    expect(await fx.commandPath('/etc/aliases', ['/etc/aliases.db'])).toBe(join(root, 'etc/aliases'));
    await expect(fx.commandPath('/etc/abs-aliases')).rejects.toThrow(
      `${root}/etc/abs-aliases leads through a symbolic link that a program would follow to /etc/real-aliases, outside the sandbox`,
    );
    await expect(fx.commandPath('/etc/postfix/virtual', ['/etc/postfix/virtual.db'])).rejects.toThrow(
      `${root}/etc/postfix/virtual.db is a symbolic link: the Postfix tool would write through it`,
    );
  });

  it('a loop of links is a clear message, not a stack trace (L4)', async () => {
    const root = lab.path('loop-unit/root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    symlinkSync('/etc/postfix', join(root, 'etc/postfix'));
    await expect(createRealEffects(root).readFile('/etc/postfix/main.cf')).rejects.toThrow(
      `${root}/etc/postfix/main.cf: too many levels of symbolic links (a loop of links?)`,
    );
  });
});

describePostfix('H1: links planted in the sandbox never reach outside it (the CLI)', TIMEOUT, () => {
  it.skipIf(!AS_ROOT)('a) .db links: postmap and postalias are never given them; nothing outside changes', async () => {
    const victim = lab.file('h1a/outside/victim', 'precious data\n');
    const victimAliases = lab.file('h1a/outside/victim-aliases', 'precious 2\n');
    const d = lab.sandbox();
    symlinkSync(victim, join(d, 'etc/postfix/virtual.db'));
    symlinkSync(victimAliases, join(d, 'etc/aliases.db'));
    const before = snapshotTree(d);
    const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `${d}/etc/postfix/virtual.db is a symbolic link: the Postfix tool would write through it`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('precious data\n');
    expect(readFileSync(victimAliases, 'utf8')).toBe('precious 2\n');
    expect(snapshotTree(d)).toEqual(before);
  });

  it.skipIf(!AS_ROOT)(
    'a) /etc/aliases a link to a file outside: refused, the outside file neither read nor written',
    async () => {
      const passwd = lab.file('h1a2/outside/passwd', 'alice:x:1000:1000:Alice:/home/alice:/bin/sh\n', 0o600);
      const d = lab.sandbox();
      rmSync(join(d, 'etc/aliases'));
      symlinkSync(passwd, join(d, 'etc/aliases'));
      const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--yes']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        `${d}/etc/aliases leads through a symbolic link that a program would follow to ${passwd}`,
      );
      expect(readFileSync(passwd, 'utf8')).toBe('alice:x:1000:1000:Alice:/home/alice:/bin/sh\n');
      expect(existsSync(join(d, 'etc/aliases.db'))).toBe(false);
    },
  );

  it('b) a link through a missing directory: the outside main.cf is neither read nor rewritten', async () => {
    const outside = lab.path('h1b/outside-pf');
    const main = lab.file(
      'h1b/outside-pf/main.cf',
      '# OUTSIDE\ncompatibility_level = 3.6\nmyhostname = outside.example.org\n',
    );
    const d = lab.sandbox();
    renameSync(join(d, 'etc/postfix'), join(d, 'etc/postfix.orig'));
    symlinkSync(`/usr/..${d}/etc/pfx`, join(d, 'etc/postfix')); // DIR/usr does not exist
    symlinkSync(outside, join(d, 'etc/pfx'));
    mkdirSync(join(d, d, 'etc'), { recursive: true });
    symlinkSync(outside, join(d, d, 'etc/pfx'));
    const before = bytes(main);
    const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--yes']);
    expect(r.status).toBe(2);
    expect(r.stdout).not.toContain('outside.example.org');
    expect(bytes(main)).toBe(before);
    expect(readdirSync(outside)).toEqual(['main.cf']);
  });

  it.skipIf(!AS_ROOT)(
    'c) backup pruning deletes only inside the sandbox; the printed backup path is the real one',
    async () => {
      const precious = lab.file('h1c/victim-bk/mailsetup/20000101T000000Z/precious.txt', 'precious\n');
      const d = lab.sandbox();
      mkdirSync(join(d, 'var'), { recursive: true });
      symlinkSync(lab.path('h1c/victim-bk'), join(d, 'var/backups'));
      const inside = join(d, lab.path('h1c/victim-bk/mailsetup'));
      for (let i = 1; i <= 10; i++) {
        const dir = join(inside, `200001${String(i).padStart(2, '0')}T000000Z`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(
          join(dir, 'manifest.json'),
          '{"version":1,"created":"x","status":"applied","files":[],"actions":[],"steps":[],"derived":[]}',
        );
      }
      const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--yes']);
      expect(r.status).toBe(0);
      expect(readFileSync(precious, 'utf8')).toBe('precious\n');
      expect(readdirSync(inside)).toHaveLength(10); // pruned inside the sandbox
      expect(r.stdout).toMatch(new RegExp(`Applied\\. Backup: ${inside}/\\d{8}T\\d{6}Z\\n`));
    },
  );

  it('the obvious link to the live configuration is a loop inside the sandbox: exit 2, a message, nothing live read', async () => {
    const d = lab.sandbox();
    rmSync(join(d, 'etc/postfix'), { recursive: true });
    symlinkSync('/etc/postfix', join(d, 'etc/postfix'));
    const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--dry-run']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/too many levels of symbolic links \(a loop of links\?\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describePostfix('H2: --root that names no sandbox', TIMEOUT, () => {
  it('--root "" (an unset variable) is a usage error, before anything is read', async () => {
    const r = await mailsetup(['--root', '', '--answers', lab.answers(ANSWERS.nc), '--dry-run']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'mailsetup: --root needs a sandbox directory, and the value is empty (an unset variable?); omit --root to configure this host\n',
    );
    expect(r.stdout).toBe('');
  });

  it('--root / and --root /tmp/.. are the live system: a dry run says so (and reads the live files only)', async () => {
    // Only --dry-run here: a test never applies to this machine's /etc.
    for (const root of ['/', '/tmp/..']) {
      const r = await mailsetup(['--root', root, '--role', 'null-client', '--dry-run']);
      expect(r.stderr).toContain(`mailsetup: --root ${root} is / itself: this run configures this host (a live run)\n`);
      expect(r.stdout).not.toContain('--root: daemons are not touched');
    }
  });

  it('as a user other than root, --root /tmp/.. meets the live refusal: root is needed', async () => {
    const r = await runCli(['--root', '/tmp/..', '--answers', lab.answers(ANSWERS.nc), '--yes', '--no-color'], {
      via: 'bundle',
      user: 'nobody',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('mailsetup: --root /tmp/.. is / itself: this run configures this host (a live run)\n');
    expect(r.stderr).toContain('mailsetup: root is needed to configure Postfix');
  });

  it('a --root that names no directory (a typo) is refused, not built', async () => {
    const missing = lab.path('no-such-sandbox');
    const r = await mailsetup(['--root', missing, '--answers', lab.answers(ANSWERS.nc), '--dry-run']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`mailsetup: --root ${missing}: no such directory\n`);
    expect(existsSync(missing)).toBe(false);
  });
});

const M4 = 'M4: the sandbox postfix check runs nothing of the sandbox and never opens the live queue';

describePostfix(M4, TIMEOUT, () => {
  it.skipIf(!AS_ROOT)('a main.cf naming its own daemon_directory is refused; its program never runs', async () => {
    const evil = lab.file(
      'm4/evil/postfix-script',
      `#!/bin/sh\necho "ran $*" >> ${lab.path('m4/evil/PWNED')}\n`,
      0o755,
    );
    const d = lab.sandbox();
    writeFileSync(
      join(d, 'etc/postfix/main.cf'),
      `compatibility_level = 3.6\ndaemon_directory = ${join(evil, '..')}\n`,
    );
    const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--yes']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`mailsetup: ${d}/etc/postfix/main.cf names directories of its own`);
    expect(r.stderr).toContain(
      `daemon_directory = "${join(evil, '..')}" (the installed Postfix has /usr/lib/postfix/sbin)`,
    );
    expect(existsSync(lab.path('m4/evil/PWNED'))).toBe(false);
  });

  it.skipIf(!AS_ROOT)(
    'meta_directory, shlib_directory and import_environment cannot bring modules or variables in',
    async () => {
      const d = lab.sandbox();
      writeFileSync(
        join(d, 'etc/postfix/main.cf'),
        `compatibility_level = 3.6\nmeta_directory = ${lab.path('m4/meta')}\nshlib_directory = ${lab.path('m4/lib')}\n`,
      );
      const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--dry-run']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`meta_directory = "${lab.path('m4/meta')}"`);
      expect(r.stderr).toContain(`shlib_directory = "${lab.path('m4/lib')}"`);
    },
  );

  it.skipIf(!AS_ROOT)(
    "the check runs postsuper on a private queue: the host's /var/spool/postfix is never opened",
    async (ctx) => {
      if (spawnSync('strace', ['-V']).status !== 0) {
        skipLoudly(
          'the strace proof that the live queue is untouched',
          'strace is not installed',
          'apt-get install strace',
        );
        ctx.skip();
        return;
      }
      const d = lab.sandbox();
      const trace = lab.path('m4/strace.log');
      const argv = cliArgv(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--yes', '--no-color'], 'bundle');
      const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat,chdir,execve,connect', '-o', trace, ...argv], {
        env: cliEnv(),
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const log = readFileSync(trace, 'utf8');
      expect(log).toMatch(/execve\("[^"]*postsuper"/); // the check did run postsuper …
      expect(log).not.toMatch(/"\/var\/spool\/postfix/); // … and nothing under the host's queue
      expect(log).not.toMatch(/"\/var\/lib\/postfix/);
      expect(lstatSync(join(d, 'etc/postfix/main.cf')).isFile()).toBe(true);
    },
  );
});
