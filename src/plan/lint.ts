/**
 * The safety linter: each rule a named finding with its reason, run on the configuration a plan
 * would leave (main.cf after the edits, expanded, plus the maps). Errors stop the apply unless
 * the answers list the rule's override. The failures behind each rule are in
 * reference/anchors.md (d): open relays via mynetworks, "mail for X loops back to myself",
 * backscatter from relay domains without recipient lists.
 */
import { Address4, Address6 } from 'ip-address';
import { coversAll, isPublic, parseCidr, parseRelayhost, parseTransportValue } from '../postfix/validate.js';
import type { Resolved } from '../roles/role.js';
import type { HostFacts } from '../model/host.js';
import type { Finding } from '../model/plan.js';

/** The effective (expanded) main.cf values the linter looks at. */
export type Lookup = (name: string) => string;

function split(v: string): string[] {
  return v.split(/[\s,]+/).filter((s) => s !== '');
}

function addressOf(cidr: string): Address4 | Address6 | null {
  try {
    const p = parseCidr(cidr);
    return p.family === 4 ? new Address4(`${p.network}/${p.prefix}`) : new Address6(`${p.network}/${p.prefix}`);
  } catch {
    return null;
  }
}

/** Whether `outer` contains `inner` (same family). */
function contains(outer: Address4 | Address6, inner: Address4 | Address6): boolean {
  if (outer instanceof Address4 !== inner instanceof Address4) return false;
  return (inner as Address4).isInSubnet(outer as Address4) && outer.subnetMask <= inner.subnetMask;
}

const LOOPBACK_NETS = ['127.0.0.0/8', '[::1]/128'];

/** The addresses that reach this host's own Postfix: its interfaces, proxy_interfaces, loopback. */
function ownAddresses(host: HostFacts, proxy: string[]): Set<string> {
  const own = new Set<string>(['127.0.0.1', '::1', 'localhost']);
  for (const a of host.addresses) own.add(a.address.toLowerCase());
  for (const p of proxy) own.add(p.toLowerCase());
  return own;
}

/** Names that are this host. */
function ownNames(host: HostFacts, a: Resolved): Set<string> {
  return new Set(
    [host.fqdn, host.hostname, a.myhostname, 'localhost', `localhost.${a.mydomain}`].map((s) => s.toLowerCase()),
  );
}

