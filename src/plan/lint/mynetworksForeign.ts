import { coversAll, isPublic } from '../../postfix/validate.js';
import type { LintRule } from '../../roles/role.js';
import { containsNetwork } from '../../postfix/network.js';
import { from, hostNetworks, LOOPBACK_NETS, mynetworks, widerThanOwn } from './mynetworks.js';

/** A network in mynetworks that the host is not on: its clients may reach it through NAT. */
export const mynetworksForeign: LintRule = {
  id: 'mynetworks-foreign',
  level: 'warning',
  summary: '`mynetworks` names a network the host is not on (NAT?)',
  perService: true,
  check(ctx) {
    const own = hostNetworks(ctx.host);
    const out: string[] = [];
    for (const e of mynetworks(ctx)) {
      const { cidr, net } = e;
      if (coversAll(cidr) || isPublic(cidr) || LOOPBACK_NETS.includes(cidr.postfix)) continue;
      if (widerThanOwn(net, own)) continue; // mynetworks-wide
      if (!own.some((o) => containsNetwork(o, net) || containsNetwork(net, o))) {
        out.push(
          `mynetworks contains ${cidr.postfix}${from(e)}, which is not a network of this host: ` +
            'check that those clients really reach it directly, not through NAT',
        );
      }
    }
    return out;
  },
};
