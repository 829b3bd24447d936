/**
 * --no-probes: a run that asks nothing of the network. On the in-memory Effects of a live Debian
 * box, the whole applyAnswers path (plan, preflight, apply, next steps) runs with and without it:
 * without, it looks up DNS and tries the relay host; with it, nothing reaches out and each step
 * that would have says it was not done.
 */
import { describe, expect, it } from 'vitest';
import { NO_PROBES } from '../../src/model/effects.js';
import { readHostFacts } from '../../src/system/hostFacts.js';
import { withoutProbes } from '../../src/system/probes.js';
import { applyOn } from '../helpers/applyOn.js';
import { memoryDebianBox, NULL_CLIENT_ANSWERS } from '../helpers/host.js';

const ANSWERS = NULL_CLIENT_ANSWERS;
/** With a smart-host login (whose test, without --no-probes, would reach the real network: not run here). */
const WITH_LOGIN = `${ANSWERS}smtp_sasl:\n  username: me@example.net\n  password: Sekr1t-pw\n`;

/** A local resolver: without --no-probes, host facts ask it whether it validates DNSSEC. */
const box = (answers = ANSWERS) => memoryDebianBox(answers, { '/etc/resolv.conf': 'nameserver 127.0.0.53\n' });

describe('--no-probes', () => {
  it('without it, an apply looks up DNS, asks the resolver and tries the relay host', async () => {
    const fx = box();
    const r = await applyOn(fx, false);
    expect(r.code).toBe(0);
    // The preflight's probe of the relay host, and the next steps' one.
    expect(fx.connections).toEqual([
      { host: 'smtp.example.net', port: 25 },
      { host: 'smtp.example.net', port: 25 },
    ]);
    expect(fx.dnsQueries.length).toBeGreaterThan(0);
    expect(fx.dnssecProbes).toEqual(['127.0.0.53']);
    expect(r.text).not.toContain(NO_PROBES);
  });

  it('with it, nothing reaches the network; the probes, the lookups and the login test say they were not done', async () => {
    const fx = box(WITH_LOGIN);
    const r = await applyOn(fx, true);
    expect(r.code).toBe(0);
    expect(fx.connections).toEqual([]);
    expect(fx.dnsQueries).toEqual([]);
    expect(fx.dnssecProbes).toEqual([]);
    expect(fx.starttlsProbes).toEqual([]);
    expect(r.text).toContain(`- Check that [smtp.example.net] answers on port 25: ${NO_PROBES}`);
    expect(r.text).toContain(`- Test the login at [smtp.example.net]: ${NO_PROBES}: the login is written untested`);
    expect(r.text).toContain(`not looked up (${NO_PROBES})`);
    expect(r.text).toContain(`not tried (${NO_PROBES})`);
    // The apply itself ran: the login is written.
    expect(fx.files.get('/etc/postfix/sasl_passwd')?.content).toContain('me@example.net:Sekr1t-pw');
  });

  it('host facts: a local resolver is not asked whether it validates DNSSEC', async () => {
    const fx = box();
    const host = await readHostFacts(withoutProbes(fx));
    expect(fx.dnssecProbes).toEqual([]);
    expect(host.tls?.resolver?.validating).toBe(false);
    expect(host.tls?.resolver?.detail).toBe(`the resolver is not asked (${NO_PROBES})`);
  });

  it('any network member called anyway rejects (code ENOPROBES) instead of reaching out', async () => {
    const fx = withoutProbes(box());
    await expect(fx.connect({ host: '192.0.2.1', port: 25, timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'ENOPROBES',
      message: NO_PROBES,
    });
    await expect(fx.resolveMx('example.com')).rejects.toMatchObject({ code: 'ENOPROBES' });
    await expect(fx.resolveDns('example.com', 'TXT')).rejects.toMatchObject({ code: 'ENOPROBES' });
    expect(fx.noProbes).toBe(true);
    // The rest is the wrapped Effects itself.
    expect(await fx.readFile('/etc/hostname')).toBe('host.example.com\n');
  });
});
