/**
 * A "lab" for the real-SMTP tests: one --root sandbox configured by the mailsetup CLI, the private
 * Postfix instance made from it, and three smtp-sink hosts (the relay host, the inside mail host
 * of a firewall, the primary MX of a backed-up domain), all on loopback addresses of one slot:
 *
 *   127.0.S.25:2400+S  the instance's smtp service   127.0.S.30:2530  relay host (relayhost)
 *   127.0.S.31:2531  inside host (firewall)          127.0.S.32:2532  primary MX (backup MX)
 *   127.0.S.44       the backup MX's proxy_interfaces address (nothing listens there)
 *
 * Clients: 127.0.0.2 is in mynetworks, 127.0.0.9 is not (mynetworks = 127.0.0.1/32, 127.0.0.2/32).
 * Each test file takes its own slot S, so files can run in parallel.
 */
import { existsSync } from 'node:fs';
import { verify, type VerifyOptions } from '../../src/commands/verify/index.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { HostFacts } from '../../src/model/host.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { SmtpSession, sendMessage, type SendResult, type SmtpReply } from '../../src/system/smtpClient.js';
import { generator } from './gen-answers.js';
import {
  Instance,
  Sandbox,
  Sink,
  canConnect,
  hostPort,
  nexthop,
  type Endpoint,
  type RunResult,
  type ServiceAction,
} from './instance.js';
import { ownerOf } from './slots.js';

export const OUTSIDE = '127.0.0.9';
export const TRUSTED = '127.0.0.2';
export const MYNETWORKS = ['127.0.0.1/32', '127.0.0.2/32'];
/** A foreign domain no answers ever name. */
export const FOREIGN = 'other.example';

export interface LabAddrs {
  smtp: Endpoint;
  relay: Endpoint;
  inside: Endpoint;
  primary: Endpoint;
  proxy: string;
}

export function labAddrs(slot: number): LabAddrs {
  const net = `127.0.${slot}`;
  return {
    // A port of its own too (2400 + S), so that the sockets on it are this lab's only.
    smtp: { host: `${net}.25`, port: 2400 + slot },
    relay: { host: `${net}.30`, port: 2530 },
    inside: { host: `${net}.31`, port: 2531 },
    primary: { host: `${net}.32`, port: 2532 },
    proxy: `${net}.44`,
  };
}

export type RoleAnswers = Partial<Answers> & { role: RoleId };

/** Names the fixed matrix uses for each role. */
export const NAMES = {
  'null-client': { myhostname: 'client.example.com', domain: 'example.com', postmaster: 'admin@example.org' },
  'mail-server': { myhostname: 'mx.example.com', domain: 'example.com', postmaster: 'admin@example.org' },
  'backup-mx': { myhostname: 'backup.example.com', domain: 'backed.example', postmaster: 'nobody@backup.example.com' },
  'firewall-relay': { myhostname: 'gw.inside.example', domain: 'inside.example', postmaster: 'admin@inside.example' },
} as const;

/** The matrix's answers for `role`: loopback next hops, mynetworks without 127.0.0.9, file logging. */
export function matrixAnswers(role: RoleId, a: LabAddrs, over: Partial<Answers> = {}): RoleAnswers {
  const n = NAMES[role as keyof typeof NAMES];
  // Every key the roles share is given, so that a role switch carries nothing over by accident.
  const common = {
    myhostname: n.myhostname,
    myorigin: '$mydomain',
    postmaster: n.postmaster,
    mynetworks: MYNETWORKS,
    proxy_interfaces: [] as string[],
    inet_protocols: 'ipv4',
    chroot: false,
    logging: 'file' as const,
  };
  switch (role) {
    case 'null-client': {
      // A null client listens on loopback only: proxy_interfaces is not its answer (an answers
      // file giving it is refused, issue 13), and a switch away from it carries nothing over.
      const { proxy_interfaces: _unused, ...shared } = common;
      return { role, ...shared, relayhost: nexthop(a.relay), ...over };
    }
    case 'mail-server':
      return { role, ...common, relayhost: nexthop(a.relay), ...over };
    case 'backup-mx':
      return {
        role,
        ...common,
        relay_domains: [n.domain],
        relay_recipients: [`alice@${n.domain}`, `bob@${n.domain}`],
        transport: { [n.domain]: `relay:${nexthop(a.primary)}` },
        proxy_interfaces: [a.proxy],
        ...over,
      };
    case 'firewall-relay':
      return {
        role,
        ...common,
        relay_domains: [n.domain],
        relay_recipients: [`alice@${n.domain}`, `bob@${n.domain}`],
        transport: { [n.domain]: `relay:${nexthop(a.inside)}` },
        relayhost: nexthop(a.relay),
        ...over,
      };
    default:
      throw new Error(`no matrix answers for role ${role}`);
  }
}

