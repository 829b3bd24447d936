import { splitList } from '../../postfix/lists.js';
import { cite, DOCS } from '../../roles/docs.js';
import type { LintContext, LintRule } from '../../roles/role.js';

/** relay_domains' literal domains (tables and files left out), lower-cased. */
export function relayDomains(ctx: LintContext): string[] {
  return splitList(ctx.main('relay_domains'))
    .map((d) => d.toLowerCase())
    .filter((d) => !d.includes(':') && !d.startsWith('/'));
}

/**
 * A domain both local and relayed: Postfix delivers it locally and the relay never happens. The
 * items of relay_domains are judged one by one as written: `$mydestination` there (Postfix's own
 * default, and the backup MX recipe's "relay_domains = $mydestination the.backed-up.domain.tld")
 * relays the subdomains of the local domains and is no conflict; `$mydomain` is, where
 * mydestination has it.
 */
export const domainLocalAndRelay: LintRule = {
  id: 'domain-local-and-relay',
  level: 'error',
  summary: 'a domain in both `mydestination` and `relay_domains` (`$mydestination` there excepted)',
  check(ctx) {
    const mydest = new Set(splitList(ctx.main('mydestination')).map((d) => d.toLowerCase()));
    const out: string[] = [];
    for (const item of splitList(ctx.raw('relay_domains'))) {
      if (/^\$(\{mydestination\}|\(mydestination\)|mydestination)$/.test(item)) continue;
      let names: string[];
      try {
        names = splitList(ctx.expand(item));
      } catch {
        continue;
      }
      for (const d of names.map((x) => x.toLowerCase())) {
        if (d.includes(':') || d.startsWith('/') || !mydest.has(d)) continue;
        out.push(
          `${d}${item === d ? '' : ` (${item})`} is in both mydestination and relay_domains: mail for it would be ` +
            `delivered locally, never relayed${cite(DOCS.backupNotMydestination)}`,
        );
      }
    }
    return out;
  },
};
