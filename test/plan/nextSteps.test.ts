/**
 * The next steps, worked out without a machine: which records each role needs, judged against
 * what DNS said (ok, missing, differs, no answer, not looked up), the zone-file lines, the
 * network and the other servers, outbound connections, a test message and the log.
 */
import { describe, expect, it } from 'vitest';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { HostAddress, HostFacts } from '../../src/model/host.js';
import type { DnsAnswers } from '../../src/model/nextSteps.js';
import { nextStepQueries, nextSteps, outboundTarget } from '../../src/plan/nextSteps.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { fakeHost } from '../helpers/host.js';

const lo = fakeHost().addresses.filter((a) => a.scope === 'loopback');
const pub: HostAddress[] = [
  { iface: 'eth0', family: 4, address: '192.0.2.2', prefix: 24, network: '192.0.2.0/24', scope: 'public' },
  { iface: 'eth0', family: 6, address: '2001:db8::2', prefix: 64, network: '[2001:db8::]/64', scope: 'public' },
];
/** A host on the Internet: a public IPv4 and IPv6 address. */
const host: HostFacts = fakeHost({ fqdn: 'mail.example.com', hostname: 'mail', addresses: [...lo, ...pub] });
/** A host behind NAT. */
const natted: HostFacts = fakeHost({ fqdn: 'mx2.example.com', hostname: 'mx2' });

const GIVEN: Record<RoleId, Partial<Answers> & { role: RoleId }> = {
  'null-client': { role: 'null-client', relayhost: '[smtp.example.net]:587', postmaster: 'admin@example.net' },
  'mail-server': { role: 'mail-server', postmaster: 'alice@example.com' },
  'backup-mx': {
    role: 'backup-mx',
    myhostname: 'mx2.example.com',
    relay_domains: ['example.org'],
    relay_recipients: ['@example.org'],
    postmaster: 'admin@example.com',
  },
  'firewall-relay': {
    role: 'firewall-relay',
    myhostname: 'gw.example.com',
    transport: { 'example.com': 'relay:[10.0.0.5]' },
    relay_recipients: ['@example.com'],
    postmaster: 'postmaster@example.com',
  },
};

function steps(role: RoleId, dns: DnsAnswers | null, h: HostFacts = host, extra: Partial<Answers> = {}) {
  const a = resolveAnswers({ ...GIVEN[role], ...extra }, h);
  return nextSteps(a, h, { dns, outbound: null, ...(dns === null ? { notLookedUp: 'not looked up: sandbox' } : {}) });
}

const verdicts = (n: ReturnType<typeof steps>) => Object.fromEntries(n.records.map((r) => [r.what, r.verdict]));

