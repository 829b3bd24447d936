/**
 * MX warnings in the preview: the judgement (src/plan/mx.ts) of what the bounded lookups
 * (src/system/dns.ts) get from the in-memory Effects' DNS answers (tests never query real DNS).
 */
import { describe, expect, it } from 'vitest';
import type { Answers } from '../../src/model/answers.js';
import type { MxRecord } from '../../src/model/effects.js';
import { mxDomains, mxFindings } from '../../src/plan/mx.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { mxHostsOf } from '../../src/system/dns.js';
import { createMemoryEffects, type DnsFailure, type MemoryEffects } from '../../src/system/memoryEffects.js';
import { fakeHost } from '../helpers/host.js';

const host = fakeHost();
/** A DNS that knows these domains' MX records; any other name does not exist (ENOTFOUND). */
const zone = (records: Record<string, MxRecord[] | DnsFailure>): MemoryEffects => createMemoryEffects({ mx: records });
/** The preview's MX findings: look up what the answers need, then judge. */
const findings = async (a: Answers, fx: MemoryEffects, timeoutMs?: number) =>
  mxFindings(a, await mxHostsOf(fx, mxDomains(a), timeoutMs));

describe('MX findings', () => {
  const ms = resolveAnswers({ role: 'mail-server', postmaster: 'a@example.com' }, host);
  const bmx = resolveAnswers(
    {
      role: 'backup-mx',
      relay_domains: ['example.org'],
      relay_recipients: ['@example.org'],
      postmaster: 'a@example.com',
      proxy_interfaces: ['203.0.113.5'],
    },
    host,
  );

  it("is quiet when the domain's MX is this host", async () => {
    expect(await findings(ms, zone({ 'example.com': [{ exchange: 'mx.example.com.', priority: 10 }] }))).toEqual([]);
  });

  it('warns about a domain without MX, and about MX hosts that are not this host', async () => {
    expect(await findings(ms, zone({}))).toEqual([
      {
        id: 'missing-mx',
        level: 'warning',
        message:
          'example.com has no MX record: other servers will not send its mail here (add "example.com. IN MX 10 mx.example.com.")',
      },
    ]);
    expect(await findings(bmx, zone({ 'example.org': [{ exchange: 'mx1.example.org', priority: 10 }] }))).toEqual([
      {
        id: 'missing-mx',
        level: 'warning',
        message: 'this host (mx.example.com) is not among the MX hosts of example.org: mx1.example.org',
      },
    ]);
    expect(
      await findings(
        bmx,
        zone({
          'example.org': [
            { exchange: 'mx1.example.org', priority: 10 },
            { exchange: 'MX.example.com', priority: 100 },
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('says so when DNS does not answer, within the bound', async () => {
    const silent = zone({ 'example.com': 'silent' });
    const t0 = Date.now();
    expect(await findings(ms, silent, 100)).toEqual([
      {
        id: 'mx-unknown',
        level: 'info',
        message: 'could not look up the MX records of example.com: no answer within 0.1 s',
      },
    ]);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('checks nothing for roles that receive no mail for a domain', async () => {
    const nc = resolveAnswers(
      { role: 'null-client', relayhost: '[smtp.example.net]', postmaster: 'a@example.net' },
      host,
    );
    const fx = zone({});
    expect(await findings(nc, fx)).toEqual([]);
    expect(fx.dnsQueries.length).toBe(0);
  });
});
