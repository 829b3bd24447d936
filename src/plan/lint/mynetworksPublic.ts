import { coversAll, isPublic } from '../../postfix/validate.js';
import type { LintRule } from '../../roles/role.js';
import { mynetworks } from './mynetworks.js';

/** mynetworks with /0 or a public range: every client in it may relay (an open relay). */
export const mynetworksPublic: LintRule = {
  id: 'mynetworks-public',
  level: 'error',
  overridable: true,
  summary: '`mynetworks` contains `/0` or a public range: an open relay',
  perService: true,
  check(ctx) {
    const out: string[] = [];
    for (const { cidr } of mynetworks(ctx)) {
      if (coversAll(cidr)) {
        out.push(
          `mynetworks contains ${cidr.postfix}: every client on the Internet could relay through this host (open relay)`,
        );
      } else if (isPublic(cidr)) {
        out.push(
          `mynetworks contains the public range ${cidr.postfix}: every client in it may relay through this host`,
        );
      }
    }
    return out;
  },
};
