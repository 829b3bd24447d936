/**
 * The TLS answers and questions: the answers file names them with Postfix's own parameter names
 * and each value is checked with an exact message; the wizard asks only what mailsetup cannot
 * decide alone (outbound DANE where a validating resolver makes it possible, a certificate where
 * none is found, certbot's hook where the certificate is Let's Encrypt's).
 */
import { describe, expect, it } from 'vitest';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { HostFacts } from '../../src/model/host.js';
import type { HostTlsFacts } from '../../src/model/tls.js';
import { parseAnswersYaml } from '../../src/roles/answers.js';
import { questionsFor } from '../../src/roles/questions.js';
import { AnswersInvalid, resolveAnswers, withDefaults } from '../../src/roles/resolve.js';
import { answeredCertificate, defaultOutboundLevel, foundCertificate } from '../../src/roles/tls.js';
import { fakeHost } from '../helpers/host.js';

function host(tls: Partial<HostTlsFacts> = {}, over: Partial<HostFacts> = {}): HostFacts {
  return fakeHost({
    tls: {
      lineages: [],
      snakeoil: true,
      caBundle: true,
      resolver: { validating: false, nameservers: ['192.0.2.53'], detail: 'not here' },
      ...tls,
    },
    ...over,
  });
}
const VALIDATING = { validating: true, nameservers: ['127.0.0.1'], detail: '127.0.0.1 validates DNSSEC' };
const NOT_DEBIAN = { distro: { id: 'fedora', versionId: '41', debianLike: false } };

function problems(given: Partial<Answers> & { role: RoleId }): string[] {
  try {
    resolveAnswers(given, host());
  } catch (e) {
    if (e instanceof AnswersInvalid) return e.problems.map((p) => `${p.key}: ${p.message}`);
    throw e;
  }
  return [];
}

const keys = (role: RoleId, h: HostFacts, current: Partial<Answers> = {}) =>
  questionsFor(role, h, current).map((q) => q.key);

describe('the answers file', () => {
  it("names TLS with Postfix's parameter names; a list may be one string as Postfix writes it", () => {
    expect(
      parseAnswersYaml(`
role: mail-server
smtp_tls_security_level: dane
smtpd_tls_security_level: may
smtpd_tls_chain_files: /etc/ssl/private/mail.key, /etc/ssl/certs/mail-chain.pem
certbot_deploy_hook: false
`),
    ).toEqual({
      role: 'mail-server',
      smtp_tls_security_level: 'dane',
      smtpd_tls_security_level: 'may',
      smtpd_tls_chain_files: ['/etc/ssl/private/mail.key', '/etc/ssl/certs/mail-chain.pem'],
      certbot_deploy_hook: false,
    });
    expect(() => parseAnswersYaml('role: mail-server\ncertbot_deploy_hook: maybe\n')).toThrow(
      'certbot_deploy_hook: expected true or false, got a string',
    );
  });

  it('every value is checked, with the exact message', () => {
    const ms = { role: 'mail-server', postmaster: 'a@example.com' } as const;
    expect(problems({ ...ms, smtp_tls_security_level: 'verify' })).toEqual([
      'smtp_tls_security_level: "verify" is not one mailsetup sets: may (opportunistic), dane (DNSSEC) or encrypt ' +
        '(mandatory); per-destination policies (verify, secure, dane-only) belong in smtp_tls_policy_maps',
    ]);
    expect(problems({ ...ms, smtp_tls_security_level: 'none' })).toEqual([
      'smtp_tls_security_level: none sends every message in clear: leave it out for opportunistic TLS (may), ' +
        'which falls back to clear text by itself',
    ]);
    expect(problems({ ...ms, smtpd_tls_security_level: 'encrypt' })).toEqual([
      'smtpd_tls_security_level: never encrypt on port 25: a public MX must accept mail from senders without TLS ' +
        '(RFC 3207); use may (STARTTLS offered, never required)',
    ]);
    expect(problems({ ...ms, smtpd_tls_chain_files: ['/etc/ssl/a b.pem'] })).toEqual([
      'smtpd_tls_chain_files: smtpd_tls_chain_files: "/etc/ssl/a b.pem" must be an absolute file path without ' +
        'spaces, commas or "$" (e.g. /etc/ssl/private/mail.pem)',
    ]);
    expect(problems({ ...ms, smtpd_tls_cert_file: '/etc/ssl/../shadow' })).toEqual([
      'smtpd_tls_cert_file: smtpd_tls_cert_file: "/etc/ssl/../shadow" must not contain "." or ".." components',
    ]);
    expect(problems({ ...ms, smtp_tls_security_level: 'DANE', smtpd_tls_security_level: 'MAY' })).toEqual([]);
    expect(resolveAnswers({ ...ms, smtp_tls_security_level: 'DANE' }, host()).smtp_tls_security_level).toBe('dane');
  });

  it("TLS answers are the host's: they carry over a role change, like the host name", () => {
    const d = withDefaults(
      { role: 'backup-mx' },
      host(),
      {
        smtp_tls_security_level: 'encrypt',
        smtpd_tls_chain_files: ['/etc/ssl/private/mail.pem'],
        certbot_deploy_hook: false,
      },
      'mail-server',
    );
    expect(d).toMatchObject({
      smtp_tls_security_level: 'encrypt',
      smtpd_tls_chain_files: ['/etc/ssl/private/mail.pem'],
      certbot_deploy_hook: false,
    });
  });
});

