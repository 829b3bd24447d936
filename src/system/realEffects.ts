/**
 * The real `Effects`: node:fs under a root directory, commands through execa (no shell), the
 * kernel's socket table (/proc/net), node:os interfaces, node:net connections, node:dns MX
 * queries. Paths given to it are system paths ('/etc/postfix/main.cf'); with a --root sandbox
 * they map into the sandbox, and symbolic links are followed the way a chroot would (an
 * absolute link target is taken under the root too). A sandbox never reaches the network
 * (connect and resolveMx refuse) and has no listening sockets of its own.
 */
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import {
  closeSync,
  constants as fsc,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  unlinkSync,
  type Dirent,
  type Stats,
} from 'node:fs';
import { constants as osConstants, hostname, networkInterfaces, tmpdir } from 'node:os';
import { basename, dirname, join, normalize, posix, resolve as pathResolve } from 'node:path';
import { STAGE_SETTLE_MS, stagePathOf } from '../model/effects.js';
import type { CommandResult, Effects, FileMeta, InterfaceInfo, RunOptions, ScratchDir } from '../model/effects.js';
import { UsageError } from '../model/errors.js';
import { showEndpoint } from '../postfix/network.js';
import { commandLine } from './commands.js';
import { dialTcp } from './net.js';
import { listenSocketsOf } from './procNet.js';
import { nodeCrypto, nodeDns } from './builtins.js';

/** Options for `createRealEffects`. */
export interface RealEffectsOptions {
  /** Extra environment for every command (tests put stand-in programs first on PATH). */
  env?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_SYMLINK_HOPS = 40;
/** The largest configuration file mailsetup reads (a file beyond it is refused, never read whole). */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** The largest user-named file (answers file) read by default. */
export const MAX_USER_FILE_BYTES = 64 * 1024 * 1024;
/** What a command may print that is kept (the rest is counted, not kept): the end, where errors are. */
export const MAX_OUTPUT_BYTES = 512 * 1024;

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
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw new UsageError(`${path} is UTF-16 text; mailsetup reads only UTF-8: convert it (iconv -f UTF-16 -t UTF-8)`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    const byte = buf[at] ?? 0;
    throw new UsageError(
      `${path} is not UTF-8 text (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${at}); ` +
        'mailsetup edits only UTF-8 files: convert it (iconv -t UTF-8) or edit it by hand',
    );
  }
}

/** What kind of file a Stats is, for messages: "a FIFO", "a directory", "a character device". */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Read a regular file of at most `maxBytes`, never blocking: it is opened without following a
 * final link and without waiting (a FIFO opens at once and is refused), and checked on the open
 * descriptor (no race between the check and the read). Throws an Error whose `code` is the
 * system's (ENOENT, …) or ENOTREG / EFBIG with a message saying what the file is.
 */
