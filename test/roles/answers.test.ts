/** The answers schema and every validation rule, with the exact messages users see. */
import { describe, expect, it } from 'vitest';
import { parseAnswersYaml } from '../../src/roles/answers.js';
import { resolveForPlan } from '../../src/plan/lint/index.js';
import { AnswersInvalid, resolveAnswers, withDefaults } from '../../src/roles/resolve.js';
import { questionsFor } from '../../src/roles/questions.js';
import { parseState, serializeState, emptyState } from '../../src/plan/state.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import { fakeHost } from '../helpers/host.js';

const host = fakeHost();

function problems(given: Partial<Answers> & { role: RoleId }, h = host): string[] {
  try {
    resolveForPlan(given, h);
  } catch (e) {
    if (e instanceof AnswersInvalid) return e.problems.map((p) => `${p.key}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('answers file schema', () => {
  it('parses the documented example', () => {
    const a = parseAnswersYaml(`
role: backup-mx
myhostname: mx2.example.com
mydomain: example.com
myorigin: $mydomain
relayhost: "[smtp.example.net]:587"
mynetworks: [127.0.0.0/8, "[::1]/128", 192.168.10.0/24]
relay_domains: [example.org]
transport: {example.org: "relay:[mx1.example.org]"}
relay_recipients: ["@example.org"]
proxy_interfaces: [203.0.113.5]
inet_interfaces: all
inet_protocols: all
notify_classes: [resource, software]
postmaster: admin@example.com
chroot: true
logging: syslog
`);
    expect(a).toEqual({
      role: 'backup-mx',
      myhostname: 'mx2.example.com',
      mydomain: 'example.com',
      myorigin: '$mydomain',
      relayhost: '[smtp.example.net]:587',
      mynetworks: ['127.0.0.0/8', '[::1]/128', '192.168.10.0/24'],
      relay_domains: ['example.org'],
      transport: { 'example.org': 'relay:[mx1.example.org]' },
      relay_recipients: ['@example.org'],
      proxy_interfaces: ['203.0.113.5'],
      inet_interfaces: 'all',
      inet_protocols: 'all',
      notify_classes: ['resource', 'software'],
      postmaster: 'admin@example.com',
      chroot: true,
      logging: 'syslog',
    });
  });

  it.each([
    ['role: mailserver\n', 'role: "mailserver" is not a role (null-client, mail-server, backup-mx, firewall-relay)'],
    ['myhostname: x\n', 'role: required (null-client, mail-server, backup-mx or firewall-relay)'],
    ['role: null-client\nrelay_host: x\n', 'relay_host: unknown key'],
    ['role: null-client\nchroot: maybe\n', 'chroot: expected true or false, got a string'],
    ['role: null-client\nmynetworks: {a: 1}\n', 'mynetworks: expected a list, got a mapping'],
    ['role: null-client\ntransport: [a]\n', 'transport: expected a mapping (domain: next hop), got a list'],
    ['role: null-client\nlogging: journald\n', 'logging: expected syslog or file, got "journald"'],
    ['role: null-client\nsmtp_sasl: {username: u}\n', 'smtp_sasl: give password or password_file'],
    [
      'role: null-client\nsmtp_sasl: {username: u, password: p, token: t}\n',
      'smtp_sasl.token: unknown key (expected username, password, password_file)',
    ],
    ['- role: null-client\n', 'the answers must be a mapping of keys to values, got a list'],
  ])('refuses %j: %s', (yaml, message) => {
    expect(() => parseAnswersYaml(yaml)).toThrow(message);
  });

  it('refuses YAML syntax errors and duplicate keys with the line', () => {
    expect(() => parseAnswersYaml('role: [\n')).toThrow(/^answers file is not valid YAML: /);
    expect(() => parseAnswersYaml('role: null-client\nrole: mail-server\n')).toThrow(/Map keys must be unique/);
  });

  it('accepts a list written as Postfix text', () => {
    expect(parseAnswersYaml('role: mail-server\nmynetworks: 127.0.0.0/8, 10.0.0.0/24\n').mynetworks).toEqual([
      '127.0.0.0/8',
      '10.0.0.0/24',
    ]);
  });
});

describe('answer validation (resolveAnswers)', () => {
  const NC = { role: 'null-client', relayhost: '[smtp.example.net]', postmaster: 'a@example.net' } as const;
  it.each<[Partial<Answers>, string]>([
    [{ myhostname: 'mail_1.example.com' }, 'myhostname: "mail_1.example.com" is not a valid host name'],
    [{ mydomain: 'example' }, 'mydomain: "example" is not a valid domain'],
    [{ relayhost: '[smtp.example.net]:99999' }, 'relayhost: "[smtp.example.net]:99999" is not a valid relay host'],
    [{ relayhost: 'a b' }, 'relayhost: "a b" is not a valid relay host'],
    [
      { postmaster: 'root' },
      'postmaster: "root" must be a full address (user@domain): this role delivers nothing locally',
    ],
    [{ postmaster: 'a@@b' }, 'postmaster: "a@@b" is not a valid email address'],
    [
      { inet_protocols: 'ipv5' },
      'inet_protocols: inet_protocols: "ipv5" is not a protocol (expected all, ipv4 or ipv6)',
    ],
    [{ notify_classes: ['bounce', 'spam'] }, 'notify_classes: notify_classes: "spam" is not an error class'],
    [{ overrides: ['everything'] }, 'overrides: "everything" is not an override'],
    [{ myorigin: 'example.com\nrelayhost = evil' }, 'myorigin: myorigin contains a control character'],
    [
      { smtp_sasl: { username: 'u:x', password: 'p w' } },
      'smtp_sasl: smtp_sasl.username: must not contain whitespace or ":"',
    ],
    // Postfix's tools fail on these when empty (postalias: "bad string length 0 < 1"), or cannot expand them.
    [{ myhostname: '' }, 'myhostname: cannot be empty'],
    [{ mydomain: '' }, 'mydomain: cannot be empty'],
    [{ myorigin: '' }, 'myorigin: cannot be empty'],
    [{ myorigin: '${mydomain' }, 'myorigin: "${mydomain" is not a valid domain name'],
    [{ inet_interfaces: '' }, 'inet_interfaces: cannot be empty'],
  ])('%j → %s', (extra, message) => {
    const p = problems({ ...NC, ...extra });
    expect(p).toHaveLength(1);
    expect(p[0].startsWith(message)).toBe(true);
  });

  it('a backup MX needs a full postmaster address; a mail server may name a local user', () => {
    expect(
      problems({
        role: 'backup-mx',
        relay_domains: ['example.org'],
        relay_recipients: ['@example.org'],
        postmaster: 'nobody',
      }),
    ).toEqual([
      'postmaster: "nobody" must be a full address (user@domain): here it would become nobody@$mydomain, which a backup MX does not deliver locally',
    ]);
    expect(problems({ role: 'mail-server', postmaster: 'alice' })).toEqual([]);
  });

  it('refuses host bits set in a network, naming the right network', () => {
    expect(problems({ role: 'mail-server', postmaster: 'a@example.com', mynetworks: ['192.168.1.5/24'] })[0]).toMatch(
      /^mynetworks: "192\.168\.1\.5\/24" is not a valid network address: .*192\.168\.1\.0\/24/,
    );
  });

  it('normalises IPv6 networks to the bracketed form Postfix wants', () => {
    const a = resolveAnswers(
      { role: 'mail-server', postmaster: 'a@example.com', mynetworks: ['127.0.0.0/8', '::1/128', '2001:DB8::/32'] },
      host,
    );
    expect(a.mynetworks).toEqual(['127.0.0.0/8', '[::1]/128', '[2001:db8::]/32']);
  });

  it('names every missing required answer', () => {
    expect(problems({ role: 'null-client' })).toEqual([
      'relayhost: required for a null client: the host all mail is sent through, e.g. [smtp.example.net]:587 (override null-client-direct to send directly)',
      'postmaster: required: the address of a person who reads mail for postmaster and root',
    ]);
    expect(problems({ role: 'firewall-relay', postmaster: 'p@example.com' })).toEqual([
      'transport: required: the inside mail host for each domain, e.g. example.com: relay:[mail.inside.example.com]',
    ]);
    expect(problems({ role: 'backup-mx', postmaster: 'p@example.com' })).toEqual([
      'relay_domains: required: the domain(s) this host is a backup MX for',
    ]);
  });

  it('refuses a transport without a next hop, and a login without a relay host', () => {
    expect(
      problems({ role: 'firewall-relay', postmaster: 'p@example.com', transport: { 'example.com': 'relay:' } }),
    ).toEqual(['transport: example.com: "relay:" names no next hop (write e.g. relay:[mail.example.com])']);
    expect(
      problems({ role: 'mail-server', postmaster: 'p@example.com', smtp_sasl: { username: 'u', password: 'p' } }),
    ).toEqual(['smtp_sasl: a smart host login needs a relayhost']);
  });

  it('derives defaults from the host: FQDN, domain, networks, protocols, logging', () => {
    const d = withDefaults({ role: 'mail-server' }, fakeHost({ ipv6DefaultRoute: false, rsyslog: false }));
    expect(d).toMatchObject({
      myhostname: 'mx.example.com',
      mydomain: 'example.com',
      myorigin: '$mydomain',
      inet_protocols: 'ipv4',
      mynetworks: ['127.0.0.0/8', '192.168.10.0/24'],
      logging: 'file',
      chroot: true,
    });
    expect(withDefaults({ role: 'mail-server', myhostname: 'a.b.example.org' }, host).mydomain).toBe('b.example.org');
    expect(withDefaults({ role: 'null-client' }, host)).toMatchObject({
      inet_interfaces: 'loopback-only',
      mynetworks: ['127.0.0.0/8', '[::1]/128'],
    });
    // IPv6 is used only where it works (a default route and a global address), as the header advises.
    const ulaOnly = fakeHost({ addresses: host.addresses.filter((a) => a.scope !== 'public') });
    expect(withDefaults({ role: 'null-client' }, ulaOnly)).toMatchObject({
      inet_interfaces: 'loopback-only',
      inet_protocols: 'ipv4',
      mynetworks: ['127.0.0.0/8'],
    });
  });

  it('a host whose name is no FQDN must be given one', () => {
    const bare = fakeHost({ fqdn: 'vm', hostname: 'vm' });
    expect(problems({ role: 'mail-server', postmaster: 'a@example.com' }, bare)[0]).toMatch(
      /^myhostname: "vm" is not a valid host name/,
    );
    expect(questionsFor('mail-server', bare)[0].origin).toBe(
      'hostname --fqdn says "vm", which is no full name: type one, e.g. mail.example.com',
    );
  });
});

describe('questions', () => {
  it('asks only what the role needs, with defaults, explanations and validation', () => {
    const qs = questionsFor('null-client', host);
    expect(qs.map((q) => q.key)).toEqual([
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
      'chroot',
      'logging',
    ]);
    const domain = qs.find((q) => q.key === 'mydomain');
    expect(domain?.default).toBe('example.com');
    expect(domain?.origin).toBe("the domain part of mx.example.com (this host's name)");
    const relay = qs.find((q) => q.key === 'relayhost');
    expect(relay?.optional).toBe(false);
    // The planner's own message for a missing required answer.
    expect(relay?.validate('')).toMatch(/^required/);
    expect(relay?.validate('[a.example.net]:587')).toBeNull();
    expect(relay?.validate('a,b')).toMatch(/is not a valid relay host/);
  });

  it('an empty host name, domain or origin is refused at its question, and ${mydomain too (the planner could not expand it)', () => {
    const qs = questionsFor('mail-server', host);
    const q = (k: string) => qs.find((x) => x.key === k);
    for (const k of ['myhostname', 'mydomain', 'myorigin', 'inet_interfaces', 'postmaster']) {
      expect(q(k)?.optional, k).toBe(false);
      expect(q(k)?.validate(''), k).not.toBeNull();
    }
    expect(q('myorigin')?.validate('${mydomain')).toMatch(/is not a valid domain name/);
    // …with Postfix's own reason (issue 16's $name check).
    expect(q('myorigin')?.validate('${mydomain')).toMatch(/Postfix cannot expand it: truncated macro reference/);
    for (const ok of ['$mydomain', '${mydomain}', '$(myhostname)', 'example.com'])
      expect(q('myorigin')?.validate(ok)).toBeNull();
    expect(q('relayhost')?.validate('')).toBeNull();
  });

  it('each default is what the question takes without an answer of its own: the domain follows the host name', () => {
    const qs = questionsFor('mail-server', host, {}, null, { myhostname: 'mx.other.net' });
    expect(qs.find((q) => q.key === 'myhostname')?.default).toBe('mx.example.com');
    expect(qs.find((q) => q.key === 'mydomain')?.default).toBe('other.net');
    // Where the default comes from is said by its origin now (#18: the explanation is in plain words).
    expect(qs.find((q) => q.key === 'mydomain')?.origin).toBe(
      'the domain part of mx.other.net (the host name you gave)',
    );
    const answered = questionsFor('mail-server', host, {}, null, { myhostname: 'mx.other.net', mydomain: 'x.org' });
    expect(answered.find((q) => q.key === 'mydomain')?.default).toBe('other.net');
  });

  it('answers given beforehand (an answers file) are the defaults offered', () => {
    const qs = questionsFor('null-client', host, {}, null, {}, { relayhost: '[relay.example.org]:587' });
    expect(qs.find((q) => q.key === 'relayhost')?.default).toBe('[relay.example.org]:587');
    expect(qs.find((q) => q.key === 'relayhost')?.origin).toBe('the answers given (--answers)');
  });

  it('on a role change the questions both roles ask keep their current value; the others take the new role’s defaults', () => {
    const current = {
      role: 'null-client',
      relayhost: '[smtp.example.net]:587',
      inet_interfaces: 'loopback-only',
      myhostname: 'box1.example.com',
    };
    const qs = questionsFor('mail-server', host, current, 'null-client');
    expect(qs.find((q) => q.key === 'relayhost')?.default).toBe('[smtp.example.net]:587');
    expect(qs.find((q) => q.key === 'inet_interfaces')?.default).toBe('all');
    expect(qs.find((q) => q.key === 'myhostname')?.default).toBe('box1.example.com');
    // The planner (an answers file) keeps only the host's keys, so that a round trip gives the same files.
    expect(withDefaults({ role: 'mail-server' }, host, current, 'null-client').relayhost).toBe('');
  });

  it("a role change keeps what both roles ask only where it is not the old role's own default", () => {
    const ms = withDefaults({ role: 'mail-server', myhostname: 'mail.example.com' }, host);
    expect(ms.mydestination).toContain('$mydomain');
    const plain = questionsFor('backup-mx', host, { ...ms }, 'mail-server');
    expect(plain.find((q) => q.key === 'mydestination')?.default).toEqual(
      withDefaults({ role: 'backup-mx' }, host).mydestination,
    );
    expect(plain.find((q) => q.key === 'myhostname')?.default).toBe('mail.example.com');
    const typed = questionsFor(
      'backup-mx',
      host,
      { ...ms, mydestination: ['$myhostname', 'localhost', 'extra.example.com'] },
      'mail-server',
    );
    expect(typed.find((q) => q.key === 'mydestination')?.default).toEqual([
      '$myhostname',
      'localhost',
      'extra.example.com',
    ]);
  });

  it('on a re-run defaults to the current values of the same role', () => {
    const qs = questionsFor(
      'backup-mx',
      host,
      { role: 'backup-mx', relay_domains: ['example.org'], proxy_interfaces: ['203.0.113.5'] },
      'backup-mx',
    );
    expect(qs.find((q) => q.key === 'relay_domains')?.default).toEqual(['example.org']);
    expect(qs.find((q) => q.key === 'proxy_interfaces')?.default).toEqual(['203.0.113.5']);
  });
});

describe('state file', () => {
  it('never writes a password, and reads back what it wrote', () => {
    const s = emptyState({
      role: 'null-client',
      relayhost: '[smtp.example.net]:587',
      smtp_sasl: { username: 'u', password: 'hunter2' },
    });
    s.main.owned = { relayhost: '[smtp.example.net]:587' };
    s.main.previous = { relayhost: null };
    const text = serializeState(s);
    expect(text).not.toContain('hunter2');
    const back = parseState(text);
    expect(back.answers.smtp_sasl).toEqual({ username: 'u', password: '(secret)' });
    expect(back.main).toEqual(s.main);
    expect(serializeState(back)).toBe(text);
  });

  it('refuses a state file of another version or shape', () => {
    expect(() => parseState('version: 2\n')).toThrow('/etc/postfix/mailsetup.yaml: unknown version 2');
    expect(() => parseState('version: 1\nanswers: {role: x}\n')).toThrow(
      '/etc/postfix/mailsetup.yaml: answers: role: "x" is not a role',
    );
  });
});

describe('the chroot question', () => {
  const chroot = (recommendsChrootOff?: boolean) => {
    const base = fakeHost();
    const host = fakeHost({ postfix: { ...base.postfix, ...(recommendsChrootOff ? { recommendsChrootOff } : {}) } });
    const q = questionsFor('mail-server', host).find((x) => x.key === 'chroot');
    if (!q) throw new Error('no chroot question');
    return q;
  };

  it("says the package's advice, with the reason, only on releases that recommend postfix chroot off", () => {
    const advised = chroot(true);
    expect(advised.origin).toMatch(/README\.Debian strongly recommends no/);
    expect(advised.origin).toMatch(/overkill/);
    expect(advised.origin).toContain('postfix chroot off');
    expect(advised.help.join('\n')).toMatch(/README\.Debian strongly recommends turning it off/);
    const plain = chroot();
    expect(plain.origin).toBe('as Debian ships it');
    expect(plain.help.join('\n')).not.toContain('README.Debian');
    // The default stays what the package ships (chrooted): the advice informs, it does not decide.
    expect(advised.default).toBe(plain.default);
  });
});
