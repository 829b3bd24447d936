/**
 * Every recipe of the seed (BASIC_CONFIGURATION_README) and of STANDARD_CONFIGURATION_README,
 * expressed as answers: answers → plan → the real `postconf -c DIR -n` shows the document's lines
 * (lists compared item by item: the document separates them with spaces, mailsetup with ", ")
 * and the effective values the document's result implies (`postconf -x`); `postfix -c DIR check`
 * accepts it (root only). The tables the recipe needs hold the document's entries. Where
 * mailsetup reaches the document's result another way, the recipe says so.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { plan } from '../../src/plan/plan.js';
import { resolveForPlan } from '../../src/plan/lint/index.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { HostAddress, HostFacts } from '../../src/model/host.js';
import { NO_FACTS, type Plan, type PlanFacts } from '../../src/model/plan.js';
import { splitList } from '../../src/postfix/lists.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { postconfAsync } from '../helpers/postconf-async.js';
import { settle } from '../helpers/settled.js';

const AS_ROOT = needsRoot('postfix check of each recipe', 'postfix refuses other users');

function addr(
  iface: string,
  address: string,
  prefix: number,
  network: string,
  scope: HostAddress['scope'],
): HostAddress {
  return { iface, family: address.includes(':') ? 6 : 4, address, prefix, network, scope };
}
const LO = [addr('lo', '127.0.0.1', 8, '127.0.0.0/8', 'loopback'), addr('lo', '::1', 128, '[::1]/128', 'loopback')];

/** A host of `name` on the given interface addresses (loopback added). */
function hostOn(name: string, addresses: HostAddress[], over: Partial<HostFacts> = {}): HostFacts {
  return fakeHost({ fqdn: name, hostname: name.split('.')[0], addresses: [...LO, ...addresses], ...over });
}

/** A LAN host: private addresses only (the default fake host also has a public IPv6 address). */
const H = fakeHost({ addresses: fakeHost().addresses.filter((a) => a.scope !== 'public') });
/** STANDARD_CONFIGURATION_README's local network: 10.0.0.0/24. */
const LAN = (name: string) => hostOn(name, [addr('eth0', '10.0.0.5', 24, '10.0.0.0/24', 'private')]);
const HASH_TYPES = ['btree', 'cidr', 'environ', 'fail', 'hash', 'inline', 'internal', 'memcache', 'nis', 'pipemap'];

interface Recipe {
  /** Where the document gives it. */
  doc: string;
  answers: Partial<Answers> & { role: RoleId };
  host?: HostFacts;
  facts?: Partial<PlanFacts>;
  /** The document's main.cf lines, each in postconf -n. */
  lines: string[];
  /** Effective values (postconf -x) the document's result implies; lists compared item by item. */
  effective?: Record<string, string>;
  /** The lint findings expected (ids), none when absent. */
  findings?: string[];
  /** Lines a file the plan writes must contain. */
  files?: Record<string, string[]>;
  /**
   * For `postfix check`, which resolves the host names of inet_interfaces: answers whose names
   * resolve on the test machine ("localhost") stand in for the document's placeholders.
   */
  checkAs?: Partial<Answers>;
}

const MS = { role: 'mail-server', postmaster: 'alice@example.com' } as const;
const BASE_BMX: Partial<Answers> & { role: RoleId } = {
  role: 'backup-mx',
  postmaster: 'admin@example.com',
  proxy_interfaces: ['1.2.3.4'],
};

