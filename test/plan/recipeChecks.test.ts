/**
 * The checks around the documents' recipes, with the messages users see: $name references
 * accepted where Postfix accepts them and checked expanded; mynetworks as the host's own address,
 * as a table or pattern file, as a style; the host's identity derived as Postfix does; the
 * warnings and refusals the documents give (each refusal quotes the document's reason).
 */
import { describe, expect, it } from 'vitest';
import { detect } from '../../src/plan/detect.js';
import { resolveForPlan } from '../../src/plan/lint/index.js';
import { plan } from '../../src/plan/plan.js';
import { parseAnswersYaml } from '../../src/roles/answers.js';
import { AnswersInvalid } from '../../src/roles/resolve.js';
import { questionsFor } from '../../src/roles/questions.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { HostFacts } from '../../src/model/host.js';
import { NO_FACTS, type Finding, type Plan, type PlanFacts } from '../../src/model/plan.js';
import { STATE_PATH } from '../../src/model/paths.js';
import { afterPlan, fakeHost, freshFiles, templates } from '../helpers/host.js';

/** A LAN host: private addresses only (the default fake host also has a public IPv6 address). */
const host = fakeHost({ addresses: fakeHost().addresses.filter((a) => a.scope !== 'public') });
const T = templates();

type Given = Partial<Answers> & { role: RoleId };

function problems(given: Given, h: HostFacts = host): string[] {
  try {
    resolveForPlan(given, h);
  } catch (e) {
    if (e instanceof AnswersInvalid) return e.problems.map((p) => `${p.key}: ${p.message}`);
    throw e;
  }
  return [];
}

interface Env {
  host?: HostFacts;
  files?: Record<string, string | null>;
  facts?: Partial<PlanFacts>;
}

function planOf(given: Given, env: Env = {}): Plan {
  const h = env.host ?? host;
  const files = env.files ?? freshFiles();
  const d = detect(files);
  const answers = resolveForPlan(given, h, d.answers, d.role);
  return plan({ answers, host: h, files, templates: T, facts: { ...NO_FACTS, ...env.facts } });
}

function findings(given: Given, env: Env = {}): Finding[] {
  return planOf(given, env).findings;
}

const ids = (f: Finding[]) => f.map((x) => x.id);
const mainOf = (p: Plan) => p.files.find((f) => f.path === '/etc/postfix/main.cf')?.after ?? '';

const MS: Given = { role: 'mail-server', postmaster: 'alice@example.com' };
const NC: Given = { role: 'null-client', relayhost: '[smtp.example.net]', postmaster: 'a@example.net' };
const BMX: Given = {
  role: 'backup-mx',
  relay_domains: ['example.org'],
  relay_recipients: ['@example.org'],
  postmaster: 'a@example.com',
  proxy_interfaces: ['203.0.113.5'],
};
const FW: Given = {
  role: 'firewall-relay',
  myhostname: 'gw.example.com',
  transport: { 'example.com': 'relay:[mail.inside.example.com]' },
  relay_recipients: ['@example.com'],
  postmaster: 'postmaster@example.com',
};
/** A LAN host that is not the mail host: final destination for its own names only, all mail to the mailhost. */
const LAN: Given = {
  ...MS,
  mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
  relayhost: '$mydomain',
};

const PUBLIC = fakeHost({
  addresses: [
    ...host.addresses,
    { iface: 'eth1', family: 4, address: '203.0.113.7', prefix: 24, network: '203.0.113.0/24', scope: 'public' },
  ],
});

