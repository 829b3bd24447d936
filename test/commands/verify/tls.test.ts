/**
 * The two TLS checks of --verify on the twin: "Outbound TLS" (the level, DNSSEC behind dane, the
 * CA store, tlsmgr) and "STARTTLS on port 25" (the handshake and the certificate presented:
 * subject, issuer, names, expiry; expired fails, within 14 days passes with a warning; skipped
 * where the role receives no mail).
 */
import { describe, expect, it } from 'vitest';
import { checkOutboundTls, outboundLevel } from '../../../src/commands/verify/checks/outboundTls.js';
import { checkStarttls, inboundTlsExpected } from '../../../src/commands/verify/checks/starttls.js';
import type { StarttlsProbeResult } from '../../../src/model/effects.js';
import type { CertificateInfo } from '../../../src/model/tls.js';
import { contextOf, hostWith, LOG, logLine, postfixTwin, TWIN_MASTER } from './twin.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const TARGET = { host: '127.0.0.1', port: 25 };
const MX = { myhostname: 'mx.example.com', smtpd_tls_security_level: 'may' };

function cert(over: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    subject: 'CN=mx.example.com',
    issuer: "CN=R11, O=Let's Encrypt, C=US",
    names: ['mx.example.com'],
    notBefore: '2026-11-01T00:00:00.000Z',
    notAfter: '2027-01-30T00:00:00.000Z',
    selfSigned: false,
    sha256: 'AB:CD',
    ...over,
  };
}

function handshake(over: Partial<StarttlsProbeResult> = {}): StarttlsProbeResult {
  return {
    greeting: '220 mx.example.com ESMTP Postfix',
    offered: true,
    reply: '220 2.0.0 Ready to start TLS',
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    certificate: cert(),
    transcript: ['S: 220 mx.example.com ESMTP Postfix', 'C: EHLO verify.mailsetup.invalid', 'S: 250 mx.example.com'],
    ...over,
  };
}

async function starttls(result: StarttlsProbeResult | { error: string }, params: Record<string, string> = MX) {
  const fx = postfixTwin({ params, extra: { starttls: { '127.0.0.1:25': result } } });
  const ctx = await contextOf(fx);
  // What smtpd logs when it cannot load its key (verify reads the log written after it started).
  fx.append(
    LOG,
    logLine('smtpd', 'warning: cannot get RSA private key from file "/etc/ssl/private/x.key": disabling TLS support'),
  );
  return { fx, outcome: await checkStarttls(ctx, TARGET, 'mail-server', NOW) };
}

describe('check: STARTTLS on port 25', () => {
  it("a handshake: the protocol, the cipher, the certificate's subject, issuer and expiry; its names and fingerprint below", async () => {
    const { fx, outcome } = await starttls(handshake());
    expect(outcome).toEqual({
      status: 'ok',
      detail:
        "127.0.0.1:25: TLSv1.3 TLS_AES_256_GCM_SHA384; certificate CN=mx.example.com, issued by CN=R11, O=Let's Encrypt, C=US; " +
        'expires 2027-01-30 (in 54 days)',
      explain: ['names: mx.example.com', 'SHA-256 AB:CD'],
    });
    expect(fx.starttlsProbes).toEqual(['127.0.0.1:25']);
  });

  it('a self-signed certificate whose names do not cover myhostname: still a pass, and said', async () => {
    const { outcome } = await starttls(
      handshake({ certificate: cert({ subject: 'CN=vm', issuer: 'CN=vm', names: ['vm'], selfSigned: true }) }),
    );
    expect(outcome.status).toBe('ok');
    expect(outcome.detail).toContain('certificate CN=vm (self-signed); expires 2027-01-30');
    expect(outcome.explain).toContain(
      'its names do not cover myhostname mx.example.com: senders that check names will not trust it',
    );
  });

  it('expired: failed; within 14 days: passes with "renew it"', async () => {
    const old = await starttls(handshake({ certificate: cert({ notAfter: '2026-12-01T00:00:00.000Z' }) }));
    expect(old.outcome.status).toBe('failed');
    expect(old.outcome.detail).toMatch(/expires 2026-12-01: EXPIRED 6 days ago$/);
    const soon = await starttls(handshake({ certificate: cert({ notAfter: '2026-12-15T00:00:00.000Z' }) }));
    expect(soon.outcome.status).toBe('ok');
    expect(soon.outcome.detail).toMatch(/expires 2026-12-15 \(in 8 days: renew it\)$/);
  });

  it('no STARTTLS offered, or refused, or the handshake fails: failed, with the log lines that explain it', async () => {
    const none = await starttls(
      handshake({ offered: false, reply: undefined, protocol: undefined, certificate: undefined }),
    );
    expect(none.outcome).toMatchObject({
      status: 'failed',
      detail: '127.0.0.1:25 does not offer STARTTLS (smtpd_tls_security_level = may)',
    });
    expect(none.outcome.explain?.at(-1)).toContain('cannot get RSA private key from file');
    const refused = await starttls(
      handshake({
        reply: '454 4.7.0 TLS not available due to local problem',
        protocol: undefined,
        certificate: undefined,
      }),
    );
    expect(refused.outcome.detail).toBe(
      '127.0.0.1:25 offers STARTTLS but answered it with: 454 4.7.0 TLS not available due to local problem',
    );
    const broken = await starttls({ error: '127.0.0.1:25: the TLS handshake failed: wrong version number' });
    expect(broken.outcome).toMatchObject({
      status: 'failed',
      detail: '127.0.0.1:25: 127.0.0.1:25: the TLS handshake failed: wrong version number',
    });
  });

  it('skipped for a null client, for smtpd_tls_security_level = none, and without a listener', async () => {
    const fx = postfixTwin({ params: MX, extra: { starttls: { '127.0.0.1:25': handshake() } } });
    const ctx = await contextOf(fx);
    expect(await checkStarttls(ctx, TARGET, 'null-client', NOW)).toEqual({
      status: 'skipped',
      detail: 'a null client receives no mail: no inbound TLS',
    });
    const off = await contextOf(postfixTwin({ params: { ...MX, smtpd_tls_security_level: 'none' } }));
    expect((await checkStarttls(off, TARGET, 'mail-server', NOW)).detail).toBe('smtpd_tls_security_level = none');
    expect((await checkStarttls(ctx, null, 'mail-server', NOW)).detail).toBe('no smtp listener to probe');
    expect(fx.starttlsProbes).toEqual([]);
    expect(inboundTlsExpected({ smtpd_tls_security_level: '' }, null)).toBe(false);
    expect(inboundTlsExpected({ smtpd_tls_security_level: '', smtpd_use_tls: 'yes' }, null)).toBe(true);
    expect(inboundTlsExpected({ smtpd_tls_security_level: '' }, 'mail-server')).toBe(true);
  });
});

