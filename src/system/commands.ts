/**
 * Plan actions → concrete commands (argv), for the live system or a --root sandbox. Pure: the
 * runtime state a choice depends on (is Postfix running, does configure-instance.sh exist, does
 * rsyslogd run) is passed in as `ServiceState`; src/system/services.ts probes it and runs them.
 */
import type { Action } from '../model/plan.js';

/** One command to run. */
export interface CommandSpec {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** Run under a pseudo-terminal: postfix(1) prints its errors only to a terminal. */
  tty?: boolean;
  timeoutMs?: number;
}

/** What the commands depend on besides the action. */
export interface CommandContext {
  /** Daemons may be touched (root is '/'). */
  live: boolean;
  /** System path → real path (Effects.resolve). */
  resolve(path: string): string;
  /** HostFacts.postfix.defaultDatabaseType. */
  defaultDatabaseType: string;
  systemd: boolean;
  rsyslog: boolean;
  /**
   * A private Postfix instance's config directory (tests): service commands use
   * `postfix -c DIR` and configure-instance.sh gets MAIL_CONFIG=DIR. Never with systemd.
   */
  configDir?: string;
  /**
   * A settled copy of the configuration directory that an apply staged (Effects.stageCopy): the
   * tools that only read the configuration (postmap, postalias, newaliases, `postfix check`,
   * `postfix reload`, `postfix status`) read it from here, so they do not wait for a main.cf
   * mailsetup has just written to "cool down" (Postfix re-reads a main.cf modified in the
   * current or previous second every 300 ms until it is older). Never for start/stop: master
   * runs with the real directory.
   */
  stage?: string;
}

/** Runtime state the service commands depend on. */
export interface ServiceState {
  postfixRunning: boolean;
  /** /usr/lib/postfix/configure-instance.sh exists. */
  configureInstance: boolean;
  /** An rsyslogd process runs (only probed without systemd). */
  rsyslogRunning: boolean;
}

/** The commands of one action, or why it is skipped. */
export type ActionCommands = { run: CommandSpec[] } | { skip: string };

export const CONFIGURE_INSTANCE = '/usr/lib/postfix/configure-instance.sh';
export const SANDBOX_SKIP = '--root: daemons are not touched';
const SLOW_MS = 180_000;

/** Map types whose source postmap/postalias compiles into a database file. */
const INDEXED_TYPES: Record<string, string[]> = {
  hash: ['.db'],
  btree: ['.db'],
  lmdb: ['.lmdb'],
  cdb: ['.cdb'],
  dbm: ['.dir', '.pag'],
  sdbm: ['.dir', '.pag'],
};

/** Every database file postmap/postalias could make from `path`, whatever the type. */
export function derivedFiles(path: string): string[] {
  return [...new Set(Object.values(INDEXED_TYPES).flat())].map((ext) => path + ext);
}

/**
 * The table type of a map string: "hash:/etc/postfix/transport" → hash; no type, or
 * $default_database_type / ${default_database_type}, → the host's default.
 */
export function mapType(map: string, defaultType: string): string {
  const m = /^([^/:]+):/.exec(map);
  if (!m) return defaultType;
  const t = m[1];
  return t === '$default_database_type' || t === '${default_database_type}' || t === '$(default_database_type)'
    ? defaultType
    : t;
}

/** Quote one argument for a POSIX shell (messages, and the command line handed to script(1)). */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as one string, for messages. */
export function commandLine(cmd: string, args: string[]): string {
  return [cmd, ...args].map(shellQuote).join(' ');
}

function postfixArgs(ctx: CommandContext, sub: string): string[] {
  return ctx.configDir ? ['-c', ctx.configDir, sub] : [sub];
}

function postfixCmd(ctx: CommandContext, sub: string): CommandSpec {
  return { cmd: 'postfix', args: postfixArgs(ctx, sub), tty: true, timeoutMs: SLOW_MS };
}

/** The configuration directory the read-only tools use: the stage when there is one. */
function readConfigDir(ctx: CommandContext): string {
  return ctx.stage ?? ctx.configDir ?? ctx.resolve('/etc/postfix');
}

function systemctl(verb: string, unit: string): CommandSpec {
  return { cmd: 'systemctl', args: [verb, unit], timeoutMs: SLOW_MS };
}