describe('a domain mail server', () => {
  const good: DnsAnswers = {
    'A mail.example.com': ['192.0.2.2'],
    'AAAA mail.example.com': ['2001:db8::2'],
    'MX example.com': ['10 mail.example.com'],
    'PTR 192.0.2.2': ['mail.example.com'],
    'PTR 2001:db8::2': ['mail.example.com'],
    'TXT example.com': ['google-site-verification=abc', 'v=spf1 mx -all'],
    'TXT _dmarc.example.com': ['v=DMARC1; p=reject'],
  };

  it('looks up A/AAAA of its name, the MX of its domain, the PTR of each address, SPF and DMARC', () => {
    const a = resolveAnswers(GIVEN['mail-server'], host);
    expect(nextStepQueries(a, host).map((q) => `${q.type} ${q.name}`)).toEqual(Object.keys(good));
  });

  it('all there: every record ok, nothing to add', () => {
    const n = steps('mail-server', good);
    expect(verdicts(n)).toEqual({
      'A of mail.example.com': 'ok',
      'AAAA of mail.example.com': 'ok',
      'MX of example.com': 'ok',
      'PTR of 192.0.2.2': 'ok',
      'PTR of 2001:db8::2': 'ok',
      'SPF of example.com': 'ok',
      'DMARC of example.com': 'ok',
    });
    expect(n.zone).toEqual([]);
    expect(n.notLookedUp).toBeUndefined();
  });

  it('nothing there: each record missing, with the exact zone-file line to add', () => {
    const n = steps('mail-server', Object.fromEntries(Object.keys(good).map((k) => [k, []])));
    expect(new Set(Object.values(verdicts(n)))).toEqual(new Set(['missing']));
    expect(n.zone).toEqual([
      'mail.example.com. IN A 192.0.2.2',
      'mail.example.com. IN AAAA 2001:db8::2',
      'example.com. IN MX 10 mail.example.com.',
      '2.2.0.192.in-addr.arpa. IN PTR mail.example.com.',
      '2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. IN PTR mail.example.com.',
      'example.com. IN TXT "v=spf1 mx -all"',
      '_dmarc.example.com. IN TXT "v=DMARC1; p=none; rua=mailto:alice@example.com"',
    ]);
  });

  it('something else there: differs (with what is there); a failed lookup: no answer', () => {
    const n = steps('mail-server', {
      ...good,
      'MX example.com': ['10 mx.provider.example'],
      'PTR 192.0.2.2': ['static-2.provider.example'],
      'TXT example.com': ['v=spf1 include:_spf.provider.example -all'],
      'TXT _dmarc.example.com': { error: 'no answer within 3 s' },
    });
    const spf = n.records.find((r) => r.what === 'SPF of example.com');
    expect(spf).toEqual({
      what: 'SPF of example.com',
      want: 'v=spf1 mx -all',
      now: 'v=spf1 include:_spf.provider.example -all',
      verdict: 'differs',
      note: 'make sure it allows mail.example.com',
    });
    expect(verdicts(n)).toMatchObject({
      'MX of example.com': 'differs',
      'PTR of 192.0.2.2': 'differs',
      'DMARC of example.com': 'no answer',
    });
    expect(n.records.find((r) => r.what === 'MX of example.com')?.now).toBe('10 mx.provider.example');
    expect(n.zone).toContain('example.com. IN MX 10 mail.example.com.');
    expect(n.zone).not.toContain('mail.example.com. IN A 192.0.2.2');
  });

  it('port 25 from outside, DKIM said, a test from another host, the log', () => {
    const n = steps('mail-server', good);
    expect(n.outside).toEqual([
      "Let TCP port 25 in from anywhere: this host's firewall and your provider's (security group).",
      'DKIM: mailsetup does not sign mail. Large providers want SPF or DKIM to pass for the sender domain; add a ' +
        'signer (OpenDKIM) if this host sends much mail.',
    ]);
    expect(n.test).toEqual([
      {
        command: 'sendmail -bv postmaster@example.com',
        what: 'Postfix says where mail to postmaster@example.com goes, without sending it; the report goes to root (the postmaster)',
      },
      {
        command: 'swaks --server mail.example.com --to postmaster@example.com --from you@another.example',
        what: 'from another host on the Internet: "250" means mail.example.com takes the mail',
      },
    ]);
    expect(n.log).toBe('tail -f /var/log/mail.log');
    expect(steps('mail-server', good, host, { logging: 'file' }).log).toBe('tail -f /var/log/postfix.log');
    // Without rsyslog, syslog is journald's, which the chrooted daemons reach only without the chroot.
    expect(
      steps('mail-server', good, fakeHost({ ...host, rsyslog: false }), { logging: 'syslog', chroot: false }).log,
    ).toBe('journalctl -f SYSLOG_FACILITY=2');
  });

  it('IPv4 only: no AAAA and no IPv6 PTR wanted', () => {
    const a = resolveAnswers({ ...GIVEN['mail-server'], inet_protocols: 'ipv4' }, host);
    expect(nextStepQueries(a, host).map((q) => `${q.type} ${q.name}`)).not.toContain('AAAA mail.example.com');
    expect(nextStepQueries(a, host).map((q) => `${q.type} ${q.name}`)).not.toContain('PTR 2001:db8::2');
  });
});

describe('a backup MX', () => {
  const base: DnsAnswers = { 'A mx2.example.com': ['203.0.113.7'] };
  const mx = (records: string[] | []) =>
    verdicts(steps('backup-mx', { ...base, 'MX example.org': records }, natted, { proxy_interfaces: ['203.0.113.7'] }));

  it('must be among the MX hosts with a higher number than the primary', () => {
    expect(mx(['10 mx1.example.org', '20 mx2.example.com'])['MX of example.org']).toBe('ok');
    expect(mx(['10 mx2.example.com', '20 mx1.example.org'])['MX of example.org']).toBe('differs');
    expect(mx(['10 mx2.example.com'])['MX of example.org']).toBe('differs');
    expect(mx(['10 mx1.example.org'])['MX of example.org']).toBe('differs');
    expect(mx([])['MX of example.org']).toBe('missing');
    const first = steps(
      'backup-mx',
      { ...base, 'MX example.org': ['10 mx2.example.com', '20 mx1.example.org'] },
      natted,
      {
        proxy_interfaces: ['203.0.113.7'],
      },
    );
    expect(first.records.find((r) => r.what === 'MX of example.org')?.note).toBe(
      'mx2.example.com must have a higher number than the primary, or mail goes to the backup first',
    );
    expect(first.zone).toContain('example.org. IN MX 20 mx2.example.com.');
  });

  it('behind NAT: the public address is proxy_interfaces; port 25 forwarded; the primary accepts it; no SPF of its own', () => {
    const n = steps('backup-mx', null, natted, { proxy_interfaces: ['203.0.113.7'] });
    expect(n.records.map((r) => r.what)).toEqual([
      'A of mx2.example.com',
      'AAAA of mx2.example.com',
      'MX of example.org',
      'PTR of 203.0.113.7',
      'PTR of 2001:db8::5',
    ]);
    expect(n.records[0].want).toBe('203.0.113.7');
    expect(n.outside).toEqual([
      'Forward TCP port 25 of 203.0.113.7 to 192.168.10.5 port 25 on the NAT router, and allow it in every firewall on the way.',
      'The primary of example.org must accept mail from mx2.example.com (exempt it from greylisting, SPF and blocklist ' +
        'checks), and the valid recipients here must follow its mailboxes.',
    ]);
    expect(n.test[1].command).toBe(
      'swaks --server mx2.example.com --to postmaster@example.org --from you@another.example',
    );
  });

  it('behind NAT without proxy_interfaces: the public address is unknown, and said so', () => {
    const n = steps(
      'backup-mx',
      { 'A mx2.example.com': ['198.51.100.9'] },
      fakeHost({ ...natted, addresses: natted.addresses.filter((x) => x.scope !== 'public') }),
    );
    expect(n.records[0]).toMatchObject({
      what: 'A of mx2.example.com',
      want: 'your public IPv4 address (this host is behind NAT)',
      verdict: 'ok',
    });
    expect(n.outside[0]).toBe(
      'Forward TCP port 25 of your public address to 192.168.10.5 port 25 on the NAT router, and allow it in every firewall on the way.',
    );
  });
});

