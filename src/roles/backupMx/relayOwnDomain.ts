import { splitList } from '../../postfix/lists.js';
import { cite, DOCS } from '../docs.js';
import type { LintRule } from '../role.js';

/** A backup MX for its own domain relays mail back to itself. */
export const relayOwnDomain: LintRule = {
  id: 'relay-own-domain',
  level: 'error',
  overridable: true,
  summary: 'a backup MX for its own domain (mail loop)',
  check({ a, main, expand }) {
    const own = main('mydomain').toLowerCase();
    const out: string[] = [];
    for (const item of a.relay_domains) {
      let names: string[];
      try {
        names = splitList(expand(item)).map((d) => d.toLowerCase());
      } catch {
        continue;
      }
      if (!names.includes(own) || /^\$\{?\(?mydestination/.test(item)) continue;
      out.push(
        `relay_domains contains this host's own domain ${own}${item.toLowerCase() === own ? '' : ` (${item})`}: a ` +
          `backup MX for its own domain relays mail back to itself (mail loop)${cite(DOCS.proxyInterfacesBackup)}`,
      );
    }
    return out;
  },
};
