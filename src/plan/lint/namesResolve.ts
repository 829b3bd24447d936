import { splitList } from '../../postfix/lists.js';
import type { LintRule } from '../../roles/role.js';

/** The host names (not addresses, not keywords) of inet_interfaces and proxy_interfaces after the plan. */
export function interfaceNames(main: (name: string) => string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const param of ['inet_interfaces', 'proxy_interfaces']) {
    for (const item of splitList(main(param))) {
      const lower = item.toLowerCase();
      if (lower === 'all' || lower === 'loopback-only' || item.startsWith('[') || /^[0-9.]+$/.test(item)) continue;
      if (item.includes(':')) continue;
      out.push([param, lower]);
    }
  }
  return out;
}

/** A host name in inet_interfaces or proxy_interfaces that does not resolve: Postfix does not start. */
export const namesResolve: LintRule = {
  id: 'interface-name',
  level: 'error',
  summary: '`inet_interfaces`/`proxy_interfaces` name a host that does not resolve',
  check({ main, facts }) {
    const out: string[] = [];
    for (const [param, name] of interfaceNames(main)) {
      const r = facts.names[name];
      if (r === undefined || typeof r === 'string' || r.length > 0) continue;
      out.push(
        `${param}: "${name}" does not resolve to an address: Postfix stops at start ("host not found: ${name}"); ` +
          'give the address, or add the name to /etc/hosts',
      );
    }
    return out;
  },
};
