/**
 * DNS MX checks for the preview: a domain mail server whose domain has no MX record pointing at
 * it, or a backup MX that is not among the MX hosts of the domains it backs up, receives nothing
 * (or loops). Findings are warnings: DNS may not be set up yet when a host is configured. Only on
 * the live system, bounded, and with an injectable resolver for tests.
 */
import { promises as dns } from 'node:dns';
import type { Finding } from './model/plan.js';
import type { Answers } from './model/answers.js';
import { roleModule } from './roles/index.js';

export type MxResolver = (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;

const defaultResolver: MxResolver = (d) => dns.resolveMx(d);

/** MX hosts of `domain` (lowercased, no trailing dot, best first), or an error text. */
async function mxOf(domain: string, resolve: MxResolver, timeoutMs: number): Promise<string[] | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const records = await Promise.race([
      resolve(domain),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return [...records].sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\.$/, '').toLowerCase());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
    return (e as Error).message;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The MX warnings for these answers (mail-server: mydomain; backup-mx: each relay domain). */
export async function mxFindings(
  a: Answers,
  resolve: MxResolver = defaultResolver,
  timeoutMs = 3000,
): Promise<Finding[]> {
  const myhostname = a.myhostname ?? '';
  const me = [myhostname.toLowerCase(), ...(a.proxy_interfaces ?? []).map((p) => p.toLowerCase())];
  const mxRole = roleModule(a.role).mx;
  const checks: Array<{ domain: string; role: 'primary' | 'backup' }> = [];
  if (mxRole === 'primary' && a.mydomain) checks.push({ domain: a.mydomain, role: 'primary' });
  if (mxRole === 'backup') for (const d of a.relay_domains ?? []) checks.push({ domain: d, role: 'backup' });
  const out: Finding[] = [];
  for (const { domain, role } of checks) {
    const mx = await mxOf(domain, resolve, timeoutMs);
    if (typeof mx === 'string') {
      out.push({ id: 'mx-unknown', level: 'info', message: `could not look up the MX records of ${domain}: ${mx}` });
    } else if (mx.length === 0) {
      out.push({
        id: 'missing-mx',
        level: 'warning',
        message: `${domain} has no MX record: other servers will not send its mail here (add "${domain}. IN MX 10 ${myhostname}.")`,
      });
    } else if (!mx.some((h) => me.includes(h))) {
      const what =
        role === 'backup'
          ? `this host (${myhostname}) is not among the MX hosts of ${domain}`
          : `the MX hosts of ${domain} do not include this host (${myhostname})`;
      out.push({ id: 'missing-mx', level: 'warning', message: `${what}: ${mx.join(', ')}` });
    }
  }
  return out;
}
