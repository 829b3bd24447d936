import { splitList } from '../../postfix/lists.js';
import { cite, DOCS } from '../docs.js';
import type { LintRule } from '../role.js';

/**
 * A gateway that listens on some of its addresses only: smtp(8) sends from the listed address,
 * and hosts on the other side of the firewall are out of reach.
 */
export const inetInterfacesSource: LintRule = {
  id: 'inet-interfaces-source',
  level: 'warning',
  summary: "a gateway's `inet_interfaces` names some of its addresses only: smtp(8) sends from them",
  check({ host, main }) {
    const listed = splitList(main('inet_interfaces')).map((x) => x.replace(/^\[(.*)\]$/, '$1').toLowerCase());
    if (listed.length === 0 || listed.includes('all') || listed.includes('loopback-only')) return [];
    const outside = host.addresses.filter(
      (x) => x.scope !== 'loopback' && x.scope !== 'link-local' && !listed.includes(x.address.toLowerCase()),
    );
    if (outside.length === 0) return [];
    return [
      `inet_interfaces = ${main('inet_interfaces')} leaves out ${outside.map((x) => `${x.address} (${x.iface})`).join(', ')}: ` +
        'the Postfix SMTP client then sends from the listed address only, and mail for hosts reached through the ' +
        `other addresses stays queued; use inet_interfaces = all${cite(DOCS.firewallInetInterfaces)}`,
    ];
  },
};