describe('$name references', () => {
  it('are accepted where Postfix accepts them, written as given and shown expanded in the preview', () => {
    const p = planOf({ ...LAN, relayhost: '[mail.$mydomain]' });
    expect(mainOf(p)).toMatch(/^relayhost = \[mail\.\$mydomain\]$/m);
    expect(p.params.find((x) => x.name === 'relayhost')).toMatchObject({
      after: '[mail.$mydomain]',
      afterExpanded: '[mail.example.com]',
    });
    expect(p.findings).toEqual([]);
    const gw = planOf({ ...FW, relay_domains: ['$mydomain'] });
    expect(mainOf(gw)).toMatch(/^relay_domains = \$mydomain$/m);
    expect(gw.params.find((x) => x.name === 'relay_domains')?.afterExpanded).toBe('example.com');
    expect(gw.findings).toEqual([]);
  });

  it('are checked expanded: an unknown name, a broken expression, a loop, an expanded value that is invalid', () => {
    expect(problems({ ...MS, relayhost: '$mydomian' })).toEqual([
      'relayhost: "$mydomian": $mydomian is not a host name; a relay host may name $mydomain, $myhostname or $mydestination',
    ]);
    expect(problems({ ...MS, relayhost: '[mail.${mydomain]' })[0]).toMatch(
      /^relayhost: "\[mail\.\$\{mydomain\]" cannot be expanded: /,
    );
    expect(problems({ ...MS, mydestination: ['localhost', '$mydestination'] })[0]).toMatch(
      /^mydestination: ".*" cannot be expanded: parameter expansion loop/,
    );
    expect(problems({ ...MS, mydomain: 'example.com', relayhost: '[$mydomain]:99999' })[0]).toMatch(
      /^relayhost: "\[example\.com\]:99999" is not a valid relay host: port 99999 is out of range/,
    );
    expect(problems({ ...MS, mydestination: ['$myhostname', 'www_.$mydomain'] })).toEqual([
      'mydestination: in "www_.$mydomain": "www_.example.com" is not a valid host name: label "www_" contains "_"',
    ]);
  });

  it("$mydestination in relay_domains relays the local domains' subdomains: no conflict (the backup MX recipe)", () => {
    const p = planOf({ ...BMX, relay_domains: ['$mydestination', 'example.org'] });
    expect(p.findings).toEqual([]);
  });

  it('$mydomain in relay_domains is refused with the existing rules where mydestination has it', () => {
    const f = findings({
      ...BMX,
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost', '$mydomain'],
      relay_domains: ['$mydomain'],
    });
    expect(f.map((x) => [x.id, x.level])).toEqual([
      ['domain-local-and-relay', 'error'],
      ['relay-own-domain', 'error'],
    ]);
    expect(f[0].message).toBe(
      'example.com ($mydomain) is in both mydestination and relay_domains: mail for it would be delivered locally, ' +
        'never relayed (STANDARD_CONFIGURATION_README, "Configuring Postfix as primary or backup MX host for a remote ' +
        'site": "Do not list the.backed-up.domain.tld in mydestination.")',
    );
  });
});

