import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';
import { roleModule } from '../../roles/index.js';

/** Whether a name is no name in the Internet: localhost, .localdomain, .local, no dot. */
export function isFantasyName(name: string): boolean {
  const n = name.toLowerCase();
  return (
    !n.includes('.') ||
    n === 'localhost' ||
    n.startsWith('localhost.') ||
    n === 'localdomain' ||
    n.endsWith('.localdomain') ||
    n.endsWith('.local')
  );
}

/**
 * A host without a real Internet name (STANDARD_CONFIGURATION_README's last section): accepted,
 * with what it means; and a postmaster at root@localhost, whose mail stays in root's mailbox.
 */
export const fantasyName: LintRule = {
  id: 'no-real-name',
  level: 'warning',
  summary: 'a host name or domain that is no Internet name (localhost.localdomain, *.localdomain, *.local)',
  check({ a, expand }) {
    const out: string[] = [];
    const sends = Object.keys(a.smtp_generic_maps ?? {}).length === 0;
    const value = (v: string): string => {
      if (/^\$\{?myhostname\}?$/.test(v)) return a.myhostname;
      if (/^\$\{?mydomain\}?$/.test(v)) return a.mydomain;
      return v.includes('$') ? expand(v) : v;
    };
    const myhostname = value(a.myhostname);
    const mydomain = value(a.mydomain);
    const origin = value(a.myorigin);
    const fantasy = [
      ['myhostname', myhostname],
      ['mydomain', mydomain],
    ].filter(([, v]) => isFantasyName(v));
    if (fantasy.length > 0 && sends) {
      out.push(
        `${fantasy.map(([k, v]) => `${k} = ${v}`).join(', ')} is no name other mail servers know` +
          (isFantasyName(origin) ? `, and mail leaves as user@${origin}` : '') +
          ': map the senders to real addresses with smtp_generic_maps, or relay through a host that rewrites them' +
          cite(DOCS.fantasyName),
      );
    }
    if (/@localhost$/i.test(a.postmaster) && roleModule(a.role).receivesMail) {
      out.push(
        `postmaster ${a.postmaster}: mail for postmaster and root stays in root's mailbox on this host, read only by ` +
          `someone logged in as root${cite(DOCS.postmasterPerson)}`,
      );
    }
    return out;
  },
};
