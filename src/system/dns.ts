/**
 * DNS lookups through Effects.resolveMx: bounded, and reduced to what the callers judge (the
 * MX hosts, best first, or why there is no answer). A sandbox (--root) never queries DNS.
 */
import type { Effects } from '../model/effects.js';
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
