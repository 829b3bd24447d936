/**
 * The next steps on a machine (the in-memory twin): the live system looks up the records and
 * tries the relay host, bounded; a --root sandbox reaches nothing and says so. And the text.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { nextStepsFor } from '../../src/commands/nextSteps.js';
import { nextStepsLines } from '../../src/output/nextSteps.js';
import { renderLines } from '../../src/output/styled.js';
import { plan } from '../../src/plan/plan.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { createMemoryEffects, smtpPeer } from '../../src/system/memoryEffects.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';

const host = fakeHost({ fqdn: 'box1.example.com', hostname: 'box1' });

function nullClient(): Plan {
  const answers = resolveAnswers(
    { role: 'null-client', relayhost: '[smtp.example.net]:587', postmaster: 'admin@example.net' },
    host,
  );
  return plan({ answers, host, files: freshFiles(), templates: templates() });
}

describe('nextStepsFor', () => {
  it('live: the records are looked up and the relay host is tried, each bounded', async () => {
    const fx = createMemoryEffects({
      dns: {
        'TXT example.net': ['v=spf1 ip4:198.51.100.0/24 -all'],
        'TXT example.com': ['v=spf1 include:example.net -all'],
        'TXT _dmarc.example.com': 'silent',
      },
      peers: { 'smtp.example.net:587': smtpPeer() },
    });
    const started = Date.now();
    const n = await nextStepsFor(fx, nullClient(), host);
    expect(Date.now() - started).toBeLessThan(4500); // the silent DMARC lookup is cut at 3 s
    expect(fx.dnsQueries).toEqual(['TXT example.com', 'TXT _dmarc.example.com', 'TXT example.net']);
    expect(fx.connections).toEqual([{ host: 'smtp.example.net', port: 587 }]);
    expect(n.records.map((r) => [r.what, r.verdict])).toEqual([
      ['SPF of example.com', 'ok'],
      ['DMARC of example.com', 'no answer'],
    ]);
    expect(n.outbound).toEqual({
      target: 'smtp.example.net port 587',
      verdict: 'open',
      advice: null,
    });
    expect(n.zone).toEqual(['_dmarc.example.com. IN TXT "v=DMARC1; p=none; rua=mailto:admin@example.net"']);
  }, 10_000);

  it('a server that delivers directly tries port 25 of the MX of the postmaster domain, when that is not its own', async () => {
    const answers = resolveAnswers({ role: 'mail-server', postmaster: 'me@elsewhere.example' }, host);
    const p = plan({ answers, host, files: freshFiles(), templates: templates() });
    const fx = createMemoryEffects({
      mx: { 'elsewhere.example': [{ exchange: 'MX.elsewhere.example.', priority: 10 }] },
      peers: { 'mx.elsewhere.example:25': smtpPeer() },
    });
    const n = await nextStepsFor(fx, p, host);
    expect(n.outbound).toEqual({
      target: 'mx.elsewhere.example port 25 (the MX of elsewhere.example)',
      verdict: 'open',
      advice: null,
    });
    const own = plan({
      answers: resolveAnswers({ role: 'mail-server', postmaster: 'alice' }, host),
      host,
      files: freshFiles(),
      templates: templates(),
    });
    const fx2 = createMemoryEffects({});
    expect((await nextStepsFor(fx2, own, host)).outbound).toEqual({
      target: 'port 25 of other mail servers',
      verdict: null,
      advice: 'not tried (no outside server named): nc -vz -w 5 <the MX host of a domain you write to> 25',
    });
    expect(fx2.connections).toEqual([]);
  });

  it('a refused relay port is said, with what to do', async () => {
    const fx = createMemoryEffects({});
    const n = await nextStepsFor(fx, nullClient(), host);
    expect(n.outbound?.verdict).toBe('refused');
    expect(n.outbound?.advice).toBe(
      'smtp.example.net port 587 refused the connection: nothing listens there, or a firewall rejects it',
    );
  });

  it('a --root sandbox never reaches out: no query, no connection, and the text says why', async () => {
    const fx = createMemoryEffects({ root: '/srv/box', dns: { 'TXT example.com': ['v=spf1 -all'] } });
    const n = await nextStepsFor(fx, nullClient(), host);
    expect(fx.dnsQueries).toEqual([]);
    expect(fx.connections).toEqual([]);
    expect(n.records.every((r) => r.verdict === 'not looked up')).toBe(true);
    expect(renderLines(nextStepsLines(n), { color: false })).toBe(
      [
        'Next steps, outside this host',
        '  DNS (not looked up: a --root sandbox does not reach the network)',
        '    - SPF of example.com: not looked up; wanted: v=spf1 include:example.net -all',
        '        mail for example.com leaves through smtp.example.net: use the include your provider documents, if it names one',
        '    - DMARC of example.com: not looked up; wanted: v=DMARC1; p=none; rua=mailto:admin@example.net',
        '        p=none only asks for reports; tighten it to quarantine once they show all your mail passing',
        '  Zone-file lines:',
        '    example.com. IN TXT "v=spf1 include:example.net -all"',
        '    _dmarc.example.com. IN TXT "v=DMARC1; p=none; rua=mailto:admin@example.net"',
        '  Outside this host:',
        '    - The relay host [smtp.example.net]:587 must accept mail from box1.example.com: ask its admin to allow ' +
          'this host (its address, or a login: smtp_sasl).',
        '  Outgoing connections to [smtp.example.net]:587: not tried',
        '    not tried: a --root sandbox does not reach the network',
        '  Send a test message:',
        '    sendmail -bv admin@example.net',
        '      Postfix says where mail to admin@example.net goes, without sending it; the report goes to root (the postmaster)',
        '    swaks --server 127.0.0.1 --to admin@example.net --from root@example.com',
        '      a real message through [smtp.example.net]:587; it should arrive at admin@example.net',
        '  Watch the log: tail -f /var/log/mail.log',
        '',
      ].join('\n'),
    );
  });

  it('in colour: the verdicts in the step colours, the zone lines bold', async () => {
    const fx = createMemoryEffects({ dns: { 'TXT example.com': [], 'TXT example.net': [] } });
    const text = renderLines(nextStepsLines(await nextStepsFor(fx, nullClient(), host)), { color: true });
    expect(text).toContain(
      '\x1b[31m✗\x1b[0m SPF of example.com: none; wanted: \x1b[32mv=spf1 a:smtp.example.net -all\x1b[0m\n',
    );
    expect(text).toContain('\x1b[1m    example.com. IN TXT "v=spf1 a:smtp.example.net -all"\x1b[0m\n');
  });
});
