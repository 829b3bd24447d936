import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Effects } from '../../src/model/effects.js';
import {
  createRealEffects,
  normalPath,
  readRegular,
  statFields,
  ttyEndMark,
  type TtyRuns,
} from '../../src/system/realEffects.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { IS_ROOT, needsRoot } from '../helpers/needs.js';
import { postfixVersion, tempRoots } from '../helpers/postfix.js';
import { waitFor } from '../helpers/instance.js';
import { commandLine, postfixNeedsTty } from '../../src/system/commands.js';
import { NOBODY_UID, NOGROUP_GID } from '../helpers/system-fixture.js';

const AS_ROOT = needsRoot('the owner tests of writeFileAtomic', 'they set and expect root and nobody as owners');
const root = tempRoots('mailsetup-fx-', 'etc/postfix');
const meta = (p: string): [number, number, number] => {
  const st = statSync(p);
  return [st.mode & 0o7777, st.uid, st.gid];
};

describe('createRealEffects: writeFileAtomic', () => {
  it.skipIf(!AS_ROOT)('keeps owner, group and mode of the existing file (nobody:nogroup 0640)', async () => {
    const r = root();
    const p = join(r, 'etc/postfix/main.cf');
    writeFileSync(p, 'old\n');
    chownSync(p, NOBODY_UID, NOGROUP_GID);
    chmodSync(p, 0o640);
    const ino = statSync(p).ino;
    const fx = createRealEffects(r);
    await fx.writeFileAtomic('/etc/postfix/main.cf', 'new ünïcode\n');
    expect(readFileSync(p, 'utf8')).toBe('new ünïcode\n');
    expect(meta(p)).toEqual([0o640, NOBODY_UID, NOGROUP_GID]);
    expect(statSync(p).ino).not.toBe(ino); // replaced by rename, not rewritten in place
    expect(await fx.stat('/etc/postfix/main.cf')).toEqual({ mode: 0o640, uid: NOBODY_UID, gid: NOGROUP_GID });
  });

  it.skipIf(!AS_ROOT)(
    'new files are root:root 0644 unless meta says otherwise; missing parents are made 0755',
    async () => {
      const r = root();
      const fx = createRealEffects(r);
      await fx.writeFileAtomic('/etc/postfix/transport', 'a b\n');
      expect(meta(join(r, 'etc/postfix/transport'))).toEqual([0o644, 0, 0]);
      await fx.writeFileAtomic('/etc/postfix/sasl/passwd', 'x\n', { mode: 0o600, gid: NOGROUP_GID });
      expect(meta(join(r, 'etc/postfix/sasl/passwd'))).toEqual([0o600, 0, NOGROUP_GID]);
      expect(meta(join(r, 'etc/postfix/sasl'))[0]).toBe(0o755);
      // meta on an existing file overrides
      await fx.writeFileAtomic('/etc/postfix/transport', 'c d\n', { mode: 0o640 });
      expect(meta(join(r, 'etc/postfix/transport'))).toEqual([0o640, 0, 0]);
    },
  );

  it('follows symlinks: relative, and absolute ones inside the root (as in a chroot)', async () => {
    const r = root();
    mkdirSync(join(r, 'srv/conf'), { recursive: true });
    writeFileSync(join(r, 'srv/conf/aliases'), 'postmaster: root\n');
    chmodSync(join(r, 'srv/conf/aliases'), 0o600);
    symlinkSync('/srv/conf/aliases', join(r, 'etc/aliases')); // absolute: means <root>/srv/conf/aliases
    symlinkSync('../aliases', join(r, 'etc/postfix/aliases')); // relative, through another link
    const fx = createRealEffects(r);
    expect(await fx.readFile('/etc/postfix/aliases')).toBe('postmaster: root\n');
    await fx.writeFileAtomic('/etc/postfix/aliases', 'postmaster: admin\n');
    expect(lstatSync(join(r, 'etc/aliases')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(r, 'etc/aliases'))).toBe('/srv/conf/aliases');
    expect(readFileSync(join(r, 'srv/conf/aliases'), 'utf8')).toBe('postmaster: admin\n');
    expect(meta(join(r, 'srv/conf/aliases'))[0]).toBe(0o600);
    // a dangling link: the write creates the target
    symlinkSync('/srv/conf/mailname', join(r, 'etc/mailname'));
    await fx.writeFileAtomic('/etc/mailname', 'mail.example.com\n');
    expect(readFileSync(join(r, 'srv/conf/mailname'), 'utf8')).toBe('mail.example.com\n');
  });

  it('leaves no temporary file behind, also when the write fails', async () => {
    const r = root();
    const fx = createRealEffects(r);
    await fx.writeFileAtomic('/etc/postfix/main.cf', 'a\n');
    await fx.writeFileAtomic('/etc/postfix/main.cf', 'b\n');
    expect(readdirSync(join(r, 'etc/postfix'))).toEqual(['main.cf']);
    // failure after the temp file exists: the target is a directory, rename fails
    mkdirSync(join(r, 'etc/postfix/dir.cf'));
    await expect(fx.writeFileAtomic('/etc/postfix/dir.cf', 'x\n')).rejects.toThrow(
      'cannot write /etc/postfix/dir.cf: it exists and is not a regular file',
    );
    // failure after the temporary file was written (fchown rejects a non-integer uid)
    await expect(fx.writeFileAtomic('/etc/postfix/main.cf', 'c\n', { uid: 1.5 })).rejects.toThrow(
      /^cannot write \/etc\/postfix\/main.cf: .*uid/,
    );
    expect(readFileSync(join(r, 'etc/postfix/main.cf'), 'utf8')).toBe('b\n');
    expect(readdirSync(join(r, 'etc')).filter((n) => n.includes('mailsetup'))).toEqual([]);
    expect(readdirSync(join(r, 'etc/postfix'))).toEqual(['dir.cf', 'main.cf']);
  });

  it('readFile refuses non-UTF-8 content, names the byte; UTF-8 with BOM round-trips', async () => {
    const r = root();
    writeFileSync(join(r, 'etc/postfix/main.cf'), Buffer.from('myhostname = caf\xe9\n', 'latin1'));
    const fx = createRealEffects(r);
    await expect(fx.readFile('/etc/postfix/main.cf')).rejects.toThrow(
      '/etc/postfix/main.cf is not UTF-8 text (byte 0xe9 at offset 16); mailsetup edits only UTF-8 files: convert it (iconv -t UTF-8) or edit it by hand',
    );
    writeFileSync(join(r, 'etc/aliases'), Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x0a])); // an encoded surrogate
    await expect(fx.readFile('/etc/aliases')).rejects.toThrow('byte 0xed at offset 1');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a = ü\n')]);
    writeFileSync(join(r, 'etc/bom'), bom);
    const text = await fx.readFile('/etc/bom');
    expect(Buffer.from(text as string, 'utf8').equals(bom)).toBe(true);
    await fx.writeFileAtomic('/etc/bom', text as string);
    expect(readFileSync(join(r, 'etc/bom')).equals(bom)).toBe(true);
    expect(await fx.readFile('/etc/none')).toBeNull();
    await expect(fx.readFile('/etc/postfix')).rejects.toThrow('/etc/postfix is a directory, not a file');
  });
});

