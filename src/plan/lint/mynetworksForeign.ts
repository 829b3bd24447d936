import { coversAll, isPublic } from '../../postfix/validate.js';
import type { LintRule } from '../../roles/role.js';
import { contains, hostNetworks, LOOPBACK_NETS, mynetworks } from './mynetworks.js';

/** A network in mynetworks that the host is not on: its clients may reach it through NAT. */
export const mynetworksForeign: LintRule = {
  id: 'mynetworks-foreign',
  level: 'warning',
  summary: '`mynetworks` names a network the host is not on (NAT?)',
  check(ctx) {
    const own = hostNetworks(ctx.host);
    const out: string[] = [];
    for (const { cidr, address } of mynetworks(ctx)) {
      if (!address || coversAll(cidr) || isPublic(cidr) || LOOPBACK_NETS.includes(cidr.postfix)) continue;
      if (own.some((o) => contains(address, o) && address.subnetMask < o.subnetMask)) continue; // mynetworks-wide
      if (!own.some((o) => contains(o, address) || contains(address, o))) {
        out.push(
          `mynetworks contains ${cidr.postfix}, which is not a network of this host: ` +
            'check that those clients really reach it directly, not through NAT',
        );
      }
    }
    return out;
  },
};
