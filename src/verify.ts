/**
 * mailsetup --verify: checks that the running Postfix does what its role promises, each printed
 * as ✓ (passed), ✗ (failed) or - (skipped) with the reason, and the log lines that explain a
 * failure. The checks:
 *
 * - mailsetup's state file is there (it says which role was set up and what mailsetup wrote);
 * - Postfix runs (`postfix status`) and `postfix check` is clean;
 * - the smtp service listens where the role wants it (/proc/net/tcp and tcp6 LISTEN sockets on
 *   its port): a null client on loopback only, the other roles beyond loopback;
 * - an outside client cannot relay: a session from a local address outside mynetworks (a
 *   loopback alias such as 127.0.0.9, or another address of this host) tries a foreign recipient,
 *   the percent hack, a source route, a second @, a quoted local part and an address literal;
 *   every RCPT must be refused (no DATA is ever sent);
 * - a test message to postmaster is accepted over SMTP on loopback and delivered (the log shows
 *   status=sent for its queue id and every message it was forwarded as; a null client must hand
 *   it to the relay host);
 * - `sendmail -bv` (null sender, so no report mail) for a sample address of each class the role
 *   handles: local, relay domain, foreign (only through a relay host: verify never contacts
 *   strangers' MX hosts), read from the log: status=deliverable and the expected relay;
 * - `postmap -q` / `postalias -q` of every key mailsetup wrote in each lookup table and alias
 *   (from the state file) gives the value it wrote.
 *
 * Exit code 0 when nothing failed, 1 otherwise. The log is `maillog_file` when set, else
 * /var/log/mail.log; only lines written after verify started are read, and every wait is bounded.
 */
import { closeSync, openSync, readSync, statSync, readFileSync } from 'node:fs';
import { endianness, networkInterfaces } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Address4, Address6 } from 'ip-address';
import { MasterCf } from './postfix/masterCf.js';
import { parseState, type State } from './plan/state.js';
import type { RoleId } from './model/answers.js';
import { SmtpSession, queueIdOf, type SmtpReply } from './system/smtpClient.js';
import { smtpPortFromMasterCf } from './system/hostFacts.js';
import { warningLines } from './system/services.js';
import type { Effects } from './model/effects.js';
import type { HostFacts } from './model/host.js';
import { STATE_PATH } from './model/paths.js';

export interface VerifyOptions {
  color: boolean;
  /**
   * A Postfix configuration directory other than /etc/postfix (a private instance, tests). Its
   * files are then looked up there: /etc/postfix/X → DIR/X, /etc/aliases → DIR/aliases, the state
   * file → DIR/mailsetup.yaml.
   */
  configDir?: string;
  /**
   * host:port ([v6]:port) of the smtp service to probe, for an instance whose smtp service is
   * pinned to one address standing in for the role's public address (tests). The listening check
   * then requires that address instead of judging loopback against the role.
   */
  smtpAddress?: string;
  /** Bound on each wait for a log line (default 30 s). */
  waitMs?: number;
  /** Where the report goes (default stdout). */
  write?: (s: string) => void;
}

export type CheckStatus = 'ok' | 'failed' | 'skipped';

/** One check's outcome. */
export interface CheckResult {
  label: string;
  status: CheckStatus;
  detail: string;
  /** Log or command lines that explain a failure. */
  explain: string[];
}

/* ------------------------------------------------------------------------------------------ */
/* Listening sockets                                                                           */
/* ------------------------------------------------------------------------------------------ */

/** A TCP socket in LISTEN state. */
export interface ListenSocket {
  address: string; // 127.0.0.1, ::1, 0.0.0.0, ::
  port: number;
  family: 4 | 6;
  loopback: boolean;
  /** 0.0.0.0 or :: (every address). */
  wildcard: boolean;
}

function hexBytes(hex: string, littleEndian: boolean): number[] {
  const out: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(word.slice(i, i + 2), 16));
    out.push(...(littleEndian ? bytes.reverse() : bytes));
  }
  return out;
}

/** The LISTEN sockets of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6) text. */
export function parseProcNetTcp(text: string, family: 4 | 6, littleEndian = endianness() === 'LE'): ListenSocket[] {
  const out: ListenSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '0A') continue; // 0A = TCP_LISTEN
    const [addrHex, portHex] = f[1].split(':');
    const port = Number.parseInt(portHex, 16);
    const bytes = hexBytes(addrHex, littleEndian);
    let address: string;
    let loopback: boolean;
    let wildcard: boolean;
    if (family === 4) {
      address = bytes.join('.');
      loopback = bytes[0] === 127;
      wildcard = address === '0.0.0.0';
    } else {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
      address = new Address6(groups.join(':')).correctForm();
      // ::ffff:a.b.c.d (an IPv4 socket seen through tcp6): loopback when a is 127.
      const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
      loopback = address === '::1' || (mapped && bytes[12] === 127);
      wildcard = address === '::';
    }
    out.push({ address, port, family, loopback, wildcard });
  }
  return out;
}