describe('createRealEffects: the rest', () => {
  it('resolve, live, relative paths refused', () => {
    const r = root();
    expect(createRealEffects(r).resolve('/etc/postfix/main.cf')).toBe(`${r}/etc/postfix/main.cf`);
    expect(createRealEffects(r).live).toBe(false);
    expect(createRealEffects('/').live).toBe(true);
    expect(createRealEffects('/').resolve('/etc//postfix/')).toBe('/etc/postfix/');
    expect(() => createRealEffects(r).resolve('etc/x')).toThrow('not an absolute path: etc/x');
  });

  it('removeFile, listDir, mkdir with mode, removeTree, createExclusive, processAlive', async () => {
    const r = root();
    const fx = createRealEffects(r);
    await fx.writeFileAtomic('/etc/a', 'x');
    expect(await fx.listDir('/etc')).toEqual(['a', 'postfix']);
    expect(await fx.listDir('/nope')).toEqual([]);
    await fx.removeFile('/etc/a');
    await fx.removeFile('/etc/a');
    expect(await fx.listDir('/etc')).toEqual(['postfix']);
    await fx.mkdir?.('/var/backups/mailsetup/x', 0o700);
    expect(meta(join(r, 'var/backups/mailsetup/x'))[0]).toBe(0o700);
    expect(meta(join(r, 'var/backups'))[0]).toBe(0o755);
    await fx.removeTree?.('/var/backups');
    expect(await fx.stat('/var/backups')).toBeNull();
    expect(await fx.createExclusive?.('/run/l', '1\n')).toBe(true);
    expect(await fx.createExclusive?.('/run/l', '2\n')).toBe(false);
    expect(readFileSync(join(r, 'run/l'), 'utf8')).toBe('1\n');
    expect(readdirSync(join(r, 'run'))).toEqual(['l']);
    expect(fx.processAlive?.(process.pid)).toBe(true);
    expect(fx.processAlive?.(2 ** 22 + 12345)).toBe(false);
  });

  it('run: exit codes, output, input, env, missing programs, timeouts, tty capture', async () => {
    const fx = createRealEffects('/', { env: { MAILSETUP_T: 'extra' } });
    expect(await fx.run('sh', ['-c', 'echo out; echo err >&2; exit 3'])).toEqual({
      command: "sh -c 'echo out; echo err >&2; exit 3'",
      exitCode: 3,
      stdout: 'out',
      stderr: 'err',
      timedOut: false,
    });
    expect((await fx.run('sh', ['-c', 'cat; echo " $MAILSETUP_T $X"'], { input: 'in', env: { X: 'y' } })).stdout).toBe(
      'in extra y',
    );
    expect(await fx.run('no-such-program-xyz', ['a'])).toEqual({
      command: 'no-such-program-xyz a',
      exitCode: 127,
      stdout: '',
      stderr: 'no-such-program-xyz: command not found',
      timedOut: false,
    });
    const slow = await fx.run('sleep', ['10'], { timeoutMs: 200 });
    expect(slow.timedOut).toBe(true);
    expect(slow.exitCode).not.toBe(0);
    // Before 3.8 postfix(1) prints its fatal error only to a terminal, since 3.8 to stderr as
    // well: to root, the missing main.cf; to any other user, before it looks at anything, that
    // the command is root's.
    const words = IS_ROOT
      ? 'postfix: fatal: open /nonexistent-dir/main.cf: No such file or directory'
      : 'postfix: error: to submit mail, use the Postfix sendmail command\n' +
        'postfix: fatal: the postfix command is reserved for the superuser';
    const plain = await fx.run('postfix', ['-c', '/nonexistent-dir', 'check']);
    expect([plain.exitCode, plain.stderr]).toEqual([1, postfixNeedsTty(postfixVersion()) ? '' : words]);
    const tty = await fx.run('postfix', ['-c', '/nonexistent-dir', 'check'], { tty: true });
    expect(tty).toEqual({
      command: 'postfix -c /nonexistent-dir check',
      exitCode: 1,
      stdout: '',
      stderr: words,
      timedOut: false,
    });
  });
});

