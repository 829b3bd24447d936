import { splitList } from '../../postfix/lists.js';
import { parseRelayhost, parseTransportValue } from '../../postfix/validate.js';
import type { HostFacts } from '../../model/host.js';
import type { LintRule, Resolved } from '../../roles/role.js';
import { cite, DOCS } from '../../roles/docs.js';

/**
 * The addresses that reach this host's own Postfix: its interfaces, proxy_interfaces, loopback,
 * and the wildcard addresses (a connection to 0.0.0.0 or :: reaches the host itself).
 */
function ownAddresses(host: HostFacts, proxy: string[]): Set<string> {
  const own = new Set<string>(['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::']);
  for (const a of host.addresses) own.add(a.address.toLowerCase());
  for (const p of proxy) own.add(p.toLowerCase().replace(/^\[|\]$/g, ''));
  return own;
}

/** An IPv4-mapped IPv6 address (::ffff:127.0.0.1, ::ffff:7f00:1) as its IPv4 address. */
function unmapped(address: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return address;
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Names that are this host. */
function ownNames(host: HostFacts, a: Resolved): Set<string> {
  return new Set(
    [host.fqdn, host.hostname, a.myhostname, 'localhost', `localhost.${a.mydomain}`].map((s) => s.toLowerCase()),
  );
}

function hostPart(hop: string): { host: string; port: string } | null {
  try {
    const r = parseRelayhost(hop);
    let host = r.host.toLowerCase();
    if (host.startsWith('ipv6:')) host = host.slice(5);
    return { host, port: r.port === undefined ? '25' : String(r.port) };
  } catch {
    return null;
  }
}

/** A next hop that reaches this host's own Postfix: one of its addresses AND the port it listens on. */
export function loopsToSelf(hop: string, host: HostFacts, a: Resolved): boolean {
  const h = hostPart(hop);
  if (!h) return false;
  const port = host.postfix.smtpPort ?? 25;
  const samePort = h.port === String(port) || (port === 25 && h.port === 'smtp');
  if (!samePort) return false;
  const address = unmapped(h.host);
  if (ownAddresses(host, a.proxy_interfaces).has(address)) return true;
  if (address.startsWith('127.')) return true;
  // localhost.localdomain and the like: the resolver's names for this host.
  if (address === 'localhost' || address.startsWith('localhost.')) return true;
  // A name: only when it is this host's own name (MX lookups of other names are not resolved here).
  return ownNames(host, a).has(h.host);
}

/** relayhost or a transport next hop that is this host itself: "mail for X loops back to myself". */
export const mailLoop: LintRule = {
  id: 'mail-loop',
  level: 'error',
  summary:
    '`relayhost` or a transport next hop is this host itself: one of its addresses (or `proxy_interfaces`) **and** ' +
    'the port its Postfix listens on; or `relayhost` is a domain of `mydestination` (`$mydomain` on the ' +
    "domain's mail server), or a name whose MX is this host",
  check({ a, host, main, facts }) {
    const out: string[] = [];
    const relayhost = main('relayhost');
    const items = splitList(relayhost);
    const destinations = new Set(splitList(main('mydestination')).map((d) => d.toLowerCase()));
    let self = false;
    if (items.length > 1) {
      self = true;
      const loops = items.some((i) => loopsToSelf(i, host, a) || destinations.has(i.toLowerCase()));
      out.push(
        `relayhost expands to ${items.length} destinations (${relayhost}): it names one relay host` +
          (loops ? ', and these are this host itself: mail for other domains would loop back to myself' : ''),
      );
    } else if (relayhost !== '' && loopsToSelf(relayhost, host, a)) {
      self = true;
      out.push(
        `relayhost ${relayhost} is this host itself (port ${host.postfix.smtpPort ?? 25}): ` +
          'mail for other domains would loop back to myself',
      );
    } else if (relayhost.startsWith('[')) {
      const target = hostPart(relayhost)?.host;
      if (target !== undefined && destinations.has(target)) {
        self = true;
        out.push(
          `relayhost ${relayhost} is a destination of this host (mydestination): ` +
            'mail for other domains would loop back to myself',
        );
      }
    }
    // relayhost = $mydomain on the domain's own mail server: the MX lookup finds this host.
    const hop = hostPart(relayhost);
    const direct = !self && relayhost !== '' && !relayhost.startsWith('[');
    if (hop && direct && destinations.has(hop.host)) {
      out.push(
        `relayhost ${relayhost} looks up the MX hosts of ${hop.host}, a domain this host is the final destination ` +
          `for (mydestination): that is this host, and mail for other domains would loop back to myself` +
          cite(DOCS.mailhostRelayhost),
      );
    } else if (hop && direct && facts.relayhostMx !== undefined) {
      const names = ownNames(host, a);
      const me = facts.relayhostMx.find((mx) => names.has(mx));
      if (me !== undefined) {
        out.push(
          `relayhost ${relayhost}: its MX host ${me} is this host itself: mail for other domains would loop back to ` +
            `myself${cite(DOCS.mailhostRelayhost)}`,
        );
      }
    }
    for (const [domain, value] of Object.entries(a.transport)) {
      const t = parseTransportValue(value);
      if (t.nexthop && loopsToSelf(t.nexthop, host, a)) {
        out.push(
          `transport for ${domain} points at ${t.nexthop}, which is this host itself: mail for ${domain} would loop back to myself`,
        );
      }
    }
    return out;
  },
};
