/**
 * The real-SMTP harness: mailsetup configures a --root sandbox through its NON-INTERACTIVE mode
 * (the built CLI, `--answers F --yes --root SANDBOX`), and the sandbox's files become a PRIVATE
 * Postfix instance (own config, queue, data, mail spool and log under /var/tmp/mailsetup-inst-*)
 * whose smtp service listens on a loopback address:port of its own. Upstream and inside mail hosts
 * are `smtp-sink` processes on other loopback addresses, capturing each transaction to a file.
 *
 * What the harness changes in mailsetup's output, and nothing else:
 * - paths: /etc/postfix/X → INSTANCE/conf/X, /etc/aliases → INSTANCE/conf/aliases, the files of
 *   the server certificate (smtpd_tls_*) that exist in the sandbox → SANDBOX/path, and
 *   queue_directory, data_directory, mail_spool_directory, maillog_file (always set: the tests
 *   read the log) inside INSTANCE;
 * - the smtp/inet service name in master.cf → HOST:PORT (`postconf -F`), and, for roles that
 *   listen on all interfaces, `inet_interfaces = loopback-only` (the instance must not open
 *   anything beyond loopback); each substitution is recorded in a comment at the end of main.cf.
 * Edits go through the real `postconf -c INSTANCE/conf -e/-F`.
 *
 * Every process started here is stopped by `dispose()` (and, as a last resort, on process exit);
 * every wait is a poll with a deadline. Needs root (master runs as root) and never touches
 * /etc/postfix, /var/spool/postfix or the system's Postfix.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { stringify } from 'yaml';
import type { Answers, RoleId } from '../../src/model/answers.js';
import { postInstallSyncsChroot } from '../../src/system/commands.js';
import { debianPath } from './reference.js';
import { ensureBuilt } from './cli.js';
import { IS_ROOT, needsRoot } from './needs.js';
import { describePostfix } from './postfix.js';
import { installSnakeoil } from './testCa.js';

export const ROOT_DIR = join(import.meta.dirname, '..', '..');
/**
 * `describe` for tests that start real Postfix instances: needs Postfix and root (without root:
 * skipped with one loud line per file, or a failure under MAILSETUP_REQUIRE_POSTFIX=1).
 * With `{ concurrent: true }` before `fn`, the suites and tests inside run concurrently (each
 * group on loopback addresses of its own; tests that must follow each other are `it.sequential`).
 */
export function describeRealPostfix(name: string, fn: () => void): void;
export function describeRealPostfix(name: string, options: { concurrent: boolean }, fn: () => void): void;
export function describeRealPostfix(name: string, a: (() => void) | { concurrent: boolean }, b?: () => void): void {
  const asRoot = needsRoot('the real-SMTP tests', 'they start private Postfix instances, whose master runs as root');
  const [options, fn] = typeof a === 'function' ? [{}, a] : [a, b ?? (() => undefined)];
  (asRoot ? describePostfix : describe.skip)(name, options, fn);
}

/** A loopback endpoint. */
export interface Endpoint {
  host: string;
  port: number;
}

export function hostPort(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}

/** A bracketed next hop for relayhost / transport: [127.0.10.30]:2530. */
export function nexthop(e: Endpoint): string {
  return `[${e.host}]:${e.port}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` every `everyMs` until it returns a value other than undefined, or `ms` pass (then undefined). */
export async function waitFor<T>(ms: number, check: () => T | undefined, everyMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}

/** Whether something accepts TCP connections at `e` (gives up after 2 s). */
export function canConnect(e: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: e.host, port: e.port });
    let settled = false;
    // The verdict "no" waits one turn of the event loop (setImmediate runs after the I/O poll):
    // when the loop was blocked past the 2 s (a synchronous spawn elsewhere in this worker, at
    // high load), timers run before I/O callbacks, and a connection that was made meanwhile would
    // be called a failure. That turned slow starts into "did not come up" in the Debian 13 root.
    const t = setTimeout(() => setImmediate(() => done(false)), 2_000);
    function done(v: boolean): void {
      if (settled) return;
      settled = true;
      clearTimeout(t);
      s.destroy();
      resolve(v);
    }
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command synchronously (bounded); never throws for a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    env: { ...process.env, NORANDOMIZE: '1', ...opts.env },
  });
  return {
    status: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
  };
}

