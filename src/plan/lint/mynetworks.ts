/**
 * What the mynetworks rules share: the networks mynetworks names (tables and unparseable values
 * left out: those are the admin's business), and the host's own subnets to compare them with.
 */
import type { HostFacts } from '../../model/host.js';
import { parseCidr, type Cidr } from '../../postfix/validate.js';
import { networkFrom, parseNetwork, type Network } from '../../postfix/network.js';
import { splitList } from '../../postfix/lists.js';
import type { LintContext } from '../../roles/role.js';

export const LOOPBACK_NETS: readonly string[] = ['127.0.0.0/8', '[::1]/128'];

/** One network of mynetworks: as validated (the form Postfix reads) and as a range. */
export interface MynetworksEntry {
  cidr: Cidr;
  net: Network;
}

/** The literal networks of mynetworks after the plan. */
export function mynetworks(ctx: LintContext): MynetworksEntry[] {
  const out: MynetworksEntry[] = [];
  for (const item of splitList(ctx.main('mynetworks'))) {
    if (item.startsWith('/') || item.includes(':/') || /^[a-z]+:/.test(item)) continue; // tables (hash:/…)
    let cidr: Cidr;
    try {
      cidr = parseCidr(item);
    } catch {
      continue; // validation refused anything mailsetup wrote; odd hand-set values are not ours to judge
    }
    out.push({ cidr, net: networkFrom(cidr) });
  }
  return out;
}

/** The host's own subnets (not link-local). */
export function hostNetworks(host: HostFacts): Network[] {
  return host.addresses
    .filter((x) => x.scope !== 'link-local')
    .map((x) => parseNetwork(x.network))
    .filter((x): x is Network => x !== null);
}

/** Whether `net` is wider than one of the host's own subnets that it contains. */
export function widerThanOwn(net: Network, own: readonly Network[]): boolean {
  return own.some(
    (o) => o.family === net.family && net.first <= o.first && o.last <= net.last && net.prefix < o.prefix,
  );
}