describe('mynetworks', () => {
  it("this host's own address alone (/32, /128) is the host itself, not a public range", () => {
    expect(findings({ ...MS, mynetworks: ['127.0.0.0/8', '203.0.113.7/32'] }, { host: PUBLIC })).toEqual([]);
    expect(ids(findings({ ...MS, mynetworks: ['127.0.0.0/8', '203.0.113.8/32'] }, { host: PUBLIC }))).toEqual([
      'mynetworks-public',
    ]);
  });

  it('a pattern file or table is accepted as Postfix reads it, and checked: exists, valid lines, networks judged', () => {
    expect(problems({ ...MS, mynetworks: ['/etc/postfix/network_table'] })).toEqual([]);
    expect(problems({ ...MS, mynetworks: ['hash:/etc/postfix/network_table'] })).toEqual([]);
    expect(problems({ ...MS, mynetworks: ['hash:network_table'] })).toEqual([
      'mynetworks: "hash:network_table" is not a valid lookup table: hash: needs an absolute path, e.g. hash:/etc/postfix/network_table',
    ]);
    const file = { ...MS, mynetworks: ['127.0.0.0/8', '/etc/postfix/network_table'] };
    expect(findings(file, { facts: { files: { '/etc/postfix/network_table': null } } })).toEqual([
      {
        id: 'table-file',
        level: 'error',
        message:
          'mynetworks: /etc/postfix/network_table: /etc/postfix/network_table does not exist: Postfix stops with ' +
          '"open /etc/postfix/network_table: No such file or directory"',
      },
    ]);
    const bad = findings(file, {
      facts: {
        files: { '/etc/postfix/network_table': '# trusted\n192.168.10.0/24\n192.168.10.7/24 junk\n198.51.100.0/24\n' },
      },
    });
    expect(bad.map((x) => x.message)).toEqual([
      'mynetworks contains the public range 198.51.100.0/24 (listed in /etc/postfix/network_table): every client in ' +
        'it may relay through this host (BASIC_CONFIGURATION_README, "What clients to relay mail from": "IMPORTANT: ' +
        'If your machine is connected to a wide area network then your default mynetworks setting may be too friendly.")',
      'mynetworks: /etc/postfix/network_table line 3: not a network address (CIDR) or address',
      'mynetworks: /etc/postfix/network_table line 3: not a network address (CIDR) or address',
    ]);
    // The messages never repeat a line of the file (it is whatever the answers named, read as root).
    expect(bad.some((x) => x.message.includes('junk'))).toBe(false);
  });

  it('an indexed table needs its database, a supported type, and keys that can match a client address', () => {
    const t = { ...MS, mynetworks: ['127.0.0.0/8', 'hash:/etc/postfix/network_table'] };
    const files = { '/etc/postfix/network_table': '192.168.10.9 x\n192.168.10.0/24 x\n' };
    expect(
      findings(t, { facts: { files, databases: { '/etc/postfix/network_table.db': false }, mapTypes: ['hash'] } }).map(
        (x) => x.message,
      ),
    ).toEqual([
      'mynetworks: /etc/postfix/network_table line 2: a network with a prefix length never matches in a hash: table, ' +
        'which is looked up with the client address alone (use a cidr: table)',
      'mynetworks: hash:/etc/postfix/network_table: /etc/postfix/network_table.db does not exist: run "postmap ' +
        'hash:/etc/postfix/network_table" after editing /etc/postfix/network_table (BASIC_CONFIGURATION_README, "What ' +
        'clients to relay mail from": "IMPORTANT: If your machine is connected to a wide area network then your ' +
        'default mynetworks setting may be too friendly.")',
    ]);
    expect(
      findings(
        { ...MS, mynetworks: ['127.0.0.0/8', 'lmdb:/etc/postfix/network_table'] },
        { facts: { files, mapTypes: ['hash', 'cidr'] } },
      ).map((x) => x.message),
    ).toEqual([
      'mynetworks: lmdb:/etc/postfix/network_table: Postfix here does not support lmdb: tables (postconf -m): install postfix-lmdb',
    ]);
    expect(
      findings(
        { ...MS, mynetworks: ['127.0.0.0/8', 'cidr:/etc/postfix/network.cidr'] },
        { facts: { files: { '/etc/postfix/network.cidr': '192.168.10.0/24 OK\n0.0.0.0/0 OK\n' }, mapTypes: ['cidr'] } },
      ).map((x) => x.id),
    ).toEqual(['mynetworks-public']);
  });

  it('mynetworks_style: written as the style, judged by what it expands to on this host', () => {
    const p = planOf({ ...MS, mynetworks_style: 'host' });
    expect(mainOf(p)).toMatch(/^mynetworks_style = host$/m);
    expect(mainOf(p)).not.toMatch(/^mynetworks =/m);
    expect(p.findings).toEqual([]);
    expect(findings({ ...MS, mynetworks_style: 'subnet' })).toEqual([]);
    // 192.168.10.5 is in class C: its class network is its own /24.
    expect(findings({ ...MS, mynetworks_style: 'class' })).toEqual([]);
    const ten = fakeHost({
      addresses: [
        { iface: 'lo', family: 4, address: '127.0.0.1', prefix: 8, network: '127.0.0.0/8', scope: 'loopback' },
        { iface: 'eth0', family: 4, address: '10.1.2.3', prefix: 24, network: '10.1.2.0/24', scope: 'private' },
      ],
    });
    expect(findings({ ...MS, mynetworks_style: 'class', inet_protocols: 'ipv4' }, { host: ten })).toEqual([
      {
        id: 'mynetworks-wide',
        level: 'error',
        override: 'mynetworks-wide',
        message:
          "mynetworks contains 10.0.0.0/8 (from mynetworks_style = class), wider than this host's own subnets " +
          '(10.1.2.0/24) (BASIC_CONFIGURATION_README, "What clients to relay mail from": "Don\'t do ' +
          'this with a dialup site - it would cause Postfix to "trust" your entire provider\'s network.")',
      },
    ]);
    expect(ids(findings({ ...MS, mynetworks_style: 'subnet' }, { host: PUBLIC }))).toEqual(['mynetworks-style']);
    expect(findings({ ...MS, mynetworks_style: 'host' }, { host: PUBLIC })).toEqual([]);
  });

  it('mynetworks_style and mynetworks are one choice: both refused, the given one wins over a carried one', () => {
    expect(problems({ ...MS, mynetworks_style: 'host', mynetworks: ['127.0.0.0/8'] })).toEqual([
      'mynetworks_style: give mynetworks or mynetworks_style, not both (BASIC_CONFIGURATION_README, "What clients ' +
        'to relay mail from": "Alternatively, you can specify the mynetworks list by hand, in which case Postfix ' +
        'ignores the mynetworks_style setting.")',
    ]);
    const styled = afterPlan(freshFiles(), planOf({ ...MS, mynetworks_style: 'host' }));
    const listed = planOf({ role: 'mail-server', mynetworks: ['127.0.0.0/8'] }, { files: styled });
    expect(mainOf(listed)).toMatch(/^mynetworks = 127\.0\.0\.0\/8$/m);
    expect(mainOf(listed)).not.toMatch(/^mynetworks_style/m);
    const files = freshFiles();
    files['/etc/postfix/main.cf'] = 'mynetworks = 10.0.0.0/8\n';
    expect(ids(findings({ ...MS, mynetworks_style: 'host' }, { files }))).toEqual([
      'mynetworks-foreign',
      'mynetworks-style-ignored',
    ]);
  });
});

