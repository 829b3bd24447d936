/**
 * Host probes the wizard runs before asking: can this host reach port 25 of a host the user
 * names, does it sit behind NAT, does IPv6 work, is the host name usable, where do logs go, are
 * the SASL modules there. Each probe is small and bounded; none scans anything: the only network
 * probe connects to the one destination the user gave.
 * (The map type is HostFacts.postfix.defaultDatabaseType; it is not probed again here.)
 */
import { parseRelayhost } from '../postfix/validate.js';
import { rsyslogInstalled } from './hostFacts.js';
import { SERVICE_PORTS } from './smtpLogin.js';
import { NO_PROBES, type Effects } from '../model/effects.js';
import { behindNat, ipv6Usable, type HostFacts } from '../model/host.js';

export type TcpVerdict = 'open' | 'refused' | 'timeout' | 'unreachable';

/** The members of Effects that reach the network. */
const NETWORK = new Set<string | symbol>(['connect', 'resolveMx', 'resolveDns', 'dnssecProbe', 'starttlsProbe']);

/**
 * `fx` for a run that asks nothing of the network (--no-probes): the same Effects with `noProbes`
 * set, whose network members reject (code ENOPROBES) instead of reaching out. The callers check
 * `noProbes` first and report the probe as not done; the rejection guards any they miss.
 */
