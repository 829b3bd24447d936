/**
 * The questions in the user's words: plain language first and the Postfix name second, a longer
 * help for every question of every role, defaults whose origin stays true as earlier answers
 * change, and the short path (what the role needs) versus the advanced questions.
 */
import { describe, expect, it } from 'vitest';
import type { Answers } from '../../src/model/answers.js';
import type { HostAddress } from '../../src/model/host.js';
import { ROLE_IDS, roleModule } from '../../src/roles/index.js';
import { questionsFor } from '../../src/roles/questions.js';
import { ipv6Status } from '../../src/system/probes.js';
import { fakeHost } from '../helpers/host.js';

/** A host whose IPv6 does not reach the Internet (a route, but only a ULA address): IPv4 is the default. */
const host = fakeHost({ addresses: fakeHost().addresses.filter((a) => a.scope !== 'public') });
const lo: HostAddress[] = host.addresses.filter((a) => a.scope === 'loopback');
const addr = (iface: string, family: 4 | 6, address: string, network: string, scope: HostAddress['scope']) =>
  ({ iface, family, address, prefix: family === 4 ? 24 : 64, network, scope }) satisfies HostAddress;

function question(
  role: string,
  key: string,
  ...rest: Parameters<typeof questionsFor> extends [unknown, unknown, ...infer R] ? R : never
) {
  const q = questionsFor(role, host, ...rest).find((x) => x.key === key);
  if (q === undefined) throw new Error(`${role} asks no ${key}`);
  return q;
}

