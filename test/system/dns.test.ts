/** MX lookups through Effects (the in-memory DNS): best first, normalised, no records as [], failures said, bounded. */
import { describe, expect, it } from 'vitest';
import { mxHosts, mxHostsOf } from '../../src/system/dns.js';
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
