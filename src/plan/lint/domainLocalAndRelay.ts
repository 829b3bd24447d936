import { splitList } from '../../postfix/lists.js';
import type { LintContext, LintRule } from '../../roles/role.js';

/** relay_domains' literal domains (tables and files left out), lower-cased. */
export function relayDomains(ctx: LintContext): string[] {
  return splitList(ctx.main('relay_domains'))
    .map((d) => d.toLowerCase())
    .filter((d) => !d.includes(':') && !d.startsWith('/'));
}

/** A domain both local and relayed: Postfix delivers it locally and the relay never happens. */
export const domainLocalAndRelay: LintRule = {
  id: 'domain-local-and-relay',
  level: 'error',
  summary: 'a domain in both `mydestination` and `relay_domains`',
  check(ctx) {
    const mydest = new Set(splitList(ctx.main('mydestination')).map((d) => d.toLowerCase()));
    return relayDomains(ctx)
      .filter((d) => mydest.has(d))
      .map(
        (d) => `${d} is in both mydestination and relay_domains: mail for it would be delivered locally, never relayed`,
      );
  },
};
