import { splitList } from '../../postfix/lists.js';
import { parseRelayhost, parseTransportValue } from '../../postfix/validate.js';
import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';

/** "host:587" without brackets: Postfix looks up host's MX records and sends to those on that port. */
function mxWithPort(hop: string): string | null {
  try {
    const r = parseRelayhost(hop);
    if (r.bracketed || r.port === undefined || r.port === 25 || r.port === 'smtp') return null;
    if (/^[0-9.]+$/.test(r.host) || r.host.includes(':')) return null;
    return (
      `${hop} has no brackets: Postfix looks up the MX hosts of ${r.host} and sends to them on port ${r.port}, ` +
      `not to ${r.host} itself; write [${r.host}]:${r.port}${cite(DOCS.relayhostBrackets)}`
    );
  } catch {
    return null;
  }
}

/** A next hop with a port but no brackets (relayhost, fallback_relay, transport next hops). */
export const mxLookupPort: LintRule = {
  id: 'mx-lookup-port',
  level: 'warning',
  summary: 'a next hop `host:port` without brackets: an MX lookup on a port other than 25',
  check({ a, main }) {
    const out: string[] = [];
    const relayhost = main('relayhost');
    if (relayhost !== '') {
      const m = mxWithPort(relayhost);
      if (m) out.push(`relayhost ${m}`);
    }
    for (const hop of splitList(main('fallback_relay'))) {
      const m = mxWithPort(hop);
      if (m) out.push(`fallback_relay ${m}`);
    }
    for (const [domain, value] of Object.entries(a.transport)) {
      try {
        const t = parseTransportValue(value);
        const m = t.nexthop && ['', 'smtp', 'relay', 'lmtp'].includes(t.transport) ? mxWithPort(t.nexthop) : null;
        if (m) out.push(`transport for ${domain}: ${m}`);
      } catch {
        // validation refused it
      }
    }
    return out;
  },
};