describe('a gateway and a null client', () => {
  it('the gateway is the MX of the inside domain; the inside server must accept its mail', () => {
    const n = steps('firewall-relay', null, host);
    expect(n.records.map((r) => r.what)).toContain('MX of example.com');
    expect(n.zone).toContain('example.com. IN MX 10 gw.example.com.');
    expect(n.outside).toContain('The inside server relay:[10.0.0.5] must accept mail from gw.example.com.');
  });

  it("a null client: SPF with the relay's include when its domain publishes SPF, else its name; no PTR, no MX", () => {
    const withSpf = steps('null-client', {
      'TXT example.net': ['v=spf1 ip4:198.51.100.0/24 -all'],
      'TXT example.com': [],
    });
    const spf = withSpf.records.find((r) => r.what === 'SPF of example.com');
    expect(spf?.want).toBe('v=spf1 include:example.net -all');
    expect(withSpf.records.map((r) => r.what)).toEqual(['SPF of example.com', 'DMARC of example.com']);
    const without = steps('null-client', { 'TXT example.net': ['some other text'], 'TXT example.com': [] });
    expect(without.records[0].want).toBe('v=spf1 a:smtp.example.net -all');
    const ok = steps('null-client', {
      'TXT example.net': ['v=spf1 -all'],
      'TXT example.com': ['v=spf1 mx include:example.net -all'],
    });
    expect(ok.records[0].verdict).toBe('ok');
    expect(ok.outside).toEqual([
      'The relay host [smtp.example.net]:587 must accept mail from mail.example.com: ask its admin to allow this host ' +
        '(its address, or a login: smtp_sasl).',
    ]);
    expect(ok.test[1]).toEqual({
      command: 'swaks --server 127.0.0.1 --to admin@example.net --from root@example.com',
      what: 'a real message through [smtp.example.net]:587; it should arrive at admin@example.net',
    });
  });

  it('not looked up (a sandbox): every record said so, and every zone-file line given', () => {
    const n = steps('mail-server', null);
    expect(new Set(n.records.map((r) => r.verdict))).toEqual(new Set(['not looked up']));
    expect(n.records.every((r) => r.now === null)).toBe(true);
    expect(n.zone).toHaveLength(n.records.length);
    expect(n.notLookedUp).toBe('not looked up: sandbox');
  });
});

describe('outboundTarget', () => {
  it('the relay host, else the MX of a postmaster domain that is not ours, else none', () => {
    const t = (role: RoleId, extra: Partial<Answers> = {}) =>
      outboundTarget(resolveAnswers({ ...GIVEN[role], ...extra }, host), host);
    expect(t('null-client')).toBe('[smtp.example.net]:587');
    expect(t('mail-server')).toBeUndefined();
    expect(t('mail-server', { postmaster: 'me@elsewhere.example' })).toBe('elsewhere.example');
    expect(t('backup-mx', { postmaster: 'someone@example.org' })).toBeUndefined();
    expect(t('backup-mx')).toBeUndefined(); // admin@example.com: the domain of this host (mx2.example.com)
  });

  it('a $name relay host ([mail.$mydomain]) as Postfix expands it; the next steps name it too', () => {
    const a = resolveAnswers({ role: 'mail-server', postmaster: 'alice', relayhost: '[mail.$mydomain]' }, host);
    expect(outboundTarget(a, host)).toBe('[mail.example.com]');
    const n = nextSteps(a, host, { dns: null, outbound: null });
    expect(JSON.stringify(n)).toContain('[mail.$mydomain]');
  });
});