/** Run a command asynchronously (bounded: SIGKILL after `timeoutMs`). */
export function runAsync(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult & { ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, NORANDOMIZE: '1', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const t = setTimeout(() => {
      stderr += `\n(killed after ${opts.timeoutMs ?? 120_000} ms)`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ status: code ?? -1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const POSTFIX_UID = IS_ROOT ? Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim()) : -1;
const POSTFIX_GID = IS_ROOT ? Number(execFileSync('id', ['-g', 'postfix'], { encoding: 'utf8' }).trim()) : -1;

/* ------------------------------------------------------------------------------------------ */
/* Processes: a last-resort cleanup when a test run dies before its afterAll                   */
/* ------------------------------------------------------------------------------------------ */

const liveMasters = new Set<string>(); // pid files
const liveSinks = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of liveSinks) c.kill('SIGTERM');
    for (const pidFile of liveMasters) {
      const pid = readPid(pidFile);
      if (pid)
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
    }
  });
}

function readPid(pidFile: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is dead for our purposes.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** PIDs of the children of `parent` whose command name is `comm` (from /proc). */
export function childPids(parent: number, comm?: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[1]) !== parent) continue;
      if (comm !== undefined && stat.slice(stat.indexOf('(') + 1, close) !== comm) continue;
      out.push(Number(name));
    } catch {
      // The process went away while we looked.
    }
  }
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* The CLI                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** Run the built CLI (`node bin/mailsetup.cjs ARGS`). */
export async function runCli(args: string[], timeoutMs = 120_000): Promise<RunResult & { ms: number }> {
  ensureBuilt();
  return runAsync(process.execPath, [join(ROOT_DIR, 'bin', 'mailsetup.cjs'), ...args], { cwd: ROOT_DIR, timeoutMs });
}

export type ServiceAction = 'restart' | 'reload' | 'none';

/**
 * The service action a CLI apply planned for the instance ("Restart Postfix (reasons)" / "Reload
 * Postfix", both skipped under --root). Under --root the CLI asks `postfix -c SANDBOX/etc/postfix
 * status`, which looks at the system's queue directory, so every plan carries the reason
 * "Postfix is not running"; that reason is about the sandbox, not the instance, and is ignored:
 * a restart is done when any other reason remains, else a reload.
 */
export function plannedServiceAction(stdout: string): ServiceAction {
  const restart = /^- Restart Postfix \((.*)\): --root: daemons are not touched$/m.exec(stdout);
  if (restart) {
    const reasons = restart[1].split('; ').filter((r) => r !== 'Postfix is not running');
    return reasons.length ? 'restart' : 'reload';
  }
  if (/^- Reload Postfix: /m.test(stdout)) return 'reload';
  return 'none';
}

/* ------------------------------------------------------------------------------------------ */
/* The sandbox mailsetup configures                                                             */
/* ------------------------------------------------------------------------------------------ */

/**
 * A --root sandbox laid out as a fresh Debian "No configuration" install: master.cf and aliases,
 * no main.cf, and (as root) Debian's snakeoil certificate, which ssl-cert (a dependency of the
 * postfix package) makes on a real box.
 */
export class Sandbox {
  private applies = 0;
  private constructor(
    readonly dir: string,
    readonly root: string,
  ) {}

  static create(): Sandbox {
    const dir = mkdtempSync(join(tmpdir(), 'mailsetup-smtp-sbx-'));
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc', 'postfix'), { recursive: true });
    copyFileSync(debianPath('master.cf'), join(root, 'etc', 'postfix', 'master.cf'));
    copyFileSync(debianPath('aliases'), join(root, 'etc', 'aliases'));
    if (IS_ROOT) installSnakeoil(root, 'vm');
    return new Sandbox(dir, root);
  }

  /** Write the answers as YAML and run `mailsetup --answers F --yes --root SANDBOX --no-color`. */
  async apply(
    answers: Partial<Answers> & { role: RoleId },
  ): Promise<RunResult & { ms: number; action: ServiceAction }> {
    const file = join(this.dir, `answers-${++this.applies}.yaml`);
    writeFileSync(file, stringify(answers));
    const r = await runCli(['--answers', file, '--yes', '--root', this.root, '--no-color']);
    return { ...r, action: plannedServiceAction(r.stdout) };
  }