describe('host identity', () => {
  it('given only mydomain on a host whose name has no dot, myhostname is name.mydomain, as Postfix builds it', () => {
    const vm = fakeHost({ fqdn: 'vm', hostname: 'vm' });
    const a = resolveForPlan({ ...MS, mydomain: 'example.com' }, vm);
    expect([a.myhostname, a.mydomain]).toEqual(['vm.example.com', 'example.com']);
    expect(problems(MS, vm)[0]).toBe(
      'myhostname: "vm" is not a valid host name: it needs at least one dot (a fully qualified name such as ' +
        '"mail.example.com") (it is this host\'s name, from hostname --fqdn: give myhostname, or mydomain and ' +
        'Postfix uses vm.<mydomain> (BASIC_CONFIGURATION_README, "My own hostname": "Alternatively, if you specify ' +
        'mydomain in main.cf, then Postfix will use its value to generate a fully-qualified default value for the ' +
        'myhostname parameter."))',
    );
  });

  it('myhostname = virtual.domain is its own domain; a fantasy domain is accepted with what it means', () => {
    expect(resolveForPlan({ ...MS, myhostname: 'virtual.domain' }, host).mydomain).toBe('virtual.domain');
    expect(
      questionsFor('mail-server', host, { myhostname: 'virtual.domain' }).find((q) => q.key === 'mydomain')?.origin,
    ).toBe('virtual.domain has two labels: it is the domain itself (Postfix alone would take "domain")');
    const f = findings({ ...MS, myhostname: 'hostname.localdomain', mydomain: 'localdomain' });
    expect(f.map((x) => [x.id, x.level])).toEqual([['no-real-name', 'warning']]);
    expect(f[0].message).toBe(
      'myhostname = hostname.localdomain, mydomain = localdomain is no name other mail servers know, and mail ' +
        'leaves as user@localdomain: map the senders to real addresses with smtp_generic_maps, or relay through a ' +
        'host that rewrites them (STANDARD_CONFIGURATION_README, "Postfix on hosts without a real Internet hostname": ' +
        '"you cannot use a fantasy hostname in your email address when sending mail into the Internet, because ' +
        'no-one would be able to reply to your mail.")',
    );
    expect(ids(findings({ ...MS, myhostname: 'localhost.localdomain' }))).toEqual(['no-real-name']);
    expect(problems({ ...MS, mydomain: 'example' })[0]).toMatch(
      /^mydomain: "example" is not a valid domain name: it needs at least one dot .*\(a host without a real Internet name may use localdomain/,
    );
  });

  it('root@localhost: accepted where mail is delivered here (with a warning), refused with the reason where not', () => {
    expect(ids(findings({ ...MS, postmaster: 'root@localhost' }))).toEqual(['no-real-name']);
    expect(problems({ ...NC, postmaster: 'root@localhost' })).toEqual([
      'postmaster: "root@localhost" would be delivered here, and this role delivers nothing locally ' +
        '(STANDARD_CONFIGURATION_README, "Postfix on a null client": "A null client is a machine that can only ' +
        'send mail. It receives no mail from the network, and it does not deliver any mail locally.")',
    ]);
  });

  it('a trailing dot is refused with the reason Postfix gives', () => {
    expect(problems({ ...MS, myhostname: 'mail.example.com.' })).toEqual([
      'myhostname: "mail.example.com." ends with "." (the form of DNS zone files): Postfix refuses it in main.cf ' +
        '("valid_hostname: misplaced delimiter"); write mail.example.com',
    ]);
    expect(problems({ ...FW, relay_domains: ['example.com.'] })[0]).toMatch(
      /^relay_domains: "example\.com\." ends with "\."/,
    );
  });
});

describe('the warnings and refusals of the documents', () => {
  it('a backed-up domain in virtual_alias_domains or virtual_mailbox_domains', () => {
    const files = freshFiles();
    files['/etc/postfix/main.cf'] = 'virtual_alias_domains = example.org\n';
    const f = findings(BMX, { files });
    expect(f).toEqual([
      {
        id: 'relay-virtual-domain',
        level: 'error',
        message:
          'example.org is in both relay_domains and virtual_alias_domains (main.cf): Postfix treats it as its own ' +
          'virtual domain and rejects the recipients it does not know instead of queueing them for the primary ' +
          '(STANDARD_CONFIGURATION_README, "Configuring Postfix as primary or backup MX host for a remote site": ' +
          '"Do not list the.backed-up.domain.tld in virtual_alias_domains.")',
      },
    ]);
    files['/etc/postfix/main.cf'] = 'virtual_mailbox_domains = example.org\n';
    expect(findings(BMX, { files })[0].message).toContain('virtual_mailbox_domains');
  });

  it("relayhost = $mydomain on the domain's own mail server loops; on a LAN host it is the mailhub", () => {
    expect(findings({ ...MS, relayhost: '$mydomain' })).toEqual([
      {
        id: 'mail-loop',
        level: 'error',
        message:
          'relayhost example.com looks up the MX hosts of example.com, a domain this host is the final destination ' +
          'for (mydestination): that is this host, and mail for other domains would loop back to myself ' +
          '(STANDARD_CONFIGURATION_README, "Postfix on a local network": "Line 10: This is needed only when the ' +
          'mailhost has to forward non-local mail via a mail server on a firewall. The [] forces Postfix to do no MX ' +
          'record lookups.")',
      },
    ]);
    expect(findings(LAN)).toEqual([]);
    expect(
      findings({ ...MS, relayhost: 'relay.example.net' }, { facts: { relayhostMx: ['mx.example.com'] } }).map((x) => [
        x.id,
        x.message.split(':')[0],
      ]),
    ).toEqual([['mail-loop', 'relayhost relay.example.net']]);
  });

  it('a gateway listening on some of its addresses sends from them (smtp(8) source address)', () => {
    const f = findings({ ...FW, inet_interfaces: '192.168.10.5' });
    expect(f.map((x) => x.id)).toEqual(['inet-interfaces-source']);
    expect(f[0].message).toMatch(
      /^inet_interfaces = 192\.168\.10\.5 leaves out fd00::5 \(eth0\): .*"the smtp\(8\) delivery agent will also use the specified interface address/,
    );
  });

  it('logging: syslog where no syslog daemon listens is refused; Postfix then logs to its own file', () => {
    const bare = fakeHost({ rsyslog: false });
    expect(problems({ ...MS, logging: 'syslog' }, bare)[0]).toBe(
      'logging: no syslog daemon here (rsyslog is not installed): the chrooted Postfix daemons log to ' +
        "/var/spool/postfix/dev/log and nothing listens there; answer logging: file (Postfix's own maillog_file, " +
        'rotated by logrotate) (BASIC_CONFIGURATION_README, "Run Postfix daemons in chroot (the seed)": "in almost ' +
        'any case, you will need to configure syslogd so that it listens to the socket inside the Postfix queue ' +
        'directory.")',
    );
    // Without chroot, journald (systemd) receives /dev/log.
    expect(problems({ ...MS, logging: 'syslog', chroot: false }, bare)).toEqual([]);
    expect(
      problems({ ...MS, logging: 'syslog', chroot: false }, fakeHost({ rsyslog: false, systemd: false }))[0],
    ).toMatch(/^logging: no syslog daemon here \(rsyslog is not installed\); answer logging: file/);
    expect(resolveForPlan(MS, bare).logging).toBe('file');
  });

  it('an interface name in inet_interfaces is refused, naming its addresses', () => {
    expect(problems({ ...MS, inet_interfaces: 'eth0' })).toEqual([
      'inet_interfaces: "eth0" is the name of a network interface, not an address: inet_interfaces wants its ' +
        'addresses (192.168.10.5, fd00::5) or host names (BASIC_CONFIGURATION_README, "My own network addresses": ' +
        '"The inet_interfaces parameter specifies all network interface addresses that the Postfix system should ' +
        'listen on")',
    ]);
  });

  it('a transport that master.cf does not define', () => {
    expect(findings({ ...FW, transport: { 'example.com': 'foo:[mail.inside.example.com]' } })).toEqual([
      {
        id: 'transport-unknown',
        level: 'error',
        override: 'transport-unknown',
        message:
          'transport for example.com is foo:[mail.inside.example.com]: master.cf has no service foo, so mail for ' +
          'example.com would stay in the queue',
      },
    ]);
    expect(ids(findings({ ...NC, defer_transports: ['smpt'] }))).toEqual(['transport-unknown']);
  });

  it('host:587 without brackets: an MX lookup on the submission port', () => {
    const f = findings({ ...MS, relayhost: 'smtp.example.net:587' });
    expect(f.map((x) => x.id)).toEqual(['mx-lookup-port']);
    expect(f[0].message).toBe(
      'relayhost smtp.example.net:587 has no brackets: Postfix looks up the MX hosts of smtp.example.net and sends ' +
        'to them on port 587, not to smtp.example.net itself; write [smtp.example.net]:587 ' +
        '(BASIC_CONFIGURATION_README, "What delivery method: direct or indirect": "The form enclosed with [] ' +
        'eliminates DNS MX lookups.")',
    );
    expect(ids(findings({ ...MS, relayhost: '[smtp.example.net]:587' }))).toEqual([]);
  });

  it('proxy_interfaces and inet_interfaces names that do not resolve stop Postfix', () => {
    const f = findings(
      { ...BMX, proxy_interfaces: ['nat.example.org'] },
      { facts: { names: { 'nat.example.org': [] } } },
    );
    expect(f).toEqual([
      {
        id: 'interface-name',
        level: 'error',
        message:
          'proxy_interfaces: "nat.example.org" does not resolve to an address: Postfix stops at start ("host not ' +
          'found: nat.example.org"); give the address, or add the name to /etc/hosts',
      },
    ]);
    expect(
      findings(
        { ...BMX, proxy_interfaces: ['nat.example.org'] },
        { facts: { names: { 'nat.example.org': ['203.0.113.5'] } } },
      ),
    ).toEqual([]);
  });

  it('a bare local user who does not exist (postmaster: you) unless an alias of that name exists', () => {
    const f = findings({ ...MS, postmaster: 'you' }, { facts: { users: { you: false } } });
    expect(f).toEqual([
      {
        id: 'local-user-unknown',
        level: 'error',
        override: 'local-user-unknown',
        message:
          'postmaster: "you" is neither a user of this host (getent passwd) nor an alias: its mail would bounce; ' +
          'create the user first, or give an address (BASIC_CONFIGURATION_README, "What trouble to report to the ' +
          'postmaster": "You should set up a postmaster alias in the aliases(5) table that directs mail to a human ' +
          'person.")',
      },
    ]);
    expect(findings({ ...MS, postmaster: 'you' }, { facts: { users: { you: true } } })).toEqual([]);
    expect(
      findings({ ...MS, postmaster: 'you', aliases: { you: 'you@example.net' } }, { facts: { users: { you: false } } }),
    ).toEqual([]);
    expect(
      findings({ ...MS, postmaster: 'you', overrides: ['local-user-unknown'] }, { facts: { users: { you: false } } })[0]
        .level,
    ).toBe('warning');
  });
});

describe('the other recipes', () => {
  it('extra aliases (STANDARD: joe: joe@joes.preferred.machine), only where mail is delivered here', () => {
    const p = planOf({ ...MS, aliases: { joe: 'joe@joes.preferred.machine', ops: 'alice, bob@example.net' } });
    const aliases = p.files.find((f) => f.path === '/etc/aliases')?.after ?? '';
    expect(aliases).toContain('joe: joe@joes.preferred.machine\n');
    expect(aliases).toContain('ops: alice, bob@example.net\n');
    expect(problems({ ...MS, aliases: { root: 'x@example.com' } })).toEqual([
      'aliases: root: its alias comes from the postmaster answer (the address of a person)',
    ]);
    expect(problems({ ...MS, aliases: { joe: '|/bin/sh -c id' } })).toEqual([
      'aliases: joe: "|/bin/sh -c id" is a command, a file, an include or a quoted name: give an address',
    ]);
    expect(problems({ ...NC, aliases: { joe: 'joe@example.net' } })[0]).toMatch(
      new RegExp(
        '^aliases: /etc/aliases is read only by local delivery, which this role does not do: use virtual ' +
          '\\(STANDARD_CONFIGURATION_README, "Postfix on a null client"',
      ),
    );
    expect(problems({ ...FW, aliases: { joe: 'joe@example.net' } })[0]).toMatch(
      /"Postfix email firewall\/gateway": "This first part gets rid of local mail delivery on the firewall/,
    );
  });

  it("virtual entries: root root@localhost on a LAN host; the gateway's abuse address as the document has it", () => {
    const lan = planOf({ ...LAN, virtual: { root: 'root@localhost' } });
    expect(lan.files.find((f) => f.path === '/etc/postfix/virtual')?.after).toMatch(/\nroot root@localhost\n$/);
    expect(mainOf(lan)).toMatch(/^virtual_alias_maps = hash:\/etc\/postfix\/virtual$/m);
    const gw = planOf({ ...FW, virtual: { abuse: 'abuse@example.com' } });
    expect(gw.files.find((f) => f.path === '/etc/postfix/virtual')?.after).toMatch(
      /\npostmaster postmaster@example\.com\nroot postmaster@example\.com\nabuse abuse@example\.com\n$/,
    );
    expect(problems({ ...NC, virtual: { www: 'root@localhost' } })[0]).toMatch(
      /^virtual: www: "root@localhost" would be delivered here, and this role delivers nothing locally/,
    );
    expect(problems({ ...NC, virtual: { root: 'x@example.net' } })).toEqual([
      'virtual: root: comes from the postmaster answer',
    ]);
  });

  it('the spam rules (smtpd_recipient_restrictions): one restriction per item, checked, tables checked', () => {
    const p = planOf({
      ...FW,
      smtpd_recipient_restrictions: ['reject_unknown_sender_domain', 'reject_rbl_client', 'zen.spamhaus.org'],
    });
    expect(mainOf(p)).toMatch(
      /^smtpd_recipient_restrictions = reject_unknown_sender_domain, reject_rbl_client zen\.spamhaus\.org$/m,
    );
    expect(p.answers.smtpd_recipient_restrictions).toEqual([
      'reject_unknown_sender_domain',
      'reject_rbl_client zen.spamhaus.org',
    ]);
    expect(problems({ ...FW, smtpd_recipient_restrictions: ['reject_spam'] })[0]).toMatch(
      /^smtpd_recipient_restrictions: smtpd restrictions: "reject_spam" is not an smtpd restriction mailsetup knows/,
    );
    expect(problems({ ...FW, smtpd_recipient_restrictions: ['check_client_access'] })).toEqual([
      'smtpd_recipient_restrictions: smtpd restrictions: check_client_access needs a lookup table, e.g. hash:/etc/postfix/access',
    ]);
    expect(
      findings(
        { ...FW, smtpd_recipient_restrictions: ['check_client_access hash:/etc/postfix/access'] },
        { facts: { files: { '/etc/postfix/access': null } } },
      ).map((x) => x.id),
    ).toEqual(['table-file']);
  });

  it('fallback_relay, defer_transports and no DNS lookups for a dial-up host', () => {
    const p = planOf({
      ...NC,
      fallback_relay: ['[gw.example.net]', 'backup.example.net:2525'],
      defer_transports: ['smtp'],
      smtp_dns_support_level: 'disabled',
    });
    expect(mainOf(p)).toMatch(/^fallback_relay = \[gw\.example\.net\], backup\.example\.net:2525$/m);
    expect(mainOf(p)).toMatch(/^defer_transports = smtp$/m);
    expect(mainOf(p)).toMatch(/^smtp_dns_support_level = disabled$/m);
    expect(p.findings.map((x) => x.id)).toEqual(['mx-lookup-port', 'dialup']);
    expect(findings({ ...MS, smtp_dns_support_level: 'disabled' }).map((x) => x.message)).toEqual([
      'smtp_dns_support_level = disabled without a relayhost: Postfix finds no MX records and sends mail for other ' +
        'domains to the address of the domain name itself: give a relayhost (STANDARD_CONFIGURATION_README, ' +
        '"Postfix on a dialup machine": "It\'s better to give the mail to a machine that is connected all the time.")',
    ]);
    expect(() => parseAnswersYaml('role: null-client\ndisable_dns_lookups: yes\n')).toThrow(
      'disable_dns_lookups: deprecated since Postfix 3.9: write smtp_dns_support_level: disabled',
    );
    expect(problems({ ...NC, smtp_dns_support_level: 'off' })).toEqual([
      'smtp_dns_support_level: smtp_dns_support_level: "off" is not a level (expected enabled, disabled or dnssec)',
    ]);
  });

  it('smtp_generic_maps for a host without a real name', () => {
    const p = planOf({ ...NC, smtp_generic_maps: { '@localdomain.local': 'me+local@isp.example' } });
    expect(mainOf(p)).toMatch(/^smtp_generic_maps = hash:\/etc\/postfix\/generic$/m);
    expect(p.files.find((f) => f.path === '/etc/postfix/generic')?.after).toMatch(
      /\n@localdomain\.local me\+local@isp\.example\n$/,
    );
    expect(p.actions[0]).toEqual({ kind: 'postmap', map: 'hash:/etc/postfix/generic', path: '/etc/postfix/generic' });
    expect(problems({ ...NC, smtp_generic_maps: { 'his@localdomain.local': 'his@localhost' } })[0]).toMatch(
      /^smtp_generic_maps: his@localdomain\.local: "his@localhost" is not a valid email address/,
    );
  });

  it('the answers file takes every new key with the types the README gives', () => {
    const a = parseAnswersYaml(`
role: mail-server
mydestination: $myhostname localhost.$mydomain localhost
mynetworks_style: host
fallback_relay: ["[gateway.example.com]"]
aliases: {joe: joe@joes.preferred.machine}
virtual: {root: root@localhost}
smtp_generic_maps: {"@localdomain.local": me@isp.example}
smtpd_recipient_restrictions: [reject_unknown_sender_domain, reject_rbl_client zen.spamhaus.org]
defer_transports: smtp
smtp_dns_support_level: disabled
`);
    expect(a).toEqual({
      role: 'mail-server',
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      mynetworks_style: 'host',
      fallback_relay: ['[gateway.example.com]'],
      aliases: { joe: 'joe@joes.preferred.machine' },
      virtual: { root: 'root@localhost' },
      smtp_generic_maps: { '@localdomain.local': 'me@isp.example' },
      smtpd_recipient_restrictions: ['reject_unknown_sender_domain', 'reject_rbl_client zen.spamhaus.org'],
      defer_transports: ['smtp'],
      smtp_dns_support_level: 'disabled',
    });
    expect(() => parseAnswersYaml('role: mail-server\naliases: [joe]\n')).toThrow(
      'aliases: expected a mapping (name: address), got a list',
    );
  });
});

describe('re-runs and recognition', () => {
  it('a LAN host round-trips: the state file keeps the new answers, a re-run changes nothing', () => {
    const given: Given = {
      ...LAN,
      aliases: { joe: 'joe@joes.preferred.machine' },
      virtual: { root: 'root@localhost' },
      fallback_relay: ['[gw.example.com]'],
      smtpd_recipient_restrictions: ['reject_unknown_sender_domain'],
    };
    const files = afterPlan(freshFiles(), planOf(given));
    const d = detect(files);
    expect(d.source).toBe('state');
    expect(d.answers).toMatchObject({
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      relayhost: '$mydomain',
      aliases: { joe: 'joe@joes.preferred.machine' },
      virtual: { root: 'root@localhost' },
    });
    const again = planOf({ role: 'mail-server' }, { files });
    expect(again.files).toEqual([]);
    // Back to the domain's mail server: the extra alias and the virtual map go, the rest stays as Debian had it.
    const server = planOf({ ...MS, mydestination: undefined, relayhost: '', aliases: {}, virtual: {} }, { files });
    const after = afterPlan(files, server);
    expect(after['/etc/aliases']).not.toContain('joe:');
    expect(after['/etc/postfix/virtual']).toBeNull();
  });

  it('recognises the new parameters from main.cf alone (no state file)', () => {
    const files = afterPlan(
      freshFiles(),
      planOf({
        ...LAN,
        mynetworks: undefined,
        mynetworks_style: 'subnet',
        fallback_relay: ['[gw.example.com]'],
        defer_transports: ['smtp'],
        smtp_dns_support_level: 'disabled',
        smtpd_recipient_restrictions: ['reject_rbl_client zen.spamhaus.org'],
        smtp_generic_maps: { '@localdomain.local': 'me@isp.example' },
      }),
    );
    files[STATE_PATH] = null;
    const d = detect(files);
    expect(d.answers).toMatchObject({
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      mynetworks_style: 'subnet',
      fallback_relay: ['[gw.example.com]'],
      defer_transports: ['smtp'],
      smtp_dns_support_level: 'disabled',
      smtpd_recipient_restrictions: ['reject_rbl_client zen.spamhaus.org'],
      smtp_generic_maps: { '@localdomain.local': 'me@isp.example' },
    });
  });
});

describe('questions', () => {
  it('ask the new knobs, hide the mynetworks list when a style is chosen, and check $names in context', () => {
    const keys = questionsFor('mail-server', host).map((q) => q.key);
    expect(keys.slice(0, 6)).toEqual([
      'myhostname',
      'mydomain',
      'myorigin',
      'mydestination',
      'mynetworks_style',
      'mynetworks',
    ]);
    expect(questionsFor('mail-server', host).find((q) => q.key === 'mydestination')?.default).toEqual([
      '$myhostname',
      'localhost.$mydomain',
      'localhost',
      '$mydomain',
    ]);
    // questionsFor(role, host, current, currentRole, typed, answers file) since issue 12: a style
    // typed in the wizard, given in the answers file, or kept from the last run hides the list.
    const keysWith = (current: Partial<Answers>, currentRole: RoleId | null, typed: Partial<Answers>, preset = {}) =>
      questionsFor('mail-server', host, current, currentRole, typed, preset).map((q) => q.key);
    expect(keysWith({}, null, { mynetworks_style: 'host' })).not.toContain('mynetworks');
    expect(keysWith({}, null, {}, { mynetworks_style: 'subnet' })).not.toContain('mynetworks');
    expect(keysWith({ mynetworks_style: 'host' }, 'mail-server', {})).not.toContain('mynetworks');
    expect(keysWith({}, null, { mynetworks_style: '' })).toContain('mynetworks');
    // Typed back to no style, the list is asked again though the answers file or the last run chose one.
    expect(keysWith({ mynetworks_style: 'host' }, 'mail-server', { mynetworks_style: '' })).toContain('mynetworks');
    expect(keysWith({}, null, { mynetworks_style: '' }, { mynetworks_style: 'host' })).toContain('mynetworks');
    const relay = questionsFor('mail-server', host).find((q) => q.key === 'relayhost');
    expect(relay?.validate('[mail.$mydomain]')).toBeNull();
    expect(relay?.validate('$mydomian')).toMatch(/\$mydomian is not a host name/);
    const aliases = questionsFor('mail-server', host).find((q) => q.key === 'aliases');
    expect(aliases?.kind).toBe('map');
    expect(aliases?.validate({ joe: 'joe@joes.preferred.machine' })).toBeNull();
    expect(questionsFor('backup-mx', host).find((q) => q.key === 'mydestination')?.default).toEqual([
      '$myhostname',
      'localhost.$mydomain',
      'localhost',
    ]);
    expect(questionsFor('null-client', host).map((q) => q.key)).not.toContain('mydestination');
  });
});