export async function readRegular(real: string, maxBytes: number, follow = false): Promise<Buffer> {
  // Synchronous calls: the files are small and local, and four round trips through the thread
  // pool for each (open, fstat, read, close) cost an apply more of its main thread than the reads.
  const flags = fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOCTTY | (follow ? 0 : fsc.O_NOFOLLOW);
  let fd: number;
  try {
    fd = openSync(real, flags);
  } catch (e) {
    if (errnoCode(e) === 'ELOOP' && !follow) {
      throw Object.assign(new Error('a symbolic link'), { code: 'ENOTREG' });
    }
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error(`${fileKind(st)}, not a regular file`), { code: 'ENOTREG' });
    if (st.size > maxBytes) {
      throw Object.assign(new Error(`${st.size} bytes, larger than the ${maxBytes} bytes mailsetup reads`), {
        code: 'EFBIG',
      });
    }
    // Read to the end, not to st.size: /proc files say 0 and have content. A file that says its
    // size is read in one call of one byte more: fewer bytes back is its end (a regular file reads
    // short only there), and nothing is allocated beyond it (a 64 kB buffer per read, zeroed, cost
    // an apply more than its reads). Only what was read is kept of each buffer.
    const chunks: Buffer[] = [];
    let got = 0;
    for (;;) {
      const want = st.size > got ? st.size - got + 1 : 65536;
      const chunk = Buffer.allocUnsafe(Math.min(want, maxBytes + 1 - got));
      if (chunk.length === 0) break;
      const bytesRead = readSync(fd, chunk, 0, chunk.length, got);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      got += bytesRead;
      if (got > maxBytes) {
        throw Object.assign(new Error(`larger than the ${maxBytes} bytes mailsetup reads`), { code: 'EFBIG' });
      }
      if (st.size > 0 && bytesRead < chunk.length) break;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** Run `f` on the way out of a failure, ignoring its own error (the failure is what is reported). */
function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // the failure that brought us here is the one reported
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

/**
 * What one Effects has learnt about script(1): once it could not make a pseudo-terminal (absent,
 * no /dev/pts), the Effects' later tty runs go plain at once. Kept per Effects, not per process:
 * what one PATH or sandbox lacked says nothing about the next Effects' (a test worker makes many).
 */
export interface TtyRuns {
  scriptMissing: boolean;
  /** The mark a tty run's line writes after its command (ttyEndMark): made once, unguessable. */
  endMark?: string;
}

/**
 * What a tty run's shell line writes after its command, with the command's exit status: 16 random
 * bytes in hex, so that no output of the command (a file's text it quotes) can end the run early
 * or give it another status. From `urandom` (node:crypto is not loaded for it); where that cannot
 * be read, from node:crypto.
 */
export function ttyEndMark(ttyRuns: TtyRuns, urandom = '/dev/urandom'): string {
  if (ttyRuns.endMark === undefined) {
    let bytes: Buffer = Buffer.alloc(16);
    try {
      const fd = openSync(urandom, fsc.O_RDONLY | fsc.O_NOCTTY);
      try {
        if (readSync(fd, bytes, 0, 16, null) !== 16) throw new Error(`${urandom}: short read`);
      } finally {
        closeSync(fd);
      }
    } catch {
      bytes = randomBytes(16);
    }
    ttyRuns.endMark = `mailsetup-end-${bytes.toString('hex')}`;
  }
  return ttyRuns.endMark;
}

/**
 * `kill -SIGNAL PID` (one signal by name, one process) done here, as every shell does it: by
 * kill(2) itself, without a program started for it (spawning one costs the apply a few ms of its
 * main thread). The exit status and message are procps kill's. Any other form: undefined (run).
 */
export function killBuiltin(args: readonly string[]): { exitCode: number; stderr: string } | undefined {
  if (args.length !== 2) return undefined;
  const name = /^-([A-Z]{2,6})$/.exec(args[0])?.[1];
  const signal = name === undefined ? undefined : `SIG${name}`;
  if (signal === undefined || !Object.hasOwn(osConstants.signals, signal) || !/^[1-9]\d{0,9}$/.test(args[1]))
    return undefined;
  const pid = Number(args[1]);
  try {
    process.kill(pid, signal);
    return { exitCode: 0, stderr: '' };
  } catch (e) {
    const code = errnoCode(e);
    const why = code === 'ESRCH' ? 'No such process' : code === 'EPERM' ? 'Operation not permitted' : errorMessage(e);
    return { exitCode: 1, stderr: `kill: (${pid}) - ${why}` };
  }
}

/**
 * Run one command with execa (no shell, output captured, never rejects). A program that cannot
 * be started yields exit code 127 and "<cmd>: command not found" (ENOENT) or the spawn error.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
  extraEnv: Record<string, string> = {},
  ttyRuns: TtyRuns = { scriptMissing: false },
): Promise<CommandResult> {
  const command = commandLine(cmd, args);
  const builtin = cmd === 'kill' && !opts.tty ? killBuiltin(args) : undefined;
  if (builtin !== undefined) return { command, ...builtin, stdout: '', timedOut: false };
  if (opts.background) return startInBackground(cmd, args, opts, extraEnv, command);
  if (opts.tty && !ttyRuns.scriptMissing) {
    // script(1) runs the line with $SHELL -c: the line is quoted for a POSIX shell (root's SHELL
    // may be another, and bash also starts slower than dash). script(1)'s own standard input is a
    // pipe left open (never written): at end of input, util-linux's script hands the pty an
    // end-of-file and waits 10 ms for it to be read, a pause every tty run paid. The command
    // reads /dev/null instead of the pty (as it did through script before). After the command the
    // line writes a mark with its exit status: once that has come through the terminal, all the
    // command wrote has, and script(1) is ended rather than waited for (after its command ends it
    // reads the terminal until 10 ms pass without output: another pause every tty run paid). The
    // shell outlives a stop's TERM (a handler that does nothing, which the command does not
    // inherit): what the command starts stays its descendant, where the stop's sweep finds it (a
    // shell that died first left the command to init, and under load a late fork of it was missed).
    const env = { ...extraEnv, SHELL: '/bin/sh' };
    const endMark = ttyEndMark(ttyRuns);
    const line = `trap : TERM HUP; ${command} </dev/null; echo ${endMark} $?`;
    const r = await spawn('script', ['-qec', line, '/dev/null'], { ...opts, input: undefined }, env, command, {
      endMark,
    });
    const merged = (r.stdout + (r.stderr ? `\n${r.stderr}` : '')).replace(/\r\n/g, '\n').replace(/\r/g, '\n').trim();
    if (r.exitCode !== 0 && /^script: /.test(merged)) {
      // script(1) is absent or cannot make a pseudo-terminal here: run the command plainly.
      ttyRuns.scriptMissing = true;
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

/** Keeps the last `max` bytes of a stream and counts what it dropped. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 0) {
      const first = this.chunks[0];
      const over = this.size - this.max;
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.size -= over;
        this.dropped += over;
      }
    }
  }
  text(): string {
    const t = Buffer.concat(this.chunks).toString('utf8').replace(/\n$/, '');
    if (this.dropped === 0) return t;
    const nl = t.indexOf('\n');
    return `[${this.dropped} bytes of output before this were not kept]\n${nl >= 0 ? t.slice(nl + 1) : t}`;
  }
}

/** The pids of every descendant of `pid` (children first seen, then theirs), from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = readdirSyncSafe('/proc');
  } catch {
    return [];
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(name);
    if (fields === null) continue;
    const ppid = Number(fields[1]);
    const list = children.get(ppid);
    if (list) list.push(Number(name));
    else children.set(ppid, [Number(name)]);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.shift() as number;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/**
 * The fields of /proc/`pid`/stat after the command's name (state, ppid, pgrp, session, …), or null
 * when the process is gone. `pid (comm) state ppid …`: comm may hold spaces and parentheses; the
 * last ")" ends it.
 */
export function statFields(pid: number | string): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The session id of `pid` (from /proc), or null when it is gone. */
function sessionOf(pid: number | 'self'): number | null {
  const fields = statFields(pid);
  return fields === null ? null : Number(fields[3]);
}

/** Whether `pid` is a process that has not ended (neither gone nor a zombie waiting for its parent). */
function running(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Every process in one of `sessions` (from /proc). */
export function sessionMembers(sessions: ReadonlySet<number>): number[] {
  if (sessions.size === 0) return [];
  const out: number[] = [];
  for (const name of readdirSyncSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const sid = sessionOf(Number(name));
    if (sid !== null && sessions.has(sid)) out.push(Number(name));
  }
  return out;
}

function readdirSyncSafe(dir: string): string[] {
  return readdirSync(dir);
}

function killAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // gone already
    }
  }
}