  /** Like `apply`, but throws with the CLI's output unless it exits 0. */
  async applyOk(
    answers: Partial<Answers> & { role: RoleId },
  ): Promise<RunResult & { ms: number; action: ServiceAction }> {
    const r = await this.apply(answers);
    if (r.status !== 0) {
      throw new Error(
        `mailsetup --answers (role ${answers.role}) exited ${r.status}:\n${r.stderr}\n${r.stdout.split('\n').slice(-30).join('\n')}`,
      );
    }
    return r;
  }

  /** A file of the sandbox (system path, e.g. /etc/postfix/main.cf), or null. */
  read(path: string): string | null {
    const p = join(this.root, path);
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/* ------------------------------------------------------------------------------------------ */
/* smtp-sink: the upstream / inside / primary mail hosts                                       */
/* ------------------------------------------------------------------------------------------ */

/** One transaction smtp-sink captured. */
export interface SinkMessage {
  file: string;
  clientAddr: string;
  helo: string;
  /** The MAIL FROM address (inside <>). */
  from: string;
  /** The RCPT TO addresses (inside <>), in order. */
  to: string[];
  /** ORCPT of each recipient (rfc822;… stripped), '' when absent. */
  orcpt: string[];
  /** The message as received (headers and body). */
  data: string;
}

/** Parse an smtp-sink dump file; null while it is incomplete. */
export function parseSinkDump(file: string, text: string): SinkMessage | null {
  const lines = text.split('\n');
  const m: SinkMessage = { file, clientAddr: '', helo: '', from: '', to: [], orcpt: [], data: '' };
  let i = 0;
  let sawReceived = false;
  for (; i < lines.length; i++) {
    const l = lines[i];
    const h = /^(X-[A-Za-z-]+): (.*)$/.exec(l);
    if (h) {
      const [, name, value] = h;
      const addr = /<([^>]*)>/.exec(value)?.[1] ?? '';
      if (name === 'X-Client-Addr') m.clientAddr = value;
      else if (name === 'X-Helo-Args') m.helo = value;
      else if (name === 'X-Mail-Args') m.from = addr;
      else if (name === 'X-Rcpt-Args') {
        m.to.push(addr);
        m.orcpt.push(/ORCPT=rfc822;(\S+)/i.exec(value)?.[1] ?? '');
      }
      continue;
    }
    if (l.startsWith('Received: from ')) {
      sawReceived = true;
      i += 3; // the three-line Received: header smtp-sink adds
      break;
    }
  }
  if (!sawReceived || !text.endsWith('\n')) return null;
  m.data = lines.slice(i).join('\n');
  return m;
}

/** An smtp-sink process on a loopback endpoint that dumps every transaction into its own directory. */
export class Sink {
  private constructor(
    readonly endpoint: Endpoint,
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly errors: string[],
  ) {}

  static async start(endpoint: Endpoint, dir: string): Promise<Sink> {
    installExitHook();
    mkdirSync(dir, { recursive: true });
    chownSync(dir, POSTFIX_UID, POSTFIX_GID);
    const errors: string[] = [];
    // -u postfix: drop root after binding; -d: one file per transaction, named from the time + random.
    const child = spawn(
      '/usr/sbin/smtp-sink',
      ['-u', 'postfix', '-h', `sink-${endpoint.host}`, '-d', `${dir}/%Y%m%d%H%M%S.`, hostPort(endpoint), '10'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr?.on('data', (d: Buffer) => errors.push(d.toString('utf8')));
    child.on('error', (e) => errors.push(`cannot run /usr/sbin/smtp-sink: ${e.message}`));
    liveSinks.add(child);
    const sink = new Sink(endpoint, dir, child, errors);
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(endpoint))) {
      if (child.exitCode !== null || errors.some((e) => e.startsWith('cannot run')) || Date.now() > deadline) {
        await sink.stop();
        throw new Error(`smtp-sink did not come up on ${hostPort(endpoint)}: ${errors.join('')}`);
      }
      await sleep(50);
    }
    return sink;
  }

  /** Every complete transaction captured so far, oldest first. */
  messages(): SinkMessage[] {
    if (!existsSync(this.dir)) return [];
    const out: SinkMessage[] = [];
    for (const name of readdirSync(this.dir).sort()) {
      const file = join(this.dir, name);
      const m = parseSinkDump(file, readFileSync(file, 'latin1'));
      if (m) out.push(m);
    }
    return out;
  }

  /** The first captured transaction that satisfies `pred`, waiting up to `ms`; throws naming `what` otherwise. */
  async waitFor(pred: (m: SinkMessage) => boolean, what: string, ms = 20_000): Promise<SinkMessage> {
    const m = await waitFor(ms, () => this.messages().find(pred));
    if (!m) {
      const seen = this.messages()
        .map((x) => `  from=<${x.from}> to=${x.to.map((t) => `<${t}>`).join(',')}`)
        .join('\n');
      throw new Error(
        `${what}: nothing arrived at the sink ${hostPort(this.endpoint)} within ${ms} ms; it has:\n${seen || '  (nothing)'}`,
      );
    }
    return m;
  }

  /** Forget what was captured. */
  clear(): void {
    for (const name of readdirSync(this.dir)) rmSync(join(this.dir, name), { force: true });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const gone = await waitFor(
        5_000,
        () => (this.child.exitCode !== null || this.child.signalCode !== null ? true : undefined),
        50,
      );
      if (!gone) this.child.kill('SIGKILL');
    }
    liveSinks.delete(this.child);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* The private Postfix instance                                                                */
/* ------------------------------------------------------------------------------------------ */

/** One substitution the harness made in mailsetup's output. */
export interface Substitution {
  what: string;
  from: string;
  to: string;
}

/** A private Postfix instance under /var/tmp/mailsetup-inst-*, its smtp service on `smtp`. */
export class Instance {
  readonly conf: string;
  readonly queue: string;
  readonly data: string;
  readonly mail: string;
  readonly logPath: string;
  /** What the last `derive` changed besides paths. */
  substitutions: Substitution[] = [];
  private daemonDir = '';

  private constructor(
    readonly base: string,
    readonly smtp: Endpoint,
  ) {
    this.conf = join(base, 'conf');
    this.queue = join(base, 'queue');
    this.data = join(base, 'data');
    this.mail = join(base, 'mail');
    this.logPath = join(base, 'postfix.log');
  }

  /** Create the directories (nothing runs yet). maillog_file must start with /var: the base is in /var/tmp. */
  static create(smtp: Endpoint): Instance {
    installExitHook();
    const base = mkdtempSync('/var/tmp/mailsetup-inst-');
    chmodSync(base, 0o755); // master and the daemons reach their files as postfix
    const inst = new Instance(base, smtp);
    for (const d of [inst.conf, inst.queue, inst.data, inst.mail]) mkdirSync(d, { mode: 0o755 });
    chownSync(inst.data, POSTFIX_UID, POSTFIX_GID);
    chmodSync(inst.data, 0o700);
    chmodSync(inst.mail, 0o1777); // local(8) creates each mailbox as its user
    return inst;
  }

  get pidFile(): string {
    return join(this.queue, 'pid', 'master.pid');
  }

  /** `postconf -c CONF ARGS`. */
  postconf(args: string[]): RunResult {
    return run('postconf', ['-c', this.conf, ...args]);
  }

  private postconfOk(args: string[]): string {
    const r = this.postconf(args);
    if (r.status !== 0) throw new Error(`postconf -c ${this.conf} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  /** A main.cf parameter's value (`postconf -h`). */
  param(name: string, expand = false): string {
    return this.postconfOk([expand ? '-xh' : '-h', name]).replace(/\n$/, '');
  }

  /**
   * Turn the sandbox's files (mailsetup's output) into this instance's configuration, replacing
   * what an earlier derive left. Only paths and the listening address change (see the module comment).
   */
  derive(sandboxRoot: string): Substitution[] {
    for (const name of readdirSync(this.conf)) rmSync(join(this.conf, name), { recursive: true, force: true });
    const etcPostfix = join(sandboxRoot, 'etc', 'postfix');
    for (const name of readdirSync(etcPostfix)) {
      const src = join(etcPostfix, name);
      if (statSync(src).isFile()) copyFileSync(src, join(this.conf, name));
    }
    for (const name of readdirSync(join(sandboxRoot, 'etc'))) {
      if (name === 'aliases' || name.startsWith('aliases.'))
        copyFileSync(join(sandboxRoot, 'etc', name), join(this.conf, name));
    }
    for (const name of readdirSync(this.conf))
      chmodSync(join(this.conf, name), name === 'sasl_passwd' || name.startsWith('sasl_passwd.') ? 0o600 : 0o644);
    // Postfix programs wait until a main.cf younger than a second ages: backdate after every write.
    this.backdate();

    const subs: Substitution[] = [];
    const edits: string[] = [];
    // Paths in every parameter mailsetup (or Debian's template) set.
    for (const line of this.postconfOk(['-n']).split('\n')) {
      const m = /^([A-Za-z0-9_]+) = (.*)$/.exec(line);
      if (!m) continue;
      const [, name, value] = m;
      const moved = value
        .split('/etc/postfix/')
        .join(`${this.conf}/`)
        .replace(/\/etc\/aliases\b/g, `${this.conf}/aliases`);
      if (moved !== value) edits.push(`${name} = ${moved}`);
    }
    // The server certificate's files: where the sandbox holds them.
    for (const name of ['smtpd_tls_chain_files', 'smtpd_tls_cert_file', 'smtpd_tls_key_file']) {
      const value = this.param(name);
      const moved = value
        .split(/[\s,]+/)
        .filter((p) => p !== '')
        .map((p) => (p.startsWith('/') && existsSync(join(sandboxRoot, p)) ? join(sandboxRoot, p) : p))
        .join(', ');
      if (
        moved !==
        value
          .split(/[\s,]+/)
          .filter((p) => p !== '')
          .join(', ')
      ) {
        edits.push(`${name} = ${moved}`);
        subs.push({ what: name, from: value, to: moved });
      }
    }
    const maillog = this.param('maillog_file');
    if (maillog === '')
      subs.push({
        what: 'maillog_file (the role logs to syslog; the tests read a file)',
        from: '(not set)',
        to: this.logPath,
      });
    edits.push(
      `maillog_file = ${this.logPath}`,
      `queue_directory = ${this.queue}`,
      `data_directory = ${this.data}`,
      `mail_spool_directory = ${this.mail}`,
    );
    const inet = this.param('inet_interfaces');
    if (inet !== 'loopback-only') {
      subs.push({ what: 'inet_interfaces', from: inet, to: 'loopback-only' });
      edits.push('inet_interfaces = loopback-only');
    }
    this.postconfOk(['-e', ...edits]);
    this.backdate();
    const smtp = this.postconfOk(['-M', 'smtp/inet']).trim();
    if (!smtp)
      throw new Error(
        `mailsetup's master.cf has no smtp/inet service:\n${readFileSync(join(this.conf, 'master.cf'), 'utf8')}`,
      );
    this.postconfOk(['-F', `smtp/inet/service = ${hostPort(this.smtp)}`]);
    subs.push({ what: 'smtp/inet service (master.cf)', from: 'smtp', to: hostPort(this.smtp) });
    writeFileSync(
      join(this.conf, 'main.cf'),
      readFileSync(join(this.conf, 'main.cf'), 'utf8') +
        '# mailsetup test harness substitutions (besides paths):\n' +
        subs.map((s) => `#   ${s.what}: ${s.from} -> ${s.to}\n`).join(''),
    );
    this.backdate();
    this.substitutions = subs;
    return subs;
  }

  /**
   * Give every file of the configuration directory the same time an hour ago: Postfix programs
   * wait until a main.cf younger than a second ages, and a map must not look older than its source.
   */
  backdate(): void {
    const past = new Date(Date.now() - 3600_000);
    for (const name of readdirSync(this.conf)) utimesSync(join(this.conf, name), past, past);
  }

  /** The master.cf chroot column says y for some service. */
  private needsChroot(): boolean {
    return /^\S+\s+\S+\s+\S+\s+\S+\s+y\s/m.test(readFileSync(join(this.conf, 'master.cf'), 'utf8'));
  }

  masterPid(): number | null {
    const pid = readPid(this.pidFile);
    return pid !== null && processAlive(pid) ? pid : null;
  }

  running(): boolean {
    return this.masterPid() !== null;
  }

  /**
   * Start: fill the chroot when a service is chrooted (copies etc files into the queue directory)
   * the way the installed package does it: Debian 12's configure-instance.sh, or, where
   * `postfix check` runs it itself (Debian 13), that; `postfix check` the first time (it creates
   * the queue directories); then `master -c CONF -w`. Returns once the smtp service accepts
   * connections.
   */
  async start(): Promise<void> {
    this.daemonDir ||= run('postconf', ['-dh', 'daemon_directory']).stdout.trim();
    const checkSyncsChroot = postInstallSyncsChroot(readFileSync(join(this.daemonDir, 'post-install'), 'utf8'));
    // The slow steps run without blocking the event loop: other labs of this worker start in
    // parallel, and their waits for a port (canConnect, deadlines) must keep running meanwhile.
    if (this.needsChroot() && !checkSyncsChroot) {
      const ci = await runAsync('/usr/lib/postfix/configure-instance.sh', ['-'], {
        env: { MAIL_CONFIG: this.conf },
        timeoutMs: 60_000,
      });
      if (ci.status !== 0) throw new Error(`configure-instance.sh exited ${ci.status}: ${ci.stderr}${ci.stdout}`);
    }
    if (!existsSync(join(this.queue, 'pid')) || (this.needsChroot() && checkSyncsChroot)) {
      const check = await runAsync('postfix', ['-c', this.conf, 'check'], { timeoutMs: 60_000 });
      if (check.status !== 0)
        throw new Error(`postfix -c ${this.conf} check exited ${check.status}: ${check.stderr}\n${this.log()}`);
    }
    liveMasters.add(this.pidFile);
    const r = await runAsync(join(this.daemonDir, 'master'), ['-c', this.conf, '-w'], { timeoutMs: 60_000 });
    if (r.status !== 0) throw new Error(`master -c ${this.conf} -w exited ${r.status}: ${r.stderr}\n${this.log()}`);
    const deadline = Date.now() + 15_000;
    while (!(await canConnect(this.smtp))) {
      if (Date.now() > deadline)
        throw new Error(`the instance's smtpd did not come up on ${hostPort(this.smtp)}:\n${this.log()}`);
      await sleep(50);
    }
  }

  /** `postfix -c CONF reload`, then wait until every smtpd of the old configuration has exited. */
  async reload(): Promise<void> {
    const pid = this.masterPid();
    if (pid === null) throw new Error('reload: the instance is not running');
    const old = childPids(pid, 'smtpd');
    const r = run('postfix', ['-c', this.conf, 'reload']);
    if (r.status !== 0) throw new Error(`postfix -c ${this.conf} reload exited ${r.status}: ${r.stderr}`);
    const gone = await waitFor(15_000, () => (old.every((p) => !processAlive(p)) ? true : undefined), 50);
    if (!gone)
      throw new Error(
        `smtpd processes of the old configuration still run 15 s after the reload: ${old.filter(processAlive).join(' ')}`,
      );
  }

  /** Stop the master (SIGTERM to the pid in its pid file) and wait until it and the smtp port are gone. */
  async stop(): Promise<void> {
    const pid = this.masterPid();
    if (pid !== null) {
      process.kill(pid, 'SIGTERM');
      const gone = await waitFor(15_000, () => (processAlive(pid) ? undefined : true), 50);
      if (!gone) {
        process.kill(pid, 'SIGKILL');
        await waitFor(5_000, () => (processAlive(pid) ? undefined : true), 50);
      }
    }
    const deadline = Date.now() + 10_000;
    while (await canConnect(this.smtp)) {
      if (Date.now() > deadline)
        throw new Error(`something still listens on ${hostPort(this.smtp)} 10 s after the instance stopped`);
      await sleep(50);
    }
  }

  /** Stop and start again (a restart as `postfix stop; postfix start` does it). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** The instance's log so far. */
  log(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  /** Wait until the log (from `from` characters on) has a line matching `re`; returns that line. */
  async waitForLog(re: RegExp, what: string, from = 0, ms = 20_000): Promise<string> {
    const line = await waitFor(ms, () =>
      this.log()
        .slice(from)
        .split('\n')
        .find((l) => re.test(l)),
    );
    if (line === undefined)
      throw new Error(`${what}: no log line matching ${re} within ${ms} ms; the log:\n${this.log().slice(from)}`);
    return line;
  }

  /** `sendmail -C CONF ARGS` with `input` as the message. */
  sendmail(args: string[], input: string): RunResult {
    return run('sendmail', ['-C', this.conf, ...args], { input });
  }

  /** Stop everything and remove the directory (also when the stop reports a problem, which is then thrown). */
  async dispose(): Promise<void> {
    try {
      await this.stop();
    } finally {
      liveMasters.delete(this.pidFile);
      rmSync(this.base, { recursive: true, force: true });
    }
  }
}
