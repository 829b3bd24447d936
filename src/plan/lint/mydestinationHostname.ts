import { joinList, splitList } from '../../postfix/lists.js';
import { looksLikeTableRef } from '../../postfix/validate.js';
import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';

/** mydestination that leaves out a name of this host: mail for it goes to that name's MX, maybe back here. */
export const mydestinationHostname: LintRule = {
  id: 'mydestination-hostname',
  level: 'warning',
  summary: '`mydestination` leaves out `$myhostname` or `localhost.$mydomain` (mail for them may loop)',
  check({ a, expand }) {
    if (a.mydestination.length === 0 || a.mydestination.some((d) => looksLikeTableRef(d))) return [];
    let names: string[];
    try {
      names = [...a.mydestination, ...splitList(expand(joinList(a.mydestination)))].map((d) => d.toLowerCase());
    } catch {
      return [];
    }
    const myhostname = a.myhostname.includes('$') ? expand(a.myhostname) : a.myhostname;
    const mydomain = a.mydomain.includes('$') ? expand(a.mydomain) : a.mydomain;
    const missing = [
      ['$myhostname', myhostname],
      ['localhost.$mydomain', `localhost.${mydomain}`],
    ].filter(([ref, name]) => !names.includes(name.toLowerCase()) && !names.includes(ref));
    if (missing.length === 0) return [];
    return [
      `mydestination does not list ${missing.map(([ref, name]) => `${name} (${ref})`).join(' or ')}: mail for ` +
        `user@${missing[0][1]} is not delivered here but to the MX host of that name, and loops when that is this host` +
        cite(DOCS.mydestinationLoops),
    ];
  },
};