describe('every question of every role', () => {
  it.each(ROLE_IDS)('%s: plain words first, the Postfix name apart, one line, an origin and a help', (role) => {
    for (const q of questionsFor(role, host)) {
      // The label is a phrase for a new admin: no Postfix name, no $variable, no brackets.
      expect(q.label, q.key).not.toMatch(/[$()[\]_]/);
      expect(q.label.length, q.key).toBeGreaterThan(10);
      expect(q.param, q.key).not.toBe('');
      expect(q.explain, q.key).not.toBe('');
      expect(q.origin, q.key).not.toBe('');
      // What it does, when to change it / the README's advice, and where the manual describes it.
      expect(q.help.length, q.key).toBeGreaterThanOrEqual(2);
      expect(q.help[q.help.length - 1], q.key).toMatch(/^More: .*https:\/\/www\.postfix\.org\//);
      for (const p of q.help) expect(p.length, `${q.key}: ${p}`).toBeGreaterThan(20);
    }
  });

  it('the help cites BASIC_CONFIGURATION_README where it advises on the parameter', () => {
    for (const key of ['myhostname', 'mydomain', 'myorigin', 'relayhost', 'mynetworks', 'postmaster', 'chroot']) {
      const help = question('mail-server', key).help.join('\n');
      expect(help, key).toContain('BASIC_CONFIGURATION_README: ');
    }
    expect(question('backup-mx', 'proxy_interfaces').help.join('\n')).toContain(
      'you must specify your proxy/NAT external addresses when your system is a backup MX host',
    );
    expect(question('mail-server', 'myhostname').help.at(-1)).toBe(
      'More: man 5 postconf, "myhostname"; https://www.postfix.org/postconf.5.html#myhostname',
    );
  });

  it("a role's own wording comes first: the null client's relay host", () => {
    const q = question('null-client', 'relayhost');
    expect(q.label).toBe('Send all mail through which server?');
    expect(q.param).toBe('relayhost');
    expect(q.origin).toBe('none: give the server this host sends through');
    expect(q.help[0]).toMatch(/^A null client delivers nothing itself/);
    expect(question('mail-server', 'relayhost').origin).toBe('none: deliver directly');
  });
});

describe('defaults and their origin', () => {
  it('the domain follows the host name given a moment ago, and says so', () => {
    const fresh = question('null-client', 'mydomain');
    expect(fresh.default).toBe('example.com');
    expect(fresh.origin).toBe("the domain part of mx.example.com (this host's name)");
    const typed = question('null-client', 'mydomain', {}, null, { myhostname: 'mx.other.net' });
    expect(typed.default).toBe('other.net');
    expect(typed.origin).toBe('the domain part of mx.other.net (the host name you gave)');
    // The gateway's inside domain follows the domain in turn.
    const fw = question('firewall-relay', 'relay_domains', {}, null, { myhostname: 'gw.inside.example' });
    expect(fw.default).toEqual(['inside.example']);
    expect(fw.origin).toBe('your mail domain (inside.example)');
  });

  it("a question's default is never its own earlier answer: the origin and the default agree", () => {
    const q = question('null-client', 'myhostname', {}, null, { myhostname: 'box1.example.com' });
    expect(q.default).toBe('mx.example.com');
    expect(q.origin).toBe("this host's name (hostname --fqdn says mx.example.com)");
  });

  it('on a re-run the current value is the default, and the origin says so', () => {
    const current: Partial<Answers> = {
      role: 'backup-mx',
      myhostname: 'mx2.example.com',
      relay_domains: ['example.org'],
    };
    const domains = question('backup-mx', 'relay_domains', current, 'backup-mx');
    expect(domains.default).toEqual(['example.org']);
    expect(domains.origin).toBe('the current value');
    // A value the current configuration shares with the derivation keeps the derivation's words.
    const origin = question('backup-mx', 'myorigin', current, 'backup-mx');
    expect(origin.default).toBe('$mydomain');
    expect(origin.origin).toBe('recommended: $mydomain, that is example.com');
  });

  it('networks name the subnets they come from, for the IP versions in use', () => {
    const q = question('mail-server', 'mynetworks');
    expect(q.default).toEqual(['127.0.0.0/8', '192.168.10.0/24']);
    expect(q.origin).toBe('this host (loopback) and its private subnets: eth0 192.168.10.0/24');
    const both = question('mail-server', 'mynetworks', {}, null, { inet_protocols: 'all' });
    expect(both.default).toEqual(['127.0.0.0/8', '[::1]/128', '192.168.10.0/24', '[fd00::]/64']);
    expect(both.origin).toBe('this host (loopback) and its private subnets: eth0 192.168.10.0/24, eth0 [fd00::]/64');
    expect(question('backup-mx', 'mynetworks').origin).toBe('this host only (loopback)');
  });

  it("inet_protocols' default agrees with the header's IPv6 advice on every kind of host", () => {
    const hosts = {
      'route and a global address': fakeHost({
        ipv6DefaultRoute: true,
        addresses: [...lo, addr('eth0', 6, '2001:db8::5', '[2001:db8::]/64', 'public')],
      }),
      'route, ULA only': fakeHost({
        ipv6DefaultRoute: true,
        addresses: [...lo, addr('eth0', 6, 'fd00::5', '[fd00::]/64', 'private')],
      }),
      'no route': fakeHost({
        ipv6DefaultRoute: false,
        addresses: [...lo, addr('eth0', 6, '2001:db8::5', '[2001:db8::]/64', 'public')],
      }),
    };
    for (const [what, h] of Object.entries(hosts)) {
      const q = questionsFor('mail-server', h).find((x) => x.key === 'inet_protocols');
      const advice = ipv6Status(h).advice;
      expect(q?.default, what).toBe(advice === null ? 'all' : 'ipv4');
      if (advice !== null) expect(advice, what).toMatch(/use inet_protocols = ipv4/);
      expect(q?.origin, what).toMatch(advice === null ? /working IPv6/ : /ipv4 avoids/);
    }
  });
});

describe('the short path: only what the role needs', () => {
  const basic = (role: string, h = host) =>
    questionsFor(role, h)
      .filter((q) => !q.advanced)
      .map((q) => q.key);

  const public4 = fakeHost({ addresses: [...lo, addr('eth0', 4, '192.0.2.2', '192.0.2.0/24', 'public')] });

  it('asks 2 to 5 questions by default instead of 10 to 15', () => {
    expect(basic('null-client', public4)).toEqual(['myhostname', 'relayhost', 'smtp_sasl', 'postmaster']);
    expect(basic('mail-server', public4)).toEqual(['myhostname', 'postmaster']);
    expect(basic('backup-mx', public4)).toEqual([
      'myhostname',
      'relay_domains',
      'transport',
      'relay_recipients',
      'postmaster',
    ]);
    expect(basic('firewall-relay', public4)).toEqual([
      'myhostname',
      'relay_domains',
      'transport',
      'relay_recipients',
      'postmaster',
    ]);
    for (const role of ROLE_IDS) expect(questionsFor(role, host).length).toBeGreaterThan(basic(role).length + 4);
  });

  it('asks more where the default does not fit: a host name without a dot; an MX behind NAT', () => {
    // mydomain of "vm" would be "localdomain", which no mail server accepts.
    expect(basic('mail-server', fakeHost({ fqdn: 'vm', hostname: 'vm', addresses: public4.addresses }))).toEqual([
      'myhostname',
      'mydomain',
      'postmaster',
    ]);
    const natted = fakeHost(); // only private IPv4 addresses
    expect(basic('backup-mx', natted)).toContain('proxy_interfaces');
    expect(basic('mail-server', natted)).toContain('proxy_interfaces');
    expect(basic('backup-mx', public4)).not.toContain('proxy_interfaces');
    expect(basic('firewall-relay', natted)).not.toContain('proxy_interfaces'); // not an MX of its own
  });

  it('every key a role requires is asked when it has no default', () => {
    for (const role of ROLE_IDS) {
      const qs = questionsFor(role, host);
      for (const key of roleModule(role).required) {
        const q = qs.find((x) => x.key === key);
        if (q !== undefined && q.validate(q.default) !== null) expect(q.advanced, `${role} ${key}`).toBe(false);
      }
    }
  });
});
