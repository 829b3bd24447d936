/**
 * DNS MX checks for the preview: a domain mail server whose domain has no MX record pointing at
 * it, or a backup MX that is not among the MX hosts of the domains it backs up, receives nothing
 * (or loops). Findings are warnings: DNS may not be set up yet when a host is configured. The
 * judgement only (pure); the lookups are src/system/dns.ts (live system only, bounded).
 */
import type { Finding } from '../model/plan.js';
import type { Answers } from '../model/answers.js';
import { roleModule } from '../roles/index.js';

/**
 * The domains whose MX records say whether mail reaches this host: its own domain where the role
 * makes it the primary MX, each relayed domain where it is a backup MX (RoleModule.mx).
 */
export function mxDomains(a: Answers): string[] {
  const mx = roleModule(a.role).mx;
  if (mx === 'primary' && a.mydomain && deliversDomain(a)) return [a.mydomain];
  if (mx === 'backup') return [...(a.relay_domains ?? [])];
  return [];
}

/**
 * Whether the answers make this host the final destination of its whole domain: mydestination
 * lists $mydomain (or the domain itself). A LAN host whose mydestination has only its own names
 * is no MX of the domain.
 */
export function deliversDomain(a: Answers): boolean {
  if (a.mydestination === undefined) return true;
  const domain = (a.mydomain ?? '').toLowerCase();
  return a.mydestination.some((d) => /^\$(mydomain|\{mydomain\}|\(mydomain\))$/.test(d) || d.toLowerCase() === domain);
}

/**
 * The MX warnings for these answers, given what DNS said of each of mxDomains(a): its MX hosts
 * (lowercase, no trailing dot, best first; [] for none), or why the lookup failed.
 */
export function mxFindings(a: Answers, mx: Readonly<Record<string, readonly string[] | string>>): Finding[] {
  const myhostname = a.myhostname ?? '';
  const me = [myhostname.toLowerCase(), ...(a.proxy_interfaces ?? []).map((p) => p.toLowerCase())];
  const out: Finding[] = [];
  for (const domain of mxDomains(a)) {
    const hosts = mx[domain];
    if (hosts === undefined) continue;
    if (typeof hosts === 'string') {
      out.push({ id: 'mx-unknown', level: 'info', message: `could not look up the MX records of ${domain}: ${hosts}` });
    } else if (hosts.length === 0) {
      out.push({
        id: 'missing-mx',
        level: 'warning',
        message: `${domain} has no MX record: other servers will not send its mail here (add "${domain}. IN MX 10 ${myhostname}.")`,
      });
    } else if (!hosts.some((h) => me.includes(h))) {
      const what =
        roleModule(a.role).mx === 'backup'
          ? `this host (${myhostname}) is not among the MX hosts of ${domain}`
          : `the MX hosts of ${domain} do not include this host (${myhostname})`;
      out.push({ id: 'missing-mx', level: 'warning', message: `${what}: ${hosts.join(', ')}` });
    }
  }
  return out;
}