describe('createRealEffects: tty runs', () => {
  it('a tty run goes plain once script(1) cannot make a terminal, for that Effects only', async () => {
    // A script(1) that fails as on a box without /dev/pts, counting its calls.
    const bin = mkdtempSync(join(tmpdir(), 'mailsetup-noscript-'));
    const calls = join(bin, 'calls');
    writeFileSync(
      join(bin, 'script'),
      `#!/bin/sh\necho x >> '${calls}'\necho 'script: failed to create pseudo-terminal' >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    try {
      const outAndErr = (fx: Effects) => fx.run('sh', ['-c', 'echo out; echo err >&2'], { tty: true });
      const broken = createRealEffects(root(), { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
      for (let i = 0; i < 2; i++)
        expect(await outAndErr(broken)).toEqual({
          command: "sh -c 'echo out; echo err >&2'",
          exitCode: 0,
          stdout: 'out',
          stderr: 'err',
          timedOut: false,
        });
      expect(readFileSync(calls, 'utf8')).toBe('x\n'); // asked once, then known
      // Another Effects (the next run, or the next test in this worker) tries script(1) again.
      const fresh = createRealEffects(root());
      expect(await outAndErr(fresh)).toEqual({
        command: "sh -c 'echo out; echo err >&2'",
        exitCode: 0,
        stdout: '',
        stderr: 'out\nerr',
        timedOut: false,
      });
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('createRealEffects: the end of a tty run', () => {
  const tty = (fx: Effects, line: string) => fx.run('sh', ['-c', line], { tty: true, timeoutMs: 20_000 });

  it("the command's status and all its output, whatever the output ends with; nothing of the mark", async () => {
    const fx = createRealEffects(root());
    expect(await tty(fx, 'echo out; echo err >&2; exit 3')).toMatchObject({ exitCode: 3, stderr: 'out\nerr' });
    expect(await tty(fx, 'printf no-newline')).toMatchObject({ exitCode: 0, stderr: 'no-newline' });
    expect(await tty(fx, 'printf "a\\n\\nb\\n\\n"; exit 255')).toMatchObject({ exitCode: 255, stderr: 'a\n\nb' });
    // Killed by a signal: the shell's 128 + n, as script(1) -e gave.
    expect(await tty(fx, 'kill -TERM $$')).toMatchObject({ exitCode: 143 });
    // Much output, the end in a later read than the start.
    const big = await tty(fx, 'i=0; while [ $i -lt 3000 ]; do echo "line $i of the output"; i=$((i+1)); done; exit 7');
    expect(big.exitCode).toBe(7);
    expect(big.stderr.split('\n')).toHaveLength(3000);
    expect(big.stderr.endsWith('line 2999 of the output')).toBe(true);
  });

  it("the mark: 32 hex digits from /dev/urandom, made once per Effects; node:crypto's where that cannot be read", () => {
    const runs: TtyRuns = { scriptMissing: false };
    const mark = ttyEndMark(runs);
    expect(mark).toMatch(/^mailsetup-end-[0-9a-f]{32}$/);
    expect(ttyEndMark(runs)).toBe(mark);
    // Not /dev/urandom's (a missing file, a directory, a file too short): random all the same.
    const dir = mkdtempSync(join(tmpdir(), 'mailsetup-mark-'));
    writeFileSync(join(dir, 'short'), 'abc');
    try {
      const marks = [join(dir, 'absent'), dir, join(dir, 'short')].map((p) => ttyEndMark({ scriptMissing: false }, p));
      for (const m of marks) expect(m).toMatch(/^mailsetup-end-[0-9a-f]{32}$/);
      expect(new Set([mark, ...marks]).size).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('output that looks like the mark (another id, or the right form without the id) changes nothing', async () => {
    const fx = createRealEffects(root());
    const fake = 'echo mailsetup-end-0123456789abcdef0123456789abcdef 0; echo " 0"; exit 5';
    expect(await tty(fx, fake)).toMatchObject({
      exitCode: 5,
      stderr: 'mailsetup-end-0123456789abcdef0123456789abcdef 0\n 0',
    });
  });

  it('the mark is 16 random bytes, one per Effects; script(1) is ended by it rather than waited for', async () => {
    // A script(1) that records its line, runs the real one, then lingers 5 s (as util-linux's
    // lingers 10 ms after its command, reading the terminal): the run ends when the mark arrives.
    const bin = mkdtempSync(join(tmpdir(), 'mailsetup-lingering-script-'));
    const lines = join(bin, 'lines');
    writeFileSync(
      join(bin, 'script'),
      `#!/bin/sh\nprintf '%s\\n' "$2" >> '${lines}'\n/usr/bin/script "$@"\nexec sleep 5 </dev/null >/dev/null 2>&1\n`,
      { mode: 0o755 },
    );
    try {
      const env = { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } };
      const started = Date.now();
      expect(await tty(createRealEffects(root(), env), 'echo one; exit 4')).toMatchObject({
        exitCode: 4,
        stderr: 'one',
      });
      expect(Date.now() - started).toBeLessThan(4_000);
      await tty(createRealEffects(root(), env), 'true');
      const [first, second] = readFileSync(lines, 'utf8').trim().split('\n');
      expect(first).toMatch(
        /^trap : TERM HUP; sh -c 'echo one; exit 4' <\/dev\/null; echo mailsetup-end-[0-9a-f]{32} \$\?$/,
      );
      expect(second).toMatch(/^trap : TERM HUP; sh -c true <\/dev\/null; echo mailsetup-end-[0-9a-f]{32} \$\?$/);
      expect(first.split(' ').at(-2)).not.toBe(second.split(' ').at(-2));
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('createRealEffects: tty runs under any login shell', () => {
  it("runs script(1)'s line with /bin/sh, whatever SHELL says (the line is quoted for a POSIX shell)", async () => {
    for (const shell of ['/nonexistent/shell', '/bin/false']) {
      const fx = createRealEffects(root(), { env: { SHELL: shell } });
      // Through a terminal (everything on it, read back as stderr), not the plain fallback.
      expect(await fx.run('sh', ['-c', "echo 'a b'; echo err >&2"], { tty: true }), shell).toEqual({
        command: "sh -c 'echo '\\''a b'\\''; echo err >&2'",
        exitCode: 0,
        stdout: '',
        stderr: 'a b\nerr',
        timedOut: false,
      });
    }
  });
});

describe('createRealEffects: what a tty run gives its command', () => {
  it('the terminal on stdout and stderr, and /dev/null to read (script(1) itself gets a pipe that stays open)', async () => {
    const fx = createRealEffects(root());
    // cat ends at once on /dev/null; on the terminal it would wait for input until the timeout.
    const probe = 'cat; [ -t 0 ] || echo in-not-tty; [ -t 1 ] && echo out-tty; [ -t 2 ] && echo err-tty';
    expect(await fx.run('sh', ['-c', probe], { tty: true, timeoutMs: 10_000 })).toMatchObject({
      exitCode: 0,
      stdout: '',
      stderr: 'in-not-tty\nout-tty\nerr-tty',
      timedOut: false,
    });
  });

  it('stopped, it is over once its command is: script(1), which lingers ~2 s after a TERM, is not waited for', async () => {
    const fx = createRealEffects(root());
    const abort = new AbortController();
    const start = Date.now();
    setTimeout(() => abort.abort('SIGTERM'), 300);
    const r = await fx.run('sleep', ['30'], { tty: true, timeoutMs: 60_000, signal: abort.signal });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('stopped (the run was interrupted)');
    // 300 ms before the stop; a sweep (every 100 ms) then finds the sleep gone. Waiting for
    // script(1) to end by itself took 2 s more.
    expect(Date.now() - start).toBeLessThan(1_800);
  });
});

describe('readRegular: the bytes of a regular file, to its end', () => {
  it('reads files of every size whole, /proc files that say 0 bytes, and refuses one byte more than allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsetup-read-'));
    try {
      for (const size of [0, 1, 4095, 4096, 65535, 65536, 65537, 200_000]) {
        const bytes = Buffer.alloc(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) & 0xff;
        writeFileSync(join(dir, `f${size}`), bytes);
        expect((await readRegular(join(dir, `f${size}`), 1 << 20)).equals(bytes), `${size} bytes`).toBe(true);
        // At the limit it is read; one byte over it is refused.
        if (size > 0) {
          expect((await readRegular(join(dir, `f${size}`), size)).length).toBe(size);
          await expect(readRegular(join(dir, `f${size}`), size - 1)).rejects.toMatchObject({ code: 'EFBIG' });
        }
      }
      // st_size 0, and content: read to the end all the same.
      const status = (await readRegular('/proc/self/status', 1 << 20)).toString('utf8');
      expect(status).toMatch(/^Name:\t/);
      expect(status).toMatch(/\nPid:\t\d+\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("createRealEffects: a background run (postfix-script's `postsuper &`)", () => {
  const until = async (what: () => boolean, ms: number): Promise<boolean> =>
    (await waitFor(ms, () => what() || undefined, 20)) === true;

  it('returns once the command runs: its own session, /dev/null for its streams, the environment given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsetup-bg-'));
    const out = join(dir, 'out');
    const fx = createRealEffects(root());
    // It writes its pid and where its streams go, then waits to be told to end (a file).
    const line =
      `echo $$ "$MARK" $(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2) > ${out}.tmp; ` +
      `mv ${out}.tmp ${out}; while [ ! -e ${dir}/end ]; do sleep 0.05; done; echo ended > ${dir}/ended`;
    const r = await fx.run('sh', ['-c', line], { background: true, env: { MARK: 'given' } });
    expect(r).toEqual({
      command: `${commandLine('sh', ['-c', line])} &`,
      exitCode: 0,
      stdout: '',
      stderr: '',
      timedOut: false,
    });
    expect(existsSync(join(dir, 'ended'))).toBe(false);
    expect(await until(() => existsSync(out), 5_000)).toBe(true);
    const [pid, mark, ...streams] = readFileSync(out, 'utf8').trim().split(' ');
    expect(mark).toBe('given');
    expect(streams).toEqual(['/dev/null', '/dev/null', '/dev/null']);
    // A session of its own: a Ctrl-C at mailsetup's terminal, or its end, is not its end.
    expect(statFields(Number(pid))?.[3]).toBe(pid);
    writeFileSync(join(dir, 'end'), '');
    expect(await until(() => existsSync(join(dir, 'ended')), 5_000)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a program that is not there: 127 and the shell's message, as for a run that waits", async () => {
    const fx = createRealEffects(root());
    expect(await fx.run('mailsetup-no-such-program', ['x'], { background: true })).toEqual({
      command: 'mailsetup-no-such-program x &',
      exitCode: 127,
      stdout: '',
      stderr: 'mailsetup-no-such-program: command not found',
      timedOut: false,
    });
  });

  it('mailsetup ends without waiting for it (a referenced handle would hold it 30 s), and leaves it running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsetup-bg-'));
    const pidFile = join(dir, 'pid');
    const script = join(dir, 'start.ts');
    writeFileSync(
      script,
      `import { createRealEffects } from ${JSON.stringify(join(process.cwd(), 'src', 'system', 'realEffects.ts'))};\n` +
        `const r = await createRealEffects('/').run('sh', ['-c', 'echo $$ > ${pidFile}; exec sleep 30'], { background: true });\n` +
        'console.log(r.exitCode);\n',
    );
    const started = Date.now();
    const r = spawnSync(
      process.execPath,
      ['--import', join(process.cwd(), 'test', 'helpers', 'ts-loader.mjs'), script],
      {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: 20_000,
      },
    );
    expect([r.status, r.stdout.trim(), r.stderr]).toEqual([0, '0', '']);
    // Not the 30 s of the sleep (nor the 20 s this waits at most).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 5_000)).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      // Its parent has ended; it still runs (the sleep it became).
      expect(statFields(pid)?.[0]).toMatch(/^[RS]$/);
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('sleep');
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createRealEffects: kill is done in process, as a shell does it', () => {
  it("kill -SIGNAL PID signals without starting a program; the status and message are procps kill's", async () => {
    // A kill(1) first on PATH that would leave a mark: the builtin never starts it.
    const bin = mkdtempSync(join(tmpdir(), 'mailsetup-kill-'));
    const mark = join(bin, 'ran');
    writeFileSync(join(bin, 'kill'), `#!/bin/sh\necho "$@" >> '${mark}'\nexec /bin/kill "$@"\n`, { mode: 0o755 });
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const fx = createRealEffects(root(), { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
      const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_, sig) => res(sig)));
      expect(await fx.run('kill', ['-TERM', String(child.pid)])).toEqual({
        command: `kill -TERM ${child.pid}`,
        exitCode: 0,
        stdout: '',
        stderr: '',
        timedOut: false,
      });
      expect(await exited).toBe('SIGTERM');
      // pid_max is at most 2^22: this pid is never a process.
      expect(await fx.run('kill', ['-HUP', '99999999'])).toMatchObject({
        exitCode: 1,
        stderr: 'kill: (99999999) - No such process',
      });
      expect(existsSync(mark)).toBe(false);
      // Another form runs the program.
      expect((await fx.run('kill', ['-l', 'HUP'])).exitCode).toBe(0);
      expect(readFileSync(mark, 'utf8')).toBe('-l HUP\n');
    } finally {
      child.kill('SIGKILL');
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('normalPath', () => {
  it('is posix.normalize for every absolute path made of empty, ., .., ... and named components (depth 1-4)', () => {
    const parts = ['', '.', '..', '...', 'a', '.a', 'a.', 'b..c'];
    let paths = [''];
    let checked = 0;
    for (let depth = 1; depth <= 4; depth++) {
      paths = paths.flatMap((p) => parts.map((c) => `${p}/${c}`));
      for (const p of paths) {
        expect(normalPath(p), p).toBe(posix.normalize(p));
        checked++;
      }
    }
    expect(checked).toBe(8 + 64 + 512 + 4096);
  });
});

describe('createMemoryEffects', () => {
  it('files, meta, dirs, calls, writes', async () => {
    const fx = createMemoryEffects({
      files: { '/etc/postfix/main.cf': 'a\n', '/etc/aliases': { content: 'b\n', mode: 0o600, uid: 1, gid: 2 } },
      root: '/srv/sb',
      run: (cmd) => ({ command: cmd, exitCode: 5, stdout: 'o', stderr: '', timedOut: false }),
    });
    expect(fx.live).toBe(false);
    expect(fx.resolve('/etc/aliases')).toBe('/srv/sb/etc/aliases');
    expect(await fx.readFile('/etc/postfix/main.cf')).toBe('a\n');
    expect(await fx.stat('/etc/aliases')).toEqual({ mode: 0o600, uid: 1, gid: 2 });
    await fx.writeFileAtomic('/etc/aliases', 'c\n');
    expect(await fx.stat('/etc/aliases')).toEqual({ mode: 0o600, uid: 1, gid: 2 });
    await fx.writeFileAtomic('/etc/new', 'n\n');
    expect(await fx.stat('/etc/new')).toEqual({ mode: 0o644, uid: 0, gid: 0 });
    expect(await fx.listDir('/etc')).toEqual(['aliases', 'new', 'postfix']);
    expect((await fx.run('x', ['1'])).exitCode).toBe(5);
    expect(fx.calls).toEqual([{ cmd: 'x', args: ['1'], opts: {} }]);
    expect(fx.writes).toEqual(['/etc/aliases', '/etc/new']);
    expect(createMemoryEffects().live).toBe(true);
  });
});
