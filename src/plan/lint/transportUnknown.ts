import { parseTransportValue } from '../../postfix/validate.js';
import type { LintRule } from '../../roles/role.js';

/**
 * A transport(5) next hop whose transport is no master.cf service (or one the plan disables, such
 * as `local` on a gateway): Postfix defers that mail for ever ("unknown mail transport").
 */
export const transportUnknown: LintRule = {
  id: 'transport-unknown',
  level: 'error',
  overridable: true,
  summary:
    'a transport next hop (or a `defer_transports` entry) names a service master.cf does not have (mail for it ' +
    'stays in the queue)',
  check({ a, transports }) {
    if (!transports) return [];
    const out: string[] = [];
    for (const [domain, value] of Object.entries(a.transport)) {
      const t = parseTransportValue(value);
      if (t.transport === '' || transports.has(t.transport)) continue;
      out.push(
        `transport for ${domain} is ${value}: master.cf has no service ${t.transport}` +
          `${t.transport === 'local' ? ' (local delivery is disabled here)' : ''}, so mail for ${domain} would stay in the queue`,
      );
    }
    for (const name of a.defer_transports ?? []) {
      if (!transports.has(name))
        out.push(`defer_transports: "${name}" is not a service in master.cf: it would defer nothing`);
    }
    return out;
  },
};
