import { coversAll, isPublic } from '../../postfix/validate.js';
import type { LintRule } from '../../roles/role.js';
import { from, hostNetworks, LOOPBACK_NETS, mynetworks, widerThanOwn } from './mynetworks.js';
import { cite, DOCS } from '../../roles/docs.js';

/** A private network in mynetworks wider than the host's own subnets trusts strangers' machines too. */
export const mynetworksWide: LintRule = {
  id: 'mynetworks-wide',
  level: 'error',
  overridable: true,
  summary: "`mynetworks` is wider than the host's own subnets",
  perService: true,
  check(ctx) {
    const own = hostNetworks(ctx.host);
    const out: string[] = [];
    for (const e of mynetworks(ctx)) {
      const { cidr, net } = e;
      if (coversAll(cidr) || isPublic(cidr) || LOOPBACK_NETS.includes(cidr.postfix)) continue;
      if (widerThanOwn(net, own)) {
        const subnets = ctx.host.addresses
          .filter((x) => x.scope === 'private')
          .map((x) => x.network)
          .join(', ');
        out.push(
          `mynetworks contains ${cidr.postfix}${from(e)}, wider than this host's own subnets (${subnets})` +
            (e.fromStyle ? cite(DOCS.mynetworksClass) : ''),
        );
      }
    }
    return out;
  },
};
