/**
 * Host facts: what the planner needs to know about the machine, read once through `Effects`.
 *
 * Two kinds of facts: those of the running machine (host name, addresses, IPv6 default route,
 * systemd, rsyslog, the Postfix binaries) come from the host even under --root; those of the
 * configuration (distro from /etc/os-release, default_database_type from main.cf, the smtp port
 * from master.cf) come from the files under the root.
 */
import type { CommandResult, Effects, InterfaceInfo } from '../model/effects.js';
import type { DeprecatedParameter, HostAddress, HostFacts, PostfixFacts } from '../model/host.js';
import { addressScope, networkOf, prefixOfMask } from '../postfix/network.js';
import { masterRuns, masterTest, type MasterTest } from './master.js';
import { createRealEffects } from './realEffects.js';
import { readTlsHostFacts } from './tls.js';
import {
  DEBIAN_DIRECTORIES,
  guardSandbox,
  OWNER_KEYS,
  PACKAGE_KEYS,
  packageDirectoriesFrom,
  scratchQueueLayout,
} from './sandbox.js';

/** Options for `readHostFacts` (tests inject these; the CLI passes none). */
export interface HostFactsOptions {
  /** Effects for the running machine's facts; default: `fx` when live, else the real '/'. */
  hostFx?: Effects;
  /** Interface list; default the host's (Effects.networkInterfaces). */
  interfaces?: Readonly<Record<string, readonly InterfaceInfo[] | undefined>>;
  /** Kernel host name; default the machine's (Effects.kernelHostname). */
  osHostname?: string;
}

const PROBE_TIMEOUT_MS = 10_000;

/** Read every host fact. Probes that spawn commands run in parallel. */
export async function readHostFacts(fx: Effects, opts: HostFactsOptions = {}): Promise<HostFacts> {
  const hostFx = opts.hostFx ?? (fx.live ? fx : createRealEffects('/'));
  const osName = opts.osHostname ?? hostFx.kernelHostname();
  const [names, postfix, systemd, rsyslog, logrotate, distro, ipv6DefaultRoute, interfaces, tls, chrootOff] =
    await Promise.all([
      readHostNames(hostFx, osName),
      readPostfixFacts(fx, hostFx),
      exists(hostFx, '/run/systemd/system'),
      rsyslogInstalled(hostFx),
      exists(hostFx, '/usr/sbin/logrotate'),
      readDistro(fx, hostFx),
      readIpv6DefaultRoute(hostFx),
      opts.interfaces ?? hostFx.networkInterfaces(),
      readTlsHostFacts(fx, hostFx),
      recommendsChrootOff(hostFx),
    ]);
  if (chrootOff) postfix.recommendsChrootOff = true;
  return {
    fqdn: names.fqdn,
    hostname: names.hostname,
    addresses: interfaceAddresses(interfaces),
    postfix,
    systemd,
    rsyslog,
    logrotate,
    distro,
    ipv6DefaultRoute,
    tls,
  };
}

async function exists(fx: Effects, path: string): Promise<boolean> {
  return (await fx.stat(path)) !== null;
}

/** `hostname --fqdn`, else the first line of /etc/hostname, else the kernel's name. */
export async function readHostNames(fx: Effects, osHostname: string): Promise<{ fqdn: string; hostname: string }> {
  let fqdn = '';
  const r = await fx.run('hostname', ['--fqdn'], { timeoutMs: PROBE_TIMEOUT_MS });
  if (r.exitCode === 0) fqdn = r.stdout.trim().split(/\s+/)[0] ?? '';
  if (!fqdn) fqdn = ((await fx.readFile('/etc/hostname')) ?? '').split('\n')[0].trim();
  if (!fqdn) fqdn = osHostname.trim();
  const short = (osHostname.trim() || fqdn).split('.')[0];
  return { fqdn, hostname: short };
}

/** Where Debian's package keeps postfix-script (daemon_directory). */
export const POSTFIX_SCRIPT = '/usr/lib/postfix/sbin/postfix-script';

/**
 * The installed Postfix's package recommends `postfix chroot off`: its postfix-script has the
 * Debian-only `chroot)` command (3.9.1-8 added it together with that advice in README.Debian).
 * The program that runs is the host's, so this is read on the host even under --root.
 */
export async function recommendsChrootOff(fx: Effects): Promise<boolean> {
  const text = await fx.readFile(POSTFIX_SCRIPT).catch(() => null);
  return text !== null && /^chroot\)/m.test(text);
}

