/**
 * Plan actions → concrete commands (argv), for the live system or a --root sandbox. Pure: the
 * runtime state a choice depends on (is Postfix running, how the installed package fills the
 * chroot, which rsyslogd runs) is passed in as `ServiceState`; src/system/services.ts probes it
 * and runs them. Every choice follows what the installed packages do, never a distribution name.
 */
import type { Action } from '../model/plan.js';
import { versionAtLeast } from '../model/version.js';

/** One command to run. */
export interface CommandSpec {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** Run under a pseudo-terminal: postfix(1) before 3.8 prints its errors only to a terminal. */
  tty?: boolean;
  timeoutMs?: number;
  /** After the command, wait (up to timeoutMs) until this process has exited. */
  waitForExit?: number;
  /** Started and not waited for (RunOptions.background). */
  background?: boolean;
}

/** What the commands depend on besides the action. */
export interface CommandContext {
  /** Daemons may be touched (root is '/'). */
  live: boolean;
  /** System path → real path (Effects.resolve). */
  resolve(path: string): string;
  /** HostFacts.postfix.defaultDatabaseType. */
  defaultDatabaseType: string;
  /** HostFacts.postfix.version (mail_version), when Postfix is installed. */
  postfixVersion?: string;
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

/**
 * How the chroot in the queue directory gets the files it needs (/etc/hosts, resolv.conf, …)
 * before Postfix starts, as the installed package does it:
 * - 'postfix-start': `postfix start` does it itself (its post-install runs Debian's
 *   configure-instance.sh; Debian 13's postfix 3.9.1-7 and later), and calling that script by
 *   hand fails ("E: This is internal script used by postfix");
 * - 'configure-instance': the init script or unit runs `/usr/lib/postfix/configure-instance.sh`
 *   first (Debian 12, Ubuntu 22.04/24.04), so mailsetup does too without systemd;
 * - 'none': neither (upstream Postfix): nothing to run.
 */
export type ChrootSync = 'postfix-start' | 'configure-instance' | 'none';

/** A running rsyslogd: its pid, its command line, and whether root runs it. */
export interface RsyslogProcess {
  pid: number;
  argv: string[];
  root: boolean;
}

/** Runtime state the service commands depend on. */
export interface ServiceState {
  postfixRunning: boolean;
  /**
   * The running master's pid (live, the system's Postfix): its pid file names a live root process
   * called master (src/system/master.ts). A reload then signals it as postfix-script does.
   */
  masterPid?: number;
  chrootSync: ChrootSync;
  /** The running rsyslogd (only probed without systemd), or null. */
  rsyslogd: RsyslogProcess | null;
  /** /etc/init.d/rsyslog exists (service(8) can restart it; neither Debian 12 nor 13 ships one). */
  rsyslogInitScript: boolean;
  /** Where the rsyslogd binary is (HostFacts found it): what a restart without an init script runs. */
  rsyslogBinary: string;
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
 * The temporary files a Berkeley DB build makes beside a map while it creates the database
 * (__db.transport.db): left behind by a postmap that died, they make the next build wait and fail.
 */
export function temporaryDatabases(path: string): string[] {
  const slash = path.lastIndexOf('/');
  return [`${path.slice(0, slash)}/__db.${path.slice(slash + 1)}.db`];
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

function postfixArgs(sub: string, dir: string | undefined): string[] {
  return dir ? ['-c', dir, sub] : [sub];
}

/**
 * Whether postfix(1) must run under a terminal for its errors to be seen: before Postfix 3.8 it
 * wrote them only to a terminal (and syslog); since 3.8 also to stderr. Unknown version: yes.
 */
export function postfixNeedsTty(version: string | undefined): boolean {
  return version === undefined || !versionAtLeast(version, 3, 8);
}

/** `postfix [-c DIR] SUB`: DIR is the instance's configuration directory unless another is given. */
function postfixCmd(ctx: CommandContext, sub: string, dir: string | undefined = ctx.configDir): CommandSpec {
  const spec: CommandSpec = { cmd: 'postfix', args: postfixArgs(sub, dir), timeoutMs: SLOW_MS };
  if (postfixNeedsTty(ctx.postfixVersion)) spec.tty = true;
  return spec;
}

/** The configuration directory the read-only tools use: the stage when there is one. */
function readConfigDir(ctx: CommandContext): string {
  return ctx.stage ?? ctx.configDir ?? ctx.resolve('/etc/postfix');
}

function systemctl(verb: string, unit: string): CommandSpec {
  return { cmd: 'systemctl', args: [verb, unit], timeoutMs: SLOW_MS };
}

/**
 * Whether the text of Postfix's post-install script (`$daemon_directory/post-install`) runs
 * Debian's configure-instance.sh itself: then `postfix start` (and `postfix check`) fill the chroot.
 */
export function postInstallSyncsChroot(text: string): boolean {
  return text.split('\n').some((l) => !l.trim().startsWith('#') && l.includes('configure-instance.sh'));
}

/** Start Postfix: systemctl start, or [configure-instance.sh (chroot sync)] + postfix start. */
export function startCommands(ctx: CommandContext, state: ServiceState): CommandSpec[] {
  if (ctx.systemd && !ctx.configDir) return [systemctl('start', 'postfix')];
  const out: CommandSpec[] = [];
  if (state.chrootSync === 'configure-instance') {
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

/** Restart: systemctl restart, or stop + start (with the chroot sync the package needs). */
export function restartCommands(ctx: CommandContext, state: ServiceState): CommandSpec[] {
  if (ctx.systemd && !ctx.configDir) return [systemctl('restart', 'postfix')];
  return [...stopCommands(ctx, state), ...startCommands(ctx, state)];
}

/**
 * Reload when running, else start. The system's Postfix with its master's pid known (live): what
 * `postfix reload` does, without postfix-script around it (see signalReload). Otherwise systemctl
 * with systemd, else `postfix reload`.
 */
export function reloadCommands(ctx: CommandContext, state: ServiceState): CommandSpec[] {
  if (!state.postfixRunning) return startCommands(ctx, state);
  if (!ctx.configDir && ctx.live && state.masterPid !== undefined) return signalReload(ctx, state.masterPid);
  if (ctx.systemd && !ctx.configDir) return [systemctl('reload', 'postfix')];
  // reload only signals the running master (which re-reads its own directory): the stage serves.
  return [postfixCmd(ctx, 'reload', ctx.stage ?? ctx.configDir)];
}

/**
 * postfix-script's `reload`, step for step: `postsuper active` (postsuper's structure check and
 * clean-up of the active queue directory, before the reload), SIGHUP to the master (which
 * re-reads main.cf and master.cf, logs "reload -- version …, configuration …" and restarts its
 * services as they finish their work), then the bare `postsuper` (the queue's structure check),
 * started in the background as postfix-script starts it, on the live configuration (the stage
 * is gone when it reads it; it waits, as after any edit, until the new main.cf is older than a
 * second). (postfix-script's own log line, "refreshing the Postfix mail system", is left to the
 * master's.) `postsuper active` reads the stage when there is one. postfix-script is not run
 * itself because it first asks the default main.cf (`postconf -c /etc/postfix -h
 * multi_instance_directories`): right after an apply has placed a new main.cf, Postfix makes
 * that wait 1–2 s for the file to be older. The master reads
 * the new main.cf when the signal arrives (waiting there, if it must, without holding up the
 * apply). systemd's reload of Debian's unit runs the same `postfix reload` (postmulti -p reload).
 */
export function signalReload(ctx: CommandContext, pid: number): CommandSpec[] {
  const env = ctx.stage ? { env: { MAIL_CONFIG: ctx.stage } } : {};
  return [
    { cmd: 'postsuper', args: ['active'], ...env, timeoutMs: SLOW_MS },
    { cmd: 'kill', args: ['-HUP', String(pid)], timeoutMs: 30_000 },
    { cmd: 'postsuper', args: [], background: true },
  ];
}

/** Whether an rsyslogd command line keeps it in the foreground (-n, also combined as -nN…). */
export function rsyslogInForeground(argv: readonly string[]): boolean {
  return argv.slice(1).some((a) => /^-[A-Za-z]*n/.test(a) && !a.startsWith('--'));
}

/**
 * Restart rsyslog so that it reads /etc/rsyslog.d/postfix.conf and opens the socket inside the
 * chroot (`kill -HUP` is not enough: rsyslog 8 reads its configuration only when it starts). With
 * systemd: systemctl. Without: service(8) when an init script exists; else, when root's rsyslogd
 * runs daemonized, stop it (TERM, wait until it is gone) and start the installed rsyslogd with the
 * same arguments; else skipped, saying what to do.
 */
export function syslogRestartCommands(ctx: CommandContext, state: ServiceState): ActionCommands {
  if (!ctx.rsyslog) return { skip: 'rsyslog is not installed' };
  if (ctx.systemd) return { run: [systemctl('restart', 'rsyslog')] };
  const r = state.rsyslogd;
  if (r === null) {
    return {
      skip:
        "rsyslog is not running: nothing logs Postfix's messages until it runs; start it (rsyslogd), " +
        'or answer logging: file',
    };
  }
  if (state.rsyslogInitScript) return { run: [{ cmd: 'service', args: ['rsyslog', 'restart'], timeoutMs: SLOW_MS }] };
  const restartBy =
    'restart it yourself so that it reads /etc/rsyslog.d/postfix.conf (kill -HUP is not enough: rsyslog reads ' +
    'its configuration only when it starts)';
  if (!r.root) return { skip: `rsyslogd (pid ${r.pid}) is not run by root: ${restartBy}` };
  if (rsyslogInForeground(r.argv)) {
    return {
      skip: `rsyslogd (pid ${r.pid}) runs in the foreground (-n) under the program that started it: ${restartBy}`,
    };
  }
  return {
    run: [
      { cmd: 'kill', args: ['-TERM', String(r.pid)], timeoutMs: 30_000, waitForExit: r.pid },
      { cmd: state.rsyslogBinary, args: r.argv.slice(1), timeoutMs: 30_000 },
    ],
  };
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
        const spec: CommandSpec = { cmd: 'newaliases', args: ctx.stage ? ['-C', ctx.stage] : [], timeoutMs: SLOW_MS };
        if (postfixNeedsTty(ctx.postfixVersion)) spec.tty = true;
        return { run: [spec] };
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
    case 'unmap':
      return { skip: 'removes files; runs no command' };
    case 'postfix-check': {
      const spec: CommandSpec = { cmd: 'postfix', args: ['-c', cfgDir, 'check'], timeoutMs: SLOW_MS };
      if (postfixNeedsTty(ctx.postfixVersion)) spec.tty = true;
      return { run: [spec] };
    }
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
