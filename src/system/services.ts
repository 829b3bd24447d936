/**
 * Running actions: probes the state the commands depend on (is Postfix running, how the installed
 * package fills the chroot, which rsyslogd runs), runs the commands of src/system/commands.ts and
 * turns the results into a step outcome with the message to show on failure.
 */
import type { Action } from '../model/plan.js';
import type { CommandResult, Effects } from '../model/effects.js';
import type { CommandRun } from '../model/events.js';
import type { HostFacts } from '../model/host.js';
import { printable } from '../model/text.js';
import {
  CONFIGURE_INSTANCE,
  SANDBOX_SKIP,
  actionCommands,
  derivedFiles,
  mapType,
  temporaryDatabases,
  reloadCommands,
  restartCommands,
  startCommands,
  stopCommands,
  postInstallSyncsChroot,
  syslogRestartCommands,
  type ActionCommands,
  type ChrootSync,
  type CommandContext,
  type CommandSpec,
  type RsyslogProcess,
  type ServiceState,
} from './commands.js';
import { masterPid, masterRuns } from './master.js';
import { asSandbox, directoriesOf, sandboxPostfixCheck, withSandboxConfig } from './sandbox.js';

/** Options of the service functions. */
export interface ServiceOptions {
  /** Drive a private Postfix instance with this config directory instead of the system's. */
  configDir?: string;
  /**
   * A build or a check (postmap, postalias, postfix check) is terminated when this aborts (a
   * signal asked the apply to stop); daemon commands always run to their end.
   */
  signal?: AbortSignal;
  /** A settled copy of the configuration directory for the read-only tools (CommandContext.stage). */
  stage?: string;
  /**
   * Under --root: the private copy of the sandbox's configuration (openSandboxConfig) that an
   * apply made once for all its tools; without it each tool gets a copy of its own.
   */
  sandboxConfig?: string;
  /**
   * Whether Postfix runs, when the caller has just asked (an apply's backup step, under its lock,
   * moments before): the reload then decides by it instead of asking `postfix status` again.
   */
  postfixRunning?: boolean;
}

/** What one step did. */
export interface StepOutcome {
  status: 'ok' | 'failed' | 'skipped';
  /** Skip reason, or a one-line summary. */
  detail?: string;
  /** Failure message: the command line, its exit and its output. */
  error?: string;
  /** warning:/error: lines the commands printed although they succeeded. */
  warnings: string[];
  results: CommandResult[];
}

/** The CommandContext for `fx` and `host`. */
export function commandContext(fx: Effects, host: HostFacts, opts: ServiceOptions = {}): CommandContext {
  const ctx: CommandContext = {
    live: fx.live,
    resolve: (p) => fx.resolve(p),
    defaultDatabaseType: host.postfix.defaultDatabaseType,
    systemd: host.systemd,
    rsyslog: host.rsyslog,
  };
  if (host.postfix.version !== undefined) ctx.postfixVersion = host.postfix.version;
  if (opts.configDir) ctx.configDir = opts.configDir;
  if (opts.stage) ctx.stage = opts.stage;
  return ctx;
}

/**
 * Whether Postfix runs now: `systemctl is-active postfix` with systemd; the system's Postfix
 * otherwise by master(8) itself (src/system/master.ts); a private instance by `postfix -c DIR status`.
 */
export async function postfixRunning(fx: Effects, host: HostFacts, opts: ServiceOptions = {}): Promise<boolean> {
  if (host.systemd && !opts.configDir) {
    return (await fx.run('systemctl', ['is-active', '--quiet', 'postfix'], { timeoutMs: 30_000 })).exitCode === 0;
  }
  if (!opts.configDir) return masterRuns(fx, host.postfix, opts.stage);
  const dir = opts.stage ?? opts.configDir;
  return (await fx.run('postfix', ['-c', dir, 'status'], { timeoutMs: 30_000 })).exitCode === 0;
}

/**
 * The running rsyslogd, or null: the first process whose /proc/<pid>/comm is "rsyslogd", with its
 * command line (/proc/<pid>/cmdline) and whether its real uid is 0 (/proc/<pid>/status). Anyone
 * can name a process rsyslogd: a restart only ever reuses the arguments of root's.
 */