/** rsyslogd is installed (its binary exists). */
export async function rsyslogInstalled(fx: Effects): Promise<boolean> {
  for (const p of ['/usr/sbin/rsyslogd', '/sbin/rsyslogd']) if (await exists(fx, p)) return true;
  return false;
}

/** Every configured interface address with its subnet and scope. */
export function interfaceAddresses(
  ifaces: Readonly<Record<string, readonly InterfaceInfo[] | undefined>>,
): HostAddress[] {
  const out: HostAddress[] = [];
  for (const [iface, list] of Object.entries(ifaces)) {
    for (const info of list ?? []) {
      const fam = info.family as string | number;
      const family: 4 | 6 = fam === 'IPv4' || fam === 4 ? 4 : 6;
      const address = info.address.replace(/%.*$/, '');
      const prefix = info.cidr
        ? Number(info.cidr.slice(info.cidr.lastIndexOf('/') + 1))
        : prefixOfMask(info.netmask, family);
      out.push({
        iface,
        family,
        address,
        prefix,
        network: networkOf(address, prefix, family),
        scope: addressScope(address, family),
      });
    }
  }
  return out;
}

/**
 * Postfix installed/version, default_database_type, running, and the smtp port; under --root also
 * the package's directories and the private queue's layout (`hostFx`: the machine's files).
 */
export async function readPostfixFacts(fx: Effects, hostFx: Effects = fx): Promise<PostfixFacts> {
  const live = fx.live ? await liveConfiguredFacts(fx) : undefined;
  if (live !== undefined) return live;
  // One run of the host's `postconf -d` (it reads no main.cf of the sandbox, so it runs while a
  // sandbox's main.cf is checked): the version, the default table type (for a box without a
  // main.cf) and the package's directories (for a sandbox). Each name is a line of its own.
  // Started first: the plan waits for it, and the main thread has other work while it runs.
  const defaultsRun = fx.run(
    'postconf',
    ['-dh', 'mail_version', 'default_database_type', ...PACKAGE_KEYS, ...OWNER_KEYS],
    { timeoutMs: PROBE_TIMEOUT_MS },
  );
  defaultsRun.catch(() => undefined); // awaited below; a sandbox refused first must not leave it unhandled
  const masterCfRead = fx.readFile('/etc/postfix/master.cf').catch(() => null);
  const hasMain = (await fx.stat('/etc/postfix/main.cf')) !== null;
  const lines = defaultsRun.then((r) => (r.exitCode === 0 ? r.stdout.split('\n') : []));
  // A sandbox's main.cf is checked before any Postfix tool is given it (src/system/sandbox.ts).
  const directories = fx.live ? undefined : packageDirectoriesFrom((await lines).slice(2));
  if (hasMain && directories) await guardSandbox(fx, directories);
  // Read while the configuration is asked below.
  const scratchQueue = directories ? readScratchQueue(hostFx, directories.meta_directory, await lines) : undefined;
  const cfg = hasMain ? await fx.commandPath('/etc/postfix') : fx.resolve('/etc/postfix');
  // Live, the same call names master(8)'s directory and the queue: whether Postfix runs is then
  // asked as postfix-script's `status` asks it (master -t), without postfix-script's own postconf
  // runs and log line.
  const withDirs = hasMain && fx.live;
  // That question starts now too, from the package's daemon directory: it is taken when the
  // configuration names the same one (master -t reads the rest from MAIL_CONFIG's main.cf).
  const early = withDirs ? masterTest(fx, DEBIAN_DIRECTORIES.daemon_directory, cfg) : undefined;
  // Without a main.cf the default table type is the package's (asked above).
  const [[versionLine = '', defaultDbType = ''], conf, masterCf] = await Promise.all([
    lines,
    hasMain
      ? fx.run(
          'postconf',
          ['-c', cfg, '-h', 'default_database_type', ...(withDirs ? ['daemon_directory', 'queue_directory'] : [])],
          { timeoutMs: PROBE_TIMEOUT_MS },
        )
      : null,
    masterCfRead,
  ]);
  const [dbType = '', daemonDir = '', queueDir = ''] =
    conf === null ? [defaultDbType.trim()] : conf.exitCode === 0 ? conf.stdout.split('\n').map((l) => l.trim()) : [];
  // Without a main.cf Postfix cannot run (and `postfix status` would only fail, after a second's
  // sleep). In a --root sandbox no daemon of its own runs ('postfix -c DIR status' would report
  // the live system's, through the default queue_directory).
  const facts = await postfixFactsOf(fx, {
    version: versionLine.trim(), // no lines when postconf failed
    dbType,
    // Live with a main.cf (`early` started): master(8)'s directories, and whether it runs.
    ...(early ? { dirs: [daemonDir, queueDir], master: { configDir: cfg, started: early } } : {}),
    masterCf,
    conf,
  });
  if (directories) facts.directories = { ...directories };
  const layout = facts.installed ? await scratchQueue : undefined;
  if (layout) facts.scratchQueue = layout;
  return facts;
}

