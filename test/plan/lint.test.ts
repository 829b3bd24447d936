/** The safety linter: every rule, its exact message, and its override. */
import { describe, expect, it } from 'vitest';
import { lint, loopsToSelf } from '../../src/plan/lint/index.js';
import { plan } from '../../src/plan/plan.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { LintContext } from '../../src/roles/role.js';
import { NO_FACTS } from '../../src/model/plan.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';

const host = fakeHost();
/** The reason BASIC_CONFIGURATION_README gives, which the mynetworks refusals quote. */
const WAN =
  ' (BASIC_CONFIGURATION_README, "What clients to relay mail from": "IMPORTANT: If your machine is connected to a ' +
  'wide area network then your default mynetworks setting may be too friendly.")';

/** A lint context from a main.cf given as values (the rest: nothing set, nothing gathered). */
function ctxOf(c: Pick<LintContext, 'a' | 'host' | 'main' | 'isSet'>): LintContext {
  return {
    ...c,
    raw: (n) => (c.isSet(n) ? c.main(n) : undefined),
    expand: (v) => v,
    transports: new Set(),
    facts: NO_FACTS,
    aliases: { get: () => undefined },
  };
}

function findings(given: Partial<Answers> & { role: RoleId }) {
  const answers = resolveAnswers(given, host);
  return plan({ answers, host, files: freshFiles(), templates: templates() }).findings;
}

const MS: Partial<Answers> & { role: RoleId } = { role: 'mail-server', postmaster: 'alice@example.com' };
const BMX: Partial<Answers> & { role: RoleId } = {
  role: 'backup-mx',
  relay_domains: ['example.org'],
  relay_recipients: ['@example.org'],
  postmaster: 'a@example.com',
  proxy_interfaces: ['203.0.113.5'],
};

