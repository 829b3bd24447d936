/** DNS lookups through Effects (the in-memory DNS): MX best first, the next steps' records; normalised, no records as [], failures said, bounded. */
import { describe, expect, it } from 'vitest';
import { lookupAll, mxHosts, mxHostsOf } from '../../src/system/dns.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';

describe('mxHosts', () => {
  const fx = createMemoryEffects({
    mx: {
      'example.org': [
        { exchange: 'MX2.Example.org.', priority: 20 },
        { exchange: 'mx1.example.org.', priority: 10 },
      ],
      'nomx.example': { code: 'ENODATA' },
      'broken.example': { code: 'ESERVFAIL' },
      'slow.example': 'silent',
    },
  });

  it('sorted by preference, lower case, without the final dot', async () => {
    expect(await mxHosts(fx, 'example.org')).toEqual(['mx1.example.org', 'mx2.example.org']);
  });

  it('no records or no such domain: none; another failure: what the resolver said; silence: bounded', async () => {
    expect(await mxHosts(fx, 'nomx.example')).toEqual([]);
    expect(await mxHosts(fx, 'missing.example')).toEqual([]);
    expect(await mxHosts(fx, 'broken.example')).toBe('queryMx ESERVFAIL broken.example');
    expect(await mxHosts(fx, 'slow.example', 50)).toBe('no answer within 0.05 s');
  });

  it('several domains at once, each with its answer; a sandbox says it does not ask', async () => {
    expect(await mxHostsOf(fx, ['example.org', 'slow.example'], 50)).toEqual({
      'example.org': ['mx1.example.org', 'mx2.example.org'],
      'slow.example': 'no answer within 0.05 s',
    });
    expect(await mxHosts(createMemoryEffects({ root: '/srv/box' }), 'example.org')).toBe(
      '--root /srv/box: a sandbox does not query DNS (MX of example.org)',
    );
  });
});

describe('lookupAll (the next steps)', () => {
  const fx = createMemoryEffects({
    mx: { 'example.com': [{ exchange: 'Mail.Example.com.', priority: 10 }] },
    dns: {
      'A mail.example.com': ['192.0.2.2'],
      'TXT example.com': ['v=spf1 mx -all', 'google-site-verification=x'],
      'PTR 192.0.2.2': ['mail.example.com.'],
      'AAAA mail.example.com': { code: 'ENODATA' },
      'TXT _dmarc.example.com': { code: 'ESERVFAIL' },
      'TXT slow.example': 'silent',
    },
  });

  it('each answer in its form: MX "pref host", PTR without the dot, none as [], failures and silence said', async () => {
    const started = Date.now();
    const answers = await lookupAll(
      fx,
      [
        { type: 'MX', name: 'example.com' },
        { type: 'A', name: 'mail.example.com' },
        { type: 'AAAA', name: 'mail.example.com' },
        { type: 'TXT', name: 'example.com' },
        { type: 'TXT', name: '_dmarc.example.com' },
        { type: 'PTR', name: '192.0.2.2' },
        { type: 'TXT', name: 'slow.example' },
        { type: 'A', name: 'nowhere.example' },
      ],
      100,
    );
    expect(answers).toEqual({
      'MX example.com': ['10 mail.example.com'],
      'A mail.example.com': ['192.0.2.2'],
      'AAAA mail.example.com': [],
      'TXT example.com': ['v=spf1 mx -all', 'google-site-verification=x'],
      'TXT _dmarc.example.com': { error: 'query ESERVFAIL _dmarc.example.com' },
      'PTR 192.0.2.2': ['mail.example.com'],
      'TXT slow.example': { error: 'no answer within 0.1 s' },
      'A nowhere.example': [],
    });
    // All at once: the whole is bounded by one timeout, not the sum.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a sandbox never asks: every query is refused without reaching DNS', async () => {
    const box = createMemoryEffects({ root: '/srv/box', dns: { 'A mail.example.com': ['192.0.2.2'] } });
    expect(await lookupAll(box, [{ type: 'A', name: 'mail.example.com' }])).toEqual({
      'A mail.example.com': { error: '--root /srv/box: a sandbox does not query DNS (A of mail.example.com)' },
    });
    expect(box.dnsQueries).toEqual([]);
  });
});
