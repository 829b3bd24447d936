/**
 * The wizard's questions for a role: each one in plain words first and its Postfix name second,
 * one line on what the answer does, where its default comes from, a longer help (what it does,
 * when to change it, the advice of Postfix's BASIC_CONFIGURATION_README, where postconf(5)
 * describes it), and the same validation the answers file gets.
 *
 * A default follows the answers given before it (the domain follows the host name typed a moment
 * ago), and its origin is worked out from the same values, so that the two never disagree.
 */
import { behindNat, ipv6Usable, type HostFacts } from '../model/host.js';
import { roleModule } from './index.js';
import { checkAnswer, NEVER_EMPTY, withDefaults } from './resolve.js';
import type { Resolved, RoleModule } from './role.js';
import type { AnswerKey, AnswerValue, Answers, Question, RoleId } from '../model/answers.js';

/** What an origin or a help text may look at. */
interface Context {
  /** The defaults for the answers given so far (without the question's own answer). */
  d: Resolved;
  host: HostFacts;
  /** The answers the user gave in this run (typed, chosen, or from the answers file). */
  given: Partial<Answers>;
  mod: RoleModule;
}

interface Spec {
  label: string;
  param: string;
  kind: Question['kind'];
  explain: string;
  /** Where a default derived from the host or the earlier answers comes from. */
  origin(c: Context): string;
  help(c: Context): string[];
  choices?: Question['choices'];
}

/** The closing line of a help text: where the manual describes the parameter. */
function manual(param: string): string {
  return `More: man 5 postconf, "${param}"; https://www.postfix.org/postconf.5.html#${param}`;
}

/** "eth0 192.168.10.0/24, eth1 10.0.0.0/8" for the host's private subnets. */
function privateNets(host: HostFacts, nets: readonly string[]): string {
  const named = host.addresses
    .filter((a) => a.scope === 'private' && nets.includes(a.network))
    .map((a) => `${a.iface} ${a.network}`);
  return [...new Set(named)].join(', ');
}

/** Why inet_protocols defaults to what it does: the same judgement as the header's IPv6 advice. */
function ipv6Reason(host: HostFacts): string {
  if (ipv6Usable(host)) return 'this host has working IPv6: a default route and a global address';
  if (!host.ipv6DefaultRoute) return 'this host has no IPv6 default route: ipv4 avoids "Network is unreachable"';
  return 'this host has an IPv6 route but no global IPv6 address: ipv4 avoids unreachable IPv6 servers';
}