export async function findRsyslogd(fx: Effects): Promise<RsyslogProcess | null> {
  for (const name of await fx.listDir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const comm = await fx.readFile(`/proc/${name}/comm`).catch(() => null);
    if (comm?.trim() !== 'rsyslogd') continue;
    const [cmdline, status] = await Promise.all([
      fx.readFile(`/proc/${name}/cmdline`).catch(() => null),
      fx.readFile(`/proc/${name}/status`).catch(() => null),
    ]);
    const argv = (cmdline ?? '').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    const uid = /^Uid:\s+(\d+)/m.exec(status ?? '');
    return { pid: Number(name), argv: argv.length ? argv : ['rsyslogd'], root: uid !== null && uid[1] === '0' };
  }
  return null;
}

/** Whether an rsyslogd process runs (scans /proc/<pid>/comm). */
export async function rsyslogRunning(fx: Effects): Promise<boolean> {
  return (await findRsyslogd(fx)) !== null;
}

/**
 * How the installed Postfix package fills its chroot before a start (see ChrootSync): from its
 * post-install script (in `postconf -d daemon_directory`) and configure-instance.sh's presence.
 */
export async function probeChrootSync(fx: Effects): Promise<ChrootSync> {
  const dd = await fx.run('postconf', ['-dh', 'daemon_directory'], { timeoutMs: 30_000 });
  const dir = dd.exitCode === 0 && dd.stdout.trim().startsWith('/') ? dd.stdout.trim() : '/usr/lib/postfix/sbin';
  const postInstall = await fx.readFile(`${dir}/post-install`).catch(() => null);
  if (postInstall !== null && postInstallSyncsChroot(postInstall)) return 'postfix-start';
  return (await fx.stat(CONFIGURE_INSTANCE)) !== null ? 'configure-instance' : 'none';
}

const RSYSLOGD_PATHS = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'];

/** Probe the state the service commands depend on (only what `need` asks for). */
export async function probeServiceState(
  fx: Effects,
  host: HostFacts,
  opts: ServiceOptions = {},
  need: { postfix: boolean; rsyslog: boolean; reloadOnly?: boolean } = { postfix: true, rsyslog: false },
): Promise<ServiceState> {
  const rsyslog = need.rsyslog && !host.systemd;
  const queue = need.postfix && fx.live && !opts.configDir ? host.postfix.queueDirectory : undefined;
  // How the chroot is filled matters only to a start: not asked when Postfix is known to run and
  // only a reload is to come.
  const syncNeeded = need.postfix && !(need.reloadOnly && opts.postfixRunning === true);
  const [running, sync, rsyslogd, initScript, binaries, pid] = await Promise.all([
    need.postfix ? (opts.postfixRunning ?? postfixRunning(fx, host, opts)) : Promise.resolve(false),
    syncNeeded ? probeChrootSync(fx) : Promise.resolve<ChrootSync>('none'),
    rsyslog ? findRsyslogd(fx) : Promise.resolve(null),
    rsyslog ? fx.stat('/etc/init.d/rsyslog') : Promise.resolve(null),
    rsyslog ? Promise.all(RSYSLOGD_PATHS.map((p) => fx.stat(p))) : Promise.resolve([]),
    queue !== undefined ? masterPid(fx, queue) : Promise.resolve(undefined),
  ]);
  const binary = RSYSLOGD_PATHS.find((_, i) => binaries[i] != null) ?? RSYSLOGD_PATHS[0];
  return {
    postfixRunning: running,
    ...(running && pid !== undefined ? { masterPid: pid } : {}),
    chrootSync: sync,
    rsyslogd,
    rsyslogInitScript: initScript !== null,
    rsyslogBinary: binary,
  };
}

/** The failure text of a command: its command line, how it ended, and what it printed. */
export function describeFailure(r: CommandResult, timeoutMs?: number): string {
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-12).join('\n');
  const how = r.timedOut ? `timed out after ${Math.round((timeoutMs ?? 60_000) / 1000)} s` : `exited ${r.exitCode}`;
  return printable(`${r.command} ${how}${out ? `: ${out}` : ' (no output)'}`);
}

/** At most this many characters of a command's output are kept for the --json document. */
export const RUN_OUTPUT_MAX = 4000;

/** Commands' results as a step reports them: the command line, how it ended, the end of its output. */
export function runsOf(results: readonly CommandResult[]): CommandRun[] {
  return results.map((r) => {
    let output = [r.stderr.trim(), r.stdout.trim()].filter((t) => t !== '').join('\n');
    if (output.length > RUN_OUTPUT_MAX) output = `…${output.slice(-RUN_OUTPUT_MAX)}`;
    return { command: r.command, exitCode: r.exitCode, timedOut: r.timedOut, output };
  });
}