/** Start Postfix: systemctl start, or configure-instance.sh (chroot sync) + postfix start. */
export function startCommands(ctx: CommandContext, state: ServiceState): CommandSpec[] {
  if (ctx.systemd && !ctx.configDir) return [systemctl('start', 'postfix')];
  const out: CommandSpec[] = [];
  if (state.configureInstance) {
    const spec: CommandSpec = { cmd: CONFIGURE_INSTANCE, args: ['-'], timeoutMs: SLOW_MS };
    if (ctx.configDir) spec.env = { MAIL_CONFIG: ctx.configDir };
    out.push(spec);
  }
  out.push(postfixCmd(ctx, 'start'));
  return out;
}

/** Stop Postfix (nothing when it is not running). */
export function stopCommands(ctx: CommandContext, state: ServiceState): CommandSpec[] {
  if (ctx.systemd && !ctx.configDir) return [systemctl('stop', 'postfix')];
  return state.postfixRunning ? [postfixCmd(ctx, 'stop')] : [];
}

/** Restart: systemctl restart (runs configure-instance.sh), or stop + configure-instance.sh + start. */
export function restartCommands(ctx: CommandContext, state: ServiceState): CommandSpec[] {
  if (ctx.systemd && !ctx.configDir) return [systemctl('restart', 'postfix')];
  return [...stopCommands(ctx, state), ...startCommands(ctx, state)];
}

/** Reload when running, else start. */
export function reloadCommands(ctx: CommandContext, state: ServiceState): CommandSpec[] {
  if (!state.postfixRunning) return startCommands(ctx, state);
  if (ctx.systemd && !ctx.configDir) return [systemctl('reload', 'postfix')];
  // reload only signals the running master (which re-reads its own directory): the stage serves.
  if (ctx.stage) return [{ cmd: 'postfix', args: ['-c', ctx.stage, 'reload'], tty: true, timeoutMs: SLOW_MS }];
  return [postfixCmd(ctx, 'reload')];
}

/** Restart rsyslog, or why not. */
export function syslogRestartCommands(ctx: CommandContext, state: ServiceState): ActionCommands {
  if (!ctx.rsyslog) return { skip: 'rsyslog is not installed' };
  if (ctx.systemd) return { run: [systemctl('restart', 'rsyslog')] };
  if (state.rsyslogRunning) return { run: [{ cmd: 'service', args: ['rsyslog', 'restart'], timeoutMs: SLOW_MS }] };
  return { skip: 'rsyslog is not running' };
}

/** The commands that carry out `action`. */
export function actionCommands(action: Action, ctx: CommandContext, state: ServiceState): ActionCommands {
  const cfgDir = readConfigDir(ctx);
  switch (action.kind) {
    case 'postmap': {
      const type = mapType(action.map, ctx.defaultDatabaseType);
      if (!(type in INDEXED_TYPES)) return { skip: `${type}: tables are read as text; no postmap needed` };
      return {
        run: [{ cmd: 'postmap', args: ['-c', cfgDir, `${type}:${ctx.resolve(action.path)}`], timeoutMs: SLOW_MS }],
      };
    }
    case 'newaliases':
      if (ctx.live && !ctx.configDir) {
        const args = ctx.stage ? ['-C', ctx.stage] : [];
        return { run: [{ cmd: 'newaliases', args, tty: true, timeoutMs: SLOW_MS }] };
      }
      return {
        run: [
          {
            cmd: 'postalias',
            args: ['-c', cfgDir, `${ctx.defaultDatabaseType}:${ctx.resolve(action.path)}`],
            timeoutMs: SLOW_MS,
          },
        ],
      };
    case 'postfix-check':
      return { run: [{ cmd: 'postfix', args: ['-c', cfgDir, 'check'], tty: true, timeoutMs: SLOW_MS }] };
    case 'reload':
      if (!ctx.live) return { skip: SANDBOX_SKIP };
      return { run: reloadCommands(ctx, state) };
    case 'restart':
      if (!ctx.live) return { skip: SANDBOX_SKIP };
      return { run: restartCommands(ctx, state) };
    case 'syslog-restart':
      if (!ctx.live) return { skip: SANDBOX_SKIP };
      return syslogRestartCommands(ctx, state);
  }
}
