/**
 * TLS, planned (src/plan/tls.ts) without a machine: what every role sets outbound and what the
 * receiving roles offer inbound; the certificate the user names, or the one mailsetup finds
 * (certbot's lineage for myhostname, else Debian's snakeoil, made where missing); DANE only with
 * a validating resolver; encrypt with a smart-host login; the TLS already in main.cf (Debian's
 * main.cf.tls after `dpkg-reconfigure`, a hand setup) kept as the user's, shown, and replaced
 * only on request; the certificate checks as findings; certbot's deploy hook; tlsmgr; re-runs
 * and role switches.
 */
import { describe, expect, it } from 'vitest';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { HostFacts } from '../../src/model/host.js';
import { isEmptyPlan, type Plan } from '../../src/model/plan.js';
import { CERTBOT_DEPLOY_HOOK, MAIN_CF, MASTER_CF, STATE_PATH } from '../../src/model/paths.js';
import { certFilesKey, type CertFiles, type CertificateCheck, type HostTlsFacts } from '../../src/model/tls.js';
import { detect } from '../../src/plan/detect.js';
import { resolveForPlan } from '../../src/plan/lint/index.js';
import { plan, type PlanInput } from '../../src/plan/plan.js';
import { parseState } from '../../src/plan/state.js';
import { certificateCandidates, deployHookScript, mainCfCertificate } from '../../src/plan/tls.js';
import { MainCf } from '../../src/postfix/mainCf.js';
import { MasterCf } from '../../src/postfix/masterCf.js';
import { AnswersInvalid, resolveAnswers } from '../../src/roles/resolve.js';
import { questionsFor } from '../../src/roles/questions.js';
import { unusedAnswers, usedKeys } from '../../src/roles/usage.js';
import { afterPlan, fakeHost, freshFiles, templates } from '../helpers/host.js';
import { readDebian } from '../helpers/reference.js';

const T = templates();
const LE = '/etc/letsencrypt/live/mx.example.com';
const LE_FILES: CertFiles = { chain: [`${LE}/privkey.pem`, `${LE}/fullchain.pem`] };
const SNAKEOIL: CertFiles = {
  cert: '/etc/ssl/certs/ssl-cert-snakeoil.pem',
  key: '/etc/ssl/private/ssl-cert-snakeoil.key',
};

function tlsFacts(over: Partial<HostTlsFacts> = {}): HostTlsFacts {
  return {
    lineages: [],
    snakeoil: true,
    caBundle: true,
    sslCertGid: 103,
    resolver: { validating: false, nameservers: ['192.0.2.53'], detail: 'the resolver 192.0.2.53 is not on this host' },
    ...over,
  };
}

const VALIDATING = { validating: true, nameservers: ['127.0.0.1'], detail: '127.0.0.1 validates DNSSEC' };

function hostWith(tls: Partial<HostTlsFacts> = {}, over: Partial<HostFacts> = {}): HostFacts {
  return fakeHost({ tls: tlsFacts(tls), ...over });
}

/** A check with no problem for `files`, its leaf as given. */
function okCheck(
  files: CertFiles,
  subject = 'CN=mx.example.com',
  issuer = "CN=R11, O=Let's Encrypt",
): CertificateCheck {
  return {
    files,
    exists: true,
    errors: [],
    warnings: [],
    certificate: {
      subject,
      issuer,
      names: ['mx.example.com'],
      notBefore: '2026-11-01T00:00:00.000Z',
      notAfter: '2027-01-30T00:00:00.000Z',
      selfSigned: false,
      sha256: 'AA:BB',
    },
  };
}

function checks(...cs: CertificateCheck[]): Record<string, CertificateCheck> {
  return Object.fromEntries(cs.map((c) => [certFilesKey(c.files), c]));
}

function planFor(
  given: Partial<Answers> & { role: RoleId },
  files: Record<string, string | null>,
  host: HostFacts,
  extra: Partial<PlanInput> = {},
): Plan {
  const d = detect(files);
  const answers = resolveForPlan(given, host, d.answers, d.role);
  return plan({ answers, host, files, templates: T, ...extra });
}

function mainOf(p: Plan, files: Record<string, string | null> = {}): MainCf {
  const f = p.files.find((x) => x.path === MAIN_CF);
  return MainCf.parse(f?.after ?? files[MAIN_CF] ?? '');
}

const MS: Partial<Answers> & { role: RoleId } = { role: 'mail-server', postmaster: 'alice@example.com' };
const NC: Partial<Answers> & { role: RoleId } = {
  role: 'null-client',
  relayhost: '[smtp.example.net]:587',
  postmaster: 'admin@example.net',
};

