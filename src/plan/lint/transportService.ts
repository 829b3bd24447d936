import { parseTransportValue } from '../../postfix/validate.js';
import type { LintRule } from '../../roles/role.js';

/**
 * A transport mail is handed to (a transport table's next hop, defer_transports) that master.cf
 * does not define: the queue manager cannot deliver through it and the mail waits.
 */
export const transportService: LintRule = {
  id: 'transport-unknown',
  level: 'error',
  summary: 'a transport (in `transport_maps` or `defer_transports`) that master.cf does not define',
  check({ a, services }) {
    const out: string[] = [];
    for (const [domain, value] of Object.entries(a.transport)) {
      let name: string;
      try {
        name = parseTransportValue(value).transport;
      } catch {
        continue;
      }
      if (name !== '' && !services.has(name)) {
        out.push(
          `transport for ${domain}: "${name}" is not a service in master.cf: mail for ${domain} would stay ` +
            `queued ("unknown mail transport error")`,
        );
      }
    }
    for (const name of a.defer_transports ?? []) {
      if (!services.has(name))
        out.push(`defer_transports: "${name}" is not a service in master.cf: it would defer nothing`);
    }
    return out;
  },
};