/**
 * The facts from what postconf said: installed when it named a version; master(8)'s and the
 * queue's directories when `dirs` are absolute; whether the master runs, asked (masterRuns) for
 * `master.configDir` when given; the smtp port from master.cf; the deprecated parameters postconf
 * warned of when it read the configuration (`conf`).
 */
async function postfixFactsOf(
  fx: Effects,
  said: {
    version: string;
    dbType: string;
    dirs?: [string, string];
    master?: { configDir: string; started?: MasterTest };
    masterCf: string | null;
    conf: CommandResult | null;
  },
): Promise<PostfixFacts> {
  const installed = said.version !== '';
  const facts: PostfixFacts = { installed, defaultDatabaseType: said.dbType || 'hash', running: false };
  const [daemonDir = '', queueDir = ''] = said.dirs ?? [];
  if (installed && daemonDir.startsWith('/') && queueDir.startsWith('/')) {
    facts.daemonDirectory = daemonDir;
    facts.queueDirectory = queueDir;
  }
  if (installed && said.master) facts.running = await masterRuns(fx, facts, said.master.configDir, said.master.started);
  if (installed) facts.version = said.version;
  const port = said.masterCf === null ? 25 : smtpPortFromMasterCf(said.masterCf);
  if (port !== undefined) facts.smtpPort = port;
  // Any postconf call that reads the configuration warns of its deprecated parameters (3.9+).
  if (said.conf !== null) facts.deprecated = deprecatedParameters(said.conf.stderr);
  return facts;
}

/**
 * readPostfixFacts on the live system with a main.cf: one postconf call says it all (mail_version
 * is the same with -c as with -d; the package's directories and owners matter to a sandbox only,
 * and its default table type only without a main.cf), and master -t starts beside it. undefined
 * without a main.cf, or when that call fails: the facts are then asked as for any box.
 */
async function liveConfiguredFacts(fx: Effects): Promise<PostfixFacts | undefined> {
  if ((await fx.stat('/etc/postfix/main.cf')) === null) return undefined;
  const cfg = await fx.commandPath('/etc/postfix');
  const masterCfRead = fx.readFile('/etc/postfix/master.cf').catch(() => null);
  // From the package's daemon directory: taken when the configuration names the same one.
  const early = masterTest(fx, DEBIAN_DIRECTORIES.daemon_directory, cfg);
  const conf = await fx.run(
    'postconf',
    ['-c', cfg, '-h', 'mail_version', 'default_database_type', 'daemon_directory', 'queue_directory'],
    { timeoutMs: PROBE_TIMEOUT_MS },
  );
  const [version = '', dbType = '', daemonDir = '', queueDir = ''] =
    conf.exitCode === 0 ? conf.stdout.split('\n').map((l) => l.trim()) : [];
  if (version === '') {
    await early.result.catch(() => undefined);
    return undefined;
  }
  return postfixFactsOf(fx, {
    version,
    dbType,
    dirs: [daemonDir, queueDir],
    master: { configDir: cfg, started: early },
    masterCf: await masterCfRead,
    conf,
  });
}

/**
 * The layout of a --root check's private queue (PostfixFacts.scratchQueue) from the package's
 * postfix-files (and postfix-files.d/, in name order) in `metaDirectory` and the host's accounts;
 * `lines` are `postconf -dh`'s, whose last two are the package's mail_owner and setgid_group.
 */
async function readScratchQueue(
  hostFx: Effects,
  metaDirectory: string,
  lines: readonly string[],
): Promise<PostfixFacts['scratchQueue']> {
  const at = 2 + PACKAGE_KEYS.length;
  const [mailOwner = '', setgidGroup = ''] = lines.slice(at, at + OWNER_KEYS.length).map((l) => l.trim());
  if (!mailOwner || !setgidGroup) return undefined;
  const read = (p: string) => hostFx.readFile(p).catch(() => null);
  const dropIns = `${metaDirectory}/postfix-files.d`;
  const [main, names, passwd, group] = await Promise.all([
    read(`${metaDirectory}/postfix-files`),
    hostFx.listDir(dropIns).catch(() => []),
    read('/etc/passwd'),
    read('/etc/group'),
  ]);
  if (main === null) return undefined;
  const extra = await Promise.all([...names].sort().map((n) => read(`${dropIns}/${n}`)));
  if (extra.some((t) => t === null)) return undefined;
  const texts = [main, ...extra.filter((t): t is string => t !== null)];
  return scratchQueueLayout(texts, { mail_owner: mailOwner, setgid_group: setgidGroup }, passwd, group);
}