describe('check: Outbound TLS', () => {
  async function outbound(params: Record<string, string>, master: string | null = TWIN_MASTER, validating = false) {
    const fx = postfixTwin({ params });
    const ctx = await contextOf(fx);
    const host = hostWith();
    host.tls = {
      lineages: [],
      snakeoil: true,
      caBundle: true,
      resolver: validating
        ? { validating: true, nameservers: ['127.0.0.1'], detail: '127.0.0.1 validates DNSSEC' }
        : { validating: false, nameservers: ['192.0.2.53'], detail: 'the resolver 192.0.2.53 is not on this host' },
    };
    return checkOutboundTls({ ...ctx, host }, master);
  }

  it('may with the CA store: ok, saying both', async () => {
    expect(await outbound({})).toEqual({
      status: 'ok',
      detail: 'smtp_tls_security_level = may; CA store /etc/ssl/certs/ca-certificates.crt',
    });
  });

  it('dane: ok with DNSSEC lookups and a validating resolver; failed without either', async () => {
    expect(
      await outbound({ smtp_tls_security_level: 'dane', smtp_dns_support_level: 'dnssec' }, TWIN_MASTER, true),
    ).toEqual({
      status: 'ok',
      detail:
        'smtp_tls_security_level = dane (DNSSEC: 127.0.0.1 validates DNSSEC); CA store /etc/ssl/certs/ca-certificates.crt',
    });
    const noDns = await outbound({ smtp_tls_security_level: 'dane', smtp_dns_support_level: '' }, TWIN_MASTER, true);
    expect(noDns.detail).toBe('dane needs smtp_dns_support_level = dnssec (it is "")');
    const noResolver = await outbound({ smtp_tls_security_level: 'dane', smtp_dns_support_level: 'dnssec' });
    expect(noResolver).toMatchObject({
      status: 'failed',
      detail: 'dane without a validating resolver: the resolver 192.0.2.53 is not on this host',
    });
  });

  it('no TLS, a CA file that is not there, no tlsmgr: failed, each said', async () => {
    expect((await outbound({ smtp_tls_security_level: '' })).detail).toBe(
      'smtp_tls_security_level is empty: mail leaves in clear text (set may)',
    );
    expect((await outbound({ smtp_tls_CAfile: '/etc/ssl/certs/nowhere.crt' })).detail).toBe(
      'smtp_tls_CAfile /etc/ssl/certs/nowhere.crt does not exist (install ca-certificates)',
    );
    expect((await outbound({}, 'smtp      inet  n       -       y       -       -       smtpd\n')).detail).toBe(
      'master.cf has no tlsmgr service: Postfix has no TLS session cache',
    );
    expect(outboundLevel({ smtp_tls_security_level: '', smtp_use_tls: 'yes' })).toBe('may');
    expect(outboundLevel({ smtp_tls_security_level: '', smtp_enforce_tls: 'yes' })).toBe('encrypt');
  });
});