describe('what mailsetup decides alone', () => {
  it("a certificate: certbot's lineage for myhostname, else the snakeoil (made where missing on Debian), else none", () => {
    const le = host({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    expect(foundCertificate(le, 'mx.example.com')).toEqual({
      source: 'letsencrypt',
      lineage: 'mx.example.com',
      files: {
        chain: [
          '/etc/letsencrypt/live/mx.example.com/privkey.pem',
          '/etc/letsencrypt/live/mx.example.com/fullchain.pem',
        ],
      },
    });
    expect(foundCertificate(le, 'other.example.com')?.source).toBe('snakeoil');
    expect(foundCertificate(host({ snakeoil: false }), 'mx.example.com')).toMatchObject({
      source: 'snakeoil',
      create: true,
    });
    expect(foundCertificate(host({ snakeoil: false }, NOT_DEBIAN), 'mx.example.com')).toBeNull();
    expect(foundCertificate(host({}, NOT_DEBIAN), 'mx.example.com')?.source).toBe('snakeoil');
    expect(answeredCertificate({ smtpd_tls_cert_file: '/c.pem' })).toEqual({ cert: '/c.pem', key: '/c.pem' });
  });

  it('the outbound level: encrypt with a login, dane with a validating resolver, else may', () => {
    expect(defaultOutboundLevel({}, host())).toBe('may');
    expect(defaultOutboundLevel({}, host({ resolver: VALIDATING }))).toBe('dane');
    expect(
      defaultOutboundLevel({ relayhost: '[s.example.net]:587', smtp_sasl: { username: 'u', password: 'p' } }, host()),
    ).toBe('encrypt');
  });
});

describe('the wizard asks only what mailsetup cannot decide', () => {
  const TLS_KEYS = ['smtp_tls_security_level', 'smtpd_tls_chain_files', 'certbot_deploy_hook'];

  it('on a Debian host without a validating resolver or a lineage, no TLS question at all', () => {
    for (const role of ['null-client', 'mail-server', 'backup-mx', 'firewall-relay'])
      expect(keys(role, host()).filter((k) => TLS_KEYS.includes(k))).toEqual([]);
  });

  it('a validating resolver: the outbound level, dane offered first; not with a smart-host login', () => {
    const q = questionsFor('mail-server', host({ resolver: VALIDATING })).find(
      (x) => x.key === 'smtp_tls_security_level',
    );
    expect(q?.default).toBe('dane');
    expect(q?.choices?.map((c) => c.value)).toEqual(['dane', 'may', 'encrypt']);
    expect(q?.origin).toBe('127.0.0.1 validates DNSSEC: DANE can be trusted here');
    expect(
      keys('null-client', host({ resolver: VALIDATING }), {
        relayhost: '[s.example.net]:587',
        smtp_sasl: { username: 'u', password: 'p' },
      }),
    ).not.toContain('smtp_tls_security_level');
    // The level already in main.cf (detected) is the default.
    expect(
      questionsFor('mail-server', host({ resolver: VALIDATING }), { smtp_tls_security_level: 'may' }).find(
        (x) => x.key === 'smtp_tls_security_level',
      )?.default,
    ).toBe('may');
  });

  it('no certificate to be found: the key and chain files, checked like the answers file; a null client never', () => {
    const h = host({ snakeoil: false }, NOT_DEBIAN);
    const q = questionsFor('mail-server', h).find((x) => x.key === 'smtpd_tls_chain_files');
    expect(q?.default).toEqual([]);
    expect(q?.optional).toBe(true);
    expect(q?.origin).toMatch(
      /^no certificate found for mx\.example\.com \(no Let's Encrypt lineage, no Debian snakeoil\)/,
    );
    expect(q?.validate(['relative.pem'])).toMatch(/must be an absolute file path/);
    expect(q?.validate(['/etc/ssl/private/mail.key', '/etc/ssl/certs/mail.pem'])).toBeNull();
    expect(q?.validate([])).toBeNull();
    expect(keys('null-client', h)).not.toContain('smtpd_tls_chain_files');
  });

  it("a Let's Encrypt certificate (found or named): the deploy hook, yes by default", () => {
    const le = host({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const q = questionsFor('mail-server', le).find((x) => x.key === 'certbot_deploy_hook');
    expect(q?.default).toBe(true);
    expect(q?.kind).toBe('boolean');
    expect(keys('mail-server', le, { myhostname: 'other.example.com' })).not.toContain('certbot_deploy_hook');
    expect(
      keys('mail-server', host({}, NOT_DEBIAN), {
        smtpd_tls_chain_files: [
          '/etc/letsencrypt/live/a.example.com/privkey.pem',
          '/etc/letsencrypt/live/a.example.com/fullchain.pem',
        ],
      }),
    ).toEqual(expect.arrayContaining(['smtpd_tls_chain_files', 'certbot_deploy_hook']));
    expect(keys('null-client', le)).not.toContain('certbot_deploy_hook');
  });
});