/**
 * The deprecated parameters in postconf's warnings (`postconf: warning: /etc/postfix/main.cf:
 * support for parameter "smtpd_use_tls" will be removed; instead, specify
 * "smtpd_tls_security_level"`), each once per file, in the order Postfix names them.
 */
export function deprecatedParameters(stderr: string): DeprecatedParameter[] {
  const out: DeprecatedParameter[] = [];
  const re =
    /^\S+: warning: \S*\/(main\.cf|master\.cf): support for parameter "([^"]+)" will be removed; instead, (.*)$/;
  for (const line of stderr.split('\n')) {
    const m = re.exec(line.trim());
    if (!m) continue;
    const file = m[1] as DeprecatedParameter['file'];
    if (!out.some((d) => d.name === m[2] && d.file === file)) out.push({ name: m[2], file, advice: m[3].trim() });
  }
  return out;
}

const SERVICE_PORTS: Record<string, number> = { smtp: 25, submission: 587, smtps: 465, submissions: 465 };

/**
 * The port of the smtp/inet service: among the inet services that run smtpd or postscreen,
 * the one on port 25 (name `smtp`/`25`, with or without `host:`), else the first that is not
 * submission (587) or smtps (465). undefined when master.cf has no such service.
 * A minimal parser: logical lines (continuations start with whitespace), fields split on
 * whitespace, comments and blank lines skipped.
 */
export function smtpPortFromMasterCf(text: string): number | undefined {
  const logical: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    if (/^\s/.test(line) && logical.length > 0) logical[logical.length - 1] += ` ${line.trim()}`;
    else if (!/^\s/.test(line)) logical.push(line);
  }
  const ports: number[] = [];
  for (const l of logical) {
    const f = l.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== 'inet') continue;
    const command = f[7].split('/').pop();
    if (command !== 'smtpd' && command !== 'postscreen') continue;
    const name = f[0].slice(f[0].lastIndexOf(':') + 1);
    const port = /^\d+$/.test(name) ? Number(name) : SERVICE_PORTS[name];
    if (port !== undefined) ports.push(port);
  }
  if (ports.includes(25)) return 25;
  return ports.find((p) => p !== 587 && p !== 465);
}

/** ID, VERSION_ID and Debian-likeness from /etc/os-release (under the root, else the host's). */
export async function readDistro(fx: Effects, hostFx: Effects): Promise<HostFacts['distro']> {
  const text =
    (await fx.readFile('/etc/os-release').catch(() => null)) ??
    (await hostFx.readFile('/etc/os-release').catch(() => null)) ??
    (await hostFx.readFile('/usr/lib/os-release').catch(() => null));
  return parseOsRelease(text ?? '');
}

/** Parse os-release(5) text. */
export function parseOsRelease(text: string): HostFacts['distro'] {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2].trim();
    if (/^".*"$/.test(v)) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    else if (/^'.*'$/.test(v)) v = v.slice(1, -1);
    vars[m[1]] = v;
  }
  const id = vars.ID || 'unknown';
  const like = (vars.ID_LIKE ?? '').split(/\s+/);
  return { id, versionId: vars.VERSION_ID ?? '', debianLike: id === 'debian' || like.includes('debian') };
}

const RTF_UP = 0x0001;
const RTF_REJECT = 0x0200;

/** A usable IPv6 default route (::/0, up, not a reject route, not via lo) in /proc/net/ipv6_route. */
export async function readIpv6DefaultRoute(fx: Effects): Promise<boolean> {
  const text = await fx.readFile('/proc/net/ipv6_route').catch(() => null);
  return text === null ? false : hasIpv6DefaultRoute(text);
}

/** The parsing half of readIpv6DefaultRoute. */
export function hasIpv6DefaultRoute(text: string): boolean {
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    if (!/^0{32}$/.test(f[0]) || f[1] !== '00' || f[9] === 'lo') continue;
    const flags = parseInt(f[8], 16);
    if ((flags & RTF_UP) !== 0 && (flags & RTF_REJECT) === 0) return true;
  }
  return false;
}
