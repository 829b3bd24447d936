/**
 * Null client (STANDARD_CONFIGURATION_README "Postfix on a null client"): sends only, all mail
 * through the relay host; listens on loopback; no local delivery. Mail for root and postmaster
 * is rewritten by virtual_alias_maps to the address the user gives, so it leaves the host too.
 */
import {
  LOOPBACK_V4,
  LOOPBACK_V6,
  linkOverlay,
  merge,
  noLocalDelivery,
  saslOverlay,
  ipv4Enabled,
  ipv6Enabled,
  virtualMap,
} from '../common.js';
import { cite, DOCS } from '../docs.js';
import { joinList } from '../../postfix/lists.js';
import type { RoleModule } from '../role.js';
import { nullClientDirect } from './nullClientDirect.js';
import { submissionWithoutLogin } from './submissionWithoutLogin.js';
import { ROLE_INFOS } from '../infos.js';

export const nullClient: RoleModule = {
  info: ROLE_INFOS['null-client'],
  keys: [
    'myhostname',
    'mydomain',
    'myorigin',
    'relayhost',
    'fallback_relay',
    'smtp_sasl',
    'postmaster',
    'virtual',
    'smtp_generic_maps',
    'inet_protocols',
    'defer_transports',
    'smtp_dns_support_level',
    'notify_classes',
    'smtp_tls_security_level',
    'chroot',
    'logging',
  ],
  required: ['relayhost', 'postmaster'],
  basic: ['myhostname', 'relayhost', 'smtp_sasl', 'postmaster'],
  // Loopback unless an answers file names other local networks (it listens on loopback only).
  alsoApplies: ['mynetworks'],
  declines: {
    mynetworks_style: `a null client trusts only loopback (it listens on nothing else): no mynetworks_style${cite(DOCS.nullClient)}`,
  },
  wording: {
    relayhost: {
      label: 'Send all mail through which server?',
      explain: "your provider's or your company's mail server, e.g. [smtp.example.net]:587",
      help: ['A null client delivers nothing itself: every message, also mail to root, leaves through this server.'],
    },
    inet_interfaces: { explain: 'loopback-only: a null client accepts no mail from the network' },
  },
  checkAnswer(key, value) {
    if (key === 'virtual' && value !== undefined && typeof value === 'object' && !Array.isArray(value)) {
      const taken = Object.keys(value).find((k) => ['postmaster', 'root'].includes(k.toLowerCase()));
      if (taken !== undefined) return `${taken}: comes from the postmaster answer`;
    }
    return noLocalDelivery(DOCS.nullClient)(key, value);
  },
  recognize: (v) =>
    v.get('mydestination') !== undefined &&
    v.destinations.length === 0 &&
    !!v.get('relayhost') &&
    (v.get('inet_interfaces') === 'loopback-only' || v.get('inet_interfaces') === 'localhost'),
  receivesMail: false,
  mx: null,
  rules: [nullClientDirect, submissionWithoutLogin],
  defaults(_host, base) {
    const nets: string[] = [];
    if (ipv4Enabled(base.inet_protocols)) nets.push(LOOPBACK_V4);
    if (ipv6Enabled(base.inet_protocols)) nets.push(LOOPBACK_V6);
    return { inet_interfaces: 'loopback-only', mynetworks: nets, relayhost: base.relayhost };
  },
  configure(a, ctx) {
    const sasl = saslOverlay(a, ctx);
    const { main, maps } = merge(
      {
        main: {
          relayhost: a.relayhost,
          mydestination: '',
          relay_domains: '',
          inet_interfaces: 'loopback-only',
          mynetworks: joinList(a.mynetworks),
        },
        maps: [],
      },
      virtualMap(
        a,
        ctx,
        [
          ['postmaster', a.postmaster],
          ['root', a.postmaster],
        ],
        'where mail for root and postmaster goes (virtual_alias_maps)',
      ),
      linkOverlay(a, ctx),
      sasl,
    );
    return { main, maps, aliases: { postmaster: a.postmaster, root: a.postmaster }, disableServices: [] };
  },
  verifySamples(params) {
    // Everything leaves through the relay host, root's mail too (virtual_alias_maps).
    const relayhost = params.relayhost;
    return {
      postmaster: { cls: 'postmaster', address: 'postmaster', notLocal: true }, // @myorigin, rewritten
      addresses: [{ cls: 'local (root)', address: 'root', notLocal: true, ...(relayhost ? { hop: relayhost } : {}) }],
      skipped: [],
    };
  },
};