/**
 * Seeded random valid answers (test/helpers/gen-answers.ts) adapted to the lab: relayhost → the
 * relay sink, every transport next hop → the primary (backup MX) or inside (firewall) sink and a
 * transport for every relay domain, the loopback /8 of mynetworks → 127.0.0.1/32 + 127.0.0.2/32
 * (so that 127.0.0.9 is outside), and logging: syslog → file on a machine without rsyslog, where
 * mailsetup refuses syslog (nothing would receive the chrooted daemons' logs; the instance logs to
 * its own file either way). Everything else stays as generated.
 */
export function randomLabAnswers(role: RoleId, seed: number, a: LabAddrs): RoleAnswers {
  const g = generator(seed).answers(role);
  const out: RoleAnswers = { ...g };
  if (g.logging === 'syslog' && !['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].some((p) => existsSync(p)))
    out.logging = 'file';
  if (g.relayhost) out.relayhost = nexthop(a.relay);
  if (role === 'null-client') out.relayhost = nexthop(a.relay);
  const sink = role === 'backup-mx' ? a.primary : a.inside;
  if (g.relay_domains?.length)
    out.transport = Object.fromEntries(g.relay_domains.map((d) => [d, `relay:${nexthop(sink)}`]));
  const nets = g.mynetworks ?? ['127.0.0.0/8'];
  out.mynetworks = [...MYNETWORKS, ...nets.filter((n) => n !== '127.0.0.0/8')];
  return out;
}

/** The lab's processes and files. */
export class Lab {
  private constructor(
    readonly addrs: LabAddrs,
    readonly sandbox: Sandbox,
    readonly instance: Instance,
    readonly relay: Sink,
    readonly inside: Sink,
    readonly primary: Sink,
  ) {}

  /** Start the sinks and make the sandbox and instance directories (nothing configured yet). */
  static async open(slot: number, name = `lab${slot}`): Promise<Lab> {
    if (ownerOf(slot) === undefined)
      throw new Error(`lab slot ${slot} has no owner in test/helpers/slots.ts: add it there (one owner per slot)`);
    const addrs = labAddrs(slot);
    for (const e of [addrs.smtp, addrs.relay, addrs.inside, addrs.primary]) {
      if (await canConnect(e))
        throw new Error(`${hostPort(e)} (slot ${slot}) is already in use: another run of the real-SMTP tests?`);
    }
    const sandbox = Sandbox.create();
    const instance = Instance.create(addrs.smtp);
    const sinks: Sink[] = [];
    try {
      for (const [what, e] of [
        ['relay', addrs.relay],
        ['inside', addrs.inside],
        ['primary', addrs.primary],
      ] as const) {
        sinks.push(await Sink.start(e, `${instance.base}/sink-${what}-${name}`));
      }
    } catch (e) {
      for (const s of sinks) await s.stop();
      await instance.dispose();
      sandbox.dispose();
      throw e;
    }
    return new Lab(addrs, sandbox, instance, sinks[0], sinks[1], sinks[2]);
  }

  /**
   * Open a lab, apply `answers` with the CLI, derive the instance and start it. `prepare` runs on
   * the opened lab before the apply (files the answers name, e.g. a certificate in the sandbox); a
   * failure anywhere disposes of the lab.
   */
  static async start(
    slot: number,
    answers: RoleAnswers,
    prepare?: (lab: Lab) => void | Promise<void>,
  ): Promise<Lab & { cli: RunResult }> {
    const lab = await Lab.open(slot);
    try {
      await prepare?.(lab);
      const cli = await lab.sandbox.applyOk(answers);
      lab.instance.derive(lab.sandbox.root);
      await lab.instance.start();
      return Object.assign(lab, { cli });
    } catch (e) {
      await lab.dispose();
      throw e;
    }
  }

  /**
   * Apply new answers to the same sandbox (the ledger drives the change), derive the instance
   * again and reload or restart it as the CLI's plan says. Returns the CLI run and what was done.
   */
  async switchTo(answers: RoleAnswers): Promise<RunResult & { action: ServiceAction }> {
    const cli = await this.sandbox.applyOk(answers);
    this.instance.derive(this.sandbox.root);
    if (cli.action === 'restart') await this.instance.restart();
    else if (cli.action === 'reload') await this.instance.reload();
    return cli;
  }

  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (const s of [this.relay, this.inside, this.primary]) await s.stop().catch((e: unknown) => errors.push(e));
    await this.instance.dispose().catch((e: unknown) => errors.push(e));
    this.sandbox.dispose();
    if (errors.length) throw errors[0];
  }
}

/** `mailsetup --verify` of a started lab's instance (SMTP on the lab's address): its exit code, text and lines. */
export async function verifyLab(
  lab: Lab,
  host: HostFacts,
  over: Partial<VerifyOptions> = {},
): Promise<{ code: number; out: string; lines: string[] }> {
  let out = '';
  const code = await verify(createRealEffects('/'), host, {
    color: false,
    configDir: lab.instance.conf,
    smtpAddress: hostPort(lab.addrs.smtp),
    waitMs: 15_000,
    write: (s) => (out += s),
    ...over,
  });
  return { code, out, lines: out.split('\n') };
}

/** EHLO, MAIL FROM:<sender>, then RCPT TO each path; returns the RCPT replies (and QUITs). */
export async function rcptReplies(
  smtp: Endpoint,
  localAddress: string,
  sender: string,
  rcpts: string[],
): Promise<SmtpReply[]> {
  const s = await SmtpSession.connect(createRealEffects('/'), {
    host: smtp.host,
    port: smtp.port,
    localAddress,
    timeoutMs: 15_000,
  });
  try {
    if (s.greeting.code !== 220) throw new Error(`greeting: ${s.greeting.text}`);
    const ehlo = await s.ehlo('client.outside.example');
    if (ehlo.code !== 250) throw new Error(`EHLO: ${ehlo.text}`);
    const mail = await s.mail(sender);
    if (mail.code !== 250) throw new Error(`MAIL FROM:<${sender}>: ${mail.text}`);
    const out: SmtpReply[] = [];
    for (const r of rcpts) out.push(await s.rcpt(r));
    return out;
  } finally {
    await s.quit();
  }
}

/** One message over SMTP from `localAddress`; the Subject carries `tag` to find it again. */
export function deliver(
  smtp: Endpoint,
  localAddress: string,
  from: string,
  to: string,
  tag: string,
): Promise<SendResult> {
  const message = `From: <${from}>\nTo: <${to}>\nSubject: mailsetup test ${tag}\nMessage-ID: <${tag}@test.mailsetup.invalid>\n\nbody of ${tag}\n`;
  return sendMessage(createRealEffects('/'), {
    host: smtp.host,
    port: smtp.port,
    localAddress,
    timeoutMs: 15_000,
    ehlo: 'client.outside.example',
    from,
    to: [to],
    message,
  });
}

/** A message for sendmail(1) whose Subject carries `tag`. */
export function messageText(tag: string, to = 'undisclosed-recipients:;'): string {
  return `To: ${to}\nSubject: mailsetup test ${tag}\n\nbody of ${tag}\n`;
}

/**
 * The RCPT forms that must never make a host relay for a stranger (the percent hack, source
 * routes, a second @, quoted local parts, an address literal), aimed at `domain`, a domain the
 * host accepts mail for.
 */
export function relayProbes(domain: string, literal = '198.51.100.7'): Array<{ name: string; rcpt: string }> {
  return [
    { name: 'foreign recipient', rcpt: `user@${FOREIGN}` },
    { name: 'percent hack', rcpt: `user%${FOREIGN}@${domain}` },
    { name: 'source route', rcpt: `@${domain}:user@${FOREIGN}` },
    { name: 'second @', rcpt: `user@${FOREIGN}@${domain}` },
    { name: 'quoted local part', rcpt: `"user@${FOREIGN}"@${domain}` },
    { name: 'address literal', rcpt: `user@[${literal}]` },
  ];
}
