import { coversAll, isPublic } from '../../postfix/validate.js';
import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';
import { from, isOwnAddress, mynetworks } from './mynetworks.js';

/**
 * mynetworks with /0 or a public range: every client in it may relay (an open relay). This host's
 * own address alone (/32, /128) is the host itself, as mynetworks_style = host trusts it.
 */
export const mynetworksPublic: LintRule = {
  id: 'mynetworks-public',
  level: 'error',
  overridable: true,
  summary: "`mynetworks` contains `/0` or a public range (this host's own address alone excepted): an open relay",
  perService: true,
  check(ctx) {
    const out: string[] = [];
    for (const e of mynetworks(ctx)) {
      // A style's public subnet on a public host is the mynetworks-style rule's to refuse.
      if (e.fromStyle || isOwnAddress(e, ctx.host)) continue;
      const { cidr } = e;
      if (coversAll(cidr)) {
        out.push(
          `mynetworks contains ${cidr.postfix}${from(e)}: every client on the Internet could relay through this host ` +
            `(open relay)${cite(DOCS.mynetworksWan)}`,
        );
      } else if (isPublic(cidr)) {
        out.push(
          `mynetworks contains the public range ${cidr.postfix}${from(e)}: every client in it may relay through ` +
            `this host${cite(DOCS.mynetworksWan)}`,
        );
      }
    }
    return out;
  },
};