export function withoutProbes<T extends Effects>(fx: T): T {
  const refuse = () => Promise.reject(Object.assign(new Error(NO_PROBES), { code: 'ENOPROBES' }));
  return new Proxy(fx, {
    get(target, key, receiver) {
      if (key === 'noProbes') return true;
      if (NETWORK.has(key)) return refuse;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/** The verdict for a connect error code (ECONNREFUSED → refused, EHOSTUNREACH → unreachable, …). */
export function verdictOfError(code: string | undefined): TcpVerdict {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  // No route, no address for the name, network down, address not available: nothing to reach.
  return 'unreachable';
}

/** One bounded TCP connect: open, refused (RST), timeout (no answer), or unreachable (no route / no such name). */
export async function probeTcp(
  fx: Pick<Effects, 'connect'>,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<TcpVerdict> {
  try {
    (await fx.connect({ host, port, timeoutMs })).close();
    return 'open';
  } catch (e) {
    return verdictOfError((e as NodeJS.ErrnoException).code);
  }
}

export interface Outbound25 {
  /** What the user named ("[smtp.example.net]:587", "example.org"). */
  target: string;
  /** The host actually tried (the best MX for an unbracketed domain). */
  host: string;
  port: number;
  verdict: TcpVerdict;
  /** What to do about it; null when the port is open. */
  advice: string | null;
}

export interface Outbound25Options {
  timeoutMs?: number;
}

/** The advice for one outbound verdict. */
export function outboundAdvice(host: string, port: number, verdict: TcpVerdict, timeoutMs: number): string | null {
  const where = `${host} port ${port}`;
  switch (verdict) {
    case 'open':
      return null;
    case 'timeout':
      return port === 25
        ? `port 25 looks blocked: no answer from ${where} within ${timeoutMs / 1000} s ` +
            '(many cloud and home providers block outgoing port 25): use a smart host on 587 or 465'
        : `no answer from ${where} within ${timeoutMs / 1000} s: a firewall may drop the connection`;
    case 'refused':
      return (
        `${where} refused the connection: nothing listens there, or a firewall rejects it` +
        (port === 25 ? '; if your provider blocks port 25, use a smart host on 587 or 465' : '')
      );
    case 'unreachable':
      return `${host} is unreachable from here (no route, or the name does not resolve)`;
  }
}

/**
 * Connect (bounded) to the relay host or MX the user named, on its port (25 when none is
 * given). Only when a target is given: undefined → null, nothing is probed.
 */
export async function outbound25(
  fx: Pick<Effects, 'connect' | 'resolveMx'>,
  target: string | undefined,
  opts: Outbound25Options = {},
): Promise<Outbound25 | null> {
  if (target === undefined || target.trim() === '') return null;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const r = parseRelayhost(target.trim());
  if (r.host.startsWith('$')) throw new Error(`outbound probe: "${target}" refers to a parameter: give a host name`);
  let port = 25;
  if (typeof r.port === 'number') port = r.port;
  else if (typeof r.port === 'string') {
    const p = SERVICE_PORTS[r.port.toLowerCase()];
    if (p === undefined) throw new Error(`outbound probe: unknown service "${r.port}": write the port number`);
    port = p;
  }
  let host = r.host;
  if (!r.bracketed) {
    const mx = await Promise.race([
      fx.resolveMx(r.host).catch(() => []),
      new Promise<Array<{ exchange: string; priority: number }>>((res) => setTimeout(() => res([]), timeoutMs).unref()),
    ]);
    const best = [...mx]
      .filter((m) => m.exchange !== '' && m.exchange !== '.')
      .sort((a, b) => a.priority - b.priority)[0];
    if (best) host = best.exchange.replace(/\.$/, '').toLowerCase();
  }
  const verdict = await probeTcp(fx, host, port, timeoutMs);
  return { target, host, port, verdict, advice: outboundAdvice(host, port, verdict, timeoutMs) };
}

export type NatStatus = 'public' | 'private-only';

/**
 * 'public' when the host has a public IPv4 address on an interface, else 'private-only'
 * (behind NAT or a proxy for IPv4: a receiving role needs proxy_interfaces = the public address).
 */
export function natStatus(host: HostFacts): NatStatus {
  return behindNat(host) ? 'private-only' : 'public';
}

/**
 * The proxy_interfaces advice for a host that other servers reach as an MX (`isMx`: the role is
 * its domain's MX or a backup MX), or null.
 */
export function natAdvice(host: HostFacts, isMx: boolean): string | null {
  if (natStatus(host) === 'public') return null;
  if (!isMx) return null;
  return (
    'this host has only private IPv4 addresses (NAT): give its public address in proxy_interfaces, ' +
    'so Postfix knows mail for it is local and does not loop'
  );
}

export interface Ipv6Status {
  defaultRoute: boolean;
  /** A global (public) IPv6 address on an interface. */
  globalAddress: boolean;
  /** Use inet_protocols = ipv4, and why; null when IPv6 works. */
  advice: string | null;
}

/** IPv6: a default route and a global address, or advice to send over IPv4 only. */
export function ipv6Status(host: HostFacts): Ipv6Status {
  const defaultRoute = host.ipv6DefaultRoute;
  const globalAddress = host.addresses.some((a) => a.family === 6 && a.scope === 'public');
  const restart = 'Postfix must be stopped and started for this (a reload is not enough)';
  let advice: string | null = null;
  if (ipv6Usable(host)) advice = null;
  else if (!defaultRoute) {
    advice = `no IPv6 default route: use inet_protocols = ipv4, or Postfix tries IPv6 addresses of other servers and logs "Network is unreachable"; ${restart}`;
  } else if (!globalAddress) {
    advice = `an IPv6 route but no global IPv6 address: use inet_protocols = ipv4 unless your provider routes your IPv6 addresses; ${restart}`;
  }
  return { defaultRoute, globalAddress, advice };
}

/** Problems with a host name as myhostname (empty list when it is fine). */
export function fqdnSanity(fqdn: string): string[] {
  const problems: string[] = [];
  const name = fqdn.trim();
  if (name === '')
    return ['the host name is empty: give the name other mail servers know this host by, e.g. mail.example.com'];
  const lower = name.toLowerCase();
  if (name.endsWith('.')) problems.push(`"${name}" ends with a dot: write it without the trailing dot`);
  const bare = lower.replace(/\.$/, '');
  if (!bare.includes('.'))
    problems.push(`"${name}" has no dot: mail servers need a fully qualified name, e.g. ${bare}.example.com`);
  if (bare === 'localhost' || bare.startsWith('localhost.'))
    problems.push(`"${name}" is localhost: other servers cannot reach or greet it by that name`);
  if (bare === 'localdomain' || bare.endsWith('.localdomain'))
    problems.push(`"${name}" ends in .localdomain: that is no real domain; other servers reject mail from it`);
  return problems;
}

export interface LoggingStatus {
  rsyslog: boolean;
  logging: 'syslog' | 'file';
  advice: string;
}

/** rsyslog (binary /usr/sbin/rsyslogd) present → syslog; else Postfix's own log file. */
export async function loggingStatus(fx: Effects): Promise<LoggingStatus> {
  const rsyslog = await rsyslogInstalled(fx);
  return rsyslog
    ? { rsyslog, logging: 'syslog', advice: 'rsyslog is installed: Postfix logs through syslog to /var/log/mail.log' }
    : {
        rsyslog,
        logging: 'file',
        advice:
          'no rsyslog here: Postfix logs to its own file, maillog_file = /var/log/postfix.log, ' +
          'written by the postlog service in master.cf; rotate it with "postfix logrotate"',
      };
}

/**
 * Whether libsasl2-modules is installed (Postfix's SMTP client has no AUTH mechanism without
 * it: "No worthy mechs found"). null when dpkg-query is not there (not Debian-like).
 */
export async function saslModules(fx: Effects): Promise<boolean | null> {
  const r = await fx.run('dpkg-query', ['-W', '-f=${Status}', 'libsasl2-modules'], { timeoutMs: 30_000 });
  if (r.exitCode === 127) return null;
  return r.exitCode === 0 && /\binstall ok installed\b/.test(r.stdout);
}

/** Every probe's result, for the summary. */
export interface ProbeResults {
  host: HostFacts;
  /** Whether the role makes this host an MX (see natAdvice). */
  isMx?: boolean;
  outbound?: Outbound25 | null;
  logging?: LoggingStatus;
  /** Result of saslModules, when a smart host login is planned. */
  sasl?: boolean | null;
}

/** Run the probes that need the machine (outbound only for a named target; SASL only when asked). */
export async function runProbes(
  fx: Effects,
  host: HostFacts,
  opts: { isMx?: boolean; target?: string; sasl?: boolean; timeoutMs?: number } = {},
): Promise<ProbeResults> {
  const [outbound, logging, sasl] = await Promise.all([
    // --no-probes: not tried (as without a target).
    outbound25(fx, fx.noProbes ? undefined : opts.target, { timeoutMs: opts.timeoutMs }).catch((e: Error) => ({
      target: opts.target ?? '',
      host: '',
      port: 25,
      verdict: 'unreachable' as const,
      advice: e.message,
    })),
    loggingStatus(fx),
    opts.sasl ? saslModules(fx) : Promise.resolve(undefined),
  ]);
  const out: ProbeResults = { host, outbound, logging };
  if (opts.isMx !== undefined) out.isMx = opts.isMx;
  if (sasl !== undefined) out.sasl = sasl;
  return out;
}

/** The lines for the wizard's first screen: one per finding, "ok" facts first, then advice. */
export function probeSummary(p: ProbeResults): string[] {
  const lines: string[] = [];
  const names = fqdnSanity(p.host.fqdn);
  lines.push(names.length === 0 ? `Host name: ${p.host.fqdn}` : `Host name: ${p.host.fqdn}: ${names.join('; ')}`);
  const nat = natStatus(p.host);
  const v4 = p.host.addresses
    .filter((a) => a.family === 4 && a.scope !== 'loopback' && a.scope !== 'link-local')
    .map((a) => a.address);
  lines.push(
    nat === 'public'
      ? `Public IPv4 address: ${v4.join(', ')}`
      : `Only private IPv4 addresses${v4.length ? ` (${v4.join(', ')})` : ''}: behind NAT`,
  );
  const natA = p.isMx !== undefined ? natAdvice(p.host, p.isMx) : null;
  if (natA) lines.push(`  → ${natA}`);
  const v6 = ipv6Status(p.host);
  lines.push(
    v6.advice === null
      ? 'IPv6: default route and a global address'
      : `IPv6: ${v6.defaultRoute ? 'default route' : 'no default route'}, ${v6.globalAddress ? 'a global address' : 'no global address'}`,
  );
  if (v6.advice) lines.push(`  → ${v6.advice}`);
  if (p.logging) lines.push(`Logging: ${p.logging.advice}`);
  if (p.outbound) {
    const o = p.outbound;
    lines.push(
      `Outgoing to ${o.target}${o.host && o.host !== o.target ? ` (${o.host})` : ''} port ${o.port}: ${o.verdict}`,
    );
    if (o.advice) lines.push(`  → ${o.advice}`);
  }
  if (p.sasl === false)
    lines.push(
      'SASL: libsasl2-modules is not installed: the smart host login needs it (apt-get install libsasl2-modules)',
    );
  else if (p.sasl === true) lines.push('SASL: libsasl2-modules installed');
  lines.push(`Map type: ${p.host.postfix.defaultDatabaseType}`);
  return lines;
}