const SPECS: Record<AnswerKey, Spec> = {
  myhostname: {
    label: "This host's full name",
    param: 'myhostname',
    kind: 'text',
    explain: 'the name other mail servers know this host by, e.g. mail.example.com',
    origin: ({ host }) =>
      host.fqdn.includes('.')
        ? `this host's name (hostname --fqdn says ${host.fqdn})`
        : `hostname --fqdn says "${host.fqdn}", which is no full name: type one, e.g. mail.example.com`,
    help: () => [
      'The fully qualified domain name of this host. Postfix greets other servers with it, and many other ' +
        'settings start from it ($myhostname): the domain, the sender domain, the local destinations.',
      'Change it when hostname --fqdn gives a bare name (no dot), or when this host is known on the ' +
        "Internet by another name: that name's DNS A record and the PTR record of this host's address " +
        'should both point here.',
      'BASIC_CONFIGURATION_README: by default myhostname is the name of the machine; if that name is not ' +
        'fully qualified, or Postfix runs on a virtual interface, set the fully qualified name the mail ' +
        'system should use.',
      manual('myhostname'),
    ],
  },
  mydomain: {
    label: 'Your mail domain',
    param: 'mydomain',
    kind: 'text',
    explain: "the domain this host belongs to; your users' addresses are user@this-domain",
    origin: ({ d, given }) =>
      `the domain part of ${d.myhostname} (${given.myhostname !== undefined ? 'the host name you gave' : "this host's name"})`,
    help: () => [
      'The parent domain of this host. Other settings use it ($mydomain): the domain outgoing mail is sent ' +
        'from, and the domain a mail server accepts mail for.',
      'Change it only when your mail domain is not the host name without its first part ' +
        '(mail.example.com → example.com).',
      'BASIC_CONFIGURATION_README: by default mydomain is $myhostname minus its first component.',
      manual('mydomain'),
    ],
  },
  myorigin: {
    label: 'Domain that mail from this host is sent as',
    param: 'myorigin',
    kind: 'text',
    explain: 'mail posted here without a domain (root, cron) goes out as user@this; $mydomain = your mail domain',
    origin: ({ d }) => `recommended: $mydomain, that is ${d.mydomain}`,
    help: () => [
      'The domain added to mail posted on this host without one (cron jobs, scripts, root): root becomes ' +
        'root@<this>. It is also added to recipient addresses without a domain. Debian keeps the same value ' +
        'in /etc/mailname.',
      'Keep $mydomain so that replies go to user@example.com rather than user@host.example.com. Use ' +
        '$myhostname only when each host is its own mail domain.',
      'BASIC_CONFIGURATION_README: the default is $myhostname; unless Postfix runs on a very small site you ' +
        'probably want myorigin = $mydomain.',
      manual('myorigin'),
    ],
  },
  relayhost: {
    label: 'Send outgoing mail through a smart host?',
    param: 'relayhost',
    kind: 'text',
    explain: "optional: your provider's mail server, e.g. [smtp.example.net]:587; empty = deliver directly",
    origin: ({ mod }) =>
      mod.required.includes('relayhost') ? 'none: give the server this host sends through' : 'none: deliver directly',
    help: () => [
      'The server that takes all mail this host sends, instead of this host delivering it to each ' +
        "recipient's mail server itself.",
      'You need one when your provider blocks outgoing port 25 (most cloud and home providers do), or when ' +
        "other servers distrust this host's address. Write it in brackets, [smtp.example.net], so that " +
        'Postfix does not look up MX records for it; add :587 for the submission port (usually with a ' +
        'login), or :465 for TLS from the start.',
      'BASIC_CONFIGURATION_README: relayhost = [mail.isp.tld] sends through your provider; the brackets turn ' +
        'off MX lookups. Empty (the default) delivers directly to the Internet.',
      manual('relayhost'),
    ],
  },
  mynetworks: {
    label: 'Networks allowed to send mail through this host',
    param: 'mynetworks',
    kind: 'list',
    explain: 'machines in these networks may send mail anywhere through this host; others only to your domains',
    origin: ({ d, host }) => {
      const nets = privateNets(host, d.mynetworks);
      return nets === '' ? 'this host only (loopback)' : `this host (loopback) and its private subnets: ${nets}`;
    },
    help: () => [
      'The clients Postfix trusts to relay: mail from them may go to any destination without a login.',
      'Add a network only when its machines should send mail through this host without logging in. Never ' +
        'add a public range or 0.0.0.0/0: everyone in it could send spam through this host (an open relay). ' +
        'Write networks as 192.168.1.0/24, IPv6 in brackets: [2001:db8::]/32.',
      'BASIC_CONFIGURATION_README: by default Postfix trusts every subnet the host is attached to, which ' +
        'can be unsafe on a wide-area network; mynetworks = 127.0.0.0/8 trusts only the machine itself.',
      manual('mynetworks'),
    ],
  },
  relay_domains: {
    label: 'Domains this host accepts mail for and passes on',
    param: 'relay_domains',
    kind: 'list',
    explain: 'mail to these domains is accepted from anyone and passed on, not delivered here',
    origin: ({ d }) => (d.relay_domains.length === 0 ? 'none: give at least one' : `your mail domain (${d.mydomain})`),
    help: () => [
      'Mail for these domains is accepted from any client and forwarded (relayed) to their own servers; ' +
        'it is not delivered here. A domain must never be both delivered here and relayed.',
      'BASIC_CONFIGURATION_README: relay_domains says for which destinations Postfix forwards mail from ' +
        'strangers; relay_domains = (empty) never forwards mail from strangers.',
      manual('relay_domains'),
    ],
  },
  transport: {
    label: "Where each domain's mail goes next",
    param: 'transport_maps',
    kind: 'map',
    explain: 'domain → next hop, e.g. example.com relay:[10.0.0.5]; empty = look up MX records',
    origin: () => 'none',
    help: () => [
      'The next hop for each relayed domain, one line each: the domain, a space, and relay:[host] (or ' +
        'relay:[host]:port). The brackets deliver to that host without an MX lookup.',
      'man 5 transport; https://www.postfix.org/transport.5.html',
      manual('transport_maps'),
    ],
  },
  relay_recipients: {
    label: 'Addresses to accept in those domains',
    param: 'relay_recipient_maps',
    kind: 'list',
    explain: '@domain accepts every address of a domain; empty = accept all (override relay-accept-all)',
    origin: () => 'none',
    help: () => [
      'The valid recipients of the relayed domains. Mail to any other address is refused during the SMTP ' +
        'session, instead of being accepted and bounced later to a sender that was probably forged ' +
        '(backscatter, which gets a host blocklisted).',
      'List the real mailboxes (user@example.com). @example.com accepts every address of the domain: ' +
        'simpler, but the unknown ones are then bounced by the next server. An empty list accepts ' +
        'everything and needs the override relay-accept-all.',
      manual('relay_recipient_maps'),
    ],
  },
  proxy_interfaces: {
    label: "This host's public address, when it is behind NAT",
    param: 'proxy_interfaces',
    kind: 'list',
    explain: 'the outside address that forwards port 25 here; empty when this host has its public address itself',
    origin: ({ host }) =>
      behindNat(host)
        ? 'none, but this host has only private IPv4 addresses: give the public one other servers connect to'
        : 'none needed: this host has a public IPv4 address itself',
    help: () => [
      'The outside addresses of a NAT router or proxy that forwards mail connections to this host. Postfix ' +
        'then knows that mail for those addresses is mail for itself.',
      'BASIC_CONFIGURATION_README: you must specify your proxy/NAT external addresses when your system is ' +
        'a backup MX host for other domains; otherwise mail delivery loops when the primary MX host is down.',
      manual('proxy_interfaces'),
    ],
  },
  inet_interfaces: {
    label: 'Accept mail on which addresses?',
    param: 'inet_interfaces',
    kind: 'text',
    explain: 'all = every address of this host; loopback-only = this host alone; or a list of its addresses',
    origin: ({ d }) =>
      d.inet_interfaces === 'loopback-only'
        ? 'loopback-only: this role accepts no mail from the network'
        : 'all: this role receives mail from the network',
    help: () => [
      'The addresses the SMTP server listens on. Postfix must be stopped and started after a change (a ' +
        'reload is not enough); mailsetup does that.',
      'BASIC_CONFIGURATION_README: by default Postfix listens on all active interfaces; when several mail ' +
        'servers share a machine, each must name its own.',
      manual('inet_interfaces'),
    ],
  },
  inet_protocols: {
    label: 'IP versions to use',
    param: 'inet_protocols',
    kind: 'choice',
    choices: [
      { value: 'all', label: 'IPv4 and IPv6' },
      { value: 'ipv4', label: 'IPv4 only' },
      { value: 'ipv6', label: 'IPv6 only' },
    ],
    explain: 'which kinds of addresses Postfix listens on and connects to',
    origin: ({ host }) => ipv6Reason(host),
    help: ({ host }) => [
      'Which IP versions Postfix uses to receive and to send mail. With IPv6 on but not routed, Postfix ' +
        'tries the IPv6 addresses of other servers first and logs "Network is unreachable". Postfix must be ' +
        'stopped and started after a change.',
      `Here: ${ipv6Reason(host)}.`,
      manual('inet_protocols'),
    ],
  },
  notify_classes: {
    label: 'Problems reported to the postmaster',
    param: 'notify_classes',
    kind: 'list',
    explain: 'resource and software problems by default; also bounce, 2bounce, delay, policy, protocol, data',
    origin: () => 'Postfix default',
    help: () => [
      'Which problems Postfix reports to the postmaster. resource: mail not delivered for lack of resources ' +
        '(a queue file cannot be written); software: mail not delivered because of a software problem. ' +
        'bounce: a copy of undeliverable mail (headers only); 2bounce: bounces that cannot be returned; ' +
        'delay: the headers of delayed mail; policy: clients rejected by a policy (UCE); protocol: protocol ' +
        'errors; data: problems with a data file.',
      'BASIC_CONFIGURATION_README: by default you are told only about serious problems (resource, software).',
      manual('notify_classes'),
    ],
  },
  postmaster: {
    label: 'Who reads mail for postmaster and root?',
    param: '/etc/aliases: postmaster, root',
    kind: 'text',
    explain: "a person's address: bounces, problem reports and root's mail go there",
    origin: () => 'none: give the address of a person who reads mail',
    help: () => [
      'Mail to postmaster (problem reports, bounces, complaints from other sites) and to root (cron, ' +
        'security tools) goes to this address. A full address (user@example.com) works for every role; a ' +
        'bare user name only where mail is delivered on this host.',
      'BASIC_CONFIGURATION_README: the postmaster alias must point to a real person, and root should be ' +
        'redirected to a real person too; newaliases then rebuilds the aliases database (mailsetup runs it).',
      'More: man 5 aliases; https://www.postfix.org/aliases.5.html',
    ],
  },
  chroot: {
    label: 'Run the network services in a chroot jail?',
    param: 'master.cf chroot column',
    kind: 'boolean',
    explain: 'smtpd, smtp, cleanup … see only /var/spool/postfix; yes as Debian ships it',
    origin: () => 'as Debian ships it',
    help: () => [
      'The chroot column of master.cf: the network-facing services then see only the queue directory ' +
        '(/var/spool/postfix), a barrier should one of them be broken into. Debian copies the files they ' +
        'need (resolv.conf, services …) into the jail when Postfix starts, and rsyslog listens on a socket ' +
        'inside it.',
      'BASIC_CONFIGURATION_README: machines with high security requirements should run the network-facing ' +
        'daemons in a chroot; keep it unless a plug-in needs files outside the jail.',
      'More: man 5 master; https://www.postfix.org/master.5.html',
    ],
  },
  logging: {
    label: 'Where Postfix writes its log',
    param: 'syslog, or maillog_file',
    kind: 'choice',
    choices: [
      { value: 'syslog', label: 'through syslog (rsyslog writes /var/log/mail.log)' },
      { value: 'file', label: "Postfix's own file, /var/log/postfix.log (postlog)" },
    ],
    explain: 'where to look when mail does not arrive',
    origin: ({ host }) =>
      host.rsyslog ? 'rsyslog is installed on this host' : 'no rsyslog on this host: Postfix writes its own log file',
    help: () => [
      'syslog: Postfix logs through the system logger; rsyslog writes /var/log/mail.log. file: Postfix ' +
        'writes /var/log/postfix.log itself (maillog_file, through the postlog service), for hosts without ' +
        'rsyslog, where the log would otherwise be only in the journal; rotate it with "postfix logrotate".',
      'BASIC_CONFIGURATION_README: check the log for problems every day: egrep ' +
        "'(reject|warning|error|fatal|panic):' on the log file.",
      `${manual('maillog_file')}; https://www.postfix.org/MAILLOG_README.html`,
    ],
  },
  smtp_sasl: {
    label: 'Log in at the smart host?',
    param: 'smtp_sasl_password_maps',
    kind: 'secret',
    explain: 'the user name and password your provider gave you; empty = no login',
    origin: () => 'none: no login',
    help: () => [
      'Most providers accept mail on port 587 or 465 only after a login. The password is written only to ' +
        '/etc/postfix/sasl_passwd (root, 0600) and its database, never to the screen, the state file or a ' +
        'log; mailsetup tries the login before it writes anything, and requires TLS for it.',
      'More: SASL_README, "Enabling SASL authentication in the Postfix SMTP client"; ' +
        'https://www.postfix.org/SASL_README.html#client_sasl',
    ],
  },
  overrides: {
    label: 'Rules overridden knowingly',
    param: 'overrides',
    kind: 'list',
    explain: 'linter rules to override knowingly',
    origin: () => 'none',
    help: () => ['The ids of safety rules whose error you accept knowingly; the preview names them.'],
  },
};

