/**
 * Domain mail server (STANDARD_CONFIGURATION_README "Postfix on a local network", the mailhost):
 * receives mail for the whole domain, delivers it locally, relays for its own networks only,
 * optionally sends everything else through a smart host.
 */
import { LOOPBACK_V4, RELAY_RESTRICTIONS, loopbackNetworks, merge, privateSubnets, saslOverlay } from '../common.js';
import type { RoleModule } from '../role.js';
import { joinList } from '../../postfix/lists.js';
import { postmasterHere } from '../verifySamples.js';

export const mailServer: RoleModule = {
  info: {
    id: 'mail-server',
    title: 'Domain mail server',
    summary: 'receives and delivers mail for the domain; relays for its own networks only',
  },
  keys: [
    'myhostname',
    'mydomain',
    'myorigin',
    'mynetworks',
    'relayhost',
    'smtp_sasl',
    'postmaster',
    'proxy_interfaces',
    'inet_interfaces',
    'inet_protocols',
    'notify_classes',
    'chroot',
    'logging',
  ],
  required: ['postmaster', 'mynetworks'],
  basic: ['myhostname', 'postmaster'],
  recognize: (v) => v.destinations.includes('$mydomain') || (v.domain !== '' && v.destinations.includes(v.domain)),
  receivesMail: true,
  mx: 'primary',
  rules: [],
  defaults(host, base) {
    return {
      inet_interfaces: 'all',
      mynetworks: [...loopbackNetworks(base.inet_protocols), ...privateSubnets(host, base.inet_protocols)],
    };
  },
  configure(a, ctx) {
    const { main, maps } = merge(
      {
        main: {
          ...(a.proxy_interfaces.length ? { proxy_interfaces: joinList(a.proxy_interfaces) } : {}),
          mydestination: '$myhostname, localhost.$mydomain, localhost, $mydomain',
          mynetworks: joinList(a.mynetworks.length ? a.mynetworks : [LOOPBACK_V4]),
          relay_domains: '',
          relayhost: a.relayhost,
          inet_interfaces: a.inet_interfaces,
          smtpd_relay_restrictions: RELAY_RESTRICTIONS,
        },
        maps: [],
      },
      saslOverlay(a, ctx),
    );
    return { main, maps, aliases: { postmaster: a.postmaster, root: a.postmaster }, disableServices: [] };
  },
  verifySamples(params) {
    return { postmaster: postmasterHere(params, 'postmaster'), addresses: [postmasterHere(params)], skipped: [] };
  },
};