describe('linter', () => {
  it('refuses 0.0.0.0/0 in mynetworks unless overridden', () => {
    expect(findings({ ...MS, mynetworks: ['127.0.0.0/8', '0.0.0.0/0'] })).toEqual([
      {
        id: 'mynetworks-public',
        level: 'error',
        override: 'mynetworks-public',
        message:
          'mynetworks contains 0.0.0.0/0: every client on the Internet could relay through this host (open relay)' +
          WAN,
      },
    ]);
    expect(findings({ ...MS, mynetworks: ['0.0.0.0/0'], overrides: ['mynetworks-public'] })[0].level).toBe('warning');
  });

  it('refuses a public range and ::/0', () => {
    expect(findings({ ...MS, mynetworks: ['198.51.100.0/24'] }).map((f) => f.message)).toEqual([
      'mynetworks contains the public range 198.51.100.0/24: every client in it may relay through this host' + WAN,
    ]);
    expect(findings({ ...MS, mynetworks: ['::/0'] }).map((f) => f.id)).toEqual(['mynetworks-public']);
  });

  it("refuses mynetworks wider than the host's own subnets, warns on foreign ones", () => {
    expect(findings({ ...MS, mynetworks: ['192.168.0.0/16'] })).toEqual([
      {
        id: 'mynetworks-wide',
        level: 'error',
        override: 'mynetworks-wide',
        message:
          "mynetworks contains 192.168.0.0/16, wider than this host's own subnets (192.168.10.0/24, [fd00::]/64)",
      },
    ]);
    expect(findings({ ...MS, mynetworks: ['10.1.2.0/24'] })).toEqual([
      {
        id: 'mynetworks-foreign',
        level: 'warning',
        message:
          'mynetworks contains 10.1.2.0/24, which is not a network of this host: check that those clients really reach it directly, not through NAT',
      },
    ]);
  });

  it('refuses relay domains without a recipient list (backscatter) unless accept-all is chosen', () => {
    const f = findings({ ...BMX, relay_recipients: [] });
    expect(f.map((x) => [x.id, x.level])).toEqual([['relay-accept-all', 'error']]);
    expect(findings({ ...BMX, relay_recipients: [], overrides: ['relay-accept-all'] }).map((x) => x.level)).toEqual([
      'warning',
    ]);
  });

  it('refuses a backup MX for its own domain', () => {
    const f = findings({ ...BMX, relay_domains: ['example.com'], relay_recipients: ['@example.com'] });
    expect(f.map((x) => x.message)).toEqual([
      "relay_domains contains this host's own domain example.com: a backup MX for its own domain relays mail back to itself (mail loop)" +
        ' (BASIC_CONFIGURATION_README, "Proxy/NAT external network addresses": "IMPORTANT: You must specify your ' +
        'proxy/NAT external addresses when your system is a backup MX host for other domains, otherwise mail ' +
        'delivery loops will happen when the primary MX host is down.")',
    ]);
  });

  it('refuses a domain that is both local and relayed', () => {
    const f = findings({ ...BMX, relay_domains: ['mx.example.com'], relay_recipients: ['@mx.example.com'] });
    expect(f.map((x) => x.id)).toContain('domain-local-and-relay');
  });

  it('refuses a relay host or transport that is this host on its own port (mail loop), allows other ports', () => {
    expect(
      findings({ role: 'null-client', relayhost: '[127.0.0.1]', postmaster: 'a@example.net' }).map((x) => x.message),
    ).toEqual([
      'relayhost [127.0.0.1] is this host itself (port 25): mail for other domains would loop back to myself',
    ]);
    expect(findings({ role: 'null-client', relayhost: '[127.0.0.1]:2525', postmaster: 'a@example.net' })).toEqual([]);
    expect(findings({ ...BMX, transport: { 'example.org': 'relay:[203.0.113.5]' } }).map((x) => x.message)).toEqual([
      'transport for example.org points at [203.0.113.5], which is this host itself: mail for example.org would loop back to myself',
    ]);
    expect(findings({ ...MS, relayhost: 'mx.example.com' }).map((x) => x.id)).toEqual(['mail-loop']);
  });

  it('loopsToSelf: addresses, names and ports', () => {
    const a = resolveAnswers({ ...BMX }, host);
    expect(loopsToSelf('[192.168.10.5]', host, a)).toBe(true);
    expect(loopsToSelf('[192.168.10.5]:25', host, a)).toBe(true);
    expect(loopsToSelf('[192.168.10.5]:587', host, a)).toBe(false);
    expect(loopsToSelf('[ipv6:fd00::5]', host, a)).toBe(true);
    expect(loopsToSelf('[other.example.net]', host, a)).toBe(false);
    expect(loopsToSelf('[127.0.0.2]:2525', fakeHost({ postfix: { ...host.postfix, smtpPort: 2525 } }), a)).toBe(true);
  });

  it('warns when a backup MX behind NAT has no proxy_interfaces', () => {
    // Behind NAT: no public address at all (the fake host's global IPv6 address taken away).
    const natted = fakeHost({ addresses: host.addresses.filter((x) => x.scope !== 'public') });
    const answers = resolveAnswers({ ...BMX, proxy_interfaces: [] }, natted);
    const f = plan({ answers, host: natted, files: freshFiles(), templates: templates() }).findings;
    expect(f.map((x) => x.id)).toEqual(['nat-without-proxy-interfaces']);
  });

  it('refuses relay restrictions without reject_unauth_destination (checked on the final main.cf)', () => {
    const a = resolveAnswers(MS, host);
    const values: Record<string, string> = {
      smtpd_relay_restrictions: 'permit_mynetworks, permit',
      smtpd_recipient_restrictions: '',
      mynetworks: '127.0.0.0/8',
    };
    const f = lint(ctxOf({ a, host, main: (n) => values[n] ?? '', isSet: () => true }));
    expect(f).toEqual([
      {
        id: 'relay-restrictions',
        level: 'error',
        message:
          'neither smtpd_relay_restrictions nor smtpd_recipient_restrictions contains ' +
          'reject_unauth_destination or defer_unauth_destination: this host would be an open relay',
      },
    ]);
  });

  it('refuses mynetworks_style subnet on a public interface when mynetworks is not set', () => {
    const pub = fakeHost({
      addresses: [
        ...host.addresses,
        { iface: 'eth1', family: 4, address: '203.0.113.7', prefix: 24, network: '203.0.113.0/24', scope: 'public' },
      ],
    });
    const a = resolveAnswers(MS, pub);
    const values: Record<string, string> = {
      smtpd_relay_restrictions: 'reject_unauth_destination',
      mynetworks_style: 'subnet',
      mynetworks: '',
    };
    expect(
      lint(ctxOf({ a, host: pub, main: (n) => values[n] ?? '', isSet: (n) => n !== 'mynetworks' })).map((x) => x.id),
    ).toEqual(['mynetworks-style']);
  });

  it('warns about a submission port without a login, and loopback-only on a server', () => {
    expect(
      findings({ role: 'null-client', relayhost: '[smtp.example.net]:587', postmaster: 'a@example.net' }).map(
        (x) => x.id,
      ),
    ).toEqual(['submission-without-login']);
    expect(findings({ ...MS, inet_interfaces: 'loopback-only' }).map((x) => x.id)).toEqual(['loopback-only-server']);
  });
});
