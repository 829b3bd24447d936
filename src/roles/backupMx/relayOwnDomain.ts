import type { LintRule } from '../role.js';

/** A backup MX for its own domain relays mail back to itself. */
export const relayOwnDomain: LintRule = {
  id: 'relay-own-domain',
  level: 'error',
  overridable: true,
  summary: 'a backup MX for its own domain (mail loop)',
  check({ a }) {
    return a.relay_domains
      .filter((d) => d === a.mydomain.toLowerCase())
      .map(
        (d) =>
          `relay_domains contains this host's own domain ${d}: a backup MX for its own domain relays mail back ` +
          'to itself (mail loop)',
      );
  },
};