/** warning:/error:/fatal: lines of a command's output. */
export function warningLines(r: CommandResult): string[] {
  return `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => printable(l.trim()))
    .filter((l) => /\b(warning|error|fatal):/i.test(l));
}

/** Whether process `pid` is gone (or a zombie: it has exited, its parent has not reaped it yet). */
async function processGone(fx: Effects, pid: number): Promise<boolean> {
  const stat = await fx.readFile(`/proc/${pid}/stat`).catch(() => null);
  if (stat === null) return true;
  return /\)\s+Z\s/.test(stat);
}

/** Wait until process `pid` is gone, polling every 100 ms, up to `timeoutMs`. */
async function waitForExit(fx: Effects, pid: number, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; waited <= timeoutMs; waited += 100) {
    if (await processGone(fx, pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Run commands in order; stops at the first failure. `output` rewrites what the commands print
 * (the stage's path back to the directory it mirrors, see runAction).
 */
export async function runSpecs(
  fx: Effects,
  specs: CommandSpec[],
  signal?: AbortSignal,
  output: (text: string) => string = (t) => t,
): Promise<StepOutcome> {
  const results: CommandResult[] = [];
  const warnings: string[] = [];
  for (const s of specs) {
    const raw = await fx.run(s.cmd, s.args, {
      ...(s.env ? { env: s.env } : {}),
      ...(s.tty ? { tty: true } : {}),
      ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
      ...(signal ? { signal } : {}),
      ...(s.background ? { background: true } : {}),
    });
    const r = { ...raw, stdout: output(raw.stdout), stderr: output(raw.stderr) };
    results.push(r);
    if (r.exitCode !== 0 || r.timedOut) {
      return { status: 'failed', error: describeFailure(r, s.timeoutMs), warnings, results };
    }
    warnings.push(...warningLines(r));
    if (s.waitForExit !== undefined && !(await waitForExit(fx, s.waitForExit, s.timeoutMs ?? 60_000))) {
      const secs = Math.round((s.timeoutMs ?? 60_000) / 1000);
      return {
        status: 'failed',
        error: `${r.command}: process ${s.waitForExit} was still running ${secs} s later`,
        warnings,
        results,
      };
    }
  }
  return { status: 'ok', detail: results.map((r) => r.command).join('; '), warnings, results };
}

async function runResolved(
  fx: Effects,
  ac: ActionCommands,
  signal?: AbortSignal,
  output?: (text: string) => string,
): Promise<StepOutcome> {
  if ('skip' in ac) return { status: 'skipped', detail: ac.skip, warnings: [], results: [] };
  return runSpecs(fx, ac.run, signal, output);
}

function needsState(a: Action): boolean {
  return a.kind === 'reload' || a.kind === 'restart' || a.kind === 'syslog-restart';
}

const NO_STATE: ServiceState = {
  postfixRunning: false,
  chrootSync: 'none',
  rsyslogd: null,
  rsyslogInitScript: false,
  rsyslogBinary: RSYSLOGD_PATHS[0],
};

/**
 * The paths an action hands its commands, each checked by Effects.commandPath (under --root a
 * path a program would follow out of the sandbox is refused, and so is a database file beside a
 * map that is a link): system path → the path to give the command.
 */
async function commandPaths(fx: Effects, action: Action, opts: ServiceOptions): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (opts.configDir) return out;
  const need = async (p: string, outputs: string[] = []) => out.set(p, await fx.commandPath(p, outputs));
  if (action.kind === 'postmap' || action.kind === 'newaliases' || action.kind === 'postfix-check') {
    await need('/etc/postfix');
  }
  if (action.kind === 'postmap' || action.kind === 'newaliases' || action.kind === 'unmap') {
    await need(action.path, [...derivedFiles(action.path), ...temporaryDatabases(action.path)]);
  }
  return out;
}

/**
 * Check, before anything is written, every path the plan's commands will be given (Effects.
 * commandPath): under --root a link a program would follow out of the sandbox, or a database
 * file beside a map that is a link, stops the run here (a UsageError naming it).
 */
export async function checkCommandPaths(fx: Effects, actions: readonly Action[]): Promise<void> {
  for (const a of actions) await commandPaths(fx, a, {});
}

/**
 * Remove the temporary files a Berkeley DB build left beside a map (__db.transport.db): one that
 * outlived a failed postmap (a full disk) makes every later postmap of the map wait ~100 s and
 * fail. They exist only while a postmap runs, and mailsetup holds the lock. The removed names.
 */
export async function removeTemporaryDatabases(fx: Effects, path: string): Promise<string[]> {
  const removed: string[] = [];
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const names = new Set(await fx.listDir(dir));
  for (const t of temporaryDatabases(path)) {
    if (!names.has(t.slice(t.lastIndexOf('/') + 1))) continue;
    await fx.removeFile(t); // a link is removed as a link
    removed.push(t);
  }
  return removed;
}

/** The database files of a map that exist (transport.db, …), by the names in its directory. */
export async function existingDatabases(fx: Effects, path: string): Promise<string[]> {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const names = new Set(await fx.listDir(dir));
  return derivedFiles(path).filter((d) => names.has(d.slice(d.lastIndexOf('/') + 1)));
}

/** Remove a map's database files (and a build's temporaries); the removed names. */
export async function removeDatabases(fx: Effects, path: string): Promise<string[]> {
  const removed = [...(await removeTemporaryDatabases(fx, path))];
  for (const d of await existingDatabases(fx, path)) {
    await fx.removeFile(d);
    removed.push(d);
  }
  return removed;
}

/** The mode a secret file gets: root:root 0600. */
export const SECRET_META = { mode: 0o600, uid: 0, gid: 0 } as const;

/**
 * Make a secret map's databases root-only (0600, root:root) whatever they were; one warning per
 * file that was wider, saying so.
 */
export async function secureDatabases(fx: Effects, path: string): Promise<string[]> {
  const said: string[] = [];
  for (const d of await existingDatabases(fx, path)) {
    const meta = await fx.stat(d);
    if (meta === null) continue;
    if (meta.mode !== SECRET_META.mode || meta.uid !== 0 || meta.gid !== 0) {
      await fx.setMeta(d, SECRET_META);
      said.push(
        `${d} was mode ${octal(meta.mode)} (owner ${meta.uid}:${meta.gid}): it holds a secret, so mailsetup made it ` +
          'root-only (root:root 0600)',
      );
    }
  }
  return said;
}

/** 0644 */
export function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** Carry out one plan action. */
export async function runAction(
  fx: Effects,
  host: HostFacts,
  action: Action,
  opts: ServiceOptions = {},
): Promise<StepOutcome> {
  const ctx = commandContext(fx, host, opts);
  const paths = await commandPaths(fx, action, opts);
  if (paths.size > 0) ctx.resolve = (p) => paths.get(p) ?? fx.resolve(p);
  const state =
    ctx.live && needsState(action)
      ? await probeServiceState(fx, host, opts, {
          postfix: action.kind !== 'syslog-restart',
          rsyslog: action.kind === 'syslog-restart',
          reloadOnly: action.kind === 'reload',
        })
      : NO_STATE;
  if ((action.kind === 'postmap' || action.kind === 'newaliases') && !opts.configDir) {
    const type = action.kind === 'postmap' ? mapType(action.map, ctx.defaultDatabaseType) : ctx.defaultDatabaseType;
    if (!KNOWN_TYPES.has(type)) {
      return {
        status: 'failed',
        error: `the map type "${type}" is not one mailsetup builds (${[...KNOWN_TYPES].join(', ')})`,
        warnings: [],
        results: [],
      };
    }
    await removeTemporaryDatabases(fx, action.path);
  }
  if (action.kind === 'unmap') {
    const removed = await removeDatabases(fx, action.path);
    return {
      status: removed.length ? 'ok' : 'skipped',
      detail: removed.length ? `removed ${removed.join(', ')}` : 'no database file to remove',
      warnings: [],
      results: [],
    };
  }
  // Builds and checks stop when the apply is asked to stop; daemon commands finish.
  const stoppable = action.kind === 'postmap' || action.kind === 'newaliases' || action.kind === 'postfix-check';
  const signal = stoppable ? opts.signal : undefined;
  if ((action.kind === 'postmap' || action.kind === 'newaliases') && !ctx.live && !opts.configDir) {
    // Under --root the tools get a private copy of the configuration (src/system/sandbox.ts):
    // with the sandbox's own, they would log through the host's postlog socket.
    const cfgDir = paths.get('/etc/postfix') ?? fx.resolve('/etc/postfix');
    const o = await withSandboxConfig(
      fx,
      directoriesOf(host),
      async (config) => {
        const specs = actionCommands(
          action,
          { ...ctx, resolve: (p) => (p === '/etc/postfix' ? config : ctx.resolve(p)) },
          state,
        );
        if ('skip' in specs) return runResolved(fx, specs);
        const results: CommandResult[] = [];
        for (const spec of specs.run) {
          const r = await fx.run(spec.cmd, spec.args, {
            ...(spec.tty ? { tty: true } : {}),
            ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
            ...(signal ? { signal } : {}),
          });
          results.push(asSandbox(r, config, cfgDir));
          if (r.exitCode !== 0 || r.timedOut) break;
        }
        return outcomeOf(results, 180_000);
      },
      opts.sandboxConfig,
    );
    if (o.status === 'ok' && action.kind === 'postmap' && action.secret)
      o.warnings.push(...(await secureDatabases(fx, action.path)));
    return o;
  }
  // The stage (live only) mirrors the configuration directory file for file: what the tools print
  // about its files (postconf's warnings, postfix check's findings) names the real ones.
  const stage = ctx.stage;
  const liveDir = ctx.configDir ?? ctx.resolve('/etc/postfix');
  const output = stage ? (t: string) => t.split(stage).join(liveDir) : undefined;
  if (action.kind === 'postmap' && action.secret) {
    const o = await runResolved(fx, actionCommands(action, ctx, state), signal, output);
    if (o.status === 'ok') o.warnings.push(...(await secureDatabases(fx, action.path)));
    return o;
  }
  if (action.kind === 'postfix-check' && !ctx.live && !opts.configDir) {
    const r = await sandboxPostfixCheck(fx, directoriesOf(host), 180_000, signal, opts.sandboxConfig);
    return outcomeOf([r], 180_000);
  }
  return runResolved(fx, actionCommands(action, ctx, state), signal, output);
}

/** Map types mailsetup builds, and the text types that need no build. */
const KNOWN_TYPES = new Set(['hash', 'btree', 'lmdb', 'cdb', 'dbm', 'sdbm', 'texthash', 'inline']);

function outcomeOf(results: CommandResult[], timeoutMs: number): StepOutcome {
  const warnings: string[] = [];
  for (const r of results) {
    if (r.exitCode !== 0 || r.timedOut) {
      return { status: 'failed', error: describeFailure(r, timeoutMs), warnings, results };
    }
    warnings.push(...warningLines(r));
  }
  return { status: 'ok', detail: results.map((r) => r.command).join('; '), warnings, results };
}

async function service(
  fx: Effects,
  host: HostFacts,
  opts: ServiceOptions,
  make: (ctx: CommandContext, state: ServiceState) => CommandSpec[],
): Promise<StepOutcome> {
  if (!fx.live) return { status: 'skipped', detail: SANDBOX_SKIP, warnings: [], results: [] };
  const ctx = commandContext(fx, host, opts);
  const specs = make(ctx, await probeServiceState(fx, host, opts));
  if (specs.length === 0) return { status: 'skipped', detail: 'Postfix is not running', warnings: [], results: [] };
  return runSpecs(fx, specs);
}

/** Start Postfix (without systemd: configure-instance.sh first where the package needs it). */
export function startPostfix(fx: Effects, host: HostFacts, opts: ServiceOptions = {}): Promise<StepOutcome> {
  return service(fx, host, opts, startCommands);
}

/** Stop Postfix; skipped when it is not running. */
export function stopPostfix(fx: Effects, host: HostFacts, opts: ServiceOptions = {}): Promise<StepOutcome> {
  return service(fx, host, opts, stopCommands);
}

/** Reload Postfix, or start it when it is not running. */
export function reloadPostfix(fx: Effects, host: HostFacts, opts: ServiceOptions = {}): Promise<StepOutcome> {
  return service(fx, host, opts, reloadCommands);
}

/** Restart Postfix: stop (when running), [configure-instance.sh,] start — or systemctl restart. */
export function restartPostfix(fx: Effects, host: HostFacts, opts: ServiceOptions = {}): Promise<StepOutcome> {
  return service(fx, host, opts, restartCommands);
}

/**
 * Restart rsyslog (systemctl; without systemd service(8) when there is an init script, else stop
 * and start root's daemonized rsyslogd); skipped with the reason and what to do otherwise.
 */
export async function restartSyslog(fx: Effects, host: HostFacts): Promise<StepOutcome> {
  if (!fx.live) return { status: 'skipped', detail: SANDBOX_SKIP, warnings: [], results: [] };
  const ctx = commandContext(fx, host);
  return runResolved(
    fx,
    syslogRestartCommands(ctx, await probeServiceState(fx, host, {}, { postfix: false, rsyslog: true })),
  );
}
