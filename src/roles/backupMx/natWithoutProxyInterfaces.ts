import type { LintRule } from '../role.js';

/** Behind NAT without proxy_interfaces, a backup MX loops mail to itself while the primary is down. */
export const natWithoutProxyInterfaces: LintRule = {
  id: 'nat-without-proxy-interfaces',
  level: 'warning',
  summary: 'a backup MX without a public address and without `proxy_interfaces`',
  check({ a, host }) {
    if (a.proxy_interfaces.length > 0 || host.addresses.some((x) => x.scope === 'public')) return [];
    return [
      'this host has no public address (NAT?) and proxy_interfaces is empty: when the primary is down, mail for ' +
        'the backed-up domains loops back to this host. Set proxy_interfaces to the public address',
    ];
  },
};
