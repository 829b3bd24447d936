/**
 * Backup MX for other domains (STANDARD_CONFIGURATION_README "Configuring Postfix as primary or
 * backup MX host for a remote site"), possibly behind NAT: relays mail for the backed-up domains
 * to their primary, accepts only the listed recipients, knows its public addresses through
 * proxy_interfaces so it never loops to itself when the primary is down.
 */
import {
  DEFAULT_MYDESTINATION,
  RELAY_RESTRICTIONS,
  loopbackNetworks,
  merge,
  relayRecipients,
  roleAliases,
  spamRules,
  transportMap,
  trustedNetworks,
} from '../common.js';
import { joinList } from '../../postfix/lists.js';
import type { RoleModule } from '../role.js';
import { natWithoutProxyInterfaces } from './natWithoutProxyInterfaces.js';
import { relayOwnDomain } from './relayOwnDomain.js';
import { relayVirtualDomain } from './relayVirtualDomain.js';
import { postmasterHere, relayDomainSample } from '../verifySamples.js';
import { INBOUND_TLS_ANSWERS } from '../tls.js';
import { ROLE_INFOS } from '../infos.js';

export const backupMx: RoleModule = {
  info: ROLE_INFOS['backup-mx'],
  keys: [
    'myhostname',
    'mydomain',
    'myorigin',
    'mydestination',
    'relay_domains',
    'transport',
    'relay_recipients',
    'smtpd_recipient_restrictions',
    'proxy_interfaces',
    'mynetworks_style',
    'mynetworks',
    'postmaster',
    'aliases',
    'inet_interfaces',
    'inet_protocols',
    'notify_classes',
    'smtp_tls_security_level',
    'smtpd_tls_chain_files',
    'certbot_deploy_hook',
    'chroot',
    'logging',
  ],
  alsoApplies: INBOUND_TLS_ANSWERS,
  required: ['relay_domains', 'postmaster', 'mynetworks'],
  basic: ['myhostname', 'relay_domains', 'transport', 'relay_recipients', 'postmaster'],
  wording: {
    relay_domains: {
      label: 'Which domains is this host a backup MX for?',
      explain:
        "the other domains whose mail this host keeps while their primary server is down (never this host's own)",
    },
    transport: {
      label: "Where is each domain's primary mail server?",
      explain: 'optional: domain → relay:[primary.mail.host]; empty = find it by MX lookup',
      help: [
        'Give the primary when its MX records would send the mail back here, or when it is reached at an ' +
          'inside address. Without an entry, Postfix delivers to the best MX host of the domain that is not ' +
          'itself.',
      ],
    },
  },
  checkAnswer(key, value) {
    // A bare name in an alias becomes name@$myorigin, and a backup MX does not deliver $mydomain.
    if (key === 'postmaster' && typeof value === 'string' && !value.includes('@'))
      return `"${value}" must be a full address (user@domain): here it would become ${value}@$mydomain, which a backup MX does not deliver locally`;
    return null;
  },
  recognize: (v) =>
    !(v.get('mydestination') !== undefined && v.destinations.length === 0) &&
    v.relayDomains.length > 0 &&
    !v.relayDomains.some((d) => v.destinations.includes(d)),
  receivesMail: true,
  mx: 'backup',
  rules: [relayOwnDomain, relayVirtualDomain, natWithoutProxyInterfaces],
  defaults(_host, base) {
    return {
      inet_interfaces: 'all',
      mynetworks: loopbackNetworks(base.inet_protocols),
      mydestination: [...DEFAULT_MYDESTINATION],
    };
  },
  configure(a, ctx) {
    const { main, maps } = merge(
      {
        main: {
          ...(a.proxy_interfaces.length ? { proxy_interfaces: joinList(a.proxy_interfaces) } : {}),
          mydestination: joinList(a.mydestination),
          relay_domains: joinList(a.relay_domains),
          ...trustedNetworks(a),
          relayhost: '',
          inet_interfaces: a.inet_interfaces,
          smtpd_relay_restrictions: RELAY_RESTRICTIONS,
          ...spamRules(a),
        },
        maps: [],
      },
      relayRecipients(a, ctx),
      transportMap(a, ctx),
    );
    return { main, maps, aliases: roleAliases(a), disableServices: [] };
  },
  verifySamples(params, answers) {
    const relay = relayDomainSample(params, answers);
    return {
      postmaster: postmasterHere(params, 'postmaster'),
      addresses: [postmasterHere(params), ...('sample' in relay ? [relay.sample] : [])],
      skipped: 'skipped' in relay ? [relay.skipped] : [],
    };
  },
};