/** Builtins the first frame never needs, loaded on first use (./builtins.ts). */
function randomBytes(n: number): Buffer {
  return nodeCrypto().randomBytes(n);
}
function dnsPromises(): Promise<typeof import('node:dns').promises> {
  return Promise.resolve(nodeDns().promises);
}

/**
 * execa, initialised when the first command runs (in dist/run.cjs its modules are compiled with
 * the rest, and run only then): the wizard draws its first frame before any command, and running
 * execa's hundred modules and the builtins they pull in (child_process, v8, perf_hooks, …) is
 * time that frame would wait for.
 */
let execaModule: Promise<typeof import('execa')> | undefined;

/**
 * Load execa now (a mode that runs commands at once): the host's first probes then start before
 * the mode's own modules load, and run while they do.
 */
export async function loadCommandRunner(): Promise<void> {
  await (execaModule ??= import('execa'));
}

/** The environment a command gets on top of mailsetup's: PATH with the sbin directories, then the Effects' and the run's. */
function commandEnv(opts: RunOptions, extraEnv: Record<string, string>): Record<string, string> {
  return { PATH: pathWithSbin(process.env.PATH), ...extraEnv, ...(opts.env ?? {}) };
}

/**
 * Whether a program that could not be started (spawn's error `code`) was not found: ENOENT, or
 * EACCES for a bare name (some directory on PATH cannot be searched). It then gets 127 and the
 * shell's "<cmd>: command not found".
 */
function notFound(cmd: string, code: string | undefined): boolean {
  return code === 'ENOENT' || (code === 'EACCES' && !cmd.includes('/'));
}

/**
 * RunOptions.background: started in a session of its own (execa leaves a detached subprocess
 * alone when mailsetup ends) with /dev/null for its streams, and let go once it runs: unref'd,
 * it does not keep mailsetup waiting. The result says whether it started.
 */
async function startInBackground(
  cmd: string,
  args: string[],
  opts: RunOptions,
  extraEnv: Record<string, string>,
  command: string,
): Promise<CommandResult> {
  const { execa } = await (execaModule ??= import('execa'));
  const sub = execa(cmd, args, {
    reject: false,
    buffer: false,
    detached: true,
    stdio: 'ignore',
    env: commandEnv(opts, extraEnv),
    extendEnv: true,
  });
  const failed = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    sub.once('spawn', () => resolve(null));
    sub.once('error', (e: NodeJS.ErrnoException) => resolve(e));
  });
  sub.unref();
  if (failed === null) return { command: `${command} &`, exitCode: 0, stdout: '', stderr: '', timedOut: false };
  const missing = notFound(cmd, failed.code);
  return {
    command: `${command} &`,
    exitCode: missing ? 127 : 126,
    stdout: '',
    stderr: missing ? `${cmd}: command not found` : `${cmd}: could not be run: ${failed.message}`,
    timedOut: false,
  };
}

/**
 * `wrapper`: `cmd` is script(1) around the command (runCommand's tty runs): its standard input is
 * a pipe that is never written to, closed when it ends, and once a stop has ended everything it
 * started, it is killed (util-linux's script lingers ~2 s after a TERM whose command has died).
 * Its line writes `endMark` and the command's exit status after the command: when that arrives,
 * the command and its output are over, script(1) is killed, and the status is the mark's (the
 * output is what came before the mark).
 */