/** The TLS parameters of a main.cf, name → value. */
function tlsParams(cf: MainCf): Record<string, string> {
  return Object.fromEntries(
    cf
      .entries()
      .filter((e) => /^smtpd?_(tls|dns|use_tls)/.test(e.name))
      .map((e) => [e.name, e.value]),
  );
}

describe('what each role gets', () => {
  it('every role sends with opportunistic TLS: the system CA store, a session cache, protocol floors, logging at level 1', () => {
    const p = planFor(NC, freshFiles(), hostWith());
    expect(tlsParams(mainOf(p))).toEqual({
      smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt',
      smtp_tls_loglevel: '1',
      smtp_tls_mandatory_protocols: '>=TLSv1.2',
      smtp_tls_protocols: '>=TLSv1',
      smtp_tls_security_level: 'may',
      smtp_tls_session_cache_database: 'btree:${data_directory}/smtp_scache',
    });
    expect(p.tls?.outbound).toMatch(
      /^opportunistic TLS \(may\): encrypted when the receiver offers STARTTLS, else plain; /,
    );
    expect(p.tls?.inbound).toBe('none: this role receives no mail (smtpd listens on loopback only)');
  });

  it('the session cache follows the host: lmdb where that is the map type (Debian 13), else btree', () => {
    const host = hostWith();
    const lmdb = { ...host, postfix: { ...host.postfix, defaultDatabaseType: 'lmdb' } };
    expect(mainOf(planFor(NC, freshFiles(), lmdb)).get('smtp_tls_session_cache_database')).toBe(
      'lmdb:${data_directory}/smtp_scache',
    );
  });

  for (const role of ['mail-server', 'backup-mx', 'firewall-relay'] as const) {
    it(`${role}: STARTTLS offered (may, never encrypt) with Debian's snakeoil when no Let's Encrypt lineage exists`, () => {
      const base: Record<string, Partial<Answers> & { role: RoleId }> = {
        'mail-server': MS,
        'backup-mx': {
          role,
          relay_domains: ['example.org'],
          relay_recipients: ['@example.org'],
          postmaster: 'admin@example.com',
        },
        'firewall-relay': {
          role,
          relay_domains: ['example.com'],
          transport: { 'example.com': 'relay:[mail.inside.example.com]' },
          relay_recipients: ['alice@example.com'],
          postmaster: 'postmaster@example.com',
        },
      };
      const p = planFor(base[role], freshFiles(), hostWith(), { certs: checks(okCheck(SNAKEOIL, 'CN=vm', 'CN=vm')) });
      const t = tlsParams(mainOf(p));
      expect(t).toMatchObject({
        smtpd_tls_security_level: 'may',
        smtpd_tls_cert_file: SNAKEOIL.cert,
        smtpd_tls_key_file: SNAKEOIL.key,
        smtpd_tls_loglevel: '1',
        smtpd_tls_protocols: '>=TLSv1',
        smtpd_tls_mandatory_protocols: '>=TLSv1.2',
        smtp_tls_security_level: 'may',
      });
      expect(t.smtpd_tls_chain_files).toBeUndefined();
      expect(p.tls?.inbound).toBe('STARTTLS offered on port 25 (may), never required; TLS logged at level 1');
      expect(p.tls?.certificate[0]).toBe(`Debian's snakeoil certificate: ${SNAKEOIL.cert}, ${SNAKEOIL.key}`);
      expect(p.tls?.notes.join('\n')).toContain("Debian's snakeoil certificate is self-signed");
      expect(p.makeSnakeoil).toBeUndefined();
      expect(p.files.map((f) => f.path)).not.toContain(CERTBOT_DEPLOY_HOOK);
    });
  }

  it("a Let's Encrypt lineage for myhostname wins over the snakeoil: smtpd_tls_chain_files (key, then full chain), and certbot's deploy hook", () => {
    const host = hostWith({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const p = planFor(MS, freshFiles(), host, { certs: checks(okCheck(LE_FILES)) });
    const t = tlsParams(mainOf(p));
    expect(t.smtpd_tls_chain_files).toBe(`${LE}/privkey.pem, ${LE}/fullchain.pem`);
    expect(t.smtpd_tls_cert_file).toBeUndefined();
    const hook = p.files.find((f) => f.path === CERTBOT_DEPLOY_HOOK);
    expect(hook).toMatchObject({ before: null, after: deployHookScript('mx.example.com'), mode: 0o755 });
    expect(p.tls?.certificate).toEqual([
      `the Let's Encrypt certificate: ${LE}/privkey.pem, ${LE}/fullchain.pem`,
      "  CN=mx.example.com, issued by CN=R11, O=Let's Encrypt",
      '  names: mx.example.com; valid until 2027-01-30',
    ]);
    expect(p.tls?.notes.at(-1)).toMatch(
      /^certbot's deploy hook \/etc\/letsencrypt\/renewal-hooks\/deploy\/mailsetup-postfix-reload reloads Postfix/,
    );
    // The hook is not Postfix's configuration: no check, no reload for it alone.
    expect(p.tls?.notes.join('\n')).not.toContain('snakeoil');
  });

  it('a lineage named otherwise whose certificate covers myhostname (a wildcard) is found too', () => {
    const host = hostWith({ lineages: [{ name: 'example.com', names: ['example.com', '*.example.com'] }] });
    const p = planFor(MS, freshFiles(), host);
    expect(mainOf(p).get('smtpd_tls_chain_files')).toBe(
      '/etc/letsencrypt/live/example.com/privkey.pem, /etc/letsencrypt/live/example.com/fullchain.pem',
    );
  });

  it('certbot_deploy_hook: false writes no hook and says a reload is needed after each renewal', () => {
    const host = hostWith({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const p = planFor({ ...MS, certbot_deploy_hook: false }, freshFiles(), host);
    expect(p.files.map((f) => f.path)).not.toContain(CERTBOT_DEPLOY_HOOK);
    expect(p.tls?.notes.join('\n')).toContain('without reloading Postfix (no deploy hook, as answered)');
  });

  it('the snakeoil missing on a Debian host: planned, and made before anything is written (or not under --root)', () => {
    const p = planFor(MS, freshFiles(), hostWith({ snakeoil: false }));
    expect(p.makeSnakeoil).toBe(true);
    expect(mainOf(p).get('smtpd_tls_cert_file')).toBe(SNAKEOIL.cert);
    expect(p.tls?.certificate[1]).toBe(
      '  missing: make-ssl-cert generate-default-snakeoil (ssl-cert) makes it before anything is written',
    );
    const sandbox = planFor(MS, freshFiles(), hostWith({ snakeoil: false }), { live: false });
    expect(sandbox.tls?.certificate[1]).toBe(
      '  missing: --root: it is made only on the live system (make-ssl-cert generate-default-snakeoil)',
    );
  });

  it('no certificate to be had (not Debian, no lineage): a warning, and no inbound TLS parameters', () => {
    const host = hostWith({ snakeoil: false }, { distro: { id: 'fedora', versionId: '41', debianLike: false } });
    const p = planFor(MS, freshFiles(), host);
    expect(Object.keys(tlsParams(mainOf(p))).filter((n) => n.startsWith('smtpd_'))).toEqual([]);
    expect(p.findings.find((f) => f.id === 'tls-no-certificate')?.level).toBe('warning');
    expect(p.tls?.inbound).toBe('no STARTTLS on port 25 (smtpd_tls_security_level = none)');
  });

  it('smtpd_tls_security_level: none turns STARTTLS off; encrypt is refused (never on port 25)', () => {
    const p = planFor({ ...MS, smtpd_tls_security_level: 'none' }, freshFiles(), hostWith());
    expect(mainOf(p).get('smtpd_tls_security_level')).toBe('none');
    expect(mainOf(p).get('smtpd_tls_cert_file')).toBeUndefined();
    expect(() => resolveAnswers({ ...MS, smtpd_tls_security_level: 'encrypt' }, hostWith())).toThrow(
      /never encrypt on port 25: a public MX must accept mail from senders without TLS \(RFC 3207\)/,
    );
  });

  it('a certificate named in the answers, in either form; its files are what main.cf names', () => {
    const chain = planFor({ ...MS, smtpd_tls_chain_files: ['/etc/ssl/private/mail.pem'] }, freshFiles(), hostWith());
    expect(mainOf(chain).get('smtpd_tls_chain_files')).toBe('/etc/ssl/private/mail.pem');
    const pair = planFor(
      { ...MS, smtpd_tls_cert_file: '/etc/ssl/certs/mail.pem', smtpd_tls_key_file: '/etc/ssl/private/mail.key' },
      freshFiles(),
      hostWith(),
    );
    expect(tlsParams(mainOf(pair))).toMatchObject({
      smtpd_tls_cert_file: '/etc/ssl/certs/mail.pem',
      smtpd_tls_key_file: '/etc/ssl/private/mail.key',
    });
    const both = () =>
      resolveAnswers({ ...MS, smtpd_tls_chain_files: ['/a.pem'], smtpd_tls_cert_file: '/b.pem' }, hostWith());
    expect(both).toThrow('give smtpd_tls_chain_files or smtpd_tls_cert_file/smtpd_tls_key_file, not both');
    expect(() => resolveAnswers({ ...MS, smtpd_tls_chain_files: ['relative.pem'] }, hostWith())).toThrow(
      'must be an absolute file path without spaces, commas or "$"',
    );
    expect(() => resolveAnswers({ ...MS, smtpd_tls_key_file: '/k.pem' }, hostWith())).toThrow(
      'needs smtpd_tls_cert_file',
    );
  });
});

describe('the certificate check, as findings', () => {
  const named = { ...MS, smtpd_tls_chain_files: ['/etc/ssl/private/mail.pem'] };
  const files: CertFiles = { chain: ['/etc/ssl/private/mail.pem'] };
  const bad = (errors: string[], warnings: string[] = []): Record<string, CertificateCheck> =>
    checks({ ...okCheck(files), errors, warnings });

  it('errors of the certificate the plan would name stop the apply (not overridable); warnings are shown', () => {
    const p = planFor(named, freshFiles(), hostWith(), {
      certs: bad(
        [
          'the private key in /etc/ssl/private/mail.pem does not match the certificate in /etc/ssl/private/mail.pem (CN=x)',
        ],
        ['the certificate in /etc/ssl/private/mail.pem expires on 2026-12-10, in 4 days: renew it'],
      ),
    });
    expect(p.findings.filter((f) => f.id === 'tls-certificate')).toEqual([
      {
        id: 'tls-certificate',
        level: 'error',
        message:
          'the certificate named in the answers: the private key in /etc/ssl/private/mail.pem does not match the ' +
          'certificate in /etc/ssl/private/mail.pem (CN=x)',
      },
      {
        id: 'tls-certificate',
        level: 'warning',
        message:
          'the certificate named in the answers: the certificate in /etc/ssl/private/mail.pem expires on 2026-12-10, in 4 days: renew it',
      },
    ]);
  });

  it("a Let's Encrypt certificate that expired stops the apply too", () => {
    const host = hostWith({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const p = planFor(MS, freshFiles(), host, {
      certs: checks({
        ...okCheck(LE_FILES),
        errors: [`the certificate in ${LE}/fullchain.pem (CN=mx.example.com) expired on 2026-11-01: renew it`],
      }),
    });
    expect(p.findings.find((f) => f.level === 'error')?.message).toBe(
      `the Let's Encrypt certificate: the certificate in ${LE}/fullchain.pem (CN=mx.example.com) expired on 2026-11-01: renew it`,
    );
  });

  it('the candidates the session checks: the named one, the one in main.cf, the one found (an existing snakeoil)', () => {
    const host = hostWith({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const a = resolveAnswers(named, host);
    const main = MainCf.parse('smtpd_tls_cert_file = ${config_directory}/cert.pem\n');
    expect(certificateCandidates(a, host, main).map(certFilesKey)).toEqual([
      'chain:/etc/ssl/private/mail.pem',
      'pair:/etc/postfix/cert.pem,/etc/postfix/cert.pem',
      `chain:${LE}/privkey.pem,${LE}/fullchain.pem`,
    ]);
    expect(
      certificateCandidates(
        resolveAnswers(MS, hostWith({ snakeoil: false })),
        hostWith({ snakeoil: false }),
        MainCf.parse(''),
      ),
    ).toEqual([]);
    expect(
      mainCfCertificate(MainCf.parse('smtpd_tls_chain_files = /a.pem /b.pem\nsmtpd_tls_cert_file = /c.pem\n')),
    ).toEqual({
      chain: ['/a.pem', '/b.pem'],
    });
  });
});

describe('outbound levels', () => {
  it('a smart host with a login: encrypt, whatever else is asked (the login never crosses in clear)', () => {
    const sasl = { ...NC, smtp_sasl: { username: 'me@example.net', password: 'pw' } };
    expect(mainOf(planFor(sasl, freshFiles(), hostWith())).get('smtp_tls_security_level')).toBe('encrypt');
    const p = planFor({ ...sasl, smtp_tls_security_level: 'may' }, freshFiles(), hostWith());
    expect(mainOf(p).get('smtp_tls_security_level')).toBe('encrypt');
    expect(p.findings.find((f) => f.id === 'tls-smarthost-encrypt')?.message).toBe(
      'smtp_tls_security_level: encrypt, not may: the smart host login must never cross in clear',
    );
    expect(p.tls?.outbound).toMatch(
      /^mandatory TLS \(encrypt\) to the relay host \[smtp\.example\.net\]:587 \(its login never crosses in clear\)/,
    );
  });

  it('dane by default where a validating resolver runs on loopback, with DNSSEC lookups', () => {
    const p = planFor(MS, freshFiles(), hostWith({ resolver: VALIDATING }));
    expect(tlsParams(mainOf(p))).toMatchObject({ smtp_tls_security_level: 'dane', smtp_dns_support_level: 'dnssec' });
    expect(p.tls?.outbound).toContain('127.0.0.1 validates DNSSEC');
    expect(p.findings.filter((f) => f.id === 'dane-without-resolver')).toEqual([]);
  });

  it('dane asked without a validating resolver: an error, lifted only by its override; may is the default there', () => {
    const p = planFor({ ...MS, smtp_tls_security_level: 'dane' }, freshFiles(), hostWith());
    const f = p.findings.find((x) => x.id === 'dane-without-resolver');
    expect(f).toMatchObject({ level: 'error', override: 'dane-without-resolver' });
    expect(f?.message).toContain(
      'but the resolver 192.0.2.53 is not on this host: without DNSSEC validation DANE authenticates nothing',
    );
    const over = planFor(
      { ...MS, smtp_tls_security_level: 'dane', overrides: ['dane-without-resolver'] },
      freshFiles(),
      hostWith(),
    );
    expect(over.findings.find((x) => x.id === 'dane-without-resolver')?.level).toBe('warning');
    expect(over.tls?.outbound).toContain('NO validating resolver: acts as may');
    expect(mainOf(planFor(MS, freshFiles(), hostWith())).get('smtp_tls_security_level')).toBe('may');
  });

  it('encrypt for direct delivery: a warning; none is refused', () => {
    const p = planFor({ ...MS, smtp_tls_security_level: 'encrypt' }, freshFiles(), hostWith());
    expect(p.findings.find((f) => f.id === 'encrypt-without-relayhost')?.level).toBe('warning');
    expect(() => resolveAnswers({ ...MS, smtp_tls_security_level: 'none' }, hostWith())).toThrow(AnswersInvalid);
  });
});

describe("TLS already in main.cf is the user's", () => {
  /** main.cf after `dpkg-reconfigure postfix` (Internet Site) on a box with the snakeoil: main.cf.debian + main.cf.tls + answers. */
  const debconf = (): Record<string, string | null> => ({
    ...freshFiles(),
    [MAIN_CF]:
      readDebian('main.cf.debian') +
      readDebian('main.cf.tls') +
      'smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination\n' +
      'myhostname = mx.example.com\nalias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\n' +
      'mydestination = $myhostname, example.com, localhost\nrelayhost =\nmynetworks = 127.0.0.0/8\n' +
      'inet_interfaces = all\ninet_protocols = all\n',
  });

  it('kept byte for byte, listed in the preview, not owned; mailsetup adds only what is missing', () => {
    const files = debconf();
    const host = hostWith({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const p = planFor(MS, files, host);
    const before = MainCf.parse(files[MAIN_CF] as string);
    const after = mainOf(p);
    for (const n of [
      'smtpd_tls_cert_file',
      'smtpd_tls_key_file',
      'smtpd_tls_security_level',
      'smtp_tls_CApath',
      'smtp_tls_security_level',
      'smtp_tls_session_cache_database',
    ])
      expect(after.get(n), n).toBe(before.get(n));
    expect(after.get('smtp_tls_CAfile')).toBeUndefined();
    expect(after.get('smtpd_tls_chain_files')).toBeUndefined();
    expect(after.get('smtp_tls_loglevel')).toBe('1');
    expect(after.get('smtpd_tls_mandatory_protocols')).toBe('>=TLSv1.2');
    expect(p.tls?.kept.map((k) => k.name).sort()).toEqual([
      'smtp_tls_CApath',
      'smtp_tls_security_level',
      'smtp_tls_session_cache_database',
      'smtpd_tls_cert_file',
      'smtpd_tls_key_file',
      'smtpd_tls_security_level',
    ]);
    expect(p.tls?.certificate[0]).toBe(
      'your certificate (kept from main.cf): /etc/ssl/certs/ssl-cert-snakeoil.pem, /etc/ssl/private/ssl-cert-snakeoil.key',
    );
    expect(p.tls?.notes.join('\n')).toContain(
      "a Let's Encrypt certificate for mx.example.com exists (/etc/letsencrypt/live/mx.example.com/): " +
        'to use it instead of yours, list the override replace-tls-settings',
    );
    const state = parseState(p.files.find((f) => f.path === STATE_PATH)?.after ?? '');
    expect(
      Object.keys(state.main.owned)
        .filter((n) => /tls/.test(n))
        .sort(),
    ).toEqual([
      'smtp_tls_loglevel',
      'smtp_tls_mandatory_protocols',
      'smtp_tls_protocols',
      'smtpd_tls_loglevel',
      'smtpd_tls_mandatory_protocols',
      'smtpd_tls_protocols',
    ]);
    // The kept level is not recorded as mailsetup's answer: a later hand edit of it stays the user's.
    expect(state.answers.smtp_tls_security_level).toBeUndefined();
    // A re-run changes nothing; a hand edit of a kept parameter later stays too.
    const applied = afterPlan(files, p);
    expect(isEmptyPlan(planFor(MS, applied, host))).toBe(true);
    const edited = {
      ...applied,
      [MAIN_CF]: (applied[MAIN_CF] as string).replace('smtp_tls_security_level=may', 'smtp_tls_security_level=encrypt'),
    };
    const again = planFor(MS, edited, host);
    expect(mainOf(again, edited).get('smtp_tls_security_level')).toBe('encrypt');
  });

  it("the override replace-tls-settings takes mailsetup's values (and is not remembered)", () => {
    const files = debconf();
    const host = hostWith({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const p = planFor({ ...MS, overrides: ['replace-tls-settings'] }, files, host);
    const after = mainOf(p);
    expect(after.get('smtpd_tls_chain_files')).toBe(`${LE}/privkey.pem, ${LE}/fullchain.pem`);
    // Postfix warns when both forms are set: the older one is emptied.
    expect(after.get('smtpd_tls_cert_file')).toBe('');
    expect(after.get('smtpd_tls_key_file')).toBe('');
    expect(after.get('smtp_tls_CAfile')).toBe('/etc/ssl/certs/ca-certificates.crt');
    expect(p.tls?.kept).toEqual([]);
    const state = parseState(p.files.find((f) => f.path === STATE_PATH)?.after ?? '');
    expect(state.answers.overrides).toEqual([]);
    expect(state.main.previous.smtpd_tls_cert_file).toBe('/etc/ssl/certs/ssl-cert-snakeoil.pem');
    expect(p.files.map((f) => f.path)).toContain(CERTBOT_DEPLOY_HOOK);
    // Taken once, they are mailsetup's: a re-run without the override changes nothing (the emptied form stays empty).
    const rerun = planFor(MS, afterPlan(files, p), host);
    expect(rerun.params.map((x) => [x.name, x.before, x.after])).toEqual([]);
    expect(isEmptyPlan(rerun)).toBe(true);
  });

  it('an answer that asks for another value replaces that setting only', () => {
    const p = planFor({ ...MS, smtp_tls_security_level: 'encrypt' }, debconf(), hostWith());
    expect(mainOf(p).get('smtp_tls_security_level')).toBe('encrypt');
    expect(mainOf(p).get('smtpd_tls_cert_file')).toBe('/etc/ssl/certs/ssl-cert-snakeoil.pem');
    expect(p.tls?.kept.map((k) => k.name)).not.toContain('smtp_tls_security_level');
    // The detected level is the wizard's default: equal to main.cf's, it stays the user's.
    expect(detect(debconf()).answers.smtp_tls_security_level).toBe('may');
  });

  it('errors in a kept certificate are warnings: mailsetup does not write it', () => {
    const p = planFor(MS, debconf(), hostWith(), {
      certs: checks({ ...okCheck(SNAKEOIL), errors: ['the certificate in x expired on 2026-01-01: renew it'] }),
    });
    expect(p.findings.filter((f) => f.id === 'tls-certificate')).toEqual([
      {
        id: 'tls-certificate',
        level: 'warning',
        message:
          'your certificate (kept from main.cf): the certificate in x expired on 2026-01-01: renew it ' +
          '(mailsetup does not change it; replace it, or name another)',
      },
    ]);
  });
});

describe('warnings about settings that stay', () => {
  it("encrypt on port 25 (the user's, kept): a warning that senders without TLS are refused", () => {
    const files = {
      ...freshFiles(),
      [MAIN_CF]: `${readDebian('main.cf.debian')}smtpd_tls_security_level = encrypt\nsmtpd_tls_cert_file = /etc/ssl/certs/mail.pem\n`,
    };
    const p = planFor(MS, files, hostWith());
    expect(mainOf(p).get('smtpd_tls_security_level')).toBe('encrypt');
    expect(p.findings.find((f) => f.id === 'encrypt-on-port-25')).toMatchObject({ level: 'warning' });
    expect(p.findings.find((f) => f.id === 'encrypt-on-port-25')?.message).toMatch(
      /^smtpd_tls_security_level = encrypt: senders without STARTTLS are refused on port 25/,
    );
  });

  it('a certificate named for a null client is not used, and the preview says so', () => {
    const p = planFor({ ...NC, smtpd_tls_chain_files: ['/etc/ssl/private/mail.pem'] }, freshFiles(), hostWith());
    expect(mainOf(p).get('smtpd_tls_chain_files')).toBeUndefined();
    expect(p.tls?.notes).toContain(
      'the certificate in the answers is not used: this role receives no mail (no STARTTLS to offer)',
    );
  });
});

describe('re-runs, role switches, master.cf', () => {
  it("a re-run with a new Let's Encrypt certificate switches from the snakeoil (mailsetup's own choice is not the user's)", () => {
    const first = planFor(MS, freshFiles(), hostWith());
    const files = afterPlan(freshFiles(), first);
    expect(isEmptyPlan(planFor(MS, files, hostWith()))).toBe(true);
    const le = hostWith({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const p = planFor({ role: 'mail-server' }, files, le);
    expect(p.params.map((x) => [x.name, x.after])).toEqual([
      ['smtpd_tls_cert_file', undefined],
      ['smtpd_tls_chain_files', `${LE}/privkey.pem, ${LE}/fullchain.pem`],
      ['smtpd_tls_key_file', undefined],
    ]);
    expect(p.actions.map((a) => a.kind)).toEqual(['postfix-check', 'reload']);
  });

  it("mail server → null client → mail server: the inbound TLS and certbot's hook go and come back, byte for byte", () => {
    const le = hostWith({ lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }] });
    const a = afterPlan(freshFiles(), planFor(MS, freshFiles(), le));
    expect(a[CERTBOT_DEPLOY_HOOK]).toBe(deployHookScript('mx.example.com'));
    const nc = planFor(NC, a, le);
    const b = afterPlan(a, nc);
    expect(b[CERTBOT_DEPLOY_HOOK]).toBeNull();
    expect(Object.keys(tlsParams(MainCf.parse(b[MAIN_CF] as string))).filter((n) => n.startsWith('smtpd_'))).toEqual(
      [],
    );
    expect(nc.actions.map((x) => x.kind)).toContain('restart');
    const back = afterPlan(b, planFor({ ...MS, relayhost: '' }, b, le));
    for (const path of [MAIN_CF, MASTER_CF, CERTBOT_DEPLOY_HOOK]) expect(back[path], path).toBe(a[path]);
  });

  it('tlsmgr is put back in master.cf where it is missing (chroot as the answers say), and left alone where present', () => {
    const files = freshFiles();
    files[MASTER_CF] = (files[MASTER_CF] as string).replace(/^tlsmgr .*\n/m, '');
    expect(MasterCf.parse(files[MASTER_CF] as string).get('tlsmgr', 'unix')).toBeUndefined();
    const p = planFor({ ...MS, chroot: false }, files, hostWith());
    const master = MasterCf.parse(p.files.find((f) => f.path === MASTER_CF)?.after ?? '');
    expect(master.get('tlsmgr', 'unix')).toMatchObject({
      command: 'tlsmgr',
      wakeup: '1000?',
      process_limit: '1',
      chroot: 'n',
    });
    const fresh = planFor(MS, freshFiles(), hostWith());
    expect(fresh.files.map((f) => f.path)).not.toContain(MASTER_CF);
  });
});

describe('TLS and re-runs you can trust (issue 13)', () => {
  /** main.cf with `name = value` in place of its current line (postconf -e). */
  function handEdit(files: Record<string, string | null>, name: string, value: string): Record<string, string | null> {
    const main = files[MAIN_CF] ?? '';
    const re = new RegExp(`^${name} =.*$`, 'm');
    expect(main).toMatch(re);
    return { ...files, [MAIN_CF]: main.replace(re, `${name} = ${value}`) };
  }
  const state = (files: Record<string, string | null>) => parseState(files[STATE_PATH] ?? '');

  it('the TLS answers count as used by the roles that apply them; a null client refuses the inbound ones', () => {
    const inbound = [
      'smtpd_tls_security_level',
      'smtpd_tls_chain_files',
      'smtpd_tls_cert_file',
      'smtpd_tls_key_file',
      'certbot_deploy_hook',
    ] as const;
    for (const role of ['mail-server', 'backup-mx', 'firewall-relay'] as const)
      expect(usedKeys(role), role).toEqual(expect.arrayContaining(['smtp_tls_security_level', ...inbound]));
    const tlsAnswers: Partial<Answers> = {
      smtp_tls_security_level: 'may',
      smtpd_tls_security_level: 'none',
      smtpd_tls_cert_file: '/etc/ssl/certs/mail.pem',
      smtpd_tls_key_file: '/etc/ssl/private/mail.key',
      certbot_deploy_hook: false,
    };
    expect(unusedAnswers({ ...MS, ...tlsAnswers }, 'mail-server')).toEqual([]);
    expect(
      unusedAnswers({ ...NC, ...tlsAnswers, smtpd_tls_chain_files: ['/etc/ssl/private/m.pem'] }, 'null-client'),
    ).toEqual([
      'smtpd_tls_security_level',
      'smtpd_tls_cert_file',
      'smtpd_tls_key_file',
      'certbot_deploy_hook',
      'smtpd_tls_chain_files',
    ]);
    // The state file records the TLS answers the role applied.
    const files = afterPlan(freshFiles(), planFor({ ...MS, ...tlsAnswers }, freshFiles(), hostWith()));
    expect(state(files).answers).toMatchObject(tlsAnswers);
  });

  it('smtp_tls_security_level changed by hand: kept on every re-run, never recorded as an answer, and a hand revert stays', () => {
    const host = hostWith();
    const first = afterPlan(freshFiles(), planFor(MS, freshFiles(), host));
    expect(state(first).main.owned.smtp_tls_security_level).toBe('may');
    let files = handEdit(first, 'smtp_tls_security_level', 'encrypt');
    for (let run = 1; run <= 3; run++) {
      const p = planFor({ role: 'mail-server' }, files, host);
      expect(p.drift, `run ${run}`).toEqual([{ name: 'smtp_tls_security_level', ours: 'may', now: 'encrypt' }]);
      expect(p.findings.find((f) => f.id === 'hand-edit')?.message, `run ${run}`).toContain('keeping the hand edit');
      files = afterPlan(files, p);
      expect(mainOf(p, files).get('smtp_tls_security_level'), `run ${run}`).toBe('encrypt');
      expect(state(files).main.owned.smtp_tls_security_level, `run ${run}`).toBe('may');
      expect(state(files).answers.smtp_tls_security_level, `run ${run}`).toBeUndefined();
    }
    // Put back by hand: mailsetup's value again, and nothing to do (the hand edit was never an answer).
    const back = handEdit(files, 'smtp_tls_security_level', 'may');
    const p = planFor({ role: 'mail-server' }, back, host);
    expect(p.drift).toEqual([]);
    expect(isEmptyPlan(p)).toBe(true);
  });

  it("the certificate mailsetup found, changed by hand: the user's files stay, mailsetup's snakeoil stays its record", () => {
    const host = hostWith();
    const first = afterPlan(freshFiles(), planFor(MS, freshFiles(), host));
    expect(state(first).main.owned.smtpd_tls_cert_file).toBe(SNAKEOIL.cert);
    const mine = handEdit(
      handEdit(first, 'smtpd_tls_cert_file', '/etc/ssl/certs/mine.pem'),
      'smtpd_tls_key_file',
      '/etc/ssl/private/mine.key',
    );
    let files = mine;
    for (let run = 1; run <= 2; run++) {
      const p = planFor({ role: 'mail-server' }, files, host);
      expect(p.drift.map((d) => d.name).sort(), `run ${run}`).toEqual(['smtpd_tls_cert_file', 'smtpd_tls_key_file']);
      files = afterPlan(files, p);
      expect(files[MAIN_CF], `run ${run}`).toBe(mine[MAIN_CF]);
      expect(state(files).main.owned.smtpd_tls_cert_file, `run ${run}`).toBe(SNAKEOIL.cert);
      expect(state(files).answers.smtpd_tls_cert_file, `run ${run}`).toBeUndefined();
    }
    // Taking mailsetup's values back (overwrite-hand-edits) restores the snakeoil.
    const p = planFor({ role: 'mail-server', overrides: ['overwrite-hand-edits'] }, files, host);
    expect(mainOf(p, files).get('smtpd_tls_cert_file')).toBe(SNAKEOIL.cert);
    expect(mainOf(p, files).get('smtpd_tls_key_file')).toBe(SNAKEOIL.key);
  });

  it('the wizard asks a TLS level changed by hand even where it would not ask it (no validating resolver), and says so', () => {
    const host = hostWith();
    const files = handEdit(
      afterPlan(freshFiles(), planFor(MS, freshFiles(), host)),
      'smtp_tls_security_level',
      'encrypt',
    );
    const d = detect(files);
    expect(questionsFor('mail-server', host, d.answers, d.role).map((q) => q.key)).not.toContain(
      'smtp_tls_security_level',
    );
    const q = questionsFor('mail-server', host, d.answers, d.role, {}, {}, d.handEdits ?? []).find(
      (x) => x.key === 'smtp_tls_security_level',
    );
    expect(q?.default).toBe('encrypt');
    expect(q?.explain).toMatch(/^changed by hand: main.cf has encrypt, mailsetup had set may/);
  });
});
