/**
 * What every role settles: host identity, listening addresses, protocols, notifications,
 * aliases for postmaster and root, trusted networks, and the pieces roles share (relay
 * restrictions, relay-recipient and transport maps, the SASL smart host overlay).
 */
import { ipv6Usable, type HostFacts } from '../model/host.js';
import type { MapSpec, PlanContext, Resolved } from './role.js';
import type { AnswerKey, AnswerValue, Answers } from '../model/answers.js';
import { GENERIC_MAP, RELAY_RECIPIENTS_MAP, SASL_PASSWD_MAP, TRANSPORT_MAP, VIRTUAL_MAP } from '../model/paths.js';
import { joinList } from '../postfix/lists.js';
import { cite } from './docs.js';

export const LOOPBACK_V4 = '127.0.0.0/8';
export const LOOPBACK_V6 = '[::1]/128';

/**
 * The domain of a host name: mx2.example.com → example.com. A name of two labels
 * (virtual.domain, BASIC_CONFIGURATION_README's virtual interface) is the domain itself: Postfix
 * alone would derive the top-level "domain", and mail sent as user@$mydomain would go nowhere.
 * A name without a dot gives localdomain, as Postfix does.
 */
export function parentDomain(fqdn: string): string {
  const name = fqdn.replace(/\.$/, '');
  const dot = name.indexOf('.');
  if (dot <= 0) return 'localdomain';
  const rest = name.slice(dot + 1);
  return rest.includes('.') ? rest : name;
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
    mydestination: [],
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
 * key is the relayhost exactly as written, wrapper mode on port 465. TLS required
 * (smtp_tls_security_level = encrypt) is the TLS planner's (src/plan/tls.ts), with the rest of TLS.
 */
export function saslOverlay(a: Resolved, ctx: PlanContext): { main: Record<string, string>; maps: MapSpec[] } {
  const sasl = a.smtp_sasl;
  if (!sasl || a.relayhost === '') return { main: {}, maps: [] };
  const main: Record<string, string> = {
    smtp_sasl_auth_enable: 'yes',
    smtp_sasl_password_maps: mapRef(ctx, SASL_PASSWD_MAP),
    smtp_sasl_security_options: 'noanonymous',
    smtp_sasl_tls_security_options: 'noanonymous',
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

/** Postfix's default mydestination (BASIC_CONFIGURATION_README example 1). */
export const DEFAULT_MYDESTINATION = ['$myhostname', 'localhost.$mydomain', 'localhost'] as const;

/** mynetworks as a list, or mynetworks_style when the answers chose a style. */
export function trustedNetworks(a: Resolved, fallback: readonly string[] = []): Record<string, string> {
  if (a.mynetworks_style) return { mynetworks_style: a.mynetworks_style };
  return { mynetworks: joinList(a.mynetworks.length ? a.mynetworks : fallback) };
}

/**
 * How this host reaches the world beyond its relay host (STANDARD_CONFIGURATION_README "Running
 * Postfix behind a firewall", "Postfix on a dialup machine", "Postfix on hosts without a real
 * Internet hostname"): fallback_relay, defer_transports, smtp_dns_support_level and the
 * smtp_generic_maps table, each only when answered.
 */
export function linkOverlay(a: Resolved, ctx: PlanContext): { main: Record<string, string>; maps: MapSpec[] } {
  const main: Record<string, string> = {};
  const maps: MapSpec[] = [];
  if (a.fallback_relay?.length) main.fallback_relay = joinList(a.fallback_relay);
  if (a.defer_transports?.length) main.defer_transports = joinList(a.defer_transports);
  if (a.smtp_dns_support_level) main.smtp_dns_support_level = a.smtp_dns_support_level;
  const generic = Object.entries(a.smtp_generic_maps ?? {});
  if (generic.length) {
    main.smtp_generic_maps = mapRef(ctx, GENERIC_MAP);
    maps.push({
      path: GENERIC_MAP,
      entries: generic.map(([k, v]) => [k.toLowerCase(), v] as [string, string]),
      description: 'local addresses rewritten to Internet addresses when mail leaves (smtp_generic_maps)',
    });
  }
  return { main, maps };
}

/** The spam rules (smtpd_recipient_restrictions) when answered; relay control stays in smtpd_relay_restrictions. */
export function spamRules(a: Resolved): Record<string, string> {
  return a.smtpd_recipient_restrictions?.length
    ? { smtpd_recipient_restrictions: joinList(a.smtpd_recipient_restrictions) }
    : {};
}

/**
 * virtual_alias_maps and /etc/postfix/virtual: the role's own entries, then the answered ones
 * (an answered key replaces the role's entry of the same key, e.g. the gateway's abuse).
 */
export function virtualMap(
  a: Resolved,
  ctx: PlanContext,
  roleEntries: Array<[string, string]>,
  description: string,
): { main: Record<string, string>; maps: MapSpec[] } {
  const extra = Object.entries(a.virtual ?? {}).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
  const keys = new Set(extra.map(([k]) => k));
  const entries = [...roleEntries.filter(([k]) => !keys.has(k)), ...extra];
  if (entries.length === 0) return { main: {}, maps: [] };
  return {
    main: { virtual_alias_maps: mapRef(ctx, VIRTUAL_MAP) },
    maps: [{ path: VIRTUAL_MAP, entries, description }],
  };
}

/** The aliases a role writes: postmaster and root to the postmaster address, then the answered ones. */
export function roleAliases(a: Resolved): Record<string, string> {
  return { postmaster: a.postmaster, root: a.postmaster, ...(a.aliases ?? {}) };
}

/** Whether an address is at this host's localhost (root@localhost): delivered here, never relayed. */
export function atLocalhost(address: string): boolean {
  return /@localhost$/i.test(address.trim());
}

/**
 * The answer checks of a role that delivers nothing locally (null client, gateway): nothing it
 * is told may need local delivery — a bare name or a @localhost address, extra aliases, a
 * mydestination. `what` is the document's reason.
 */
export function noLocalDelivery(why: {
  doc: 'BASIC_CONFIGURATION_README' | 'STANDARD_CONFIGURATION_README';
  section: string;
  text: string;
}): (key: AnswerKey, value: AnswerValue) => string | null {
  return (key, value) => {
    const reason = cite(why);
    if (key === 'postmaster' && typeof value === 'string') {
      if (!value.includes('@'))
        return `"${value}" must be a full address (user@domain): this role delivers nothing locally`;
      if (atLocalhost(value))
        return `"${value}" would be delivered here, and this role delivers nothing locally${reason}`;
    }
    if (key === 'mydestination' && Array.isArray(value) && value.length > 0)
      return `must be empty: this role delivers nothing locally${reason}`;
    if (key === 'aliases' && value !== undefined && typeof value === 'object' && Object.keys(value).length > 0)
      return `/etc/aliases is read only by local delivery, which this role does not do: use virtual${reason}`;
    if (key === 'virtual' && value !== undefined && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, string>)) {
        if (v.split(',').some(atLocalhost))
          return `${k}: "${v.trim()}" would be delivered here, and this role delivers nothing locally${reason}`;
      }
    }
    return null;
  };
}