function hostPart(hop: string): { host: string; port: string; bracketed: boolean } | null {
  try {
    const r = parseRelayhost(hop);
    let host = r.host.toLowerCase();
    if (host.startsWith('ipv6:')) host = host.slice(5);
    return { host, port: r.port === undefined ? '25' : String(r.port), bracketed: r.bracketed };
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
  if (ownAddresses(host, a.proxy_interfaces).has(h.host)) return true;
  if (h.host.startsWith('127.')) return true;
  // A name: only when it is this host's own name (MX lookups of other names are not resolved here).
  if (ownNames(host, a).has(h.host)) return true;
  return false;
}

/** Run every rule. `main` gives the expanded values of the configuration after the plan. */
export function lint(a: Resolved, host: HostFacts, main: Lookup, isSet: (name: string) => boolean): Finding[] {
  const out: Finding[] = [];
  const overridden = new Set(a.overrides);
  const push = (f: Finding) => {
    if (f.level === 'error' && f.override && overridden.has(f.override)) {
      out.push({ ...f, level: 'warning', message: `${f.message} (overridden: ${f.override})` });
    } else out.push(f);
  };

  // mynetworks: /0 and public ranges are open relays waiting to happen.
  const hostNets = host.addresses
    .filter((x) => x.scope !== 'link-local')
    .map((x) => addressOf(x.network))
    .filter((x): x is Address4 | Address6 => x !== null);
  const mynetworks = main('mynetworks');
  for (const net of split(mynetworks)) {
    if (net.startsWith('/') || net.includes(':/') || /^[a-z]+:/.test(net)) continue; // tables (hash:/…) are the admin's business
    let parsed;
    try {
      parsed = parseCidr(net);
    } catch {
      continue; // validation already refused anything we wrote; hand-set odd values are not ours to judge
    }
    if (coversAll(net)) {
      push({
        id: 'mynetworks-public',
        level: 'error',
        override: 'mynetworks-public',
        message: `mynetworks contains ${parsed.postfix}: every client on the Internet could relay through this host (open relay)`,
      });
      continue;
    }
    if (isPublic(net)) {
      push({
        id: 'mynetworks-public',
        level: 'error',
        override: 'mynetworks-public',
        message: `mynetworks contains the public range ${parsed.postfix}: every client in it may relay through this host`,
      });
      continue;
    }
    const addr = addressOf(net);
    if (!addr || LOOPBACK_NETS.includes(parsed.postfix)) continue;
    const widerThanOwn = hostNets.some((own) => contains(addr, own) && addr.subnetMask < own.subnetMask);
    if (widerThanOwn) {
      push({
        id: 'mynetworks-wide',
        level: 'error',
        override: 'mynetworks-wide',
        message: `mynetworks contains ${parsed.postfix}, wider than this host's own subnets (${host.addresses
          .filter((x) => x.scope === 'private')
          .map((x) => x.network)
          .join(', ')})`,
      });
    } else if (!hostNets.some((own) => contains(own, addr) || contains(addr, own))) {
      push({
        id: 'mynetworks-foreign',
        level: 'warning',
        message: `mynetworks contains ${parsed.postfix}, which is not a network of this host: check that those clients really reach it directly, not through NAT`,
      });
    }
  }
  if (!isSet('mynetworks')) {
    const style = main('mynetworks_style');
    if ((style === 'subnet' || style === 'class') && host.addresses.some((x) => x.scope === 'public')) {
      push({
        id: 'mynetworks-style',
        level: 'error',
        message: `mynetworks_style = ${style} on a host with a public address trusts its whole ${style === 'class' ? 'class' : 'subnet'}: set mynetworks explicitly`,
      });
    }
  }

  // A domain both local and relayed: Postfix delivers it locally and the relay never happens.
  const mydest = new Set(split(main('mydestination')).map((d) => d.toLowerCase()));
  const relayDomains = split(main('relay_domains'))
    .map((d) => d.toLowerCase())
    .filter((d) => !d.includes(':') && !d.startsWith('/'));
  for (const d of relayDomains) {
    if (mydest.has(d)) {
      push({
        id: 'domain-local-and-relay',
        level: 'error',
        message: `${d} is in both mydestination and relay_domains: mail for it would be delivered locally, never relayed`,
      });
    }
  }
  if (a.role === 'backup-mx') {
    for (const d of a.relay_domains) {
      if (d === a.mydomain.toLowerCase()) {
        push({
          id: 'relay-own-domain',
          level: 'error',
          override: 'relay-own-domain',
          message: `relay_domains contains this host's own domain ${d}: a backup MX for its own domain relays mail back to itself (mail loop)`,
        });
      }
    }
  }

  // Backscatter: relay domains without a recipient list accept mail for anyone and bounce it later.
  if (relayDomains.length > 0 && main('relay_recipient_maps') === '') {
    push({
      id: 'relay-accept-all',
      level: 'error',
      override: 'relay-accept-all',
      message: `relay_domains (${relayDomains.join(', ')}) without relay_recipient_maps accepts mail for any address and bounces the unknown ones later (backscatter): list the valid recipients, or override relay-accept-all to accept all knowingly`,
    });
  }

  // Mail loops: a next hop that is this host itself.
  const relayhost = main('relayhost');
  if (relayhost !== '' && loopsToSelf(relayhost, host, a)) {
    push({
      id: 'mail-loop',
      level: 'error',
      message: `relayhost ${relayhost} is this host itself (port ${host.postfix.smtpPort ?? 25}): mail for other domains would loop back to myself`,
    });
  }
  for (const [domain, value] of Object.entries(a.transport)) {
    const t = parseTransportValue(value);
    if (t.nexthop && loopsToSelf(t.nexthop, host, a)) {
      push({
        id: 'mail-loop',
        level: 'error',
        message: `transport for ${domain} points at ${t.nexthop}, which is this host itself: mail for ${domain} would loop back to myself`,
      });
    }
  }
  if (a.role === 'null-client' && relayhost === '') {
    push({
      id: 'null-client-direct',
      level: 'error',
      override: 'null-client-direct',
      message:
        'a null client without relayhost delivers directly to the Internet (port 25 is often blocked, and the mail lacks a proper sender domain)',
    });
  }

  // The relay restrictions must stop strangers.
  const relayRestrictions = main('smtpd_relay_restrictions');
  const recipientRestrictions = main('smtpd_recipient_restrictions');
  if (
    !/\b(reject|defer)_unauth_destination\b/.test(relayRestrictions) &&
    !/\b(reject|defer)_unauth_destination\b/.test(recipientRestrictions)
  ) {
    push({
      id: 'relay-restrictions',
      level: 'error',
      message:
        'neither smtpd_relay_restrictions nor smtpd_recipient_restrictions contains reject_unauth_destination or defer_unauth_destination: this host would be an open relay',
    });
  }

  // Advice.
  if (a.role !== 'null-client' && main('inet_interfaces') === 'loopback-only') {
    push({
      id: 'loopback-only-server',
      level: 'warning',
      message: `inet_interfaces = loopback-only: a ${a.role} receives no mail from the network this way`,
    });
  }
  if (a.role === 'backup-mx' && a.proxy_interfaces.length === 0 && !host.addresses.some((x) => x.scope === 'public')) {
    push({
      id: 'nat-without-proxy-interfaces',
      level: 'warning',
      message:
        'this host has no public address (NAT?) and proxy_interfaces is empty: when the primary is down, mail for the backed-up domains loops back to this host. Set proxy_interfaces to the public address',
    });
  }
  if (a.role === 'null-client' && !a.smtp_sasl && /:(587|submission|465|smtps|submissions)$/.test(relayhost)) {
    push({
      id: 'submission-without-login',
      level: 'warning',
      message: `relayhost ${relayhost} is a submission port, which usually needs a login (smtp_sasl)`,
    });
  }
  return out;
}
