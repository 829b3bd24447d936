/**
 * DNS lookups through Effects (resolveMx, resolveDns): bounded, and reduced to what the callers
 * judge (the MX hosts, best first; the records of the next steps; or why there is no answer). A
 * sandbox (--root) never queries DNS.
 */
import type { Effects } from '../model/effects.js';
import { queryKey, type DnsAnswers, type DnsQuery } from '../model/nextSteps.js';
import { errnoCode } from './realEffects.js';

/**
 * The MX hosts of `domain` (lowercased, no trailing dot, best first); [] when it has none (no
 * such domain, or no MX records); else the reason there is no answer, e.g. "no answer within 3 s".
 */
export async function mxHosts(
  fx: Pick<Effects, 'resolveMx'>,
  domain: string,
  timeoutMs = 3000,
): Promise<string[] | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const records = await Promise.race([
      fx.resolveMx(domain),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return [...records].sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\.$/, '').toLowerCase());
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
    return e instanceof Error ? e.message : String(e);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** mxHosts of each domain, asked in parallel (each bounded by `timeoutMs`). */
export async function mxHostsOf(
  fx: Pick<Effects, 'resolveMx'>,
  domains: readonly string[],
  timeoutMs = 3000,
): Promise<Record<string, string[] | string>> {
  const answers = await Promise.all(domains.map((d) => mxHosts(fx, d, timeoutMs)));
  return Object.fromEntries(domains.map((d, i) => [d, answers[i]]));
}

/** One query, bounded: the records as DnsAnswers holds them. */
async function lookupOne(
  fx: Pick<Effects, 'resolveMx' | 'resolveDns'>,
  q: DnsQuery,
  timeoutMs: number,
): Promise<readonly string[] | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const ask: Promise<string[]> =
      q.type === 'MX'
        ? fx
            .resolveMx(q.name)
            .then((rs) =>
              [...rs]
                .sort((a, b) => a.priority - b.priority)
                .map((r) => `${r.priority} ${r.exchange.replace(/\.$/, '').toLowerCase()}`),
            )
        : fx.resolveDns(q.name, q.type).then((rs) => (q.type === 'PTR' ? rs.map((r) => r.replace(/\.$/, '')) : rs));
    return await Promise.race([
      ask,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Every query at once, each bounded by `timeoutMs` (so the whole takes at most that long, also
 * offline): what DNS said, by query (see DnsAnswers).
 */
export async function lookupAll(
  fx: Pick<Effects, 'resolveMx' | 'resolveDns'>,
  queries: readonly DnsQuery[],
  timeoutMs = 3000,
): Promise<DnsAnswers> {
  const answers = await Promise.all(queries.map((q) => lookupOne(fx, q, timeoutMs)));
  return Object.fromEntries(queries.map((q, i) => [queryKey(q), answers[i]]));
}
