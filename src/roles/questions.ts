/**
 * The wizard's questions for a role: labels, one-line explanations of each default, and the
 * same validation the answers file gets.
 */
import type { HostFacts } from '../model/host.js';
import { roleModule } from './index.js';
import { checkAnswer, NEVER_EMPTY, present, withDefaults } from './resolve.js';
import { answeredCertificate, daneAvailable, defaultOutboundLevel, foundCertificate } from './tls.js';
import type { AnswerKey, AnswerValue, Answers, Question, RoleId } from '../model/answers.js';
import type { HandEdit } from '../model/plan.js';
import type { RoleModule } from './role.js';
import { lineageOfPath } from '../model/tls.js';

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
    explain: (d) => {
      const name = d.myhostname ?? '';
      const labels = name.split('.').length;
      if (labels === 2)
        return `${name} has two labels: it is the domain itself (Postfix alone would take "${name.split('.')[1]}")`;
      if (labels === 1)
        return `${name || 'the host name'} has no dot: localdomain, as Postfix does (a host without a real name)`;
      return `the domain part of ${name || 'the host name'}`;
    },
  },
  myorigin: {
    label: 'Sender domain (myorigin)',
    kind: 'text',
    explain: () => 'appended to locally posted mail: $mydomain sends as user@domain, not user@host',
  },
  mydestination: {
    label: 'Domains delivered here (mydestination)',
    kind: 'list',
    explain: () =>
      'names, $names (localhost.$mydomain), /file/name or type:table; list every name of this host to avoid loops',
  },
  relayhost: {
    label: 'Relay host (relayhost)',
    kind: 'text',
    explain: () => 'optional smart host for all outgoing mail; empty = deliver directly via MX lookups',
  },
  fallback_relay: {
    label: 'Fallback relay (fallback_relay)',
    kind: 'list',
    explain: () => 'where mail goes when a destination is unreachable, e.g. [gateway.example.com]; empty = none',
  },
  mynetworks_style: {
    label: 'Trusted clients (mynetworks_style)',
    kind: 'choice',
    choices: [
      { value: '', label: 'the networks I list (mynetworks, next question)' },
      { value: 'host', label: 'this host only (mynetworks_style = host)' },
      { value: 'subnet', label: "this host's subnets (mynetworks_style = subnet)" },
      { value: 'class', label: "this host's whole class A/B/C networks (mynetworks_style = class)" },
    ],
    explain: () => 'who may relay through this host: a list, or a style Postfix derives from the interfaces',
  },
  mynetworks: {
    label: 'Trusted networks (mynetworks)',
    kind: 'list',
    explain: () =>
      "clients in these networks may relay: loopback and this host's own private subnets (also /file/name, type:table)",
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
  aliases: {
    label: 'More aliases (/etc/aliases)',
    kind: 'map',
    explain: () => 'name → address(es), e.g. joe joe@joes.preferred.machine; empty = none',
  },
  virtual: {
    label: 'Address rewrites (virtual_alias_maps)',
    kind: 'map',
    explain: () => "address → address(es), e.g. root root@localhost to keep root's mail here; empty = none",
  },
  smtp_generic_maps: {
    label: 'Outgoing address rewrites (smtp_generic_maps)',
    kind: 'map',
    explain: () =>
      'for a host without a real name: local address or @domain → Internet address, e.g. @localdomain me@isp.example',
  },
  smtpd_recipient_restrictions: {
    label: 'Spam rules (smtpd_recipient_restrictions)',
    kind: 'list',
    explain: () =>
      'one restriction per entry, after the relay rules, e.g. reject_rbl_client zen.spamhaus.org; empty = none',
  },
  defer_transports: {
    label: 'Deferred transports (defer_transports)',
    kind: 'list',
    explain: () => 'a dial-up host: smtp keeps mail queued until "sendmail -q" runs; empty = deliver at once',
  },
  smtp_dns_support_level: {
    label: 'DNS lookups (smtp_dns_support_level)',
    kind: 'choice',
    choices: [
      { value: '', label: "Postfix's default (DNS lookups on)" },
      { value: 'disabled', label: 'no DNS lookups (a dial-up LAN host)' },
      { value: 'enabled', label: 'DNS lookups (as the default)' },
      { value: 'dnssec', label: 'DNSSEC validation (needs a validating resolver)' },
    ],
    explain: () => 'disabled: the SMTP client looks up no MX records and resolves names through /etc/hosts',
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
  smtp_tls_security_level: {
    label: 'Outbound TLS (smtp_tls_security_level)',
    kind: 'choice',
    choices: [
      {
        value: 'dane',
        label: 'dane: DNSSEC-authenticated TLS where the receiver publishes TLSA records, else opportunistic',
      },
      { value: 'may', label: 'may: opportunistic TLS (encrypt when the receiver offers STARTTLS)' },
      { value: 'encrypt', label: 'encrypt: mandatory TLS to every destination (mail to servers without it waits)' },
    ],
    explain: (_d, host) => `${host.tls?.resolver.detail ?? 'a validating resolver'}: DANE can be trusted here`,
  },
  smtpd_tls_security_level: {
    label: 'Inbound STARTTLS (smtpd_tls_security_level)',
    kind: 'choice',
    choices: [
      { value: 'may', label: 'may: STARTTLS offered, never required' },
      { value: 'none', label: 'none: no STARTTLS' },
    ],
    explain: () => 'never encrypt on port 25: senders without TLS must still reach a public MX',
  },
  smtpd_tls_chain_files: {
    label: 'Server key and certificate chain (smtpd_tls_chain_files)',
    kind: 'list',
    explain: (d) =>
      `no certificate found for ${d.myhostname ?? 'this host'} (no Let's Encrypt lineage, no Debian snakeoil): ` +
      'the key file first, then the certificate chain; empty = no STARTTLS',
  },
  smtpd_tls_cert_file: {
    label: 'Server certificate (smtpd_tls_cert_file)',
    kind: 'text',
    explain: () => 'the certificate and its chain, PEM',
  },
  smtpd_tls_key_file: {
    label: 'Server private key (smtpd_tls_key_file)',
    kind: 'text',
    explain: () => 'the private key of smtpd_tls_cert_file, PEM, readable by root only',
  },
  certbot_deploy_hook: {
    label: 'Reload Postfix after certbot renews the certificate',
    kind: 'boolean',
    explain: () =>
      "running smtpd processes keep the old certificate until Postfix reloads: certbot's deploy hook " +
      '/etc/letsencrypt/renewal-hooks/deploy/mailsetup-postfix-reload does it after each renewal',
  },
  overrides: { label: 'Overrides', kind: 'list', explain: () => 'linter rules to override knowingly' },
};

/** A value as one line of an explanation. */
function shown(v: string | undefined): string {
  if (v === undefined) return '(removed)';
  return v === '' ? '(empty)' : v;
}

/**
 * Where the default of a question comes from when its parameter was changed by hand since
 * mailsetup set it: the hand edit is the current value, and stays the user's unless the answer
 * takes mailsetup's value back.
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
 * their role; `preset` the answers given beforehand (an answers file), which the questions offer
 * as their defaults; `given` the answers the user changed. Each question's default is the value
 * it takes without an answer of its own, given the others: the domain follows the host name
 * until the domain itself is answered.
 * `handEdits` (from detect()) are the parameters changed by hand since mailsetup set them: on a
 * re-run with the same role their questions say so.
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
  const defaults = (g: Partial<Answers>) =>
    withDefaults({ ...g, role }, host, current, currentRole, { keepShared: true });
  const d = defaults({ ...preset, ...given });
  // Which TLS questions appear follows the answers as the wizard holds them: found, preset, typed.
  const seen = { ...d, ...current, ...preset, ...given, role } as Answers;
  const byHand = (key: AnswerKey) => (currentRole === role ? handEdits.find((e) => e.key === key) : undefined);
  return (
    mod.keys
      // A parameter changed by hand is always asked: its question says so, and lets mailsetup's value back.
      .filter((key) => asked(key, mod, seen, host) || byHand(key) !== undefined)
      // A style chosen (in the wizard, or kept from the last run): Postfix derives the networks, there
      // is no list to ask for.
      .filter((key) => !(key === 'mynetworks' && present(d.mynetworks_style)))
      .map((key) => {
        const spec = SPECS[key];
        const optional = !mod.required.includes(key) && !NEVER_EMPTY.has(key);
        const edit = byHand(key);
        let base = d;
        if (Object.hasOwn(given, key)) {
          const { [key]: _own, ...others } = given;
          base = defaults({ ...preset, ...others });
        }
        return {
          key,
          label: spec.label,
          explain: edit ? handEditExplain(edit) : (mod.explain?.[key] ?? spec.explain)(d, host),
          kind: spec.kind,
          choices: spec.choices,
          default: tlsDefault(key, base, host),
          optional,
          validate: (value) => checkAnswer(key, value, role, { answers: d, host }),
        } satisfies Question;
      })
  );
}
