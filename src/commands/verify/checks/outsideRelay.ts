/**
 * Check: an outside client cannot relay. A session from a local address outside mynetworks (a
 * loopback alias such as 127.0.0.9, or another address of this host) tries a foreign
 * recipient, the percent hack, a source route, a second @, a quoted local part and an address
 * literal; every RCPT must be refused. No DATA is ever sent.
 */
import { inNetworks, parseAddress, parseNetworkList, showEndpoint, type Network } from '../../../postfix/network.js';
import { splitList } from '../../../postfix/lists.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import { SmtpSession, type SmtpReply } from '../../../system/smtpClient.js';
import type { Target, VerifyContext } from '../context.js';
import { problemsIn } from '../log.js';

export const OUTSIDE_RELAY_LABEL = 'No relaying for strangers';

/** A domain that is nobody's: the relay probes' foreign recipients. */
export const FOREIGN = 'relay-test.mailsetup.invalid';

/** mynetworks (expanded) as networks; throws naming the first entry that is not an address or network. */
export function parseMynetworks(value: string): Network[] {
  const { networks, other } = parseNetworkList(value);
  if (other.length) throw new Error(`mynetworks has an entry verify cannot evaluate: ${other[0]}`);
  return networks;
}

/**
 * A local address outside mynetworks that can reach `target` (a loopback alias for a loopback
 * IPv4 target, else another address of this host of the target's family), or null.
 */
export function outsideSource(target: string, nets: Network[], hostAddrs: string[]): string | null {
  const family = parseAddress(target)?.family;
  const candidates: string[] = [];
  if (family === 4 && target.startsWith('127.'))
    candidates.push('127.0.0.9', '127.0.0.99', '127.1.0.9', '127.254.254.254');
  for (const a of hostAddrs) {
    if (parseAddress(a)?.family === family && !a.startsWith('127.') && a !== '::1' && !/^fe80:/i.test(a))
      candidates.push(a);
  }
  return candidates.find((c) => !inNetworks(c, nets)) ?? null;
}

export async function checkOutsideRelay(ctx: VerifyContext, target: Target | null): Promise<StepOutcomeReport> {
  if (!target) return { status: 'skipped', detail: 'no smtp listener to probe' };
  let nets: Network[];
  try {
    nets = parseMynetworks(ctx.params.mynetworks);
  } catch (e) {
    return { status: 'skipped', detail: (e as Error).message };
  }
  const hostAddrs = ctx.host.addresses.map((a) => a.address);
  const source = outsideSource(target.host, nets, hostAddrs);
  if (!source) return { status: 'skipped', detail: 'every local address is in mynetworks' };
  const own = new Set([
    ...hostAddrs,
    ...splitList(ctx.params.proxy_interfaces),
    ...splitList(ctx.params.inet_interfaces),
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
      host: target.host,
      port: target.port,
      localAddress: source,
      timeoutMs: 15_000,
    });
  } catch (e) {
    return {
      status: 'failed',
      detail: `the probe could not connect: ${(e as Error).message}`,
      explain: problemsIn(await ctx.log.lines()),
    };
  }
  const where = `from ${source} (not in mynetworks) to ${showEndpoint(target.host, target.port)}`;
  try {
    if (s.greeting.code !== 220)
      return { status: 'ok', detail: `${where}: refused at the greeting: ${s.greeting.text}` };
    const ehlo = await s.ehlo('relay-probe.mailsetup.invalid');
    if (ehlo.code !== 250) return { status: 'ok', detail: `${where}: refused at EHLO: ${ehlo.text}` };
    const mail = await s.mail(`relay-probe@${FOREIGN}`);
    if (mail.code !== 250) return { status: 'ok', detail: `${where}: refused at MAIL: ${mail.text}` };
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
        status: 'failed',
        detail: `${where}: ${accepted.length} of ${probes.length} relay attempts ACCEPTED (open relay)`,
        explain: accepted,
      };
    return {
      status: 'ok',
      detail: `${where}: ${probes.length} of ${probes.length} relay attempts refused (${first?.lines[0] ?? ''})`,
    };
  } catch (e) {
    return {
      status: 'failed',
      detail: `${where}: ${(e as Error).message}`,
      explain: [...s.transcript.slice(-6), ...problemsIn(await ctx.log.lines())],
    };
  } finally {
    await s.quit();
  }
}
