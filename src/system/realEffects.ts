/**
 * The real `Effects`: node:fs under a root directory, commands through execa (no shell), the
 * kernel's socket table (/proc/net), node:os interfaces, node:net connections, node:dns MX
 * queries. Paths given to it are system paths ('/etc/postfix/main.cf'); with a --root sandbox
 * they map into the sandbox, and symbolic links are followed the way a chroot would (an
 * absolute link target is taken under the root too). A sandbox never reaches the network
 * (connect and resolveMx refuse) and has no listening sockets of its own.
 */
import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { readFileSync, unlinkSync, type Stats } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { basename, dirname, join, normalize, posix, resolve as pathResolve } from 'node:path';
import { STAGE_SETTLE_MS, stagePathOf } from '../model/effects.js';
import type { CommandResult, Effects, FileMeta, InterfaceInfo, RunOptions } from '../model/effects.js';
import { showEndpoint } from '../postfix/network.js';
import { commandLine } from './commands.js';
import { dialTcp } from './net.js';
import { listenSocketsOf } from './procNet.js';

/** Options for `createRealEffects`. */
export interface RealEffectsOptions {
  /** Extra environment for every command (tests put stand-in programs first on PATH). */
  env?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_SYMLINK_HOPS = 40;

/** The errno code of a node error, or undefined. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const c = (e as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Decode UTF-8 strictly. Throws when the bytes are not valid UTF-8, naming the first bad byte,
 * so that whatever is written back later round-trips byte for byte (a BOM is kept).
 */
export function decodeUtf8Strict(buf: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    const byte = buf[at] ?? 0;
    throw new Error(
      `${path} is not UTF-8 text (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${at}); ` +
        'mailsetup edits only UTF-8 files: convert it (iconv -t UTF-8) or edit it by hand',
    );
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return i;
}

let scriptMissing = false;

/**
 * Run one command with execa (no shell, output captured, never rejects). A program that cannot
 * be started yields exit code 127 and "<cmd>: command not found" (ENOENT) or the spawn error.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
  extraEnv: Record<string, string> = {},
): Promise<CommandResult> {
  const command = commandLine(cmd, args);
  if (opts.tty && !scriptMissing) {
    const r = await spawn('script', ['-qec', command, '/dev/null'], { ...opts, input: undefined }, extraEnv, command);
    const merged = (r.stdout + (r.stderr ? `\n${r.stderr}` : '')).replace(/\r\n/g, '\n').replace(/\r/g, '\n').trim();
    if (r.exitCode !== 0 && /^script: /.test(merged)) {
      // script(1) is absent or cannot make a pseudo-terminal here: run the command plainly.
      scriptMissing = true;
    } else {
      return { ...r, stdout: '', stderr: merged };
    }
  }
  return spawn(cmd, args, opts, extraEnv, command);
}

/**
 * PATH for the programs mailsetup runs: the caller's, with the system directories Postfix's and
 * Debian's tools live in appended where missing (Debian leaves /usr/sbin off a user's PATH, so a
 * `--dry-run` as a user would not find postconf).
 */
export function pathWithSbin(path: string | undefined): string {
  const dirs = (path ?? '').split(':').filter((d) => d !== '');
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dirs.includes(d)) dirs.push(d);
  }
  return dirs.join(':');
}

/**
 * execa, loaded when the first command runs: the wizard draws its first frame before any
 * command, and evaluating execa's modules is time that frame would otherwise wait for.
 */
let execaModule: Promise<typeof import('execa')> | undefined;

async function spawn(
  cmd: string,
  args: string[],
  opts: RunOptions,
  extraEnv: Record<string, string>,
  command: string,
): Promise<CommandResult> {
  const { execa } = await (execaModule ??= import('execa'));
  const r = await execa(cmd, args, {
    reject: false,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    env: { PATH: pathWithSbin(process.env.PATH), ...extraEnv, ...(opts.env ?? {}) },
    extendEnv: true,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    input: opts.input,
    encoding: 'utf8',
    forceKillAfterDelay: 2_000,
  });
  const stdout = typeof r.stdout === 'string' ? r.stdout : '';
  let stderr = typeof r.stderr === 'string' ? r.stderr : '';
  let exitCode = r.exitCode;
  if (exitCode === undefined) {
    if (r.code === 'ENOENT' || (r.code === 'EACCES' && !cmd.includes('/'))) {
      // EACCES for a bare name: some directory on PATH cannot be searched; the program is not found.
      exitCode = 127;
      stderr = `${cmd}: command not found`;
    } else if (r.signal !== undefined) {
      exitCode = 128 + (signalNumbers[r.signal] ?? 0);
      if (!stderr) stderr = `${cmd}: killed by ${r.signal}${r.timedOut ? ' (timed out)' : ''}`;
    } else {
      exitCode = 126;
      stderr = stderr || r.shortMessage || `${cmd}: could not be run`;
    }
  }
  return { command, exitCode, stdout, stderr, timedOut: r.timedOut };
}

