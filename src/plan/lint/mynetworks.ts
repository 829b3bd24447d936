/**
 * What the mynetworks rules share: the networks Postfix will trust — those mynetworks names
 * (inline, and in the tables and pattern files it names, as read before planning), or, without
 * mynetworks, those mynetworks_style derives from the host's interfaces — and the host's own
 * subnets to compare them with. Exceptions ("!net") and tables mailsetup cannot read are left out.
 */
import type { HostFacts } from '../../model/host.js';
import { parseCidr, type Cidr } from '../../postfix/validate.js';
import { networkFrom, parseNetwork, styleNetworks, type MynetworksStyle, type Network } from '../../postfix/network.js';
import { splitList } from '../../postfix/lists.js';
import type { LintContext } from '../../roles/role.js';
import { ipv4Enabled, ipv6Enabled } from '../../roles/common.js';
import { readTable, sourcePath, type NamedTable } from '../tables.js';
import { looksLikeTableRef, parseTableRef } from '../../postfix/validate.js';

export const LOOPBACK_NETS: readonly string[] = ['127.0.0.0/8', '[::1]/128'];

/** One network Postfix trusts: as validated (the form Postfix reads), as a range, and where it comes from. */
export interface MynetworksEntry {
  cidr: Cidr;
  net: Network;
  /** "mynetworks_style = subnet", or the table it is listed in; absent for mynetworks itself. */
  source?: string;
  /** Derived from mynetworks_style (the mynetworks-style rule judges those on a public host). */
  fromStyle?: boolean;
}

/** The networks of mynetworks after the plan (or of mynetworks_style when mynetworks is not set). */
export function mynetworks(ctx: LintContext): MynetworksEntry[] {
  const out: MynetworksEntry[] = [];
  if (!ctx.isSet('mynetworks')) {
    const style = ctx.main('mynetworks_style') as MynetworksStyle;
    if (!['host', 'subnet', 'class'].includes(style)) return out;
    const protocols = ctx.main('inet_protocols') || 'all';
    const addrs = ctx.host.addresses.filter((x) => (x.family === 4 ? ipv4Enabled(protocols) : ipv6Enabled(protocols)));
    for (const n of styleNetworks(addrs, style)) {
      const cidr = parseCidr(n);
      out.push({ cidr, net: networkFrom(cidr), source: `mynetworks_style = ${style}`, fromStyle: true });
    }
    return out;
  }
  for (const item of splitList(ctx.main('mynetworks'))) {
    if (item.startsWith('!')) continue; // an exception trusts nobody
    let cidr: Cidr;
    try {
      cidr = parseCidr(item);
    } catch {
      if (looksLikeTableRef(item)) out.push(...tableNetworks(ctx, item));
      continue; // validation refused anything mailsetup wrote; odd hand-set values are not ours to judge
    }
    out.push({ cidr, net: networkFrom(cidr) });
  }
  return out;
}

/** The networks listed in a table or pattern file of mynetworks, as read before planning. */
function tableNetworks(ctx: LintContext, item: string): MynetworksEntry[] {
  let t: NamedTable;
  try {
    t = { param: 'mynetworks', use: 'networks', ref: parseTableRef(item) };
  } catch {
    return [];
  }
  const path = sourcePath(t.ref);
  const text = path === undefined ? undefined : ctx.facts.files[path];
  if (typeof text !== 'string' || text.startsWith('!')) return [];
  return readTable(t, text).networks.map(({ cidr }) => ({ cidr, net: networkFrom(cidr), source: path }));
}

/** " (listed in /etc/postfix/network_table)" for a network from a table or a style. */
export function from(e: MynetworksEntry): string {
  if (e.source === undefined) return '';
  return e.fromStyle ? ` (from ${e.source})` : ` (listed in ${e.source})`;
}

/** Whether the entry is one of this host's own addresses alone (/32, /128): the host itself, not a network. */
export function isOwnAddress(e: MynetworksEntry, host: HostFacts): boolean {
  const full = e.cidr.family === 4 ? 32 : 128;
  return (
    e.cidr.prefix === full && host.addresses.some((x) => x.family === e.cidr.family && x.address === e.cidr.network)
  );
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
