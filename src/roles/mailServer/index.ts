/**
 * Domain mail server (STANDARD_CONFIGURATION_README "Postfix on a local network", the mailhost):
 * receives mail for the whole domain, delivers it locally, relays for its own networks only,
 * optionally sends everything else through a smart host. With `mydestination` without $mydomain
 * and `relayhost = $mydomain` it is the same document's other machine: a LAN host that is final
 * destination only for its own name and sends everything through the mailhost.
 */
import {
  DEFAULT_MYDESTINATION,
  LOOPBACK_V4,
  RELAY_RESTRICTIONS,
  linkOverlay,
  loopbackNetworks,
  merge,
  privateSubnets,
  roleAliases,
  saslOverlay,
  spamRules,
  transportMap,
  trustedNetworks,
  virtualMap,
} from '../common.js';
import type { RoleModule } from '../role.js';
import { joinList } from '../../postfix/lists.js';
import { postmasterHere } from '../verifySamples.js';
import { INBOUND_TLS_ANSWERS } from '../tls.js';
import { ROLE_INFOS } from '../infos.js';

export const mailServer: RoleModule = {
  info: ROLE_INFOS['mail-server'],
  keys: [
    'myhostname',
    'mydomain',
    'myorigin',
    'mydestination',
    'mynetworks_style',
    'mynetworks',
    'relayhost',
    'fallback_relay',
    'smtp_sasl',
    'transport',
    'postmaster',
    'aliases',
    'virtual',
    'smtp_generic_maps',
    'smtpd_recipient_restrictions',
    'proxy_interfaces',
    'inet_interfaces',
    'inet_protocols',
    'defer_transports',
    'smtp_dns_support_level',
    'notify_classes',
    'smtp_tls_security_level',
    'smtpd_tls_chain_files',
    'certbot_deploy_hook',
    'chroot',
    'logging',
  ],
  alsoApplies: INBOUND_TLS_ANSWERS,
  required: ['postmaster', 'mynetworks'],
  basic: ['myhostname', 'postmaster'],
  wording: {
    mydestination: {
      explain:
        'the domains delivered here: add $mydomain on the mail server of the whole domain; without it this host ' +
        'receives mail only for its own names (a LAN host whose relayhost is the mailhost)',
    },
    transport: { explain: 'optional: domain → next hop (":" = deliver by MX lookup, "*" = every other domain)' },
  },
  recognize: (v) =>
    v.destinations.includes('$mydomain') ||
    (v.domain !== '' && v.destinations.includes(v.domain)) ||
    // STANDARD_CONFIGURATION_README's other machine of the LAN: its own names, all mail to the mailhost.
    (v.destinations.length > 0 &&
      !!v.get('relayhost') &&
      v.relayDomains.length === 0 &&
      !['loopback-only', 'localhost'].includes(v.get('inet_interfaces') ?? 'all')),
  receivesMail: true,
  mx: 'primary',
  rules: [],
  defaults(host, base) {
    return {
      inet_interfaces: 'all',
      mynetworks: [...loopbackNetworks(base.inet_protocols), ...privateSubnets(host, base.inet_protocols)],
      mydestination: [...DEFAULT_MYDESTINATION, '$mydomain'],
    };
  },
  configure(a, ctx) {
    const { main, maps } = merge(
      {
        main: {
          ...(a.proxy_interfaces.length ? { proxy_interfaces: joinList(a.proxy_interfaces) } : {}),
          mydestination: joinList(a.mydestination),
          ...trustedNetworks(a, [LOOPBACK_V4]),
          relay_domains: '',
          relayhost: a.relayhost,
          inet_interfaces: a.inet_interfaces,
          smtpd_relay_restrictions: RELAY_RESTRICTIONS,
          ...spamRules(a),
        },
        maps: [],
      },
      transportMap(a, ctx),
      virtualMap(a, ctx, [], 'addresses rewritten before delivery (virtual_alias_maps)'),
      linkOverlay(a, ctx),
      saslOverlay(a, ctx),
    );
    return { main, maps, aliases: roleAliases(a), disableServices: [] };
  },
  verifySamples(params) {
    return { postmaster: postmasterHere(params, 'postmaster'), addresses: [postmasterHere(params)], skipped: [] };
  },
};
