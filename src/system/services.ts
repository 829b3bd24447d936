/**
 * Running actions: probes the state the commands depend on (is Postfix running, does
 * configure-instance.sh exist, does rsyslogd run), runs the commands of src/system/commands.ts
 * and turns the results into a step outcome with the message to show on failure.
 */
import type { Action } from '../model/plan.js';
import type { CommandResult, Effects } from '../model/effects.js';
import type { CommandRun } from '../model/events.js';
import type { HostFacts } from '../model/host.js';
import {
  CONFIGURE_INSTANCE,
  SANDBOX_SKIP,
  actionCommands,
  reloadCommands,
  restartCommands,
  startCommands,
  stopCommands,
  syslogRestartCommands,
  type ActionCommands,
  type CommandContext,
  type CommandSpec,
  type ServiceState,
} from './commands.js';

/** Options of the service functions. */
export interface ServiceOptions {
  /** Drive a private Postfix instance with this config directory instead of the system's. */
  configDir?: string;
  /** A settled copy of the configuration directory for the read-only tools (CommandContext.stage). */
  stage?: string;
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
  if (opts.configDir) ctx.configDir = opts.configDir;
  if (opts.stage) ctx.stage = opts.stage;
  return ctx;
}

/** Whether Postfix runs now: `systemctl is-active postfix` with systemd, else `postfix status`. */
export async function postfixRunning(fx: Effects, host: HostFacts, opts: ServiceOptions = {}): Promise<boolean> {
  if (host.systemd && !opts.configDir) {
    return (await fx.run('systemctl', ['is-active', '--quiet', 'postfix'], { timeoutMs: 30_000 })).exitCode === 0;
  }
  const dir = opts.stage ?? opts.configDir;
  const args = dir ? ['-c', dir, 'status'] : ['status'];
  return (await fx.run('postfix', args, { timeoutMs: 30_000 })).exitCode === 0;
}

/** Whether an rsyslogd process runs (scans /proc/<pid>/comm). */
export async function rsyslogRunning(fx: Effects): Promise<boolean> {
  for (const name of await fx.listDir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const comm = await fx.readFile(`/proc/${name}/comm`).catch(() => null);
    if (comm?.trim() === 'rsyslogd') return true;
  }
  return false;
}

/** Probe the state the service commands depend on (only what `need` asks for). */
export async function probeServiceState(
  fx: Effects,
  host: HostFacts,
  opts: ServiceOptions = {},
  need: { postfix: boolean; rsyslog: boolean } = { postfix: true, rsyslog: false },
): Promise<ServiceState> {
  const [running, ci, rs] = await Promise.all([
    need.postfix ? postfixRunning(fx, host, opts) : Promise.resolve(false),
    need.postfix ? fx.stat(CONFIGURE_INSTANCE) : Promise.resolve(null),
    need.rsyslog && !host.systemd ? rsyslogRunning(fx) : Promise.resolve(false),
  ]);
  return { postfixRunning: running, configureInstance: ci !== null, rsyslogRunning: rs };
}

/** The failure text of a command: its command line, how it ended, and what it printed. */
export function describeFailure(r: CommandResult, timeoutMs?: number): string {
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-12).join('\n');
  const how = r.timedOut ? `timed out after ${Math.round((timeoutMs ?? 60_000) / 1000)} s` : `exited ${r.exitCode}`;
  return `${r.command} ${how}${out ? `: ${out}` : ' (no output)'}`;
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
    .map((l) => l.trim())
    .filter((l) => /\b(warning|error|fatal):/i.test(l));
}

/**
 * Run commands in order; stops at the first failure. `output` rewrites what the commands print
 * (the stage's path back to the directory it mirrors, see runAction).
 */
export async function runSpecs(
  fx: Effects,
  specs: CommandSpec[],
  output: (text: string) => string = (t) => t,
): Promise<StepOutcome> {
  const results: CommandResult[] = [];
  const warnings: string[] = [];
  for (const s of specs) {
    const raw = await fx.run(s.cmd, s.args, {
      ...(s.env ? { env: s.env } : {}),
      ...(s.tty ? { tty: true } : {}),
      ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
    });
    const r = { ...raw, stdout: output(raw.stdout), stderr: output(raw.stderr) };
    results.push(r);
    if (r.exitCode !== 0 || r.timedOut) {
      return { status: 'failed', error: describeFailure(r, s.timeoutMs), warnings, results };
    }
    warnings.push(...warningLines(r));
  }
  return { status: 'ok', detail: results.map((r) => r.command).join('; '), warnings, results };
}

async function runResolved(fx: Effects, ac: ActionCommands, output?: (text: string) => string): Promise<StepOutcome> {
  if ('skip' in ac) return { status: 'skipped', detail: ac.skip, warnings: [], results: [] };
  return runSpecs(fx, ac.run, output);
}

function needsState(a: Action): boolean {
  return a.kind === 'reload' || a.kind === 'restart' || a.kind === 'syslog-restart';
}

const NO_STATE: ServiceState = { postfixRunning: false, configureInstance: false, rsyslogRunning: false };

/** Carry out one plan action. */
export async function runAction(
  fx: Effects,
  host: HostFacts,
  action: Action,
  opts: ServiceOptions = {},
): Promise<StepOutcome> {
  const ctx = commandContext(fx, host, opts);
  const state =
    ctx.live && needsState(action)
      ? await probeServiceState(fx, host, opts, {
          postfix: action.kind !== 'syslog-restart',
          rsyslog: action.kind === 'syslog-restart',
        })
      : NO_STATE;
  // The stage mirrors the configuration directory file for file: what the tools print about its
  // files (postconf's warnings, postfix check's findings) names the real ones.
  const stage = ctx.stage;
  const dir = ctx.configDir ?? ctx.resolve('/etc/postfix');
  const output = stage ? (t: string) => t.split(stage).join(dir) : undefined;
  return runResolved(fx, actionCommands(action, ctx, state), output);
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

/** Start Postfix (configure-instance.sh first without systemd). */
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

/** Restart Postfix: stop (when running), configure-instance.sh, start — or systemctl restart. */
export function restartPostfix(fx: Effects, host: HostFacts, opts: ServiceOptions = {}): Promise<StepOutcome> {
  return service(fx, host, opts, restartCommands);
}

/** Restart rsyslog (systemctl, or service(8) when rsyslogd runs); skipped with the reason otherwise. */
export async function restartSyslog(fx: Effects, host: HostFacts): Promise<StepOutcome> {
  if (!fx.live) return { status: 'skipped', detail: SANDBOX_SKIP, warnings: [], results: [] };
  const ctx = commandContext(fx, host);
  return runResolved(
    fx,
    syslogRestartCommands(ctx, await probeServiceState(fx, host, {}, { postfix: false, rsyslog: true })),
  );
}