const RECIPES: Recipe[] = [
  // ---- BASIC_CONFIGURATION_README (the seed)
  {
    doc: 'BASIC "What domain name to use in outbound mail": myorigin = $mydomain',
    answers: { ...MS, myorigin: '$mydomain' },
    lines: ['myorigin = $mydomain'],
    effective: { myorigin: 'example.com' },
  },
  {
    doc: 'BASIC "What domain name to use in outbound mail": myorigin = $myhostname',
    answers: { ...MS, myorigin: '$myhostname' },
    lines: ['myorigin = $myhostname'],
    effective: { myorigin: 'mx.example.com' },
  },
  {
    doc: 'BASIC "What domains to receive mail for", example 1 (default setting)',
    answers: { ...MS, mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'] },
    lines: ['mydestination = $myhostname localhost.$mydomain localhost'],
    effective: { mydestination: 'mx.example.com localhost.example.com localhost' },
  },
  {
    doc: 'BASIC "What domains to receive mail for", example 2 (domain-wide mail server)',
    answers: { ...MS },
    lines: ['mydestination = $myhostname localhost.$mydomain localhost $mydomain'],
    effective: { mydestination: 'mx.example.com localhost.example.com localhost example.com' },
  },
  {
    doc: 'BASIC "What domains to receive mail for", example 3 (host with multiple DNS A records)',
    answers: {
      ...MS,
      mydestination: splitList('$myhostname localhost.$mydomain localhost www.$mydomain ftp.$mydomain'),
    },
    lines: ['mydestination = $myhostname localhost.$mydomain localhost www.$mydomain ftp.$mydomain'],
    effective: {
      mydestination: 'mx.example.com localhost.example.com localhost www.example.com ftp.example.com',
    },
  },
  {
    doc: 'the seed "What domains to receive mail for", example 4 (MX records point to another host)',
    answers: { ...MS, mydestination: ['localhost'] },
    lines: ['mydestination = localhost'],
    findings: ['mydestination-hostname'],
  },
  {
    doc: 'BASIC "What domains to receive mail for": a "/file/name" pattern',
    answers: {
      ...MS,
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost', '/etc/postfix/local_domains'],
    },
    facts: { files: { '/etc/postfix/local_domains': '# our names\nwww.example.com\nftp.example.com\n' } },
    lines: ['mydestination = $myhostname localhost.$mydomain localhost /etc/postfix/local_domains'],
  },
  {
    doc: 'BASIC "What domains to receive mail for": a "type:table" lookup table',
    answers: {
      ...MS,
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost', 'hash:/etc/postfix/local_domains'],
    },
    facts: {
      files: { '/etc/postfix/local_domains': 'www.example.com x\nftp.example.com x\n' },
      databases: { '/etc/postfix/local_domains.db': true },
      mapTypes: HASH_TYPES,
    },
    lines: ['mydestination = $myhostname localhost.$mydomain localhost hash:/etc/postfix/local_domains'],
  },
  {
    doc: 'BASIC "What clients to relay mail from": mynetworks_style = host (safe: authorize local machine only)',
    answers: { ...MS, mynetworks_style: 'host' },
    lines: ['mynetworks_style = host'],
  },
  {
    doc: 'BASIC "What clients to relay mail from": mynetworks_style = subnet',
    answers: { ...MS, mynetworks_style: 'subnet' },
    lines: ['mynetworks_style = subnet'],
  },
  {
    doc: 'BASIC "What clients to relay mail from": mynetworks = 127.0.0.0/8 (safe: authorize local machine only)',
    answers: { ...MS, mynetworks: ['127.0.0.0/8'] },
    lines: ['mynetworks = 127.0.0.0/8'],
  },
  {
    doc: 'BASIC "What clients to relay mail from": mynetworks = 127.0.0.0/8 168.100.189.2/32 (authorize local machine)',
    answers: { ...MS, mynetworks: ['127.0.0.0/8', '168.100.189.2/32'], inet_protocols: 'ipv4' },
    host: hostOn('mx.example.com', [addr('eth0', '168.100.189.2', 28, '168.100.189.0/28', 'public')]),
    lines: ['mynetworks = 127.0.0.0/8 168.100.189.2/32'],
  },
  {
    doc: 'BASIC "What clients to relay mail from": mynetworks = 168.100.189.0/28, 127.0.0.0/8 (a public range: override)',
    answers: {
      ...MS,
      mynetworks: ['168.100.189.0/28', '127.0.0.0/8'],
      inet_protocols: 'ipv4',
      overrides: ['mynetworks-public'],
    },
    host: hostOn('mx.example.com', [addr('eth0', '168.100.189.2', 28, '168.100.189.0/28', 'public')]),
    lines: ['mynetworks = 168.100.189.0/28, 127.0.0.0/8'],
    findings: ['mynetworks-public'],
  },
  {
    doc: 'BASIC "What clients to relay mail from": the absolute pathname of a pattern file',
    answers: { ...MS, mynetworks: ['/etc/postfix/network_table'] },
    facts: { files: { '/etc/postfix/network_table': '127.0.0.0/8\n192.168.10.0/24\n[::1]/128\n' } },
    lines: ['mynetworks = /etc/postfix/network_table'],
  },
  {
    doc: 'BASIC "What destinations to relay mail to": relay_domains = $mydestination (default), on a backup MX',
    answers: {
      ...BASE_BMX,
      relay_domains: ['$mydestination', 'the.backed-up.domain.tld'],
      relay_recipients: ['@the.backed-up.domain.tld'],
    },
    lines: ['relay_domains = $mydestination the.backed-up.domain.tld'],
    effective: {
      relay_domains: 'mx.example.com localhost.example.com localhost the.backed-up.domain.tld',
    },
  },
  {
    doc: 'BASIC "What destinations to relay mail to": relay_domains = (safe: never forward mail from strangers)',
    answers: { ...MS },
    lines: ['relay_domains ='],
  },
  {
    doc: 'BASIC "What destinations to relay mail to": relay_domains = $mydomain, on the gateway',
    answers: {
      role: 'firewall-relay',
      myhostname: 'gw.example.com',
      relay_domains: ['$mydomain'],
      transport: { 'example.com': 'relay:[inside.example.com]' },
      relay_recipients: ['@example.com'],
      postmaster: 'postmaster@example.com',
    },
    lines: ['relay_domains = $mydomain'],
    effective: { relay_domains: 'example.com' },
  },
  {
    doc: 'BASIC "What delivery method": relayhost = (default: direct delivery to Internet)',
    answers: { ...MS },
    lines: ['relayhost ='],
  },
  {
    doc: 'BASIC "What delivery method": relayhost = $mydomain (deliver via local mailhub), on a LAN host',
    answers: { ...MS, mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'], relayhost: '$mydomain' },
    lines: ['relayhost = $mydomain'],
    effective: { relayhost: 'example.com' },
  },
  {
    doc: 'BASIC "What delivery method": relayhost = [mail.$mydomain] (deliver via local mailhub)',
    answers: {
      ...MS,
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      relayhost: '[mail.$mydomain]',
    },
    lines: ['relayhost = [mail.$mydomain]'],
    effective: { relayhost: '[mail.example.com]' },
  },
  {
    doc: 'BASIC "What delivery method": relayhost = [mail.isp.tld] (deliver via provider mailhub)',
    answers: { ...MS, relayhost: '[mail.isp.tld]' },
    lines: ['relayhost = [mail.isp.tld]'],
  },
  {
    doc: 'BASIC "What trouble to report to the postmaster": postmaster: you, root: you',
    answers: { ...MS, postmaster: 'you' },
    facts: { users: { you: true } },
    lines: ['notify_classes = resource, software'],
    files: { '/etc/aliases': ['postmaster: you', 'root: you'] },
  },
  {
    doc: 'BASIC "Proxy/NAT external network addresses": proxy_interfaces = 1.2.3.4, on a backup MX behind NAT',
    answers: { ...BASE_BMX, relay_domains: ['example.org'], relay_recipients: ['@example.org'] },
    lines: ['proxy_interfaces = 1.2.3.4'],
  },
  {
    doc: 'BASIC "My own hostname": myhostname = host.local.domain (machine name is not FQDN), given only mydomain',
    answers: { ...MS, mydomain: 'local.domain' },
    host: hostOn('host', [addr('eth0', '192.168.10.5', 24, '192.168.10.0/24', 'private')]),
    lines: ['mydomain = local.domain'],
    effective: { myhostname: 'host.local.domain' },
  },
  {
    doc: 'BASIC "My own hostname": myhostname = host.virtual.domain (virtual interface)',
    answers: { ...MS, myhostname: 'host.virtual.domain' },
    lines: ['myhostname = host.virtual.domain'],
    effective: { mydomain: 'virtual.domain' },
  },
  {
    doc: 'BASIC "My own hostname": myhostname = virtual.domain (virtual interface)',
    answers: { ...MS, myhostname: 'virtual.domain' },
    lines: ['myhostname = virtual.domain'],
    // Postfix alone would derive "domain"; mailsetup writes the domain the name is.
    effective: { mydomain: 'virtual.domain' },
  },
  {
    doc: 'BASIC "My own domain name": mydomain = virtual.domain (virtual interface)',
    answers: { ...MS, myhostname: 'mail.virtual.domain', mydomain: 'virtual.domain' },
    lines: ['mydomain = virtual.domain'],
  },
  {
    doc: 'BASIC "My own network addresses": inet_interfaces = virtual.host.tld (virtual Postfix)',
    answers: { ...MS, inet_interfaces: 'virtual.host.tld' },
    facts: { names: { 'virtual.host.tld': ['192.168.10.5'] } },
    lines: ['inet_interfaces = virtual.host.tld'],
    checkAs: { inet_interfaces: 'localhost' },
  },
  {
    doc: 'BASIC "My own network addresses": inet_interfaces = $myhostname localhost (non-virtual Postfix)',
    answers: { ...MS, inet_interfaces: '$myhostname localhost' },
    facts: { names: { 'mx.example.com': ['192.168.10.5'], localhost: ['127.0.0.1'] } },
    lines: ['inet_interfaces = $myhostname localhost'],
    effective: { inet_interfaces: 'mx.example.com localhost' },
    checkAs: { inet_interfaces: 'localhost' },
  },
  // ---- STANDARD_CONFIGURATION_README
  {
    doc: 'STANDARD "Postfix on a stand-alone Internet host", alternative 1: relay mail from no other host',
    answers: { ...MS, mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'], mynetworks_style: 'host' },
    lines: ['mynetworks_style = host', 'relay_domains ='],
  },
  {
    doc: 'STANDARD "Postfix on a stand-alone Internet host", alternative 2: relay mail from local clients only',
    answers: { ...MS, mynetworks: ['192.168.1.0/28'], inet_protocols: 'ipv4' },
    host: hostOn('mx.example.com', [addr('eth0', '192.168.1.2', 28, '192.168.1.0/28', 'private')]),
    lines: ['mynetworks = 192.168.1.0/28', 'relay_domains ='],
  },
  {
    doc: 'STANDARD "Postfix on a null client" (local delivery off through an empty mydestination: roles.md)',
    answers: {
      role: 'null-client',
      myhostname: 'nullclient.example.com',
      relayhost: '$mydomain',
      postmaster: 'admin@example.com',
    },
    lines: ['myorigin = $mydomain', 'relayhost = $mydomain', 'inet_interfaces = loopback-only'],
    effective: { mydestination: '', relayhost: 'example.com' },
  },
  {
    doc: 'STANDARD "Postfix on a local network": the non-mailhost configuration',
    answers: {
      ...MS,
      myhostname: 'host.example.com',
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      mynetworks: ['127.0.0.0/8', '10.0.0.0/24'],
      relayhost: '$mydomain',
      inet_protocols: 'ipv4',
    },
    host: LAN('host.example.com'),
    lines: ['myorigin = $mydomain', 'mynetworks = 127.0.0.0/8 10.0.0.0/24', 'relay_domains =', 'relayhost = $mydomain'],
  },
  {
    doc: 'STANDARD "Postfix on a local network": the mailhost, with aliases to preferred machines',
    answers: {
      ...MS,
      myhostname: 'mailhost.example.com',
      mynetworks: ['127.0.0.0/8', '10.0.0.0/24'],
      relayhost: '[firewall.example.com]',
      inet_protocols: 'ipv4',
      aliases: { joe: 'joe@joes.preferred.machine', jane: 'jane@janes.preferred.machine' },
    },
    host: LAN('mailhost.example.com'),
    lines: [
      'myorigin = $mydomain',
      'mydestination = $myhostname localhost.$mydomain localhost $mydomain',
      'mynetworks = 127.0.0.0/8 10.0.0.0/24',
      'relay_domains =',
      'relayhost = [firewall.example.com]',
    ],
    files: { '/etc/aliases': ['joe: joe@joes.preferred.machine', 'jane: jane@janes.preferred.machine'] },
  },
  {
    doc: 'STANDARD "Postfix email firewall/gateway" (its public inside network needs the override)',
    answers: {
      role: 'firewall-relay',
      myhostname: 'firewall.example.com',
      myorigin: 'example.com',
      relay_domains: ['example.com'],
      mynetworks: ['127.0.0.0/8', '12.34.56.0/24'],
      transport: { 'example.com': 'smtp:[inside-gateway.example.com]' },
      relay_recipients: ['user1@example.com', 'user2@example.com'],
      virtual: { abuse: 'abuse@example.com' },
      postmaster: 'postmaster@example.com',
      smtpd_recipient_restrictions: ['reject_unknown_sender_domain', 'reject_rbl_client zen.spamhaus.org'],
      inet_protocols: 'ipv4',
      overrides: ['mynetworks-public'],
    },
    host: hostOn('firewall.example.com', [addr('eth0', '12.34.56.1', 24, '12.34.56.0/24', 'public')]),
    lines: [
      'myorigin = example.com',
      'mydestination =',
      'local_recipient_maps =',
      'local_transport = error:local mail delivery is disabled',
      'virtual_alias_maps = hash:/etc/postfix/virtual',
      'mynetworks = 127.0.0.0/8 12.34.56.0/24',
      'relay_domains = example.com',
      'parent_domain_matches_subdomains = debug_peer_list smtpd_access_maps',
      'smtpd_recipient_restrictions = reject_unknown_sender_domain, reject_rbl_client zen.spamhaus.org',
      'relay_recipient_maps = hash:/etc/postfix/relay_recipients',
      'transport_maps = hash:/etc/postfix/transport',
    ],
    findings: ['mynetworks-public'],
    files: {
      '/etc/postfix/virtual': ['postmaster postmaster@example.com', 'abuse abuse@example.com'],
      '/etc/postfix/relay_recipients': ['user1@example.com x', 'user2@example.com x'],
      '/etc/postfix/transport': ['example.com smtp:[inside-gateway.example.com]'],
      '/etc/postfix/master.cf': ['#local     unix  -       n       n       -       -       local'],
    },
  },
  {
    doc: 'STANDARD "Delivering some but not all accounts locally": root root@localhost',
    answers: {
      ...MS,
      myhostname: 'host.example.com',
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      mynetworks: ['127.0.0.0/8', '10.0.0.0/24'],
      relayhost: '$mydomain',
      virtual: { root: 'root@localhost' },
      inet_protocols: 'ipv4',
    },
    host: LAN('host.example.com'),
    lines: ['virtual_alias_maps = hash:/etc/postfix/virtual'],
    files: { '/etc/postfix/virtual': ['root root@localhost'] },
  },
  {
    doc: 'STANDARD "Running Postfix behind a firewall": intranet direct, the rest to the gateway, fallback_relay',
    answers: {
      ...MS,
      myhostname: 'host.example.com',
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      mynetworks: ['127.0.0.0/8', '10.0.0.0/24'],
      transport: { 'example.com': ':', '.example.com': ':', '*': 'smtp:[gateway.example.com]' },
      fallback_relay: ['[gateway.example.com]'],
      inet_protocols: 'ipv4',
    },
    host: LAN('host.example.com'),
    lines: ['transport_maps = hash:/etc/postfix/transport', 'relayhost =', 'fallback_relay = [gateway.example.com]'],
    files: {
      '/etc/postfix/transport': ['example.com :', '.example.com :', '* smtp:[gateway.example.com]'],
    },
  },
  {
    doc: 'STANDARD "Configuring Postfix as primary or backup MX host for a remote site": secondary MX',
    answers: {
      ...BASE_BMX,
      relay_domains: ['$mydestination', 'the.backed-up.domain.tld'],
      relay_recipients: ['user1@the.backed-up.domain.tld', 'user2@the.backed-up.domain.tld'],
      smtpd_recipient_restrictions: ['reject_unknown_sender_domain'],
    },
    lines: [
      'relay_domains = $mydestination the.backed-up.domain.tld',
      'smtpd_recipient_restrictions = reject_unknown_sender_domain',
      'proxy_interfaces = 1.2.3.4',
      'relay_recipient_maps = hash:/etc/postfix/relay_recipients',
    ],
    files: {
      '/etc/postfix/relay_recipients': ['user1@the.backed-up.domain.tld x', 'user2@the.backed-up.domain.tld x'],
    },
  },
  {
    doc: 'STANDARD "Configuring Postfix as primary or backup MX host for a remote site": primary MX',
    answers: {
      ...BASE_BMX,
      relay_domains: ['the.backed-up.domain.tld'],
      relay_recipients: ['user1@the.backed-up.domain.tld'],
      transport: { 'the.backed-up.domain.tld': 'relay:[their.mail.host.tld]' },
    },
    lines: ['transport_maps = hash:/etc/postfix/transport'],
    files: { '/etc/postfix/transport': ['the.backed-up.domain.tld relay:[their.mail.host.tld]'] },
  },
  {
    doc: 'STANDARD "Postfix on a dialup machine" (disable_dns_lookups = yes is smtp_dns_support_level = disabled)',
    answers: {
      role: 'null-client',
      relayhost: '[smtprelay.someprovider.com]',
      postmaster: 'me@someprovider.com',
      defer_transports: ['smtp'],
      smtp_dns_support_level: 'disabled',
    },
    lines: ['relayhost = [smtprelay.someprovider.com]', 'defer_transports = smtp', 'smtp_dns_support_level = disabled'],
    findings: ['dialup'],
  },
  {
    doc: 'STANDARD "Postfix on hosts without a real Internet hostname", solution 1: smtp_generic_maps',
    answers: {
      role: 'null-client',
      myhostname: 'box.localdomain.local',
      relayhost: '[smtp.hisisp.example]',
      postmaster: 'hisaccount@hisisp.example',
      smtp_generic_maps: {
        'his@localdomain.local': 'hisaccount@hisisp.example',
        'her@localdomain.local': 'heraccount@herisp.example',
        '@localdomain.local': 'hisaccount+local@hisisp.example',
      },
    },
    lines: ['smtp_generic_maps = hash:/etc/postfix/generic'],
    files: {
      '/etc/postfix/generic': [
        'his@localdomain.local hisaccount@hisisp.example',
        'her@localdomain.local heraccount@herisp.example',
        '@localdomain.local hisaccount+local@hisisp.example',
      ],
    },
  },
  {
    doc: 'STANDARD "Postfix on hosts without a real Internet hostname", solution 2: a fantasy name',
    answers: { ...MS, myhostname: 'hostname.localdomain', mydomain: 'localdomain' },
    lines: ['myhostname = hostname.localdomain', 'mydomain = localdomain'],
    findings: ['no-real-name'],
  },
];

/** `postfix -c DIR check`, without blocking the worker (a long synchronous run starves vitest's RPC). */
function postfixCheck(dir: string): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('postfix', ['-c', dir, 'check'], { encoding: 'utf8' }, (error, _stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
    });
  });
}

