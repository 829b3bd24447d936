/**
 * What every role settles: host identity, listening addresses, protocols, notifications,
 * aliases for postmaster and root, trusted networks, and the pieces roles share (relay
 * restrictions, relay-recipient and transport maps, the SASL smart host overlay).
 */
import { ipv6Usable, type HostFacts } from '../model/host.js';
import type { MapSpec, PlanContext, Resolved } from './role.js';
import type { AnswerKey, AnswerValue, Answers } from '../model/answers.js';
import { RELAY_RECIPIENTS_MAP, SASL_PASSWD_MAP, TRANSPORT_MAP } from '../model/paths.js';

export const LOOPBACK_V4 = '127.0.0.0/8';
export const LOOPBACK_V6 = '[::1]/128';

/** The domain part of a host name: mx2.example.com → example.com. */
export function parentDomain(fqdn: string): string {
  const dot = fqdn.indexOf('.');
  return dot > 0 ? fqdn.slice(dot + 1) : 'localdomain';
}

export function ipv6Enabled(protocols: string): boolean {
  return protocols === 'all' || /\bipv6\b/.test(protocols);
}

export function ipv4Enabled(protocols: string): boolean {
  return protocols === 'all' || /\bipv4\b/.test(protocols);
}

/** Loopback networks for the enabled protocols. */
export function loopbackNetworks(protocols: string): string[] {
  const out: string[] = [];
  if (ipv4Enabled(protocols)) out.push(LOOPBACK_V4);
  if (ipv6Enabled(protocols)) out.push(LOOPBACK_V6);
  return out;
}

/** The host's own private subnets (not loopback, not link-local, not public) for the protocols. */
export function privateSubnets(host: HostFacts, protocols: string): string[] {
  const seen = new Set<string>();
  for (const a of host.addresses) {
    if (a.scope !== 'private') continue;
    if (a.family === 6 && !ipv6Enabled(protocols)) continue;
    if (a.family === 4 && !ipv4Enabled(protocols)) continue;
    seen.add(a.network);
  }
  return [...seen];
}

/** The defaults every role starts from, derived from the host. */
export function commonDefaults(host: HostFacts): Resolved {
  // The same judgement as the header's IPv6 advice: IPv6 only where it can reach other servers.
  const protocols = ipv6Usable(host) ? 'all' : 'ipv4';
  const myhostname = host.fqdn;
  return {
    role: 'mail-server',
    myhostname,
    mydomain: parentDomain(myhostname),
    myorigin: '$mydomain',
    relayhost: '',
    mynetworks: loopbackNetworks(protocols),
    relay_domains: [],
    transport: {},
    relay_recipients: [],
    proxy_interfaces: [],
    inet_interfaces: 'all',
    inet_protocols: protocols,
    notify_classes: ['resource', 'software'],
    postmaster: '',
    chroot: true,
    logging: host.rsyslog ? 'syslog' : 'file',
    overrides: [],
  };
}

/** "hash:/etc/postfix/transport" for the host's database type. */
export function mapRef(ctx: PlanContext, path: string): string {
  return `${ctx.dbType}:${path}`;
}

/** Relay restrictions that never relay for strangers: 554 Relay access denied. */
export const RELAY_RESTRICTIONS = 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination';

/** relay_recipient_maps and its table from the listed recipients (or "accept all" when empty). */
export function relayRecipients(a: Resolved, ctx: PlanContext): { main: Record<string, string>; maps: MapSpec[] } {
  if (a.relay_recipients.length === 0) {
    // The user chose "accept all" knowingly (the linter requires the override).
    return { main: { relay_recipient_maps: '' }, maps: [] };
  }
  return {
    main: { relay_recipient_maps: mapRef(ctx, RELAY_RECIPIENTS_MAP) },
    maps: [
      {
        path: RELAY_RECIPIENTS_MAP,
        entries: a.relay_recipients.map((r) => [r.toLowerCase(), 'x'] as [string, string]),
        description: 'valid recipients of the relayed domains (relay_recipient_maps)',
      },
    ],
  };
}

/** transport_maps and its table, when next hops are given. */
export function transportMap(a: Resolved, ctx: PlanContext): { main: Record<string, string>; maps: MapSpec[] } {
  const entries = Object.entries(a.transport).map(([d, hop]) => [d.toLowerCase(), hop] as [string, string]);
  if (entries.length === 0) return { main: {}, maps: [] };
  return {
    main: { transport_maps: mapRef(ctx, TRANSPORT_MAP) },
    maps: [{ path: TRANSPORT_MAP, entries, description: 'next hop for each relayed domain (transport_maps)' }],
  };
}

/**
 * The SASL smart host overlay (roles.md "smart host with SASL"): credentials in a 0600 map whose
 * key is the relayhost exactly as written, TLS required, wrapper mode on port 465.
 */
export function saslOverlay(a: Resolved, ctx: PlanContext): { main: Record<string, string>; maps: MapSpec[] } {
  const sasl = a.smtp_sasl;
  if (!sasl || a.relayhost === '') return { main: {}, maps: [] };
  const main: Record<string, string> = {
    smtp_sasl_auth_enable: 'yes',
    smtp_sasl_password_maps: mapRef(ctx, SASL_PASSWD_MAP),
    smtp_sasl_security_options: 'noanonymous',
    smtp_sasl_tls_security_options: 'noanonymous',
    smtp_tls_security_level: 'encrypt',
  };
  if (/:(465|smtps|submissions)$/.test(a.relayhost)) main.smtp_tls_wrappermode = 'yes';
  return {
    main,
    maps: [
      {
        path: SASL_PASSWD_MAP,
        entries: [[a.relayhost, `${sasl.username}:${sasl.password ?? ''}`]],
        secret: true,
        description: 'smart host login (smtp_sasl_password_maps), root-only',
      },
    ],
  };
}

/** Merge role-config fragments. */
export function merge(...parts: Array<{ main: Record<string, string>; maps: MapSpec[] }>): {
  main: Record<string, string>;
  maps: MapSpec[];
} {
  const main: Record<string, string> = {};
  const maps: MapSpec[] = [];
  for (const p of parts) {
    Object.assign(main, p.main);
    maps.push(...p.maps);
  }
  return { main, maps };
}

/** True when the answers name a SASL login. */
export function hasSasl(a: Answers): boolean {
  return a.smtp_sasl !== undefined;
}

/**
 * The answer check of a role that delivers nothing locally (null client, gateway): the postmaster
 * address must be a full address, since a bare name would be delivered here.
 */
export function remotePostmasterOnly(key: AnswerKey, value: AnswerValue): string | null {
  if (key === 'postmaster' && typeof value === 'string' && !value.includes('@'))
    return `"${value}" must be a full address (user@domain): this role delivers nothing locally`;
  return null;
}
