/**
 * Which main.cf parameters, aliases and master.cf entries mailsetup may own: what the state file
 * may name, and nothing else (a tampered state file cannot make mailsetup restore
 * `daemon_directory` or any other parameter it never sets).
 */
import type { HostFacts } from '../model/host.js';
import { ROLE_IDS, roleModule } from '../roles/index.js';
import { commonDefaults } from '../roles/common.js';
import type { Resolved } from '../roles/role.js';
import { TLS_SET_PARAMS } from './tls.js';

/** The parameters every role settles (plan.ts desiredConfig), besides the role's own. */
export const COMMON_PARAMS = [
  'myhostname',
  'mydomain',
  'myorigin',
  'inet_protocols',
  'notify_classes',
  'alias_maps',
  'alias_database',
  'maillog_file',
] as const;

/**
 * Parameters set only when an answer of the same name asks for them (the documents' recipes), and
 * the TLS parameters (plan/tls.ts): configure() with fullAnswers does not name them all.
 */
export const ANSWERED_PARAMS = [
  'mydestination',
  'mynetworks_style',
  'fallback_relay',
  'defer_transports',
  'smtp_dns_support_level',
  'smtp_generic_maps',
  'smtpd_recipient_restrictions',
] as const;

/** The aliases mailsetup writes. */
export const OWNED_ALIASES = ['postmaster', 'root'] as const;

const HOST: HostFacts = {
  fqdn: 'mail.example.com',
  hostname: 'mail',
  addresses: [
    { iface: 'eth0', family: 4, address: '192.168.1.2', prefix: 24, network: '192.168.1.0/24', scope: 'private' },
  ],
  postfix: { installed: true, defaultDatabaseType: 'hash', running: false, smtpPort: 25 },
  systemd: false,
  rsyslog: true,
  distro: { id: 'debian', versionId: '12', debianLike: true },
  ipv6DefaultRoute: false,
};

/** Answers that switch on everything a role can set (each optional part given). */
function fullAnswers(role: string, relayhost: string): Resolved {
  return {
    ...commonDefaults(HOST),
    role,
    relayhost,
    relay_domains: ['example.org'],
    transport: { 'example.org': 'relay:[mx.example.org]' },
    relay_recipients: ['@example.org'],
    proxy_interfaces: ['203.0.113.5'],
    postmaster: 'admin@example.com',
    logging: 'file',
    smtp_sasl: { username: 'u', password: 'p' },
  };
}

let owned: ReadonlySet<string> | null = null;

/**
 * Every main.cf parameter mailsetup may set: the common ones and what each role's configure()
 * sets with every option switched on (a smart host on 465 with a login, relay recipients,
 * transports, NAT addresses, file logging) and with the options off.
 */
export function ownedParameters(): ReadonlySet<string> {
  if (owned) return owned;
  const names = new Set<string>([...COMMON_PARAMS, ...ANSWERED_PARAMS, ...TLS_SET_PARAMS]);
  for (const role of ROLE_IDS) {
    for (const relayhost of ['[smtp.example.net]:465', '[smtp.example.net]:587', '']) {
      for (const a of [fullAnswers(role, relayhost), { ...commonDefaults(HOST), role, relayhost }]) {
        try {
          for (const n of Object.keys(roleModule(role).configure(a, { host: HOST, dbType: 'hash' }).main)) names.add(n);
        } catch {
          // a combination the role does not take: the others name its parameters
        }
      }
    }
  }
  owned = names;
  return owned;
}

/** The master.cf services any role comments out. */
export function disabledServices(): ReadonlySet<string> {
  const out = new Set<string>();
  for (const role of ROLE_IDS) {
    try {
      for (const s of roleModule(role).configure(fullAnswers(role, ''), { host: HOST, dbType: 'hash' }).disableServices)
        out.add(s);
    } catch {
      // see ownedParameters
    }
  }
  return out;
}
