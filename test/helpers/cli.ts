/**
 * Run the mailsetup command the way a user does, against the bundle (`node bin/mailsetup.cjs`,
 * which loads dist/cli.cjs) or against the TypeScript sources (`node .cache/source/src/cli.js`:
 * each module of src/ compiled alone by esbuild, the module graph of src/ as it is;
 * helpers/source-tree.mjs), so that the CLI tests cover both. Plus a --root sandbox maker and a
 * tree snapshot to prove that a run wrote (or did not write) files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirLock } from './dirLock.mjs';
import { IS_ROOT } from './needs.js';
import { readDebian } from './reference.js';
import { settledCopy } from './settled.js';

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL('../..', import.meta.url));
/** The published command. */
export const BIN: string = join(ROOT, 'bin', 'mailsetup.cjs');
/** The sources compiled module by module (helpers/source-tree.mjs builds it). */
const SOURCE_CLI = join(ROOT, '.cache', 'source', 'src', 'cli.js');

/**
 * Which program runs: the esbuild bundle (what npx runs), the TypeScript sources, or the command
 * installed from the packed tarball (MAILSETUP_INSTALLED_BIN, set by .ci/debian13 after `npm
 * install -g`; the bundle where it is not set).
 */
export type Via = 'bundle' | 'source' | 'installed';
export const VIAS: readonly Via[] = ['bundle', 'source'];
/** The installed command .ci/debian13 tests, or undefined outside it. */
export const INSTALLED_BIN: string | undefined = process.env.MAILSETUP_INSTALLED_BIN || undefined;
/** What the live tests run: the installed command when there is one, else the bundle. */
export const LIVE_VIA: Via = INSTALLED_BIN ? 'installed' : 'bundle';

export interface RunCliOptions {
  via: Via;
  /** Written to stdin, which is then closed; without it stdin is empty (never a terminal). */
  input?: string;
  /** Added to the environment; `undefined` removes a variable. NO_COLOR and FORCE_COLOR are removed unless given. */
  env?: Record<string, string | undefined>;
  /** Working directory; default the repository. */
  cwd?: string;
  /**
   * Run as a user other than root: as this user (through setpriv) when the tests run as root; a
   * test run that is not root is already such a user, and the command runs as it.
   */
  user?: 'nobody';
  /** Kill the run after this long (default 60 s). */
  timeoutMs?: number;
}

export interface CliResult {
  /** The exit code; null when killed by a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run. */
  ms: number;
}

