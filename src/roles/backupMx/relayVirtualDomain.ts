import { splitList } from '../../postfix/lists.js';
import { looksLikeTableRef } from '../../postfix/validate.js';
import { cite, DOCS } from '../docs.js';
import type { LintRule } from '../role.js';

/**
 * A backed-up domain that main.cf also lists as a virtual alias or virtual mailbox domain:
 * Postfix takes it for a domain of its own and rejects the recipients it does not know.
 */
export const relayVirtualDomain: LintRule = {
  id: 'relay-virtual-domain',
  level: 'error',
  summary: 'a backed-up domain also in `virtual_alias_domains` or `virtual_mailbox_domains`',
  check({ a, main, expand }) {
    const relayed = new Set<string>();
    for (const item of a.relay_domains) {
      try {
        for (const d of splitList(expand(item))) if (!looksLikeTableRef(d)) relayed.add(d.toLowerCase());
      } catch {
        // validation refused it
      }
    }
    const out: string[] = [];
    for (const [param, quote] of [
      ['virtual_alias_domains', DOCS.backupNotVirtualAlias],
      ['virtual_mailbox_domains', DOCS.backupNotVirtualMailbox],
    ] as const) {
      for (const d of splitList(main(param)).map((x) => x.toLowerCase())) {
        if (looksLikeTableRef(d) || !relayed.has(d)) continue;
        out.push(
          `${d} is in both relay_domains and ${param} (main.cf): Postfix treats it as its own virtual domain and ` +
            `rejects the recipients it does not know instead of queueing them for the primary${cite(quote)}`,
        );
      }
    }
    return out;
  },
};
