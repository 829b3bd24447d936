/** MX warnings in the preview, with a stand-in resolver (tests never query real DNS). */
import { describe, expect, it } from 'vitest';
import { mxFindings, type MxResolver } from '../../src/mx.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { fakeHost } from '../helpers/host.js';

const host = fakeHost();
const zone =
  (records: Record<string, Array<{ exchange: string; priority: number }>>): MxResolver =>
  async (d) => {
    if (d in records) return records[d];
    throw Object.assign(new Error(`queryMx ENOTFOUND ${d}`), { code: 'ENOTFOUND' });
  };

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
    expect(await mxFindings(ms, zone({ 'example.com': [{ exchange: 'mx.example.com.', priority: 10 }] }))).toEqual([]);
  });

  it('warns about a domain without MX, and about MX hosts that are not this host', async () => {
    expect(await mxFindings(ms, zone({}))).toEqual([
      {
        id: 'missing-mx',
        level: 'warning',
        message:
          'example.com has no MX record: other servers will not send its mail here (add "example.com. IN MX 10 mx.example.com.")',
      },
    ]);
    expect(await mxFindings(bmx, zone({ 'example.org': [{ exchange: 'mx1.example.org', priority: 10 }] }))).toEqual([
      {
        id: 'missing-mx',
        level: 'warning',
        message: 'this host (mx.example.com) is not among the MX hosts of example.org: mx1.example.org',
      },
    ]);
    expect(
      await mxFindings(
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
    const silent: MxResolver = () => new Promise(() => undefined);
    const t0 = Date.now();
    expect(await mxFindings(ms, silent, 100)).toEqual([
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
    let asked = 0;
    expect(
      await mxFindings(nc, async () => {
        asked++;
        return [];
      }),
    ).toEqual([]);
    expect(asked).toBe(0);
  });
});