/** A failure message that shows what the command said: its exit status, stdout and stderr. */
export function said(r: CliResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

let sourceTreeBuilt = false;

/**
 * Compile the sources to .cache/source/ when one is newer than it (helpers/source-tree.mjs), once
 * per test file, before the first "source" run.
 */
export function ensureSourceTree(): void {
  if (sourceTreeBuilt) return;
  runNodeScript('test/helpers/source-tree.mjs');
  sourceTreeBuilt = true;
}

/** Run `node REL ARGS` in the repository (REL relative to it); throws with its output when it fails. */
function runNodeScript(rel: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, [join(ROOT, rel), ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${[rel, ...args].join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

/** The argv that runs mailsetup with `args` through `via`. */
export function cliArgv(args: string[], via: Via): string[] {
  if (via === 'installed') return [process.execPath, INSTALLED_BIN ?? BIN, ...args];
  if (via === 'bundle') return [process.execPath, BIN, ...args];
  ensureSourceTree();
  return [process.execPath, SOURCE_CLI, ...args];
}

/**
 * The environment of a CLI run: this process's, without colour switches, in a UTF-8 locale (as a
 * user's terminal; a CI container may have none, and mailsetup then writes ASCII), plus `extra`.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8' };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.LC_ALL;
  delete env.LC_CTYPE;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Run mailsetup with `args`; never throws on a non-zero exit. */
export function runCli(args: string[], opts: RunCliOptions): Promise<CliResult> {
  let argv = cliArgv(args, opts.via);
  if (opts.user !== undefined && IS_ROOT)
    argv = ['setpriv', `--reuid=${opts.user}`, '--regid=nogroup', '--clear-groups', ...argv];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd ?? ROOT,
      env: cliEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
    child.stdin.on('error', () => undefined); // the CLI may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

let built = false;

/**
 * Build dist/ when a source is newer (scripts/build.mjs --if-stale), once per test file, so that
 * the bundle tests run the current code. A lock directory keeps two test files from building at
 * the same time; one older than 3 minutes is left over from a dead run and taken over.
 */
export function ensureBuilt(): void {
  if (built) return;
  withDirLock(join(ROOT, '.cache', 'cli-test-build.lock'), () => {
    runNodeScript('scripts/build.mjs', '--if-stale');
    built = true;
  });
}

/** Debian bookworm's files as the postfix package leaves them with "No configuration". */
export const DEBIAN_MASTER_CF: string = readDebian('master.cf');
export const DEBIAN_ALIASES: string = readDebian('aliases');
export const DEBIAN_RSYSLOG: string = readDebian('rsyslog.d/postfix.conf');

/**
 * A --root sandbox of a fresh box: etc/postfix/master.cf, etc/aliases, etc/rsyslog.d/postfix.conf
 * (mode 0644) and no main.cf. Remove it with `removeTree`.
 */
export function makeSandbox(prefix = 'mailsetup-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const files: Array<[string, string]> = [
    ['etc/postfix/master.cf', DEBIAN_MASTER_CF],
    ['etc/aliases', DEBIAN_ALIASES],
    ['etc/rsyslog.d/postfix.conf', DEBIAN_RSYSLOG],
  ];
  for (const [rel, text] of files) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, 0o644);
  }
  return dir;
}

/**
 * A temporary file holding `text` (an answers file), outside any sandbox; returns its path. Its
 * directory is added to `made`, the caller's list of what it removes when done.
 */
export function writeTemp(name: string, text: string, made: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailsetup-answers-'));
  made.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A test file's --root sandboxes, each added to `made` (the file's list of what it removes when
 * done), with applies shared: `applied(yaml, via)` applies the answers `yaml` to a fresh box once
 * per answers and via, and the tests that go on from that box each take a copy of it (`copy`),
 * never the box itself. Nothing in an applied sandbox names its own path (the state, the backups'
 * manifests and the Postfix files say /etc/...), so a copy with the same bytes, modes and times is
 * the same box under another --root: the tests stay independent, one apply (and its `postfix
 * check`) fewer each.
 */
export class Sandboxes {
  private readonly applies = new Map<string, Promise<{ root: string; run: CliResult }>>();

  constructor(
    private readonly made: string[],
    private readonly timeoutMs?: number,
  ) {}

  /** A fresh box (makeSandbox). */
  fresh(): string {
    const d = makeSandbox();
    this.made.push(d);
    return d;
  }

  /** A new sandbox holding a copy of `root` and nothing else: the same bytes, modes and times. */
  copy(root: string): string {
    const d = mkdtempSync(join(tmpdir(), 'mailsetup-cli-'));
    this.made.push(d);
    cpSync(root, d, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    return d;
  }

  /**
   * The fresh box `yaml` was applied to with `--answers FILE --yes --root BOX` through `via`, and
   * that run, made at the first call for these answers and via. Read it; change only a copy.
   */
  applied(yaml: string, via: Via): Promise<{ root: string; run: CliResult }> {
    const key = `${via}\n${yaml}`;
    let applied = this.applies.get(key);
    if (applied === undefined) {
      const root = this.fresh();
      const file = writeTemp('answers.yaml', yaml, this.made);
      applied = runCli(['--answers', file, '--yes', '--root', root], { via, timeoutMs: this.timeoutMs }).then(
        (run) => ({ root, run }),
      );
      this.applies.set(key, applied);
    }
    return applied;
  }
}

/** One entry of a tree snapshot. */
export interface SnapEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  mtimeMs: number;
  /** sha256 of a file's bytes. */
  sha256?: string;
}

/** Every entry under `dir` (relative paths, sorted) with type, mode, size, mtime and content hash. */
export function snapshotTree(dir: string): Record<string, SnapEntry> {
  const out: Record<string, SnapEntry> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, r));
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
      const e: SnapEntry = { type, mode: st.mode & 0o7777, size: st.size, mtimeMs: st.mtimeMs };
      if (type === 'file')
        e.sha256 = createHash('sha256')
          .update(readFileSync(join(dir, r)))
          .digest('hex');
      out[r] = e;
      if (type === 'dir') walk(r);
    }
  };
  walk('');
  return out;
}

/** A snapshot without mtimes (and directory sizes): content, type and mode only. */
export function contentOf(snap: Record<string, SnapEntry>): Record<string, Omit<SnapEntry, 'mtimeMs'>> {
  const out: Record<string, Omit<SnapEntry, 'mtimeMs'>> = {};
  for (const [k, { mtimeMs: _m, ...rest }] of Object.entries(snap))
    out[k] = rest.type === 'dir' ? { ...rest, size: 0 } : rest;
  return out;
}

/**
 * `postconf -n` of the sandbox's main.cf as a record (config_directory, which -c itself sets, left
 * out). Run on a settled copy of etc/postfix (helpers/settled.ts): mailsetup has usually just
 * written main.cf, and postconf would wait up to 2 s for it to settle.
 */
export function postconfN(root: string): Record<string, string> {
  const conf = settledCopy(join(root, 'etc', 'postfix'));
  const r = spawnSync('postconf', ['-c', conf, '-n'], {
    encoding: 'utf8',
    env: { ...process.env, NORANDOMIZE: '1' },
  });
  removeTree(conf);
  if (r.status !== 0) throw new Error(`postconf -n failed: ${r.stderr}`);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) = ?(.*)$/.exec(line);
    if (m && m[1] !== 'config_directory') out[m[1]] = m[2];
  }
  return out;
}

/**
 * Look `key` up in a table under the sandbox with the real postmap -q (postalias -q for aliases),
 * with the sandbox's main.cf (a settled copy, as in `postconfN`); null when absent.
 */
export function lookup(root: string, table: string, key: string): string | null {
  const tool = table.endsWith('/aliases') ? 'postalias' : 'postmap';
  const conf = settledCopy(join(root, 'etc', 'postfix'));
  const r = spawnSync(tool, ['-c', conf, '-q', key, `hash:${join(root, table)}`], {
    encoding: 'utf8',
  });
  removeTree(conf);
  if (r.status === 1) return null;
  if (r.status !== 0) throw new Error(`${tool} -q ${key} ${table} failed (${r.status}): ${r.stderr}`);
  return r.stdout.replace(/\n$/, '');
}
