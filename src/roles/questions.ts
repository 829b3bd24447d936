/**
 * The wizard's questions for a role: labels, one-line explanations of each default, and the
 * same validation the answers file gets.
 */
import type { HostFacts } from '../model/host.js';
import { roleModule } from './index.js';
import { checkAnswer, NEVER_EMPTY, withDefaults } from './resolve.js';
import type { AnswerKey, Answers, Question, RoleId } from '../model/answers.js';

interface Spec {
  label: string;
  kind: Question['kind'];
  explain: (d: Answers, host: HostFacts) => string;
  choices?: Question['choices'];
}

const SPECS: Record<AnswerKey, Spec> = {
  myhostname: {
    label: 'Host name (myhostname)',
    kind: 'text',
    explain: (_d, host) =>
      host.fqdn.includes('.')
        ? `this host's FQDN, from hostname --fqdn (${host.fqdn})`
        : `hostname --fqdn says "${host.fqdn}", which is no FQDN: type the full name, e.g. mail.example.com`,
  },
  mydomain: {
    label: 'Domain (mydomain)',
    kind: 'text',
    explain: (d) => `the domain part of ${d.myhostname ?? 'the host name'}`,
  },
  myorigin: {
    label: 'Sender domain (myorigin)',
    kind: 'text',
    explain: () => 'appended to locally posted mail: $mydomain sends as user@domain, not user@host',
  },
  relayhost: {
    label: 'Relay host (relayhost)',
    kind: 'text',
    explain: () => 'optional smart host for all outgoing mail; empty = deliver directly via MX lookups',
  },
  mynetworks: {
    label: 'Trusted networks (mynetworks)',
    kind: 'list',
    explain: () => "clients in these networks may relay: loopback and this host's own private subnets",
  },
  relay_domains: {
    label: 'Relayed domains (relay_domains)',
    kind: 'list',
    explain: () => 'the domains this host accepts mail for and relays onwards',
  },
  transport: {
    label: 'Next hops (transport_maps)',
    kind: 'map',
    explain: () => 'domain → next hop, e.g. relay:[mail.example.com]; empty = deliver by MX lookup',
  },
  relay_recipients: {
    label: 'Valid recipients (relay_recipient_maps)',
    kind: 'list',
    explain: () =>
      'user@domain or @domain (accept all of a domain); empty = accept all (backscatter: needs override relay-accept-all)',
  },
  proxy_interfaces: {
    label: 'Public NAT/proxy addresses (proxy_interfaces)',
    kind: 'list',
    explain: () => 'the outside addresses that forward port 25 here; a must for a backup MX behind NAT',
  },
  inet_interfaces: {
    label: 'Listen on (inet_interfaces)',
    kind: 'text',
    explain: () => "all, loopback-only, or a list of this host's addresses",
  },
  inet_protocols: {
    label: 'IP protocols (inet_protocols)',
    kind: 'choice',
    choices: [
      { value: 'all', label: 'all (IPv4 and IPv6)' },
      { value: 'ipv4', label: 'ipv4 only' },
      { value: 'ipv6', label: 'ipv6 only' },
    ],
    explain: (_d, host) =>
      host.ipv6DefaultRoute
        ? 'this host has an IPv6 default route'
        : 'this host has no IPv6 default route: ipv4 avoids "Network is unreachable"',
  },
  notify_classes: {
    label: 'Problems reported to postmaster (notify_classes)',
    kind: 'list',
    explain: () => 'resource, software (Postfix default); also bounce, 2bounce, delay, policy, protocol, data',
  },
  postmaster: {
    label: 'Postmaster address (aliases for postmaster and root)',
    kind: 'text',
    explain: () => 'a person who reads mail: bounces and problem reports go there',
  },
  chroot: {
    label: 'Chroot network services (master.cf)',
    kind: 'boolean',
    explain: (_d, host) =>
      host.postfix.recommendsChrootOff
        ? "this Postfix's README.Debian strongly recommends no: a chroot is usually overkill and its copies of " +
          'resolv.conf, hosts and the TLS files go stale (answer no, or later `postfix chroot off` + `postfix reload`)'
        : 'as Debian ships it: smtpd, smtp, cleanup … run inside /var/spool/postfix',
  },
  logging: {
    label: 'Logging',
    kind: 'choice',
    choices: [
      { value: 'syslog', label: 'syslog (rsyslog: /var/log/mail.log)' },
      { value: 'file', label: "file (Postfix's postlog: /var/log/postfix.log)" },
    ],
    explain: (_d, host) =>
      host.rsyslog ? 'rsyslog is installed' : 'no rsyslog on this host: Postfix writes its own log file',
  },
  smtp_sasl: {
    label: 'Smart host login (smtp_sasl)',
    kind: 'secret',
    explain: () => 'username and password for the relay host; empty = no login',
  },
  overrides: { label: 'Overrides', kind: 'list', explain: () => 'linter rules to override knowingly' },
};

/**
 * The questions for `role`. `current` holds the values found on the machine and `currentRole`
 * their role; `preset` the answers given beforehand (an answers file), which the questions offer
 * as their defaults; `given` the answers the user changed. Each question's default is the value
 * it takes without an answer of its own, given the others: the domain follows the host name
 * until the domain itself is answered.
 */
export function questionsFor(
  role: RoleId,
  host: HostFacts,
  current: Partial<Answers> = {},
  currentRole: RoleId | 'custom' | null = null,
  given: Partial<Answers> = {},
  preset: Partial<Answers> = {},
): Question[] {
  const mod = roleModule(role);
  // On a role change, what both roles ask keeps its current value; the rest takes the new role's defaults.
  const defaults = (g: Partial<Answers>) =>
    withDefaults({ ...g, role }, host, current, currentRole, { keepShared: true });
  const d = defaults({ ...preset, ...given });
  return mod.keys.map((key) => {
    const spec = SPECS[key];
    const optional = !mod.required.includes(key) && !NEVER_EMPTY.has(key);
    let def = d[key];
    if (Object.hasOwn(given, key)) {
      const { [key]: _own, ...others } = given;
      def = defaults({ ...preset, ...others })[key];
    }
    return {
      key,
      label: spec.label,
      explain: (mod.explain?.[key] ?? spec.explain)(d, host),
      kind: spec.kind,
      choices: spec.choices,
      default: def,
      optional,
      validate: (value) => checkAnswer(key, value, role),
    } satisfies Question;
  });
}
