/**
 * Network arithmetic for Postfix's address lists (mynetworks and the like), in one place:
 * parse a list of networks, ask whether an address lies in one of them, whether one network
 * contains another, and whether a network reaches beyond the private ranges. IPv4 and IPv6
 * alike; IPv6 bare or in Postfix's brackets ([2001:db8::]/32). Pure.
 *
 * Parsing here is lenient the way Postfix's matching is: host bits are masked off
 * ("127.0.0.1/8" is 127.0.0.0/8). The strict check for what mailsetup writes is parseCidr
 * (src/postfix/validate.ts).
 */
import { Address4, Address6 } from 'ip-address';
import { splitList } from './lists.js';

/** A network (or one address: /32, /128) with its range as integers. */
export interface Network {
  family: 4 | 6;
  /** The first address, canonical (IPv6 compressed, lowercase). */
  network: string;
  prefix: number;
  /** The form Postfix wants in mynetworks: 192.168.1.0/24, [2001:db8::]/32. */
  postfix: string;
  first: bigint;
  last: bigint;
}

/** What the arithmetic needs of a network (a Network, or parseCidr's Cidr). */
export interface NetworkLike {
  family: 4 | 6;
  network: string;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** A bare address (IPv6 also in brackets) as family and integer; null when it is none. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | null {
  const bare = text.replace(/^\[([^\]]*)\]$/, '$1');
  if (bare.includes('/') || bare.includes('%')) return null;
  try {
    if (/^[0-9.]+$/.test(bare) && Address4.isValid(bare)) return { family: 4, value: new Address4(bare).bigInt() };
    if (bare.includes(':') && Address6.isValid(bare)) return { family: 6, value: new Address6(bare).bigInt() };
  } catch {
    // not an address
  }
  return null;
}

function range(family: 4 | 6, value: bigint, prefix: number): { first: bigint; last: bigint } {
  const hostBits = BigInt(BITS[family] - prefix);
  const hostMask = (1n << hostBits) - 1n;
  const first = value & ~hostMask;
  return { first, last: first | hostMask };
}

function canonical(family: 4 | 6, value: bigint): string {
  return family === 4 ? Address4.fromBigInt(value).correctForm() : Address6.fromBigInt(value).correctForm();
}

/**
 * One network: "a.b.c.d", "a.b.c.d/n", IPv6 with or without brackets ("[2001:db8::]/32",
 * "2001:db8::/32", "[2001:db8::/32]"); a bare address is /32 or /128. null for anything else
 * (a lookup table, a file, a $name, a host name).
 */
export function parseNetwork(text: string): Network | null {
  let m = /^\[([^\]/]+)\](?:\/(\d+))?$/.exec(text) ?? /^\[([^\]/]+)\/(\d+)\]$/.exec(text);
  if (!m) m = /^([^[\]/]+)(?:\/(\d+))?$/.exec(text);
  if (!m) return null;
  const a = parseAddress(m[1]);
  if (!a) return null;
  const prefix = m[2] === undefined ? BITS[a.family] : Number(m[2]);
  if (prefix > BITS[a.family]) return null;
  const { first, last } = range(a.family, a.value, prefix);
  const network = canonical(a.family, first);
  return {
    family: a.family,
    network,
    prefix,
    postfix: a.family === 4 ? `${network}/${prefix}` : `[${network}]/${prefix}`,
    first,
    last,
  };
}

/** A network given as family, first address and prefix (e.g. parseCidr's Cidr). */
export function networkFrom(n: NetworkLike): Network {
  const net = parseNetwork(n.family === 4 ? `${n.network}/${n.prefix}` : `[${n.network}]/${n.prefix}`);
  if (!net) throw new Error(`not a network: ${n.network}/${n.prefix}`);
  return net;
}

/**
 * A match list of networks as main.cf writes it (mynetworks: whitespace and/or commas): the
 * networks, and the entries that are not networks (lookup tables, files, $names, host names)
 * as written. As in Postfix, an IPv6 entry must be in brackets: unbracketed, Postfix reads
 * "2001:db8::/32" as a lookup table of type "2001", so it is not a network here either.
 */
export function parseNetworkList(value: string): { networks: Network[]; other: string[] } {
  const networks: Network[] = [];
  const other: string[] = [];
  for (const item of splitList(value)) {
    const n = item.includes(':') && !item.startsWith('[') ? null : parseNetwork(item);
    if (n) networks.push(n);
    else other.push(item);
  }
  return { networks, other };
}

/** Whether `address` (bare, IPv6 also in brackets) lies in one of `nets`; false for a non-address. */
export function inNetworks(address: string, nets: readonly Network[]): boolean {
  const a = parseAddress(address);
  if (!a) return false;
  return nets.some((n) => n.family === a.family && n.first <= a.value && a.value <= n.last);
}

/** Whether `outer` contains all of `inner` (same family; a network contains itself). */
export function containsNetwork(outer: Network, inner: Network): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** Where an address is reachable from. */
export type AddressScope = 'loopback' | 'link-local' | 'private' | 'public';

type Scopes = ReadonlyArray<readonly [Network, Exclude<AddressScope, 'public'>]>;
let scopeTable: { scopes: Scopes; v4Mapped: Network } | null = null;

/**
 * The ranges that are not public: loopback, link-local, private (RFC 1918), CGNAT
 * (100.64.0.0/10) and IPv6 ULA (fc00::/7); everything else is public. With them the IPv4-mapped
 * range (::ffff:0:0/96). Parsed on first use, not when the module loads (the wizard's first
 * frame loads this module and needs neither).
 */
