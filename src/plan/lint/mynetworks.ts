/**
 * What the mynetworks rules share: the networks mynetworks names (tables and unparseable values
 * left out: those are the admin's business), and how they compare with the host's own subnets.
 */
import { Address4, Address6 } from 'ip-address';
import { parseCidr, type Cidr } from '../../postfix/validate.js';
import { splitList } from '../../postfix/lists.js';
import type { HostFacts } from '../../model/host.js';
import type { LintContext } from '../../roles/role.js';

export const LOOPBACK_NETS: readonly string[] = ['127.0.0.0/8', '[::1]/128'];

/** One network of mynetworks, parsed. */
export interface Network {
  cidr: Cidr;
  address: Address4 | Address6 | null;
}

function addressOf(c: Cidr): Address4 | Address6 | null {
  try {
    return c.family === 4 ? new Address4(`${c.network}/${c.prefix}`) : new Address6(`${c.network}/${c.prefix}`);
  } catch {
    return null;
  }
}

/** The literal networks of mynetworks after the plan. */
export function mynetworks(ctx: LintContext): Network[] {
  const out: Network[] = [];
  for (const net of splitList(ctx.main('mynetworks'))) {
    if (net.startsWith('/') || net.includes(':/') || /^[a-z]+:/.test(net)) continue; // tables (hash:/…)
    let cidr: Cidr;
    try {
      cidr = parseCidr(net);
    } catch {
      continue; // validation refused anything mailsetup wrote; odd hand-set values are not ours to judge
    }
    out.push({ cidr, address: addressOf(cidr) });
  }
  return out;
}

/** Whether `outer` contains `inner` (same family). */
export function contains(outer: Address4 | Address6, inner: Address4 | Address6): boolean {
  if (outer instanceof Address4 !== inner instanceof Address4) return false;
  return (inner as Address4).isInSubnet(outer as Address4) && outer.subnetMask <= inner.subnetMask;
}

/** The host's own subnets (not link-local). */
export function hostNetworks(host: HostFacts): Array<Address4 | Address6> {
  return host.addresses
    .filter((x) => x.scope !== 'link-local')
    .map((x) => {
      try {
        return addressOf(parseCidr(x.network));
      } catch {
        return null;
      }
    })
    .filter((x): x is Address4 | Address6 => x !== null);
}
