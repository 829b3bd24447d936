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
import { checkAnswer, NEVER_EMPTY, present, withDefaults } from './resolve.js';
import { answeredCertificate, daneAvailable, defaultOutboundLevel, foundCertificate } from './tls.js';
import type { Resolved, RoleModule } from './role.js';
import type { AnswerKey, AnswerValue, Answers, Question, RoleId } from '../model/answers.js';
import type { HandEdit } from '../model/plan.js';
import { lineageOfPath } from '../model/tls.js';

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
    origin: ({ d, given }) => {
      const name = d.myhostname;
      const labels = name.split('.').length;
      if (labels === 2)
        return `${name} has two labels: it is the domain itself (Postfix alone would take "${name.split('.')[1]}")`;
      if (labels === 1)
        return `${name || 'the host name'} has no dot: localdomain, as Postfix does (a host without a real name)`;
      return `the domain part of ${name} (${given.myhostname !== undefined ? 'the host name you gave' : "this host's name"})`;
    },
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
  mydestination: {
    label: 'Domains whose mail is delivered on this host',
    param: 'mydestination',
    kind: 'list',
    explain:
      'names, $names (localhost.$mydomain), /file/name or type:table; list every name of this host to avoid loops',
    origin: ({ d }) =>
      d.mydestination.length === 0 ? 'none: this role delivers no mail here' : "this role's usual list",
    help: () => [
      'The domains whose mail this host delivers itself (to local mailboxes and aliases) instead of passing ' +
        'it on. Every name this host is known by belongs here, or mail to it loops back.',
      'Add $mydomain when this host is the mail server of the whole domain; leave it out on a machine of the ' +
        'LAN that sends everything to the mailhost. A domain must never be both delivered here and relayed.',
      'BASIC_CONFIGURATION_README: by default Postfix accepts mail for the local machine only; if your host ' +
        'is the mail server for the entire domain, you should also include $mydomain in mydestination.',
      manual('mydestination'),
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
  fallback_relay: {
    label: 'Where mail goes when its destination cannot be reached',
    param: 'fallback_relay',
    kind: 'list',
    explain: 'e.g. [gateway.example.com]; empty = mail waits in the queue and is tried again',
    origin: () => 'none',
    help: () => [
      'Hosts that take mail this host cannot deliver right now (the destination does not answer, or its ' +
        'name cannot be found), tried in order. Only for mail that is not sent through a smart host.',
      'Leave it empty unless a gateway is meant to hold mail for you: otherwise the mail waits in this ' +
        "host's queue and is retried for days before it bounces.",
      manual('fallback_relay'),
    ],
  },
  mynetworks_style: {
    label: 'How to decide which clients may send mail through this host',
    param: 'mynetworks_style',
    kind: 'choice',
    choices: [
      { value: '', label: 'the networks I list (mynetworks, next question)' },
      { value: 'host', label: 'this host only (mynetworks_style = host)' },
      { value: 'subnet', label: "this host's subnets (mynetworks_style = subnet)" },
      { value: 'class', label: "this host's whole class A/B/C networks (mynetworks_style = class)" },
    ],
    explain: 'a list you give, or a rule Postfix applies to the addresses of this host',
    origin: () => 'the networks you list',
    help: () => [
      'Postfix trusts some clients to relay mail anywhere. Either you list their networks (the next ' +
        'question), or Postfix works them out from the addresses of this host: host trusts this host ' +
        'alone, subnet the subnets it is attached to, class their whole class A/B/C networks.',
      'A list is the safest: it says exactly who is trusted and does not change when an interface does.',
      'BASIC_CONFIGURATION_README: mynetworks_style = host is safe (only the local machine); do not use ' +
        'class on a dialup machine, since Postfix will trust the entire network of your provider; a ' +
        'mynetworks list overrides the style.',
      manual('mynetworks_style'),
    ],
  },
  mynetworks: {
    label: 'Networks allowed to send mail through this host',
    param: 'mynetworks',
    kind: 'list',
    explain:
      'machines in these networks may send mail anywhere through this host (also /file/name, type:table); ' +
      'others only to your domains',
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
  aliases: {
    label: 'More mail aliases on this host',
    param: '/etc/aliases',
    kind: 'map',
    explain: 'name → address(es), e.g. joe joe@joes.preferred.machine; empty = none',
    origin: () => 'none besides postmaster and root',
    help: () => [
      'More entries for /etc/aliases, the names whose local mail goes elsewhere: a name, a space, and one ' +
        'or more addresses separated by commas. postmaster and root come from the question about who ' +
        'reads their mail. mailsetup runs newaliases after a change.',
      'Only for mail delivered on this host (the local domains); for other addresses use the address ' +
        'rewrites (virtual_alias_maps).',
      'More: man 5 aliases; https://www.postfix.org/aliases.5.html',
    ],
  },
  virtual: {
    label: 'Addresses to rewrite or forward',
    param: 'virtual_alias_maps',
    kind: 'map',
    explain: "address → address(es), e.g. root root@localhost to keep root's mail here; empty = none",
    origin: () => 'none',
    help: () => [
      'Entries for /etc/postfix/virtual: mail to the address on the left goes to the address(es) on the ' +
        'right, for any domain, before delivery. An address may forward to another host or domain.',
      'Use it to forward single addresses or to keep one address local; postmaster and root come from the ' +
        'question about who reads their mail. mailsetup rebuilds the table (postmap) after a change.',
      'More: man 5 virtual; https://www.postfix.org/virtual.5.html',
    ],
  },
  smtp_generic_maps: {
    label: 'Sender addresses to rewrite on the way out',
    param: 'smtp_generic_maps',
    kind: 'map',
    explain:
      'for a host without a real name: local address or @domain → Internet address, e.g. @localdomain me@isp.example',
    origin: () => 'none',
    help: () => [
      'Entries for /etc/postfix/generic: addresses this host uses locally (user@localdomain) are replaced ' +
        'by real Internet addresses in mail that leaves it, so that replies can come back.',
      'Needed on a host without a real Internet name (a home machine with a provider account); not ' +
        'needed when this host has a name other servers know.',
      'STANDARD_CONFIGURATION_README, "Postfix on hosts without a real Internet hostname": map the local ' +
        'addresses to your provider address with smtp_generic_maps.',
      manual('smtp_generic_maps'),
    ],
  },
  smtpd_recipient_restrictions: {
    label: 'Extra spam rules for incoming mail',
    param: 'smtpd_recipient_restrictions',
    kind: 'list',
    explain: 'one rule per entry, after the relay rules, e.g. reject_rbl_client zen.spamhaus.org; empty = none',
    origin: () => 'none: the relay rules alone',
    help: () => [
      'Checks Postfix makes on each recipient of incoming mail, after the relay rules that stop this host ' +
        'from being an open relay (smtpd_relay_restrictions, which mailsetup sets). One restriction per ' +
        'entry, in order: reject_rbl_client zen.spamhaus.org, reject_unknown_recipient_domain, …',
      'A rule that rejects too much loses mail silently for the sender: add one at a time and watch the log.',
      manual('smtpd_recipient_restrictions'),
    ],
  },
  defer_transports: {
    label: 'Mail to hold until you send it on',
    param: 'defer_transports',
    kind: 'list',
    explain: 'a dial-up host: smtp keeps mail queued until "sendmail -q" runs; empty = deliver at once',
    origin: () => 'none: deliver at once',
    help: () => [
      'Mail for these delivery methods (transports) stays in the queue until "sendmail -q" (or postqueue ' +
        '-f) is run, for instance when the dial-up link comes up.',
      'Only for a host that is not always online; smtp holds all mail to other hosts.',
      'STANDARD_CONFIGURATION_README, "Postfix on a dialup machine": defer_transports = smtp, and run ' +
        'sendmail -q when the link is up.',
      manual('defer_transports'),
    ],
  },
  smtp_dns_support_level: {
    label: 'Look up mail servers in DNS?',
    param: 'smtp_dns_support_level',
    kind: 'choice',
    choices: [
      { value: '', label: "Postfix's default (DNS lookups on)" },
      { value: 'disabled', label: 'no DNS lookups (a dial-up LAN host)' },
      { value: 'enabled', label: 'DNS lookups (as the default)' },
      { value: 'dnssec', label: 'DNSSEC validation (needs a validating resolver)' },
    ],
    explain: 'disabled: the SMTP client looks up no MX records and resolves names through /etc/hosts',
    origin: () => "Postfix's default",
    help: () => [
      'Whether the SMTP client finds the mail servers of other domains in DNS (MX records). disabled ' +
        'resolves names through the system (/etc/hosts) instead: only for a host without DNS that sends ' +
        'everything through a smart host. dnssec validates the answers (DANE needs it).',
      'STANDARD_CONFIGURATION_README, "Postfix on a dialup machine": turn off DNS lookups where the ' +
        'dial-up link would be brought up for each one.',
      manual('smtp_dns_support_level'),
    ],
  },
  chroot: {
    label: 'Run the network services in a chroot jail?',
    param: 'master.cf chroot column',
    kind: 'boolean',
    explain: 'smtpd, smtp, cleanup … see only /var/spool/postfix; yes as Debian ships it',
    // Debian 13's README.Debian recommends turning the chroot off: said with its reason, where the
    // installed package says so (the default stays what the package ships: the advice informs).
    origin: ({ host }) =>
      host.postfix.recommendsChrootOff
        ? "as Debian ships it, but this Postfix's README.Debian strongly recommends no: a chroot is usually " +
          'overkill and its copies of resolv.conf, hosts and the TLS files go stale (answer no, or later ' +
          '`postfix chroot off` + `postfix reload`)'
        : 'as Debian ships it',
    help: ({ host }) => [
      'The chroot column of master.cf: the network-facing services then see only the queue directory ' +
        '(/var/spool/postfix), a barrier should one of them be broken into. Debian copies the files they ' +
        'need (resolv.conf, services …) into the jail when Postfix starts, and rsyslog listens on a socket ' +
        'inside it.',
      ...(host.postfix.recommendsChrootOff
        ? [
            "This Postfix's README.Debian strongly recommends turning it off: a chroot is usually overkill, and " +
              'the copies of resolv.conf, hosts and the TLS files inside it go stale. Answer no, or later run ' +
              '`postfix chroot off` and `postfix reload`.',
          ]
        : []),
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
  smtp_tls_security_level: {
    label: 'Encrypt the mail this host sends?',
    param: 'smtp_tls_security_level',
    kind: 'choice',
    choices: [
      {
        value: 'dane',
        label: 'dane: DNSSEC-authenticated TLS where the receiver publishes TLSA records, else opportunistic',
      },
      { value: 'may', label: 'may: opportunistic TLS (encrypt when the receiver offers STARTTLS)' },
      { value: 'encrypt', label: 'encrypt: mandatory TLS to every destination (mail to servers without it waits)' },
    ],
    explain: 'how the SMTP client protects mail to other servers',
    origin: ({ host }) => `${host.tls?.resolver.detail ?? 'a validating resolver'}: DANE can be trusted here`,
    help: () => [
      'may encrypts whenever the receiving server offers STARTTLS, without checking its certificate. dane ' +
        'also checks the certificate where the receiver publishes TLSA records in DNSSEC-signed DNS, which ' +
        'needs a validating resolver on this host. encrypt refuses to send without TLS: mail to servers ' +
        'that do not offer it waits in the queue.',
      'dane where this host has a validating resolver, may otherwise; encrypt only towards a smart host ' +
        'with a login.',
      `${manual('smtp_tls_security_level')}; https://www.postfix.org/TLS_README.html#client_tls_dane`,
    ],
  },
  smtpd_tls_security_level: {
    label: 'Offer encryption to servers that send mail here?',
    param: 'smtpd_tls_security_level',
    kind: 'choice',
    choices: [
      { value: 'may', label: 'may: STARTTLS offered, never required' },
      { value: 'none', label: 'none: no STARTTLS' },
    ],
    explain: 'never encrypt on port 25: senders without TLS must still reach a public MX',
    origin: () => 'may: STARTTLS offered where this host has a certificate',
    help: () => [
      'Whether the SMTP server offers STARTTLS to the servers that deliver mail here. It needs a ' +
        'certificate and its key.',
      'Keep may on a public MX: requiring TLS (encrypt) on port 25 would refuse mail from the servers that ' +
        'do not use it, which RFC 3207 forbids for a public server.',
      `${manual('smtpd_tls_security_level')}; https://www.postfix.org/TLS_README.html#server_enable`,
    ],
  },
  smtpd_tls_chain_files: {
    label: "This server's private key and certificate files",
    param: 'smtpd_tls_chain_files',
    kind: 'list',
    explain: 'the key file first, then the certificate chain; empty = no STARTTLS',
    origin: ({ d }) => `no certificate found for ${d.myhostname} (no Let's Encrypt lineage, no Debian snakeoil)`,
    help: () => [
      'The files the SMTP server proves its name with: the private key first, then the certificate and ' +
        'its chain (PEM), absolute paths. mailsetup checks that the key matches the certificate and that ' +
        'it names this host before it writes anything.',
      "A Let's Encrypt certificate (certbot) under /etc/letsencrypt/live/ or Debian's snakeoil " +
        'certificate is found without asking; leave the answer empty for no STARTTLS.',
      `${manual('smtpd_tls_chain_files')}; https://www.postfix.org/TLS_README.html#server_cert_key`,
    ],
  },
  smtpd_tls_cert_file: {
    label: "This server's certificate file",
    param: 'smtpd_tls_cert_file',
    kind: 'text',
    explain: 'the certificate and its chain, PEM',
    origin: () => 'none',
    help: () => [
      'The older form of the key and certificate files: the certificate with its chain (PEM), with the key ' +
        'in the private key file.',
      'Prefer the key and certificate chain files (smtpd_tls_chain_files), which Postfix 3.4 and later read.',
      manual('smtpd_tls_cert_file'),
    ],
  },
  smtpd_tls_key_file: {
    label: "This server's private key file",
    param: 'smtpd_tls_key_file',
    kind: 'text',
    explain: 'the private key of the certificate file, PEM, readable by root only',
    origin: () => 'none',
    help: () => [
      'The private key of the certificate file (PEM). It must be readable by root only: mailsetup refuses a ' +
        'key file others can read.',
      'Prefer the key and certificate chain files (smtpd_tls_chain_files), which Postfix 3.4 and later read.',
      manual('smtpd_tls_key_file'),
    ],
  },
  certbot_deploy_hook: {
    label: 'Reload Postfix after certbot renews the certificate',
    param: 'certbot deploy hook',
    kind: 'boolean',
    explain: 'running smtpd processes keep the old certificate until Postfix reloads',
    origin: () => "recommended for a Let's Encrypt certificate",
    help: () => [
      "certbot renews a Let's Encrypt certificate every two months, but running smtpd processes keep the " +
        'old one until Postfix reloads. The hook /etc/letsencrypt/renewal-hooks/deploy/mailsetup-postfix-reload ' +
        'reloads Postfix after each renewal.',
      'Say no only when another hook of yours already reloads Postfix.',
      'More: TLS_README, "Server-side certificate and private key configuration"; ' +
        'https://www.postfix.org/TLS_README.html#server_cert_key',
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

/** A value as one line of an explanation. */
function shown(v: string | undefined): string {
  if (v === undefined) return '(removed)';
  return v === '' ? '(empty)' : v;
}

/**
 * The explanation of a question whose parameter was changed by hand since mailsetup set it: the
 * hand edit is the current value, and stays the user's unless the answer takes mailsetup's value
 * back.
 */
function handEditExplain(e: HandEdit): string {
  return e.nowAnswer !== undefined
    ? `changed by hand: main.cf has ${shown(e.now)}, mailsetup had set ${shown(e.ours)}; ` +
        "Enter keeps your value (it stays yours), mailsetup's value takes it back"
    : `changed by hand: main.cf has ${shown(e.now)} (kept unless you answer a new value); mailsetup had set ${shown(e.ours)}`;
}

/**
 * Whether the wizard asks `key` for this role and host. The TLS questions appear only where
 * mailsetup cannot decide alone: outbound DANE where a validating resolver makes it possible,
 * a certificate where none is found, certbot's hook where the certificate is Let's Encrypt's.
 */
function asked(key: AnswerKey, mod: RoleModule, d: Answers, host: HostFacts): boolean {
  switch (key) {
    case 'smtp_tls_security_level':
      return daneAvailable(host) && !(d.smtp_sasl && d.relayhost);
    case 'smtpd_tls_chain_files':
      if (!mod.receivesMail) return false;
      if ((d.smtpd_tls_chain_files ?? []).length > 0) return true;
      return answeredCertificate(d) === null && foundCertificate(host, d.myhostname ?? host.fqdn) === null;
    case 'certbot_deploy_hook': {
      if (!mod.receivesMail) return false;
      const named = answeredCertificate(d);
      if (named) return ('chain' in named ? named.chain : [named.cert]).some((p) => lineageOfPath(p) !== undefined);
      return foundCertificate(host, d.myhostname ?? host.fqdn)?.source === 'letsencrypt';
    }
    default:
      return true;
  }
}

/** The default a TLS question offers when the answers have none. */
function tlsDefault(key: AnswerKey, d: Answers, host: HostFacts): AnswerValue {
  switch (key) {
    case 'smtp_tls_security_level':
      return d.smtp_tls_security_level ?? defaultOutboundLevel(d, host);
    case 'smtpd_tls_chain_files':
      return d.smtpd_tls_chain_files ?? [];
    case 'certbot_deploy_hook':
      return d.certbot_deploy_hook ?? true;
    default:
      return d[key];
  }
}

/**
 * The questions for `role`. `current` holds the values found on the machine and `currentRole`
 * their role; `preset` the answers given beforehand (an answers file, --role), which the
 * questions offer as their defaults; `given` the answers the user changed. Each question's default
 * is the value it takes without an answer of its own, given the others (the domain follows the
 * host name until the domain itself is answered); its origin is worked out from the same values.
 * A question is `advanced` when the role does not need it from the user and its default fits.
 * `handEdits` (from detect()) are the parameters changed by hand since mailsetup set them: on a
 * re-run with the same role their questions say so, and are asked on the short path too.
 */
export function questionsFor(
  role: RoleId,
  host: HostFacts,
  current: Partial<Answers> = {},
  currentRole: RoleId | 'custom' | null = null,
  given: Partial<Answers> = {},
  preset: Partial<Answers> = {},
  handEdits: readonly HandEdit[] = [],
): Question[] {
  const mod = roleModule(role);
  // On a role change, what both roles ask keeps its current value; the rest takes the new role's defaults.
  const all = withDefaults({ ...preset, ...given, role }, host, current, currentRole, { keepShared: true });
  // Which TLS questions appear follows the answers as the wizard holds them: found, preset, typed.
  const seen = { ...all, ...current, ...preset, ...given, role } as Answers;
  const byHand = (key: AnswerKey) => (currentRole === role ? handEdits.find((e) => e.key === key) : undefined);
  return (
    mod.keys
      // A parameter changed by hand is always asked: its question says so, and lets mailsetup's value back.
      .filter((key) => asked(key, mod, seen, host) || byHand(key) !== undefined)
      // A style chosen (in the wizard, or kept from the last run): Postfix derives the networks, there
      // is no list to ask for.
      .filter((key) => !(key === 'mynetworks' && present(all.mynetworks_style)))
      .map((key) => {
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
        const d = withDefaults({ ...earlier, role }, host, current, currentRole, { keepShared: true });
        // The same without the question's own current value: what it would be derived as.
        const currentOthers: Partial<Answers> = { ...current };
        delete currentOthers[key];
        const derived = withDefaults({ ...others, role }, host, currentOthers, currentRole, { keepShared: true });
        const ctx: Context = { d: derived, host, given: others, mod };
        const wording = mod.wording?.[key] ?? {};
        const edit = byHand(key);
        const value = tlsDefault(key, d, host);
        const fromPreset = Object.hasOwn(preset, key) && deepEqual(value, preset[key]);
        const fromCurrent =
          !fromPreset && Object.hasOwn(current, key) && !deepEqual(value, tlsDefault(key, derived, host));
        const optional = !mod.required.includes(key) && !NEVER_EMPTY.has(key);
        const validate = (v: AnswerValue): string | null => checkAnswer(key, v, role, { answers: all, host });
        // Asked by default: what the role needs from the user, a required answer without a default, a
        // default that does not fit (a host name without a dot), the NAT address of an MX behind NAT,
        // a parameter changed by hand.
        const basic =
          mod.basic.includes(key) ||
          edit !== undefined ||
          validate(value) !== null ||
          // A domain of one label (localdomain, from a host name without a dot) is no mail domain.
          (key === 'mydomain' && !String(value).includes('.')) ||
          (key === 'proxy_interfaces' && mod.mx !== null && behindNat(host));
        return {
          key,
          label: wording.label ?? spec.label,
          param: spec.param,
          explain: edit ? handEditExplain(edit) : (wording.explain ?? spec.explain),
          origin: edit
            ? 'the current value, changed by hand'
            : fromPreset
              ? 'the answers given (--answers)'
              : fromCurrent
                ? 'the current value'
                : spec.origin(ctx),
          help: [...(wording.help ?? []), ...spec.help(ctx)],
          kind: spec.kind,
          choices: spec.choices,
          default: value,
          optional,
          advanced: !basic,
          validate,
        } satisfies Question;
      })
  );
}