const signalNumbers: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/** Create the real Effects for `root` ('/' = the live system). */
/** A stream's bytes as UTF-8 text, at most `maxBytes` of them (more is an error: then it stops reading). */
export function readStream(stream: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (f: () => void) => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      f();
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      if (size > maxBytes) {
        stream.pause();
        done(() => reject(new Error(`standard input holds more than ${maxBytes} bytes`)));
        return;
      }
      chunks.push(b);
    };
    const onEnd = () =>
      done(() => {
        try {
          resolve(decodeUtf8Strict(Buffer.concat(chunks), 'standard input'));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    const onError = (e: Error) => done(() => reject(new Error(errnoCode(e) ?? e.message)));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

export function createRealEffects(root: string, options: RealEffectsOptions = {}): Effects {
  const rootDir = normalize(root === '' ? '/' : root).replace(/(.)\/+$/, '$1');
  const live = rootDir === '/';
  const extraEnv = options.env ?? {};

  function checkAbsolute(p: string): string {
    if (!p.startsWith('/')) throw new Error(`not an absolute path: ${p}`);
    return posix.normalize(p);
  }

  function resolve(p: string): string {
    const sys = checkAbsolute(p);
    return live ? sys : join(rootDir, sys);
  }

  /** Follow symbolic links under the root; returns the system path of the final target. */
  async function follow(p: string): Promise<string> {
    let todo = checkAbsolute(p).split('/').filter(Boolean);
    let done: string[] = [];
    let hops = 0;
    while (todo.length > 0) {
      const c = todo.shift() as string;
      if (c === '.') continue;
      if (c === '..') {
        done.pop();
        continue;
      }
      const sys = `/${[...done, c].join('/')}`;
      let st: Stats;
      try {
        st = await fs.lstat(resolve(sys));
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return posix.normalize(`/${[...done, c, ...todo].join('/')}`);
        throw e;
      }
      if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw new Error(`${p}: too many levels of symbolic links`);
        const target = await fs.readlink(resolve(sys));
        if (target.startsWith('/')) done = [];
        todo = [...target.split('/').filter(Boolean), ...todo];
      } else {
        done.push(c);
      }
    }
    return `/${done.join('/')}`;
  }

  async function mkdirs(realDir: string, lastMode: number): Promise<void> {
    const missing: string[] = [];
    let d = realDir;
    for (;;) {
      try {
        const st = await fs.stat(d);
        if (!st.isDirectory()) throw new Error(`${d} exists and is not a directory`);
        break;
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
        missing.unshift(d);
        const up = dirname(d);
        if (up === d) break;
        d = up;
      }
    }
    for (const [i, m] of missing.entries()) {
      const mode = i === missing.length - 1 ? lastMode : 0o755;
      try {
        await fs.mkdir(m, { mode });
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
        continue;
      }
      await fs.chmod(m, mode);
    }
  }

  async function syncDir(realDir: string): Promise<void> {
    const h = await fs.open(realDir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  }

  /** Copy one regular file with its owner, mode and times (where a hard link cannot be made). */
  async function copyWithMeta(from: string, to: string, times?: Date): Promise<void> {
    const st = await fs.stat(from);
    await fs.copyFile(from, to, fs.constants.COPYFILE_EXCL);
    try {
      await fs.chown(to, st.uid, st.gid);
    } catch (e) {
      if (!(errnoCode(e) === 'EPERM' && !live)) throw e;
    }
    await fs.chmod(to, st.mode & 0o7777);
    await fs.utimes(to, times ?? st.atime, times ?? st.mtime);
  }

  /** Recreate directory `from` (under `top`) in the new directory `to` (see Effects.stageCopy). */
  async function mirrorDir(from: string, to: string, top = from): Promise<void> {
    for (const e of await fs.readdir(from, { withFileTypes: true })) {
      const a = join(from, e.name);
      const b = join(to, e.name);
      if (e.isDirectory()) {
        const st = await fs.stat(a);
        await fs.mkdir(b, { mode: 0o700 });
        await mirrorDir(a, b, top);
        await fs.chown(b, st.uid, st.gid).catch((err: unknown) => {
          if (!(errnoCode(err) === 'EPERM' && !live)) throw err;
        });
        await fs.chmod(b, st.mode & 0o7777);
      } else if (e.isSymbolicLink()) {
        // Debian's makedefs.out (build information, read by no tool) is a link out of the
        // directory that Debian's `postfix check` excuses by its /etc/postfix path only.
        if (e.name === 'makedefs.out' && from === top) continue;
        await fs.symlink(await fs.readlink(a), b);
      } else if (e.isFile()) {
        try {
          await fs.link(a, b);
        } catch {
          await copyWithMeta(a, b);
        }
      }
      // sockets, fifos, devices: nothing a Postfix tool reads from a configuration directory
    }
  }

  const fx: Effects = {
    root: rootDir,
    live,
    resolve,

    async readFile(p) {
      const real = resolve(await follow(p));
      let buf: Buffer;
      try {
        buf = await fs.readFile(real);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        if (code === 'EISDIR') throw new Error(`${p} is a directory, not a file`);
        throw new Error(`cannot read ${p}: ${errorMessage(e)}`);
      }
      return decodeUtf8Strict(buf, p);
    },

    readStdin(maxBytes) {
      return readStream(process.stdin, maxBytes);
    },

    async readFileBytes(p) {
      const real = resolve(await follow(p));
      try {
        return new Uint8Array(await fs.readFile(real));
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        if (code === 'EISDIR') throw new Error(`${p} is a directory, not a file`);
        throw new Error(`cannot read ${p}: ${errorMessage(e)}`);
      }
    },

    async readUserFile(p) {
      try {
        return await fs.readFile(pathResolve(p), 'utf8');
      } catch (e) {
        throw new Error(errnoCode(e) ?? errorMessage(e));
      }
    },

    async stat(p) {
      try {
        const st = await fs.stat(resolve(await follow(p)));
        return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw e;
      }
    },

    async writeFileAtomic(p, content, meta) {
      const target = resolve(await follow(p));
      let existing: Stats | null = null;
      try {
        existing = await fs.stat(target);
      } catch (e) {
        const code = errnoCode(e);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new Error(`cannot write ${p}: ${errorMessage(e)}`);
      }
      if (existing && !existing.isFile()) throw new Error(`cannot write ${p}: it exists and is not a regular file`);
      const dir = dirname(target);
      const want: FileMeta = {
        mode: (meta?.mode ?? (existing ? existing.mode : 0o644)) & 0o7777,
        uid: meta?.uid ?? existing?.uid ?? 0,
        gid: meta?.gid ?? existing?.gid ?? 0,
      };
      const tmp = join(dir, `.${basename(target)}.mailsetup-${randomBytes(6).toString('hex')}`);
      let fh: FileHandle | undefined;
      let renamed = false;
      try {
        await mkdirs(dir, 0o755);
        fh = await fs.open(tmp, 'wx', 0o600);
        await (typeof content === 'string' ? fh.writeFile(content, 'utf8') : fh.writeFile(content));
        const st = await fh.stat();
        if (st.uid !== want.uid || st.gid !== want.gid) {
          try {
            await fh.chown(want.uid, want.gid);
          } catch (e) {
            // A non-root user filling a --root sandbox cannot give files away; the live system can.
            if (!(errnoCode(e) === 'EPERM' && !live)) throw e;
          }
        }
        await fh.chmod(want.mode);
        await fh.sync();
        await fh.close();
        fh = undefined;
        await fs.rename(tmp, target);
        renamed = true;
        await syncDir(dir);
      } catch (e) {
        if (fh) await fh.close().catch(() => undefined);
        if (!renamed) await fs.rm(tmp, { force: true }).catch(() => undefined);
        throw new Error(`cannot write ${p}: ${errorMessage(e)}`);
      }
    },

    async removeFile(p) {
      const real = resolve(await follow(p));
      try {
        await fs.unlink(real);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw new Error(`cannot remove ${p}: ${errorMessage(e)}`);
      }
      await syncDir(dirname(real));
    },

    async listDir(p) {
      try {
        return (await fs.readdir(resolve(await follow(p)))).sort();
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return [];
        throw e;
      }
    },

    run(cmd, args, opts) {
      return runCommand(cmd, args, opts, extraEnv);
    },

    async mkdir(p, mode) {
      await mkdirs(resolve(await follow(p)), mode);
    },

    async removeTree(p) {
      await fs.rm(resolve(p), { recursive: true, force: true });
    },

    async stageCopy(dir, settle) {
      const src = resolve(await follow(dir));
      const sys = stagePathOf(dir);
      const stage = resolve(sys);
      const top = await fs.stat(src);
      if (!top.isDirectory()) throw new Error(`${dir} is not a directory`);
      // A stage a killed run left behind (fs.rm removes a symlink, never what it points to).
      await fs.rm(stage, { recursive: true, force: true });
      await fs.mkdir(stage, { mode: 0o700 });
      try {
        await mirrorDir(src, stage);
        const past = new Date(Date.now() - STAGE_SETTLE_MS);
        for (const name of settle) {
          if (name.includes('/')) throw new Error(`stageCopy: ${name} is not a name in ${dir}`);
          const st = await fs.lstat(join(src, name)).catch(() => null);
          if (!st?.isFile()) continue;
          await fs.rm(join(stage, name), { force: true });
          await copyWithMeta(join(src, name), join(stage, name), past);
        }
        await fs.chown(stage, top.uid, top.gid).catch((e: unknown) => {
          if (!(errnoCode(e) === 'EPERM' && !live)) throw e;
        });
        await fs.chmod(stage, top.mode & 0o7777);
      } catch (e) {
        await fs.rm(stage, { recursive: true, force: true }).catch(() => undefined);
        throw new Error(`cannot stage a copy of ${dir}: ${errorMessage(e)}`);
      }
      return sys;
    },

    async createExclusive(p, content) {
      const target = resolve(await follow(p));
      const dir = dirname(target);
      await mkdirs(dir, 0o755);
      const tmp = join(dir, `.${basename(target)}.mailsetup-${randomBytes(6).toString('hex')}`);
      try {
        await fs.writeFile(tmp, content, { mode: 0o644, flag: 'wx' });
        try {
          await fs.link(tmp, target);
          return true;
        } catch (e) {
          if (errnoCode(e) === 'EEXIST') return false;
          throw e;
        }
      } finally {
        await fs.rm(tmp, { force: true });
      }
    },

    processAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return errnoCode(e) === 'EPERM';
      }
    },

    async fileSize(p) {
      try {
        return (await fs.stat(resolve(await follow(p)))).size;
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw e;
      }
    },

    async readFileRange(p, start, end) {
      let h: FileHandle;
      try {
        h = await fs.open(resolve(await follow(p)), 'r');
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') return null;
        throw e;
      }
      try {
        const buf = Buffer.alloc(Math.max(0, end - start));
        const { bytesRead } = await h.read(buf, 0, buf.length, start);
        return buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        await h.close();
      }
    },

    async listeningSockets() {
      if (!live) return [];
      const read = (path: string) => fs.readFile(path, 'utf8').catch(() => '');
      return listenSocketsOf(await read('/proc/net/tcp'), await read('/proc/net/tcp6'));
    },

    async networkInterfaces() {
      const out: Record<string, InterfaceInfo[]> = {};
      for (const [name, list] of Object.entries(networkInterfaces())) if (list) out[name] = list;
      return out;
    },

    kernelHostname() {
      return hostname();
    },

    randomHex(bytes) {
      return randomBytes(bytes).toString('hex');
    },

    async connect(opts) {
      if (!live) {
        throw new Error(
          `--root ${rootDir}: a sandbox does not reach the network (no connection to ${showEndpoint(opts.host, opts.port)})`,
        );
      }
      return dialTcp(opts);
    },

    async resolveMx(domain) {
      if (!live) {
        throw Object.assign(new Error(`--root ${rootDir}: a sandbox does not query DNS (MX of ${domain})`), {
          code: 'ESANDBOX',
        });
      }
      return dns.resolveMx(domain);
    },

    removeAtExit(p, content) {
      const real = resolve(p);
      const onExit = (): void => {
        try {
          if (readFileSync(real, 'utf8') === content) unlinkSync(real);
        } catch {
          // already gone
        }
      };
      process.once('exit', onExit);
      return () => void process.removeListener('exit', onExit);
    },
  };
  return fx;
}
