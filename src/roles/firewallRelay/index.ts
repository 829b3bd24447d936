/**
 * Email firewall/gateway (STANDARD_CONFIGURATION_README "Postfix email firewall/gateway"): no
 * local delivery at all; accepts mail for the inside domain from anywhere and passes it to the
 * inside mail host through transport_maps; relays outbound mail for its own networks only.
 * postmaster and abuse at the gateway's own address literal still reach people (virtual map).
 */
import {
  RELAY_RESTRICTIONS,
  loopbackNetworks,
  merge,
  noLocalDelivery,
  privateSubnets,
  relayRecipients,
  spamRules,
  transportMap,
  trustedNetworks,
  virtualMap,
} from '../common.js';
import { DOCS } from '../docs.js';
import type { RoleModule } from '../role.js';
import { joinList } from '../../postfix/lists.js';
import { inetInterfacesSource } from './inetInterfacesSource.js';
import { postmasterAtGateway, relayDomainSample } from '../verifySamples.js';
import { INBOUND_TLS_ANSWERS } from '../tls.js';
import { ROLE_INFOS } from '../infos.js';

export const firewallRelay: RoleModule = {
  info: ROLE_INFOS['firewall-relay'],
  keys: [
    'myhostname',
    'mydomain',
    'myorigin',
    'relay_domains',
    'transport',
    'relay_recipients',
    'smtpd_recipient_restrictions',
    'mynetworks_style',
    'mynetworks',
    'relayhost',
    'postmaster',
    'virtual',
    'proxy_interfaces',
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
  required: ['relay_domains', 'transport', 'postmaster', 'mynetworks'],
  basic: ['myhostname', 'relay_domains', 'transport', 'relay_recipients', 'postmaster'],
  wording: {
    relay_domains: {
      label: 'Which inside domains does this gateway take mail for?',
      explain: 'mail for these domains is accepted from anywhere and passed to the inside mail server',
    },
    transport: {
      label: "Where is each inside domain's mail server?",
      explain: 'domain → relay:[inside.mail.host] for each inside domain',
      help: ['A gateway delivers nothing itself: each inside domain needs the inside server its mail goes to.'],
    },
    virtual: { explain: 'more virtual entries; abuse → postmaster unless given here (e.g. abuse abuse@example.com)' },
    smtpd_recipient_restrictions: {
      explain: 'the spam rules, after the relay rules, e.g. reject_rbl_client zen.spamhaus.org',
    },
  },
  checkAnswer(key, value) {
    if (key === 'virtual' && value !== undefined && typeof value === 'object' && !Array.isArray(value)) {
      const taken = Object.keys(value).find((k) => ['postmaster', 'root'].includes(k.toLowerCase()));
      if (taken !== undefined) return `${taken}: comes from the postmaster answer`;
    }
    return noLocalDelivery(DOCS.firewallNoLocal)(key, value);
  },
  recognize: (v) =>
    v.get('mydestination') !== undefined &&
    v.destinations.length === 0 &&
    !!v.get('local_transport')?.startsWith('error') &&
    v.relayDomains.length > 0,
  receivesMail: true,
  mx: null,
  rules: [inetInterfacesSource],
  defaults(host, base) {
    return {
      inet_interfaces: 'all',
      mynetworks: [...loopbackNetworks(base.inet_protocols), ...privateSubnets(host, base.inet_protocols)],
      relay_domains: [base.mydomain],
    };
  },
  configure(a, ctx) {
    const { main, maps } = merge(
      {
        main: {
          ...(a.proxy_interfaces.length ? { proxy_interfaces: joinList(a.proxy_interfaces) } : {}),
          mydestination: '',
          local_recipient_maps: '',
          local_transport: 'error:local mail delivery is disabled',
          relay_domains: joinList(a.relay_domains),
          parent_domain_matches_subdomains: 'debug_peer_list smtpd_access_maps',
          ...trustedNetworks(a),
          relayhost: a.relayhost,
          inet_interfaces: a.inet_interfaces,
          smtpd_relay_restrictions: RELAY_RESTRICTIONS,
          ...spamRules(a),
        },
        maps: [],
      },
      virtualMap(
        a,
        ctx,
        [
          ['postmaster', a.postmaster],
          ['abuse', a.postmaster],
          ['root', a.postmaster],
        ],
        'postmaster and abuse at the gateway itself (virtual_alias_maps)',
      ),
      relayRecipients(a, ctx),
      transportMap(a, ctx),
    );
    return { main, maps, aliases: { postmaster: a.postmaster, root: a.postmaster }, disableServices: ['local/unix'] };
  },
  verifySamples(params, answers) {
    // No local delivery: postmaster at the gateway's own address is rewritten by virtual_alias_maps.
    const relay = relayDomainSample(params, answers);
    return {
      postmaster: postmasterAtGateway(params, 'postmaster'),
      addresses: [postmasterAtGateway(params), ...('sample' in relay ? [relay.sample] : [])],
      skipped: 'skipped' in relay ? [relay.skipped] : [],
    };
  },
};