/** The Postfix name a key sets (for the plain-text mode and the review screen). */
export function paramOf(key: AnswerKey): string {
  return SPECS[key].param;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The questions for `role`. `current` holds the values found on the machine and `currentRole`
 * their role; `preset` the answers given beforehand (an answers file, --role), which the
 * questions offer as their defaults; `given` the answers the user changed. Each question's default
 * is the value it takes without an answer of its own, given the others (the domain follows the
 * host name until the domain itself is answered); its origin is worked out from the same values.
 * A question is `advanced` when the role does not need it from the user and its default fits.
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
  return mod.keys.map((key) => {
    const spec = SPECS[key];
    // The answers before this one: the preset ones (its own too: it is offered as the default),
    // and those the user gave, but not its own.
    const earlier: Partial<Answers> = { ...preset, ...given };
    delete earlier.role;
    if (Object.hasOwn(given, key)) {
      if (Object.hasOwn(preset, key)) (earlier as Record<string, unknown>)[key] = preset[key];
      else delete earlier[key];
    }
    const others: Partial<Answers> = { ...earlier };
    delete others[key];
    // On a role change, what both roles ask keeps its current value; the rest takes the new role's defaults.
    const d = withDefaults({ ...earlier, role }, host, current, currentRole, { keepShared: true });
    const derived = withDefaults({ ...others, role }, host, {}, null);
    const ctx: Context = { d: derived, host, given: others, mod };
    const wording = mod.wording?.[key] ?? {};
    const fromPreset = Object.hasOwn(preset, key) && deepEqual(d[key], preset[key]);
    const fromCurrent = !fromPreset && !deepEqual(d[key], derived[key]);
    const optional = !mod.required.includes(key) && !NEVER_EMPTY.has(key);
    const validate = (value: AnswerValue): string | null => checkAnswer(key, value, role);
    // Asked by default: what the role needs from the user, a required answer without a default, a
    // default that does not fit (a host name without a dot), the NAT address of an MX behind NAT.
    const basic =
      mod.basic.includes(key) ||
      validate(d[key]) !== null ||
      (key === 'proxy_interfaces' && mod.mx !== null && behindNat(host));
    return {
      key,
      label: wording.label ?? spec.label,
      param: spec.param,
      explain: wording.explain ?? spec.explain,
      origin: fromPreset ? 'the answers given (--answers)' : fromCurrent ? 'the current value' : spec.origin(ctx),
      help: [...(wording.help ?? []), ...spec.help(ctx)],
      kind: spec.kind,
      choices: spec.choices,
      default: d[key],
      optional,
      advanced: !basic,
      validate,
    } satisfies Question;
  });
}