function scopeRanges(): { scopes: Scopes; v4Mapped: Network } {
  scopeTable ??= {
    scopes: (
      [
        ['127.0.0.0/8', 'loopback'],
        ['[::1]/128', 'loopback'],
        ['169.254.0.0/16', 'link-local'],
        ['[fe80::]/10', 'link-local'],
        ['10.0.0.0/8', 'private'],
        ['172.16.0.0/12', 'private'],
        ['192.168.0.0/16', 'private'],
        ['100.64.0.0/10', 'private'],
        ['[fc00::]/7', 'private'],
      ] as const
    ).map(([text, scope]) => [parseNetwork(text) as Network, scope] as const),
    v4Mapped: parseNetwork('[::ffff:0:0]/96') as Network,
  };
  return scopeTable;
}

/** An IPv4-mapped IPv6 network (::ffff:a.b.c.d/n, n ≥ 96) as the IPv4 network it stands for, else null. */
function unmapped(net: Network): Network | null {
  if (net.family !== 6 || net.prefix < 96 || !containsNetwork(scopeRanges().v4Mapped, net)) return null;
  return parseNetwork(`${Address4.fromBigInt(net.first & 0xffffffffn).correctForm()}/${net.prefix - 96}`);
}

/**
 * True if any part of the network lies outside the loopback, link-local, private, CGNAT and
 * ULA ranges. IPv4-mapped IPv6 networks (::ffff:0:0/96) are judged by their IPv4 part.
 */
export function isPublicNetwork(n: NetworkLike): boolean {
  const net = networkFrom(n);
  const v4 = unmapped(net);
  if (v4) return isPublicNetwork(v4);
  return !scopeRanges().scopes.some(([range]) => containsNetwork(range, net));
}

/**
 * The scope of one address (`family` as the interface reports it): loopback, link-local,
 * private (RFC 1918, CGNAT, ULA) or public; an IPv4-mapped IPv6 address as its IPv4 address.
 */
export function addressScope(address: string, family: 4 | 6): AddressScope {
  const net = parseNetwork(family === 6 ? `[${address}]` : address);
  if (!net) throw new Error(`not an IPv${family} address: ${address}`);
  const v4 = unmapped(net);
  if (v4) return addressScope(v4.network, 4);
  return scopeRanges().scopes.find(([range]) => containsNetwork(range, net))?.[1] ?? 'public';
}

/** The network of address/prefix in Postfix's mynetworks form (192.168.1.0/24, [2001:db8::]/64). */
export function networkOf(address: string, prefix: number, family: 4 | 6): string {
  const net = parseNetwork(family === 6 ? `[${address}]/${prefix}` : `${address}/${prefix}`);
  if (!net) throw new Error(`not an IPv${family} network: ${address}/${prefix}`);
  return net.postfix;
}

/** The prefix length of a netmask ("255.255.255.0" → 24, "ffff:ffff:ffff:ffff::" → 64). */
export function prefixOfMask(mask: string, family: 4 | 6): number {
  const a = parseAddress(mask);
  if (!a || a.family !== family) throw new Error(`not an IPv${family} netmask: ${mask}`);
  return a.value.toString(2).replace(/0+$/, '').length;
}

/** True for a /0 network (every IPv4 or every IPv6 address). */
export function coversAll(n: NetworkLike): boolean {
  return n.prefix === 0;
}

/** "host:port", "[v6]:port" for messages. */
export function showEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parse "host:port" / "[v6]:port"; throws naming the text. */
export function parseEndpoint(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`"${text}" is not host:port (or [ipv6]:port)`);
  return { host: m[1], port: Number(m[2]) };
}

/**
 * The reverse-DNS name of an address, where its PTR record lives: 2.2.0.192.in-addr.arpa,
 * 5.0.0.0…8.b.d.0.1.0.0.2.ip6.arpa; null when the text is no address.
 */
export function reverseName(address: string): string | null {
  const a = parseAddress(address);
  if (a === null) return null;
  if (a.family === 4) return `${canonical(4, a.value).split('.').reverse().join('.')}.in-addr.arpa`;
  const nibbles = a.value.toString(16).padStart(32, '0').split('').reverse();
  return `${nibbles.join('.')}.ip6.arpa`;
}

/** mynetworks_style: what Postfix trusts when mynetworks is not set. */
export type MynetworksStyle = 'host' | 'subnet' | 'class';

/**
 * The networks Postfix derives from mynetworks_style and the host's interface addresses
 * (`global/mynetworks.c`): `host` each address alone (/32, /128), `subnet` each address's
 * subnet, `class` the IPv4 class A/B/C network of each address (IPv6 as for subnet). IPv4
 * first, then IPv6, in the order given, each once; in Postfix's mynetworks form.
 */
export function styleNetworks(
  addresses: ReadonlyArray<{ address: string; family: 4 | 6; prefix: number }>,
  style: MynetworksStyle,
): string[] {
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    for (const a of addresses) {
      if (a.family !== family) continue;
      let prefix = a.prefix;
      if (style === 'host') prefix = BITS[family];
      else if (style === 'class' && family === 4) {
        const first = Number(a.address.split('.')[0]);
        prefix = first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 32;
      }
      const net = networkOf(a.address, prefix, family);
      if (!out.includes(net)) out.push(net);
    }
  }
  return out;
}