/** "name = value" of the document or of postconf -n: the name and the value. */
function split(line: string): [string, string] {
  const i = line.indexOf('=');
  return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
}

// The recipes run concurrently (each test in a directory of its own): postfix check is mostly
// waiting for its dozens of postconf and find children.
describePostfix.concurrent('every recipe of the documents, read back by the real postconf and postfix check', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => cleanup(dir));

  function planOf(r: Recipe): Plan {
    const host = r.host ?? H;
    const answers = resolveForPlan(r.answers, host);
    const facts: PlanFacts = { ...NO_FACTS, ...r.facts };
    return plan({ answers, host, files: freshFiles(), templates: templates(), facts });
  }

  /** The recipe's main.cf and master.cf in DIR/<name>. */
  function write(r: Recipe, name: string): string {
    const p = planOf(r);
    const cfg = join(dir, name);
    mkdirSync(cfg, { recursive: true });
    const file = (path: string) => p.files.find((f) => f.path === path)?.after;
    writeFileSync(join(cfg, 'main.cf'), file('/etc/postfix/main.cf') ?? '');
    writeFileSync(
      join(cfg, 'master.cf'),
      file('/etc/postfix/master.cf') ?? freshFiles()['/etc/postfix/master.cf'] ?? '',
    );
    // These are finished files, not ones being edited: dated a minute back (helpers/settled.ts), so
    // Postfix does not wait for a main.cf written in the current second to settle, which took
    // most of this file's time.
    settle(join(cfg, 'main.cf'), join(cfg, 'master.cf'));
    return cfg;
  }

  RECIPES.forEach((r, n) => {
    it(`${r.doc}: postconf -n has the document's lines`, async () => {
      const p = planOf(r);
      expect(p.findings.map((f) => f.id)).toEqual(r.findings ?? []);
      expect(p.findings.filter((f) => f.level === 'error')).toEqual([]);
      const cfg = write(r, String(n));
      const out = await postconfAsync(cfg, ['-n']);
      expect(out.stderr).toBe('');
      const have = new Map(out.stdout.split('\n').filter(Boolean).map(split));
      for (const line of r.lines) {
        const [name, value] = split(line);
        expect({ name, value: splitList(have.get(name)) }).toEqual({ name, value: splitList(value) });
      }
      for (const [name, value] of Object.entries(r.effective ?? {})) {
        const x = await postconfAsync(cfg, ['-xh', name]);
        expect({ name, value: splitList(x.stdout) }).toEqual({ name, value: splitList(value) });
      }
      for (const [path, lines] of Object.entries(r.files ?? {})) {
        const text = p.files.find((f) => f.path === path)?.after ?? '';
        for (const l of lines) expect(text.split('\n'), path).toContain(l);
      }
    });

    it.skipIf(!AS_ROOT)(`${r.doc}: postfix check accepts it`, async () => {
      const cfg = write({ ...r, answers: { ...r.answers, ...r.checkAs } }, `${n}-check`);
      const check = await postfixCheck(cfg);
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  });
});
