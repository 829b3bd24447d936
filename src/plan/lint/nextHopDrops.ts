import { parseTransportValue } from '../../postfix/validate.js';
import type { LintRule } from '../../roles/role.js';

const WHAT: Record<string, string> = {
  local: 'is delivered on this host (local), not passed on',
  virtual: 'is delivered into mailboxes on this host (virtual), not passed on',
  pipe: 'is given to a command (pipe), not passed on',
  discard: 'is dropped without a word (discard)',
  error: 'is bounced to its senders (error)',
  retry: 'is deferred until it expires (retry)',
};

/**
 * A transport next hop that does not pass mail on: local or virtual delivery, a command, discard, error,
 * retry. Legitimate now and then, so a warning, with an override id that acknowledges it.
 */
export const nextHopDrops: LintRule = {
  id: 'nexthop-not-relayed',
  level: 'warning',
  overridable: true,
  summary: 'a transport next hop delivers locally, runs a command, discards, bounces or defers instead of relaying',
  check({ a }) {
    const out: string[] = [];
    for (const [domain, value] of Object.entries(a.transport)) {
      const what = WHAT[parseTransportValue(value).transport];
      if (what) out.push(`transport for ${domain} is ${value}: mail for ${domain} ${what}`);
    }
    return out;
  },
};