/** The host's LISTEN sockets (from /proc/net/tcp and tcp6), optionally only those on `port`. */
export function listeningSockets(port?: number): ListenSocket[] {
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  const all = [...parseProcNetTcp(read('/proc/net/tcp'), 4), ...parseProcNetTcp(read('/proc/net/tcp6'), 6)];
  const seen = new Set<string>();
  return all.filter((s) => {
    const k = `${s.address}|${s.port}`;
    if ((port !== undefined && s.port !== port) || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function showEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Parse "host:port" / "[v6]:port". */
export function parseEndpoint(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`"${text}" is not host:port (or [ipv6]:port)`);
  return { host: m[1], port: Number(m[2]) };
}

/* ------------------------------------------------------------------------------------------ */
/* mynetworks                                                                                  */
/* ------------------------------------------------------------------------------------------ */

type Net = Address4 | Address6;

/** mynetworks (expanded) as networks; throws naming the first entry that is not an address or CIDR. */
export function parseMynetworks(value: string): Net[] {
  const out: Net[] = [];
  for (const raw of value.split(/[\s,]+/).filter((s) => s !== '')) {
    const item = raw.replace(/^\[([^\]]+)\](\/\d+)?$/, '$1$2');
    try {
      if (Address4.isValid(item)) out.push(new Address4(item));
      else if (Address6.isValid(item)) out.push(new Address6(item));
      else throw new Error();
    } catch {
      throw new Error(`mynetworks has an entry verify cannot evaluate: ${raw}`);
    }
  }
  return out;
}

/** Whether `address` lies in one of `nets`. */
export function inNetworks(address: string, nets: Net[]): boolean {
  const v4 = Address4.isValid(address);
  const a = v4 ? new Address4(address) : new Address6(address);
  for (const n of nets) {
    if (n instanceof Address4 !== v4) continue;
    if ((a as Address4).isInSubnet(n as Address4)) return true;
  }
  return false;
}

/**
 * A local address outside mynetworks that can reach `target` (a loopback alias for a loopback
 * IPv4 target, else another address of this host of the target's family), or null.
 */
export function outsideSource(target: string, nets: Net[], hostAddrs: string[]): string | null {
  const v4 = Address4.isValid(target);
  const candidates: string[] = [];
  if (v4 && target.startsWith('127.')) candidates.push('127.0.0.9', '127.0.0.99', '127.1.0.9', '127.254.254.254');
  for (const a of hostAddrs) {
    if (Address4.isValid(a) === v4 && !a.startsWith('127.') && a !== '::1' && !/^fe80:/i.test(a)) candidates.push(a);
  }
  return candidates.find((c) => !inNetworks(c, nets)) ?? null;
}

/* ------------------------------------------------------------------------------------------ */
/* The log                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** Reads what a log file gains after the reader was made. */
class LogTail {
  private offset: number;
  private text = '';
  constructor(readonly path: string) {
    this.offset = LogTail.size(path);
  }

  private static size(path: string): number {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  }

  readable(): boolean {
    try {
      closeSync(openSync(this.path, 'r'));
      return true;
    } catch {
      return false;
    }
  }

  /** Every line written since the reader was made. */
  lines(): string[] {
    try {
      const size = LogTail.size(this.path);
      if (size < this.offset) this.offset = 0; // rotated
      if (size > this.offset) {
        const fd = openSync(this.path, 'r');
        try {
          const buf = Buffer.alloc(size - this.offset);
          const n = readSync(fd, buf, 0, buf.length, this.offset);
          this.text += buf.subarray(0, n).toString('utf8');
          this.offset += n;
        } finally {
          closeSync(fd);
        }
      }
    } catch {
      // An unreadable log reads as empty; the callers say so.
    }
    return this.text.split('\n').filter((l) => l !== '');
  }

  /** Poll until `pick` returns a value (or `ms` pass: undefined). */
  async wait<T>(ms: number, pick: (lines: string[]) => T | undefined): Promise<T | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pick(this.lines());
      if (v !== undefined) return v;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** One delivery line of the log: "QID: to=<a>, orig_to=<b>, relay=r, …, status=s (text)". */
export interface DeliveryLine {
  queueId: string;
  to: string;
  origTo?: string;
  relay: string;
  status: string;
  text: string;
  line: string;
}

/** Parse a delivery line of a Postfix log, or null. */
export function parseDeliveryLine(line: string): DeliveryLine | null {
  const m =
    /: ([0-9A-Za-z]+): to=<([^>]*)>, (?:orig_to=<([^>]*)>, )?relay=([^,]+), .*?status=(\w+)(?: \((.*)\))?$/.exec(line);
  if (!m) return null;
  const d: DeliveryLine = { queueId: m[1], to: m[2], relay: m[4], status: m[5], text: m[6] ?? '', line };
  if (m[3] !== undefined) d.origTo = m[3];
  return d;
}

/**
 * The final deliveries of queue id `qid` in `lines`, following "forwarded as NEWID" chains;
 * null while one of them has no final status yet.
 */
export function deliveryChain(lines: string[], qid: string): DeliveryLine[] | null {
  const out: DeliveryLine[] = [];
  const todo = [qid];
  const seen = new Set<string>();
  while (todo.length) {
    const id = todo.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const ds = lines.map(parseDeliveryLine).filter((d): d is DeliveryLine => d !== null && d.queueId === id);
    if (ds.length === 0) return null;
    for (const d of ds) {
      const fwd = /forwarded as ([0-9A-Za-z]+)/.exec(d.text);
      if (d.status === 'sent' && fwd) todo.push(fwd[1]);
      else out.push(d);
    }
  }
  return out;
}

/** Lines of `lines` that mention one of the queue ids. */
function linesOf(lines: string[], ids: string[]): string[] {
  return lines.filter((l) => ids.some((id) => l.includes(` ${id}: `)));
}

/* ------------------------------------------------------------------------------------------ */
/* The checks                                                                                  */
/* ------------------------------------------------------------------------------------------ */

const FOREIGN = 'relay-test.mailsetup.invalid';
/** The foreign sample of the address checks: asked of the relay host only (RCPT, no mail). */
const FOREIGN_SAMPLE = 'mailsetup-verify@example.net';

interface Ctx {
  fx: Effects;
  host: HostFacts;
  cfg: string;
  opts: VerifyOptions;
  waitMs: number;
  params: Record<string, string>;
  state: State | null;
  role: RoleId | null;
  log: LogTail;
  running: boolean;
  target: { host: string; port: number } | null;
}

const PARAMS = [
  'myhostname',
  'mydomain',
  'myorigin',
  'mydestination',
  'mynetworks',
  'inet_interfaces',
  'inet_protocols',
  'proxy_interfaces',
  'relayhost',
  'relay_domains',
  'maillog_file',
  'default_database_type',
] as const;

/** A system path of a file mailsetup wrote, as a real path (configDir-aware). */
function realPath(ctx: Pick<Ctx, 'fx' | 'opts'>, path: string): string {
  const dir = ctx.opts.configDir;
  if (dir) {
    if (path.startsWith('/etc/postfix/')) return `${dir}/${path.slice('/etc/postfix/'.length)}`;
    if (path === '/etc/aliases') return `${dir}/aliases`;
  }
  return ctx.fx.resolve(path);
}

async function readParams(fx: Effects, cfg: string): Promise<Record<string, string> | string> {
  const r = await fx.run('postconf', ['-c', cfg, '-xh', ...PARAMS], { timeoutMs: 30_000 });
  if (r.exitCode !== 0) return `postconf -c ${cfg} exited ${r.exitCode}: ${r.stderr.trim()}`;
  const values = r.stdout.split('\n');
  return Object.fromEntries(PARAMS.map((p, i) => [p, (values[i] ?? '').trim()]));
}

function listOf(v: string | undefined): string[] {
  return (v ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

/** The smtp service's port and pinned host (when master.cf names HOST:PORT). */
function smtpService(masterText: string | null): { port: number; host?: string } | null {
  if (masterText === null) return { port: 25 };
  const port = smtpPortFromMasterCf(masterText);
  if (port === undefined) return null;
  let services;
  try {
    services = MasterCf.parse(masterText).services();
  } catch {
    return { port };
  }
  for (const s of services) {
    if (s.type !== 'inet' || !s.service.includes(':')) continue;
    const cut = s.service.lastIndexOf(':');
    const p = s.service.slice(cut + 1);
    if (p === String(port) || (port === 25 && p === 'smtp'))
      return { port, host: s.service.slice(0, cut).replace(/^\[|\]$/g, '') };
  }
  return { port };
}

async function checkState(ctx: Ctx): Promise<CheckResult> {
  const label = 'mailsetup state';
  const path = ctx.opts.configDir ? `${ctx.opts.configDir}/mailsetup.yaml` : ctx.fx.resolve(STATE_PATH);
  const text = ctx.opts.configDir ? await ctx.fx.readFile(path) : await ctx.fx.readFile(STATE_PATH);
  if (text === null)
    return {
      label,
      status: 'failed',
      detail: `no ${path}: mailsetup has not configured this Postfix (run mailsetup first)`,
      explain: [],
    };
  try {
    ctx.state = parseState(text);
  } catch (e) {
    return { label, status: 'failed', detail: (e as Error).message, explain: [] };
  }
  ctx.role = ctx.state.answers.role;
  return { label, status: 'ok', detail: `role ${ctx.role}, set up by mailsetup (${path})`, explain: [] };
}

async function checkRunning(ctx: Ctx): Promise<CheckResult> {
  const label = 'Postfix runs';
  if (!ctx.fx.live && !ctx.opts.configDir) {
    // `postfix -c SANDBOX/etc/postfix status` would ask the system's queue directory, and the
    // SMTP checks would then talk to the system's Postfix: a sandbox gets the file checks only.
    return {
      label,
      status: 'skipped',
      detail: `--root ${ctx.fx.root}: no Postfix runs from a sandbox; only its files are checked`,
      explain: [],
    };
  }
  const r = await ctx.fx.run('postfix', ['-c', ctx.cfg, 'status'], { tty: true, timeoutMs: 30_000 });
  const said =
    (r.stderr.trim() || r.stdout.trim())
      .split('\n')
      .pop()
      ?.replace(/^postfix\/postfix-script: /, '') ?? '';
  ctx.running = r.exitCode === 0;
  if (ctx.running) return { label, status: 'ok', detail: `postfix status: ${said || 'exit 0'}`, explain: [] };
  const explain = ctx.log.readable()
    ? tailOf(ctx.log.path, 400)
        .filter((l) => /\b(fatal|panic|error|warning):/.test(l))
        .slice(-10)
    : [];
  return { label, status: 'failed', detail: `postfix status exited ${r.exitCode}${said ? `: ${said}` : ''}`, explain };
}

/** The last `max` lines of a file (for explanations of a failure that happened before verify). */
function tailOf(path: string, max: number): string[] {
  try {
    const size = statSync(path).size;
    const start = Math.max(0, size - 256 * 1024);
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      return buf
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
        .slice(-max);
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}

/** fatal/panic/error/warning lines logged since verify started (why a daemon does not answer). */
function problemLines(ctx: Ctx): string[] {
  return ctx.log
    .lines()
    .filter((l) => /\b(fatal|panic|error|warning):/.test(l))
    .slice(-10);
}

async function checkConfig(ctx: Ctx): Promise<CheckResult> {
  const label = 'postfix check';
  const r = await ctx.fx.run('postfix', ['-c', ctx.cfg, 'check'], { tty: true, timeoutMs: 180_000 });
  const warnings = warningLines(r);
  if (r.exitCode === 0 && warnings.length === 0) return { label, status: 'ok', detail: 'no warnings', explain: [] };
  return {
    label,
    status: 'failed',
    detail:
      r.exitCode !== 0
        ? `postfix check exited ${r.exitCode}`
        : `${warnings.length} warning${warnings.length > 1 ? 's' : ''}`,
    explain: warnings.length ? warnings : (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-10),
  };
}

async function checkListening(ctx: Ctx, masterText: string | null): Promise<CheckResult> {
  const label = 'Listening addresses';
  const given = ctx.opts.smtpAddress ? parseEndpoint(ctx.opts.smtpAddress) : null;
  const svc = given ? { port: given.port, host: given.host } : smtpService(masterText);
  if (!svc)
    return {
      label,
      status: 'failed',
      detail: 'master.cf has no smtp service (smtpd or postscreen on an inet port)',
      explain: [],
    };
  const socks = listeningSockets(svc.port);
  const shown = socks.map((s) => showEndpoint(s.address, s.port)).join(', ');
  if (socks.length === 0)
    return { label, status: 'failed', detail: `nothing listens on port ${svc.port}`, explain: [] };
  // The address to send probes to: the pinned one, else a loopback listener, else the first.
  const lo = socks.find((s) => s.loopback) ?? socks.find((s) => s.wildcard);
  const pick =
    svc.host ?? (lo ? (lo.wildcard ? (lo.family === 4 ? '127.0.0.1' : '::1') : lo.address) : socks[0].address);
  ctx.target = { host: pick, port: svc.port };
  if (given) {
    const there = socks.some((s) => s.address === given.host || s.wildcard);
    if (!there)
      return {
        label,
        status: 'failed',
        detail: `nothing listens on ${showEndpoint(given.host, given.port)} (port ${given.port}: ${shown})`,
        explain: [],
      };
    if (ctx.role === 'null-client' && socks.some((s) => !s.loopback)) {
      return {
        label,
        status: 'failed',
        detail: `a null client must listen on loopback only; port ${svc.port}: ${shown}`,
        explain: [],
      };
    }
    return {
      label,
      status: 'ok',
      detail: `listening on ${showEndpoint(given.host, given.port)} (the address given for this instance)`,
      explain: [],
    };
  }
  if (ctx.role === 'null-client') {
    const outside = socks.filter((s) => !s.loopback);
    if (outside.length) {
      return {
        label,
        status: 'failed',
        detail: `a null client must listen on loopback only, but port ${svc.port} is open on ${outside.map((s) => showEndpoint(s.address, s.port)).join(', ')} (inet_interfaces = ${ctx.params.inet_interfaces})`,
        explain: [],
      };
    }
    return { label, status: 'ok', detail: `loopback only: ${shown}`, explain: [] };
  }
  if (socks.every((s) => s.loopback)) {
    return {
      label,
      status: 'failed',
      detail: `only loopback listens on port ${svc.port} (${shown}): a ${ctx.role ?? 'mail host'} receives no mail from the network (inet_interfaces = ${ctx.params.inet_interfaces})`,
      explain: [],
    };
  }
  return { label, status: 'ok', detail: shown, explain: [] };
}

function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) out.push(i.address.replace(/%.*$/, ''));
  return out;
}

async function checkOutsideRelay(ctx: Ctx): Promise<CheckResult> {
  const label = 'No relaying for strangers';
  if (!ctx.target) return { label, status: 'skipped', detail: 'no smtp listener to probe', explain: [] };
  let nets: Net[];
  try {
    nets = parseMynetworks(ctx.params.mynetworks);
  } catch (e) {
    return { label, status: 'skipped', detail: (e as Error).message, explain: [] };
  }
  const source = outsideSource(ctx.target.host, nets, hostAddresses());
  if (!source) return { label, status: 'skipped', detail: 'every local address is in mynetworks', explain: [] };
  const own = new Set([
    ...hostAddresses(),
    ...listOf(ctx.params.proxy_interfaces),
    ...listOf(ctx.params.inet_interfaces),
  ]);
  const literal = ['198.51.100.7', '198.51.100.8', '203.0.113.7'].find((a) => !own.has(a)) ?? '198.51.100.9';
  const local = ctx.params.myhostname;
  const probes = [
    ['foreign recipient', `probe@${FOREIGN}`],
    ['percent hack', `probe%${FOREIGN}@${local}`],
    ['source route', `@${local}:probe@${FOREIGN}`],
    ['second @', `probe@${FOREIGN}@${local}`],
    ['quoted local part', `"probe@${FOREIGN}"@${local}`],
    ['address literal', `probe@[${literal}]`],
  ] as const;
  let s: SmtpSession;
  try {
    s = await SmtpSession.connect(ctx.fx, {
      host: ctx.target.host,
      port: ctx.target.port,
      localAddress: source,
      timeoutMs: 15_000,
    });
  } catch (e) {
    return {
      label,
      status: 'failed',
      detail: `the probe could not connect: ${(e as Error).message}`,
      explain: problemLines(ctx),
    };
  }
  const where = `from ${source} (not in mynetworks) to ${showEndpoint(ctx.target.host, ctx.target.port)}`;
  try {
    if (s.greeting.code !== 220)
      return { label, status: 'ok', detail: `${where}: refused at the greeting: ${s.greeting.text}`, explain: [] };
    const ehlo = await s.ehlo('relay-probe.mailsetup.invalid');
    if (ehlo.code !== 250)
      return { label, status: 'ok', detail: `${where}: refused at EHLO: ${ehlo.text}`, explain: [] };
    const mail = await s.mail(`relay-probe@${FOREIGN}`);
    if (mail.code !== 250)
      return { label, status: 'ok', detail: `${where}: refused at MAIL: ${mail.text}`, explain: [] };
    const accepted: string[] = [];
    let first: SmtpReply | null = null;
    for (const [name, rcpt] of probes) {
      const r = await s.rcpt(rcpt);
      first ??= r;
      if (r.code >= 200 && r.code < 400) accepted.push(`${name} <${rcpt}>: ${r.text}`);
    }
    await s.rset().catch(() => undefined);
    if (accepted.length)
      return {
        label,
        status: 'failed',
        detail: `${where}: ${accepted.length} of ${probes.length} relay attempts ACCEPTED (open relay)`,
        explain: accepted,
      };
    return {
      label,
      status: 'ok',
      detail: `${where}: ${probes.length} of ${probes.length} relay attempts refused (${first?.lines[0] ?? ''})`,
      explain: [],
    };
  } catch (e) {
    return {
      label,
      status: 'failed',
      detail: `${where}: ${(e as Error).message}`,
      explain: [...s.transcript.slice(-6), ...problemLines(ctx)],
    };
  } finally {
    await s.quit();
  }
}

/** Where the test message to postmaster goes, per role. */
function postmasterAddress(ctx: Ctx): string {
  switch (ctx.role) {
    case 'null-client':
      return 'postmaster'; // @myorigin, rewritten by virtual_alias_maps
    case 'firewall-relay': {
      const first = listOf(ctx.params.inet_interfaces)[0];
      const literal = !first || first === 'all' || first === 'loopback-only' ? '127.0.0.1' : first;
      return `postmaster@[${literal}]`; // the gateway's own address literal (virtual_alias_maps)
    }
    default:
      return `postmaster@${ctx.params.myhostname}`;
  }
}

function myorigin(ctx: Ctx): string {
  const v = ctx.params.myorigin;
  if (!v.startsWith('/')) return v;
  try {
    return readFileSync(ctx.fx.resolve(v), 'utf8').split('\n')[0].trim() || ctx.params.myhostname;
  } catch {
    return ctx.params.myhostname;
  }
}

/** A relay= field names this next hop ("[h]:p", "h:p", "[h]", "h")? */
function relayMatches(relay: string, hop: string): boolean {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hop.replace(/^(smtp|relay|lmtp):/, ''));
  if (!m) return false;
  const [, h, p] = m;
  const r = /^(\S+?)\[([^\]]+)\](?::(\d+))?$/.exec(relay);
  if (!r) return false;
  const hostOk = r[1].toLowerCase() === h.toLowerCase() || r[2] === h;
  return hostOk && (p === undefined || r[3] === p);
}

async function checkPostmasterMessage(ctx: Ctx): Promise<CheckResult> {
  const label = 'Test message to postmaster';
  if (!ctx.target) return { label, status: 'skipped', detail: 'no smtp listener', explain: [] };
  const rcpt = postmasterAddress(ctx);
  const tag = randomBytes(6).toString('hex');
  const from = `root@${myorigin(ctx)}`;
  const message = [
    `From: mailsetup --verify <${from}>`,
    `To: <${rcpt}>`,
    `Subject: mailsetup --verify test message ${tag}`,
    `Message-ID: <verify-${tag}@${ctx.params.myhostname}>`,
    '',
    `mailsetup --verify sent this message to check that mail for postmaster is accepted and delivered (${ctx.role ?? 'unknown role'}).`,
    '',
  ].join('\n');
  let s: SmtpSession;
  try {
    s = await SmtpSession.connect(ctx.fx, { host: ctx.target.host, port: ctx.target.port, timeoutMs: 15_000 });
  } catch (e) {
    return { label, status: 'failed', detail: (e as Error).message, explain: problemLines(ctx) };
  }
  let qid: string | undefined;
  try {
    const steps: Array<[string, () => Promise<SmtpReply>, number]> = [
      ['EHLO', () => s.ehlo(ctx.params.myhostname || 'localhost'), 250],
      ['MAIL', () => s.mail(from), 250],
      ['RCPT', () => s.rcpt(rcpt), 250],
      ['DATA', () => s.data(message), 250],
    ];
    if (s.greeting.code !== 220)
      return { label, status: 'failed', detail: `greeting: ${s.greeting.text}`, explain: [] };
    for (const [name, step, want] of steps) {
      const r = await step();
      if (r.code !== want)
        return {
          label,
          status: 'failed',
          detail: `${name} <${rcpt}> refused: ${r.text}`,
          explain: s.transcript.slice(-4),
        };
      if (name === 'DATA') qid = queueIdOf(r);
    }
  } catch (e) {
    return { label, status: 'failed', detail: (e as Error).message, explain: s.transcript.slice(-4) };
  } finally {
    await s.quit();
  }
  const accepted = `<${rcpt}> accepted over SMTP on ${showEndpoint(ctx.target.host, ctx.target.port)}${qid ? ` (queued as ${qid})` : ''}`;
  if (!qid)
    return { label, status: 'ok', detail: `${accepted}; no queue id in the reply, delivery not followed`, explain: [] };
  if (!ctx.log.readable())
    return {
      label,
      status: 'skipped',
      detail: `${accepted}; delivery not checked: cannot read the log ${ctx.log.path}`,
      explain: [],
    };
  const chain = await ctx.log.wait(ctx.waitMs, (lines) => deliveryChain(lines, qid as string) ?? undefined);
  const ids = (lines: string[]) => [
    qid as string,
    ...lines.map((l) => /forwarded as ([0-9A-Za-z]+)/.exec(l)?.[1]).filter((x): x is string => !!x),
  ];
  if (!chain) {
    const lines = ctx.log.lines();
    return {
      label,
      status: 'failed',
      detail: `${accepted}, but no delivery status in ${ctx.log.path} within ${Math.round(ctx.waitMs / 1000)} s`,
      explain: linesOf(lines, ids(linesOf(lines, [qid]))),
    };
  }
  const bad = chain.filter((d) => d.status !== 'sent' || (ctx.role === 'null-client' && !/\[/.test(d.relay)));
  const explain = () => {
    const lines = ctx.log.lines();
    const related = new Set([qid as string, ...chain.map((d) => d.queueId)]);
    return lines.filter((l) => [...related].some((id) => l.includes(` ${id}: `)));
  };
  if (bad.length) {
    const why = bad
      .map((d) => `to=<${d.to}> relay=${d.relay} status=${d.status}${d.text ? ` (${d.text})` : ''}`)
      .join('; ');
    return {
      label,
      status: 'failed',
      detail: `${accepted}, but ${ctx.role === 'null-client' && bad.every((d) => d.status === 'sent') ? 'not handed to the relay host' : 'not delivered'}: ${why}`,
      explain: explain(),
    };
  }
  return {
    label,
    status: 'ok',
    detail: `${accepted}; ${chain.map((d) => `to=<${d.to}> via ${d.relay}: ${d.status}`).join('; ')}`,
    explain: [],
  };
}

interface Sample {
  cls: string;
  address: string;
  /** A next hop the relay= field must name, if any. */
  hop?: string;
  /** The relay must not be local delivery (null client). */
  notLocal?: boolean;
}

function samples(ctx: Ctx): { run: Sample[]; skipped: Array<{ cls: string; why: string }> } {
  const a = ctx.state?.answers;
  const relayhost = ctx.params.relayhost;
  const run: Sample[] = [];
  const skipped: Array<{ cls: string; why: string }> = [];
  switch (ctx.role) {
    case 'null-client':
      run.push({ cls: 'local (root)', address: 'root', notLocal: true, ...(relayhost ? { hop: relayhost } : {}) });
      break;
    case 'firewall-relay':
      run.push({ cls: 'local (postmaster at the gateway)', address: postmasterAddress(ctx) });
      break;
    default:
      run.push({ cls: 'local', address: `postmaster@${ctx.params.myhostname}` });
  }
  if (ctx.role === 'backup-mx' || ctx.role === 'firewall-relay') {
    const domains = listOf(ctx.params.relay_domains).filter(
      (d) => !d.includes(':') && !d.startsWith('/') && !d.startsWith('$'),
    );
    if (domains.length === 0) skipped.push({ cls: 'relay domain', why: 'relay_domains names no domain' });
    else {
      const d = domains[0];
      const listed = (a?.relay_recipients ?? []).find((r) => !r.startsWith('@') && r.toLowerCase().endsWith(`@${d}`));
      const hop = Object.entries(a?.transport ?? {}).find(([k]) => k.toLowerCase() === d)?.[1];
      run.push({ cls: `relay domain ${d}`, address: listed ?? `postmaster@${d}`, ...(hop ? { hop } : {}) });
    }
  }
  if (relayhost) run.push({ cls: 'foreign', address: FOREIGN_SAMPLE, hop: relayhost });
  else
    skipped.push({
      cls: 'foreign',
      why: "delivered directly by MX lookup; not probed (verify does not contact other people's mail servers)",
    });
  return { run, skipped };
}

async function checkAddress(ctx: Ctx, sample: Sample): Promise<CheckResult> {
  const label = `Address ${sample.cls}: ${sample.address}`;
  if (!ctx.log.readable())
    return { label, status: 'skipped', detail: `cannot read the log ${ctx.log.path}`, explain: [] };
  const start = ctx.log.lines().length;
  const r = await ctx.fx.run('sendmail', ['-C', ctx.cfg, '-f', '', '-bv', sample.address], { timeoutMs: 30_000 });
  if (r.exitCode !== 0)
    return {
      label,
      status: 'failed',
      detail: `sendmail -bv exited ${r.exitCode}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').pop() ?? ''}`,
      explain: [],
    };
  const want = sample.address.toLowerCase();
  // The result line for the address; or, when cleanup refuses the request ("message not
  // accepted, try again later": a map lookup failed), no result will ever come: stop waiting.
  const found = await ctx.log.wait(ctx.waitMs, (lines): DeliveryLine | { refused: string } | undefined => {
    const fresh = lines.slice(start);
    const d = fresh
      .map(parseDeliveryLine)
      .find(
        (x): x is DeliveryLine =>
          x !== null &&
          /^(deliverable|undeliverable)$/.test(x.status) &&
          (x.to.toLowerCase() === want || x.origTo?.toLowerCase() === want),
      );
    if (d) return d;
    const refused = fresh.find(
      (l) =>
        /message not accepted, try again later/.test(l) &&
        l.toLowerCase().includes(want.includes('@') ? want : `${want}@`),
    );
    return refused ? { refused } : undefined;
  });
  if (!found)
    return {
      label,
      status: 'failed',
      detail: `no result in ${ctx.log.path} within ${Math.round(ctx.waitMs / 1000)} s`,
      explain: ctx.log.lines().slice(start).slice(-10),
    };
  if ('refused' in found) {
    const id = /: ([0-9A-Za-z]+): /.exec(found.refused)?.[1] ?? '';
    return {
      label,
      status: 'failed',
      detail: 'Postfix did not accept the request: a lookup failed (see the warnings)',
      explain: ctx.log
        .lines()
        .slice(start)
        .filter((l) => l.includes(` ${id}: `) || /warning:/.test(l))
        .slice(-10),
    };
  }
  const d = found;
  const explain = () => ctx.log.lines().filter((l) => l.includes(` ${d.queueId}: `));
  const result = `${d.status} via ${d.relay}${d.text ? ` (${d.text})` : ''}`;
  if (d.status !== 'deliverable') return { label, status: 'failed', detail: result, explain: explain() };
  if (sample.notLocal && !/\[/.test(d.relay))
    return {
      label,
      status: 'failed',
      detail: `${result}: a null client must hand it to the relay host`,
      explain: explain(),
    };
  if (sample.hop && !relayMatches(d.relay, sample.hop))
    return { label, status: 'failed', detail: `${result}: expected the next hop ${sample.hop}`, explain: explain() };
  return { label, status: 'ok', detail: result, explain: [] };
}

function normalizeValue(v: string): string {
  return v
    .trim()
    .replace(/\s*,\s*/g, ', ')
    .replace(/\s+/g, ' ');
}

async function checkMaps(ctx: Ctx): Promise<CheckResult[]> {
  if (!ctx.state) return [];
  const type = ctx.params.default_database_type || 'hash';
  const out: CheckResult[] = [];
  const tables: Array<{ label: string; cmd: 'postmap' | 'postalias'; path: string; keys: Record<string, string> }> = [];
  for (const [path, m] of Object.entries(ctx.state.maps))
    tables.push({ label: `Lookup table ${path}`, cmd: 'postmap', path, keys: m.keys });
  if (Object.keys(ctx.state.aliases.owned).length)
    tables.push({
      label: 'Aliases /etc/aliases',
      cmd: 'postalias',
      path: '/etc/aliases',
      keys: ctx.state.aliases.owned,
    });
  for (const t of tables) {
    const file = realPath(ctx, t.path);
    const wrong: string[] = [];
    for (const [key, value] of Object.entries(t.keys)) {
      const r = await ctx.fx.run(t.cmd, ['-c', ctx.cfg, '-q', key, `${type}:${file}`], { timeoutMs: 30_000 });
      const got = r.stdout.replace(/\n$/, '');
      if (r.exitCode !== 0) {
        const err = r.stderr.trim().split('\n').pop();
        wrong.push(
          `${key}: ${err ? err : 'not found'} (mailsetup wrote ${value === '(secret)' ? 'a secret' : `"${value}"`})`,
        );
      } else if (value === '(secret)') {
        if (got.trim() === '') wrong.push(`${key}: empty value`);
      } else if (normalizeValue(got) !== normalizeValue(value)) {
        wrong.push(`${key}: ${t.cmd} -q gives "${got}", mailsetup wrote "${value}"`);
      }
    }
    const n = Object.keys(t.keys).length;
    out.push(
      wrong.length
        ? {
            label: t.label,
            status: 'failed',
            detail: `${wrong.length} of ${n} key${n > 1 ? 's' : ''} differ from what mailsetup wrote (${type}:${file})`,
            explain: wrong,
          }
        : {
            label: t.label,
            status: 'ok',
            detail: `${n} key${n > 1 ? 's' : ''} as written (${t.cmd} -q ${type}:${file})`,
            explain: [],
          },
    );
  }
  return out;
}

/** Run every check and return the results (no output). */
export async function runChecks(
  fx: Effects,
  host: HostFacts,
  opts: VerifyOptions,
  onResult: (r: CheckResult) => void = () => undefined,
): Promise<CheckResult[]> {
  const cfg = opts.configDir ?? fx.resolve('/etc/postfix');
  const results: CheckResult[] = [];
  const push = (r: CheckResult) => {
    results.push(r);
    onResult(r);
  };
  const params = await readParams(fx, cfg);
  if (typeof params === 'string') {
    push({ label: 'Postfix configuration', status: 'failed', detail: params, explain: [] });
    return results;
  }
  const logPath =
    params.maillog_file && params.maillog_file !== '/dev/stdout' ? params.maillog_file : '/var/log/mail.log';
  const ctx: Ctx = {
    fx,
    host,
    cfg,
    opts,
    waitMs: opts.waitMs ?? 30_000,
    params,
    state: null,
    role: null,
    log: new LogTail(fx.resolve(logPath)),
    running: false,
    target: null,
  };
  push(await checkState(ctx));
  push(await checkRunning(ctx));
  push(await checkConfig(ctx));
  const masterText = opts.configDir
    ? await fx.readFile(`${opts.configDir}/master.cf`)
    : await fx.readFile('/etc/postfix/master.cf');
  const skip = (label: string, why: string) => push({ label, status: 'skipped', detail: why, explain: [] });
  if (!ctx.running) {
    const why = !fx.live && !opts.configDir ? 'a sandbox (--root)' : 'Postfix is not running';
    for (const l of [
      'Listening addresses',
      'No relaying for strangers',
      'Test message to postmaster',
      'Address checks (sendmail -bv)',
    ])
      skip(l, why);
  } else {
    push(await checkListening(ctx, masterText));
    push(await checkOutsideRelay(ctx));
    if (!ctx.role) skip('Test message to postmaster', 'no role known (no state file)');
    else push(await checkPostmasterMessage(ctx));
    if (!ctx.role) skip('Address checks (sendmail -bv)', 'no role known (no state file)');
    else {
      const s = samples(ctx);
      for (const x of s.run) push(await checkAddress(ctx, x));
      for (const x of s.skipped) skip(`Address ${x.cls}`, x.why);
    }
  }
  for (const r of await checkMaps(ctx)) push(r);
  return results;
}

function paint(color: boolean, code: string, s: string): string {
  return color ? `\u001b[${code}m${s}\u001b[0m` : s;
}

/** Print one result: ✓/✗/- label: detail, then the explaining lines indented. */
export function formatResult(r: CheckResult, color: boolean): string {
  const mark =
    r.status === 'ok'
      ? paint(color, '32', '✓')
      : r.status === 'failed'
        ? paint(color, '31', '✗')
        : paint(color, '2', '-');
  const lines = [`${mark} ${r.label}: ${r.status === 'skipped' ? `skipped: ${r.detail}` : r.detail}\n`];
  for (const l of r.explain) lines.push(`    ${paint(color, '2', l)}\n`);
  return lines.join('');
}

/** mailsetup --verify: run the checks, print each, return 0 when none failed, else 1. */
export async function verify(fx: Effects, host: HostFacts, opts: VerifyOptions): Promise<number> {
  const write = opts.write ?? ((s: string) => void process.stdout.write(s));
  const cfg = opts.configDir ?? fx.resolve('/etc/postfix');
  write(
    `mailsetup --verify: the Postfix of ${cfg}${host.postfix.version ? ` (Postfix ${host.postfix.version})` : ''}\n`,
  );
  const results = await runChecks(fx, host, opts, (r) => write(formatResult(r, opts.color)));
  const failed = results.filter((r) => r.status === 'failed').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  const passed = results.length - failed - skipped;
  const summary = `${results.length} checks: ${passed} passed, ${failed} failed, ${skipped} skipped`;
  write(`${failed ? paint(opts.color, '31', summary) : paint(opts.color, '32', summary)}\n`);
  return failed ? 1 : 0;
}