async function spawn(
  cmd: string,
  args: string[],
  opts: RunOptions,
  extraEnv: Record<string, string>,
  command: string,
  wrapper?: { endMark: string },
): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { execa } = await (execaModule ??= import('execa'));
  const sub = execa(cmd, args, {
    reject: false,
    buffer: false,
    env: commandEnv(opts, extraEnv),
    extendEnv: true,
    stdin: opts.input === undefined && !wrapper ? 'ignore' : 'pipe',
    input: opts.input,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const out = new OutputTail(MAX_OUTPUT_BYTES);
  const err = new OutputTail(MAX_OUTPUT_BYTES);
  // A tty run's end: the mark and the status, then the terminal's end of line (\r\n).
  let marked: number | undefined;
  let recent = '';
  const endLine = wrapper ? new RegExp(`${wrapper.endMark} (\\d{1,3})\\r?\\n`) : undefined;
  sub.stdout?.on('data', (b: Buffer) => {
    out.push(b);
    if (endLine === undefined || marked !== undefined) return;
    const seen = recent + b.toString('latin1');
    const m = endLine.exec(seen);
    if (m !== null) {
      marked = Number(m[1]);
      sub.kill('SIGKILL');
    } else recent = seen.slice(-128);
  });
  sub.stderr?.on('data', (b: Buffer) => err.push(b));
  let timedOut = false;
  let tree: number[] = [];
  let forceTimer: NodeJS.Timeout | undefined;
  // On timeout the whole tree goes: script(1) puts its command in a session of its own, which a
  // signal to script alone would leave running (an orphan). TERM first, KILL 2 s later; what
  // survives TERM is killed as soon as the command itself has ended.
  // A process forked while the tree is taken (a shell between two commands) is not in it, and
  // once its parent is killed it is nobody's descendant: the sessions of the tree (script(1)'s
  // own, never this process's) are swept every 100 ms until the command has ended.
  let sweep: NodeJS.Timeout | undefined;
  let sessions = new Set<number>();
  const stop = () => {
    const pid = sub.pid;
    if (pid === undefined || tree.length > 0) return;
    tree = [...descendants(pid).reverse(), pid];
    const own = sessionOf('self');
    sessions = new Set(tree.map((p) => sessionOf(p)).filter((s): s is number => s !== null && s !== own));
    killAll(tree, 'SIGTERM');
    let signal: NodeJS.Signals = 'SIGTERM';
    sweep = setInterval(() => {
      const present = [...descendants(pid), ...sessionMembers(sessions)];
      const more = present.filter((p) => !tree.includes(p));
      tree.push(...more);
      // A session made after the tree was taken (script(1) starts its command in one of its own
      // only when it has forked it) is swept from now on too: its members outlive their parents.
      for (const p of more) {
        const s = sessionOf(p);
        if (s !== null && s !== own) sessions.add(s);
      }
      killAll(signal === 'SIGKILL' ? tree : more, signal);
      // script(1) relays a terminal for its command and nothing else: once the command it started
      // and all that started have ended, it has nothing left to do (a stopped check is then over at
      // once, not 2 s on). Not before its command was seen: script(1) may still be about to fork it.
      // (A member of a session first seen just now is swept with the rest when script(1) has gone.)
      if (wrapper && tree.length > 1 && !present.some((p) => p !== pid && running(p))) killAll([pid], 'SIGKILL');
    }, 100);
    forceTimer = setTimeout(() => {
      signal = 'SIGKILL';
      killAll([...descendants(pid).reverse(), ...tree], 'SIGKILL');
    }, 2_000);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, timeoutMs);
  const onAbort = () => stop();
  if (opts.signal?.aborted) stop();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const r = await sub;
  if (wrapper) sub.stdin?.destroy();
  clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  if (forceTimer) clearTimeout(forceTimer);
  if (sweep) clearInterval(sweep);
  if (tree.length > 0) killAll([...tree, ...sessionMembers(sessions)], 'SIGKILL');
  if (wrapper && marked !== undefined && tree.length === 0) {
    const text = out.text();
    const at = text.lastIndexOf(wrapper.endMark);
    return {
      command,
      exitCode: marked,
      stdout: at >= 0 ? text.slice(0, at) : text,
      stderr: err.text(),
      timedOut: false,
    };
  }
  const stdout = out.text();
  let stderr = err.text();
  let exitCode = r.exitCode;
  if (exitCode === undefined) {
    if (notFound(cmd, r.code)) {
      exitCode = 127;
      stderr = `${cmd}: command not found`;
    } else if (r.signal !== undefined) {
      exitCode = 128 + (signalNumbers[r.signal] ?? 0);
      if (!stderr) stderr = `${cmd}: killed by ${r.signal}${timedOut ? ' (timed out)' : ''}`;
    } else {
      exitCode = 126;
      stderr = stderr || r.shortMessage || `${cmd}: could not be run`;
    }
  }
  if (tree.length > 0 && !timedOut) {
    // Stopped on purpose (the run was interrupted): never a success, whatever a wrapper returned.
    if (exitCode === 0) exitCode = 128 + 15;
    stderr = `${stderr ? `${stderr}\n` : ''}${cmd}: stopped (the run was interrupted)`;
  }
  return { command, exitCode, stdout, stderr, timedOut };
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

/**
 * posix.normalize of an absolute path, without its work for one that is normal already (no empty,
 * `.` or `..` component): every file operation resolves its path component by component.
 */
export function normalPath(p: string): string {
  return ABNORMAL.test(p) ? posix.normalize(p) : p;
}
const ABNORMAL = /\/\/|\/\.\.?(?:\/|$)/;

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

/** Create the real Effects for `root` ('/' = the live system). */
export function createRealEffects(root: string, options: RealEffectsOptions = {}): Effects {
  let rootDir = normalize(root === '' ? '/' : root).replace(/(.)\/+$/, '$1');
  try {
    // The sandbox by its real name: a root reached through a link is the directory it names.
    rootDir = realpathSync(rootDir);
  } catch {
    // Not there yet: it is created by the first write.
  }
  const live = rootDir === '/';
  const extraEnv = options.env ?? {};
  const ttyRuns: TtyRuns = { scriptMissing: false };

  function checkAbsolute(p: string): string {
    if (!p.startsWith('/')) throw new Error(`not an absolute path: ${p}`);
    return normalPath(p);
  }

  function resolve(p: string): string {
    const sys = checkAbsolute(p);
    return live ? sys : join(rootDir, sys);
  }

  /** How a link is named in a message: its real path, and where it points. */
  function loopError(p: string): UsageError {
    return new UsageError(`${live ? p : resolve(p)}: too many levels of symbolic links (a loop of links?)`);
  }

  /**
   * Follow symbolic links under the root, the way a chroot would: an absolute target starts again
   * at the root, ".." never climbs above it. Returns the system path of the final target, which
   * names no link. A component that does not exist ends the lookups: what follows it cannot exist
   * either, so it holds no link ("missing/.." is its parent, as after the directories are made).
   */
  function followWith(p: string, lstat: (real: string) => Stats | null, readlink: (real: string) => string): string {
    let todo = checkAbsolute(p).split('/').filter(Boolean);
    let done: string[] = [];
    let missingFrom = -1;
    let hops = 0;
    while (todo.length > 0) {
      const c = todo.shift() as string;
      if (c === '.') continue;
      if (c === '..') {
        done.pop();
        if (missingFrom >= done.length) missingFrom = -1;
        continue;
      }
      if (missingFrom >= 0) {
        done.push(c);
        continue;
      }
      const sys = `/${[...done, c].join('/')}`;
      const st = lstat(resolve(sys));
      if (st === null) {
        missingFrom = done.length;
        done.push(c);
        continue;
      }
      if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw loopError(p);
        const target = readlink(resolve(sys));
        if (target.startsWith('/')) done = [];
        todo = [...target.split('/').filter(Boolean), ...todo];
      } else {
        done.push(c);
      }
    }
    return `/${done.join('/')}`;
  }

  const absentCodes = new Set(['ENOENT', 'ENOTDIR']);

  async function follow(p: string): Promise<string> {
    // The lookups are few and short: synchronous calls keep the walk simple and atomic enough.
    return followWith(p, lstatOrNull, (real) => readlinkSync(real));
  }

  function lstatOrNull(real: string): Stats | null {
    try {
      return lstatSync(real);
    } catch (e) {
      if (absentCodes.has(errnoCode(e) ?? '')) return null;
      throw e;
    }
  }

  /** The real path of a system path (links resolved inside the root). */
  async function real(p: string): Promise<string> {
    return resolve(await follow(p));
  }

  /**
   * Where the kernel (a program given `full`) ends up: links followed with the host's root, also a
   * dangling one (a program creating the file writes where it points). What does not exist holds
   * no link.
   */
  function kernelView(full: string): string {
    let todo = full.split('/').filter(Boolean);
    let done: string[] = [];
    let hops = 0;
    while (todo.length > 0) {
      const c = todo.shift() as string;
      if (c === '.') continue;
      if (c === '..') {
        done.pop();
        continue;
      }
      const path = `/${[...done, c].join('/')}`;
      const st = lstatOrNull(path);
      if (st === null) return posix.normalize(`/${[...done, c, ...todo].join('/')}`);
      if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS)
          throw new UsageError(`${full}: too many levels of symbolic links (a loop of links?)`);
        const target = readlinkSync(path);
        if (target.startsWith('/')) done = [];
        todo = [...target.split('/').filter(Boolean), ...todo];
      } else done.push(c);
    }
    return `/${done.join('/')}`;
  }

  async function mkdirs(realDir: string, lastMode: number): Promise<void> {
    const missing: string[] = [];
    let d = realDir;
    for (;;) {
      try {
        const st = statSync(d);
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
    const fd = openSync(realDir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Inside the sandbox (or anywhere, live). */
  function inside(realPath: string): boolean {
    return live || realPath === rootDir || realPath.startsWith(`${rootDir}/`);
  }

  /** chown; a non-root user filling a --root sandbox cannot give files away (EPERM), the live system must. */
  async function chownAsAllowed(path: string, uid: number, gid: number): Promise<void> {
    try {
      await fs.chown(path, uid, gid);
    } catch (e) {
      if (!(errnoCode(e) === 'EPERM' && !live)) throw e;
    }
  }

  /** Copy one regular file with its owner, mode and times (where a hard link cannot be made). */
  async function copyWithMeta(from: string, to: string, times?: Date): Promise<void> {
    const st = await fs.stat(from);
    await fs.copyFile(from, to, fs.constants.COPYFILE_EXCL);
    await chownAsAllowed(to, st.uid, st.gid);
    await fs.chmod(to, st.mode & 0o7777);
    await fs.utimes(to, times ?? st.atime, times ?? st.mtime);
  }

  /** Recreate directory `from` (under `top`) in the new directory `to` (see Effects.stageCopy). */
  async function mirrorDir(from: string, to: string, top = from): Promise<void> {
    // Every entry at once (each is a link or a small directory: the stage is made in a few ms).
    const entries = await fs.readdir(from, { withFileTypes: true });
    await Promise.all(entries.map((e) => mirrorEntry(e, from, to, top)));
  }

  /** One entry of mirrorDir. */
  async function mirrorEntry(e: Dirent, from: string, to: string, top: string): Promise<void> {
    const a = join(from, e.name);
    const b = join(to, e.name);
    if (e.isDirectory()) {
      const st = await fs.stat(a);
      await fs.mkdir(b, { mode: 0o700 });
      await mirrorDir(a, b, top);
      await chownAsAllowed(b, st.uid, st.gid);
      await fs.chmod(b, st.mode & 0o7777);
    } else if (e.isSymbolicLink()) {
      // Debian's makedefs.out (build information, read by no tool) is a link out of the
      // directory that Debian's `postfix check` excuses by its /etc/postfix path only.
      if (e.name === 'makedefs.out' && from === top) return;
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

  const fx: Effects = {
    root: rootDir,
    live,
    resolve,
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,

    realPath: real,

    async commandPath(p, outputs = []) {
      const full = resolve(p);
      if (live) return full;
      const mine = await real(p);
      const theirs = kernelView(full);
      if (mine !== theirs || !inside(theirs)) {
        throw new UsageError(
          `${full} leads through a symbolic link that a program would follow to ${theirs}` +
            `${inside(theirs) ? '' : ', outside the sandbox'} (mailsetup reads it as ${mine}); ` +
            "a --root run hands Postfix's tools only paths that stay inside the sandbox: replace the link " +
            '(a relative link inside the sandbox, or the file itself)',
        );
      }
      for (const o of outputs) {
        const st = lstatOrNull(join(dirname(theirs), basename(o)));
        if (st === null || st.isFile()) continue;
        throw new UsageError(
          `${join(dirname(theirs), basename(o))} is ${fileKind(st)}: the Postfix tool would write through it; ` +
            'a --root run refuses that: remove it',
        );
      }
      return full;
    },

    async readFile(p) {
      const r = await real(p);
      let buf: Buffer;
      try {
        buf = await readRegular(r, MAX_FILE_BYTES);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        if (code === 'EISDIR') throw new UsageError(`${r} is a directory, not a file`);
        if (code === 'ENOTREG') {
          const msg = errorMessage(e);
          if (msg.startsWith('a directory')) throw new UsageError(`${r} is a directory, not a file`);
          throw new UsageError(`${r} is ${msg}; mailsetup reads only regular files`);
        }
        if (code === 'EFBIG') throw new UsageError(`${r} is ${errorMessage(e)}`);
        throw new Error(`cannot read ${p}: ${errorMessage(e)}`);
      }
      return decodeUtf8Strict(buf, p);
    },

    readStdin(maxBytes) {
      return readStream(process.stdin, maxBytes);
    },

    async readFileBytes(p) {
      const r = await real(p);
      try {
        return new Uint8Array(await readRegular(r, MAX_FILE_BYTES));
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        if (code === 'EISDIR') throw new UsageError(`${r} is a directory, not a file`);
        if (code === 'ENOTREG' || code === 'EFBIG') throw new UsageError(`${r} is ${errorMessage(e)}`);
        throw new Error(`cannot read ${r}: ${errorMessage(e)}`);
      }
    },

    async readUserFile(p, maxBytes = MAX_USER_FILE_BYTES) {
      let buf: Buffer;
      try {
        buf = await readRegular(pathResolve(p), maxBytes, true);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOTREG' || code === 'EFBIG') throw new Error(errorMessage(e));
        throw new Error(code ?? errorMessage(e));
      }
      try {
        return decodeUtf8Strict(buf, p);
      } catch (e) {
        throw new Error(errorMessage(e).replace(`${p} is `, ''));
      }
    },

    async userFileMeta(p) {
      try {
        const st = await fs.stat(pathResolve(p));
        return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      } catch (e) {
        if (absentCodes.has(errnoCode(e) ?? '')) return null;
        throw e;
      }
    },

    async fileKind(p) {
      try {
        const st = await fs.stat(resolve(await follow(p)));
        return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw new Error(`cannot stat ${p}: ${errorMessage(e)}`);
      }
    },

    async writeUserFile(p, content) {
      const target = pathResolve(p);
      const tmp = join(dirname(target), `.${basename(target)}.mailsetup-${randomBytes(6).toString('hex')}`);
      try {
        let mode = 0o600;
        try {
          const st = await fs.stat(target);
          if (!st.isFile()) throw Object.assign(new Error('EISDIR'), { code: st.isDirectory() ? 'EISDIR' : 'EINVAL' });
          mode = st.mode & 0o7777;
        } catch (e) {
          if (errnoCode(e) !== 'ENOENT') throw e;
        }
        await fs.writeFile(tmp, content, { encoding: 'utf8', mode: 0o600, flag: 'wx' });
        await fs.chmod(tmp, mode);
        await fs.rename(tmp, target);
      } catch (e) {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        throw new Error(errnoCode(e) ?? errorMessage(e));
      }
    },

    async stat(p) {
      try {
        const st = statSync(await real(p));
        return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw e;
      }
    },

    async writeFileAtomic(p, content, meta) {
      const target = await real(p);
      let existing: Stats | null = null;
      try {
        existing = await fs.lstat(target);
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
      // Synchronous calls, as for reads: a small file written and synced in a dozen system calls,
      // not a dozen round trips through the thread pool.
      let fd: number | undefined;
      let renamed = false;
      try {
        await mkdirs(dir, 0o755);
        fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
        writeFileSync(fd, content); // all of it (a string as UTF-8), from the start of the new file
        const st = fstatSync(fd);
        if (st.uid !== want.uid || st.gid !== want.gid) {
          try {
            fchownSync(fd, want.uid, want.gid);
          } catch (e) {
            // A non-root user filling a --root sandbox cannot give files away; the live system can.
            if (!(errnoCode(e) === 'EPERM' && !live)) throw e;
          }
        }
        fchmodSync(fd, want.mode);
        fsyncSync(fd);
        closeSync(fd);
        fd = undefined;
        renameSync(tmp, target);
        renamed = true;
        await syncDir(dir);
      } catch (e) {
        const open = fd;
        if (open !== undefined) quietly(() => closeSync(open));
        if (!renamed) quietly(() => rmSync(tmp, { force: true }));
        throw new Error(`cannot write ${p}: ${errorMessage(e)}`);
      }
    },

    async removeFile(p) {
      // As unlink(2): the links on the way are followed, a link at the end is removed itself.
      const sys = checkAbsolute(p);
      const r = join(await real(posix.dirname(sys)), posix.basename(sys));
      try {
        unlinkSync(r);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw new Error(`cannot remove ${p}: ${errorMessage(e)}`);
      }
      await syncDir(dirname(r));
    },

    async listDir(p) {
      try {
        return (await fs.readdir(await real(p))).sort();
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return [];
        throw e;
      }
    },

    run(cmd, args, opts) {
      return runCommand(cmd, args, opts, extraEnv, ttyRuns);
    },

    async mkdir(p, mode) {
      await mkdirs(await real(p), mode);
    },

    async removeTree(p) {
      // The followed path: a link on the way is resolved inside the root, never on the host.
      // fs.rm removes links inside the tree as links; it never follows them.
      const r = (await real(p)).replace(/(.)\/+$/, '$1');
      if (r === rootDir || r === '/' || !inside(r)) throw new Error(`refusing to remove ${r}`);
      await fs.rm(r, { recursive: true, force: true });
    },

    async stageCopy(dir, settle, replace = {}) {
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
          const text = Object.hasOwn(replace, name) ? replace[name] : undefined;
          if (text !== undefined) {
            if (st !== null && !st.isFile()) throw new Error(`${join(dir, name)} is not a regular file`);
            const to = join(stage, name);
            await fs.rm(to, { force: true });
            await fs.writeFile(to, text.content, { mode: 0o600, flag: 'wx' });
            await chownAsAllowed(to, text.uid ?? st?.uid ?? 0, text.gid ?? st?.gid ?? 0);
            await fs.chmod(to, text.mode & 0o7777);
            await fs.utimes(to, past, past);
            continue;
          }
          if (!st?.isFile()) continue;
          await fs.rm(join(stage, name), { force: true });
          await copyWithMeta(join(src, name), join(stage, name), past);
        }
        await chownAsAllowed(stage, top.uid, top.gid);
        await fs.chmod(stage, top.mode & 0o7777);
      } catch (e) {
        await fs.rm(stage, { recursive: true, force: true }).catch(() => undefined);
        throw new Error(`cannot stage a copy of ${dir}: ${errorMessage(e)}`);
      }
      return sys;
    },

    async createExclusive(p, content) {
      const target = await real(p);
      const dir = dirname(target);
      await mkdirs(dir, 0o755);
      // Unique is enough (this process's pid and a clock reading: 'wx' refuses whatever is there
      // already): the lock is taken before an apply's check starts, and node:crypto's random
      // bytes would load it (~3 ms) on the way there.
      const tmp = join(dir, `.${basename(target)}.mailsetup-${process.pid}-${process.hrtime.bigint()}`);
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

    async diskSpace(p) {
      let d = await real(p);
      for (;;) {
        try {
          const [st, info] = await Promise.all([fs.statfs(d), fs.stat(d)]);
          return { device: info.dev, free: Number(st.bavail) * Number(st.bsize) };
        } catch (e) {
          if (!absentCodes.has(errnoCode(e) ?? '')) return null;
          const up = dirname(d);
          if (up === d) return null;
          d = up;
        }
      }
    },

    async link(p, to) {
      await fs.link(await real(p), await real(to));
    },

    async rename(from, to) {
      const dest = await real(to);
      await fs.rename(await real(from), dest);
      await syncDir(dirname(dest));
    },

    async copyFile(from, to) {
      const src = await real(from);
      const dest = await real(to);
      const st = await fs.lstat(src);
      if (!st.isFile()) throw new Error(`cannot copy ${from}: ${fileKind(st)}`);
      const tmp = join(dirname(dest), `.${basename(dest)}.mailsetup-${randomBytes(6).toString('hex')}`);
      try {
        await fs.copyFile(src, tmp, fsc.COPYFILE_EXCL);
        await chownAsAllowed(tmp, st.uid, st.gid);
        await fs.chmod(tmp, st.mode & 0o7777);
        await fs.rename(tmp, dest);
      } catch (e) {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        throw e;
      }
    },

    async setMeta(p, meta) {
      const r = await real(p);
      const st = await fs.lstat(r);
      if (!st.isFile()) throw new Error(`cannot change ${p}: ${fileKind(st)}`);
      if (st.uid !== meta.uid || st.gid !== meta.gid) {
        await chownAsAllowed(r, meta.uid, meta.gid);
      }
      if ((st.mode & 0o7777) !== meta.mode) await fs.chmod(r, meta.mode);
    },

    async scratchDir() {
      const dir = await fs.mkdtemp(join(tmpdir(), 'mailsetup-'));
      await fs.chmod(dir, 0o700);
      const at = (rel: string) => {
        const full = posix.normalize(join(dir, rel));
        if (!full.startsWith(`${dir}/`)) throw new Error(`not inside ${dir}: ${rel}`);
        return full;
      };
      const scratch: ScratchDir = {
        path: dir,
        async write(rel, content, mtimeMs) {
          const full = at(rel);
          await fs.mkdir(dirname(full), { recursive: true });
          await fs.writeFile(full, content, { mode: 0o600, flag: 'wx' });
          if (mtimeMs !== undefined) await fs.utimes(full, new Date(mtimeMs), new Date(mtimeMs));
        },
        async mkdir(rel, meta) {
          const full = at(rel);
          await fs.mkdir(full, { recursive: true, mode: 0o755 });
          if (!meta) return;
          await fs.chown(full, meta.uid, meta.gid ?? -1);
          await fs.chmod(full, meta.mode);
        },
        async remove() {
          await fs.rm(dir, { recursive: true, force: true });
        },
      };
      return scratch;
    },

    async fileSize(p) {
      try {
        return (await fs.stat(await real(p))).size;
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw e;
      }
    },

    async readFileRange(p, start, end) {
      let h: FileHandle;
      try {
        h = await fs.open(await real(p), fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOCTTY);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') return null;
        throw e;
      }
      try {
        if (!(await h.stat()).isFile()) return null;
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

    async dnssecProbe(server, timeoutMs) {
      if (!live) throw new Error(`--root ${rootDir}: a sandbox does not query DNS (DNSSEC probe of ${server})`);
      return (await import('./dnssec.js')).dnssecProbeUdp(server, timeoutMs);
    },

    async starttlsProbe(opts) {
      if (!live) {
        throw new Error(
          `--root ${rootDir}: a sandbox does not reach the network (no STARTTLS probe of ${showEndpoint(opts.host, opts.port)})`,
        );
      }
      return (await import('./starttls.js')).starttlsProbeTcp(opts);
    },

    async resolveMx(domain) {
      if (!live) {
        throw Object.assign(new Error(`--root ${rootDir}: a sandbox does not query DNS (MX of ${domain})`), {
          code: 'ESANDBOX',
        });
      }
      return (await dnsPromises()).resolveMx(domain);
    },

    async resolveDns(name, type) {
      if (!live) {
        throw Object.assign(new Error(`--root ${rootDir}: a sandbox does not query DNS (${type} of ${name})`), {
          code: 'ESANDBOX',
        });
      }
      const dns = await dnsPromises();
      switch (type) {
        case 'A':
          return dns.resolve4(name);
        case 'AAAA':
          return dns.resolve6(name);
        case 'TXT':
          return (await dns.resolveTxt(name)).map((chunks) => chunks.join(''));
        case 'PTR':
          return dns.reverse(name);
      }
    },

    removeAtExit(p, content) {
      // The followed path, worked out now: at exit there is no time for anything asynchronous.
      let realPath: string;
      try {
        realPath = resolve(followWith(p, lstatOrNull, (r) => readlinkSync(r)));
      } catch {
        realPath = resolve(p);
      }
      const onExit = (): void => {
        try {
          if (readFileSync(realPath, 'utf8') === content) unlinkSync(realPath);
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
