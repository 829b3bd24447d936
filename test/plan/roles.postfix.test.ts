/**
 * Each role's plan, written into a private config directory and read back by the real
 * `postconf -c DIR -n`; `postfix -c DIR check` must accept it (root only: postfix refuses other users).
 * Once on mailsetup's bundled templates (Debian 12's), and once on this box's own package's
 * (/usr/share/postfix/main.cf.debian, master.cf.dist), as mailsetup uses them on a fresh box.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { plan, type Templates } from '../../src/plan/plan.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { loadTemplates, PACKAGE_MAIN_CF } from '../../src/system/templates.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { writeSettled } from '../helpers/settled.js';

const host = fakeHost();
const AS_ROOT = needsRoot('postfix check of each role', 'postfix refuses other users');

interface Case {
  answers: Partial<Answers> & { role: RoleId };
  /** postconf -n lines, config_directory excluded. */
  expected: string[];
}

// The lines every plan on Debian's main.cf template shares.
const DEBIAN = [
  'append_dot_mydomain = no',
  'biff = no',
  'compatibility_level = 3.6',
  'readme_directory = no',
  'smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)',
];
const COMMON = [
  'alias_database = hash:/etc/aliases',
  'alias_maps = hash:/etc/aliases',
  'mydomain = example.com',
  'myhostname = mx.example.com',
  'myorigin = $mydomain',
  'notify_classes = resource, software',
];
// TLS (issue 17): outbound on every role, STARTTLS with Debian's snakeoil on the roles that receive mail.
const OUTBOUND = [
  'smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt',
  'smtp_tls_loglevel = 1',
  'smtp_tls_mandatory_protocols = >=TLSv1.2',
  'smtp_tls_protocols = >=TLSv1',
  'smtp_tls_security_level = may',
  'smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache',
];
const INBOUND = [
  ...OUTBOUND,
  'smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem',
  'smtpd_tls_key_file = /etc/ssl/private/ssl-cert-snakeoil.key',
  'smtpd_tls_loglevel = 1',
  'smtpd_tls_mandatory_protocols = >=TLSv1.2',
  'smtpd_tls_protocols = >=TLSv1',
  'smtpd_tls_security_level = may',
];

const CASES: Case[] = [
  {
    answers: { role: 'null-client', relayhost: '[smtp.example.net]:587', postmaster: 'admin@example.net' },
    expected: [
      ...OUTBOUND,
      ...COMMON,
      'inet_interfaces = loopback-only',
      'inet_protocols = all',
      'mydestination =',
      'mynetworks = 127.0.0.0/8, [::1]/128',
      'relay_domains =',
      'relayhost = [smtp.example.net]:587',
      'virtual_alias_maps = hash:/etc/postfix/virtual',
    ],
  },
  {
    answers: { role: 'mail-server', postmaster: 'alice@example.com', inet_protocols: 'ipv4' },
    expected: [
      ...INBOUND,
      ...COMMON,
      'inet_interfaces = all',
      'inet_protocols = ipv4',
      'mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain',
      'mynetworks = 127.0.0.0/8, 192.168.10.0/24',
      'relay_domains =',
      'relayhost =',
      'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
    ],
  },
  {
    answers: {
      role: 'backup-mx',
      myhostname: 'mx2.example.com',
      relay_domains: ['example.org'],
      transport: { 'example.org': 'relay:[mx1.example.org]' },
      relay_recipients: ['@example.org'],
      proxy_interfaces: ['203.0.113.5'],
      postmaster: 'admin@example.com',
    },
    expected: [
      ...INBOUND,
      ...COMMON.map((l) => (l.startsWith('myhostname') ? 'myhostname = mx2.example.com' : l)),
      'inet_interfaces = all',
      'inet_protocols = all',
      'mydestination = $myhostname, localhost.$mydomain, localhost',
      'mynetworks = 127.0.0.0/8, [::1]/128',
      'proxy_interfaces = 203.0.113.5',
      'relay_domains = example.org',
      'relay_recipient_maps = hash:/etc/postfix/relay_recipients',
      'relayhost =',
      'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
      'transport_maps = hash:/etc/postfix/transport',
    ],
  },
  {
    answers: {
      role: 'firewall-relay',
      myhostname: 'gw.example.com',
      relay_domains: ['example.com'],
      transport: { 'example.com': 'relay:[mail.inside.example.com]' },
      relay_recipients: ['alice@example.com', 'bob@example.com'],
      postmaster: 'postmaster@example.com',
      inet_protocols: 'ipv4',
    },
    expected: [
      ...INBOUND,
      ...COMMON.map((l) => (l.startsWith('myhostname') ? 'myhostname = gw.example.com' : l)),
      'inet_interfaces = all',
      'inet_protocols = ipv4',
      'local_recipient_maps =',
      'local_transport = error:local mail delivery is disabled',
      'mydestination =',
      'mynetworks = 127.0.0.0/8, 192.168.10.0/24',
      'parent_domain_matches_subdomains = debug_peer_list smtpd_access_maps',
      'relay_domains = example.com',
      'relay_recipient_maps = hash:/etc/postfix/relay_recipients',
      'relayhost =',
      'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
      'transport_maps = hash:/etc/postfix/transport',
      'virtual_alias_maps = hash:/etc/postfix/virtual',
    ],
  },
];

/** postconf -n of a main.cf alone, config_directory excluded (3.7 prints it under -c, 3.10 does not). */
function postconfN(cfg: string): { lines: string[]; stderr: string; status: number | null } {
  const n = spawnSync('postconf', ['-c', cfg, '-n'], { encoding: 'utf8' });
  const lines = n.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('config_directory ='));
  return { lines, stderr: n.stderr, status: n.status };
}

const INSTALLED = existsSync(PACKAGE_MAIN_CF);

describePostfix('each role read back by the real postconf and postfix check', () => {
  let dir: string;
  let installed: Templates;
  /** postconf -n of the package's main.cf.debian alone. */
  let packageLines: string[] = [];
  beforeAll(async () => {
    dir = tempDir();
    installed = await loadTemplates(createRealEffects('/'));
    const cfg = join(dir, 'package-template');
    mkdirSync(cfg);
    writeSettled(join(cfg, 'main.cf'), installed.mainCf);
    writeSettled(join(cfg, 'master.cf'), installed.masterCf);
    packageLines = postconfN(cfg).lines;
  });
  afterAll(() => cleanup(dir));

  /** The role's main.cf and master.cf written into DIR/<role>[-package]; returns that directory. */
  function writeRole(c: Case, which: 'bundled' | 'package'): string {
    const answers = resolveAnswers(c.answers, host);
    const t = which === 'bundled' ? templates() : installed;
    // A fresh box: master.cf as the package installed it, no main.cf.
    const files = which === 'bundled' ? freshFiles() : { ...freshFiles(), '/etc/postfix/master.cf': t.masterCf };
    const p = plan({ answers, host, files, templates: t });
    expect(p.findings.filter((f) => f.level === 'error')).toEqual([]);
    const cfg = join(dir, `${c.answers.role}-${which}`);
    mkdirSync(cfg, { recursive: true });
    const main = p.files.find((f) => f.path === '/etc/postfix/main.cf');
    const master = p.files.find((f) => f.path === '/etc/postfix/master.cf');
    // Finished fixtures, dated a minute back (helpers/settled.ts): postconf and postfix check do
    // not wait for a just-written main.cf to settle.
    writeSettled(join(cfg, 'main.cf'), main?.after ?? '');
    writeSettled(join(cfg, 'master.cf'), master?.after ?? t.masterCf);
    return cfg;
  }

  for (const c of CASES) {
    it(`${c.answers.role}: postconf -n shows the canonical settings`, () => {
      const n = postconfN(writeRole(c, 'bundled'));
      expect(n.stderr).toBe('');
      expect(n.status).toBe(0);
      expect(n.lines).toEqual([...DEBIAN, ...c.expected].sort());
    });

    it.skipIf(!AS_ROOT)(`${c.answers.role}: postfix check accepts it`, () => {
      const cfg = writeRole(c, 'bundled');
      const check = spawnSync('postfix', ['-c', cfg, 'check'], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });

    it.skipIf(!INSTALLED)(
      `${c.answers.role} on this box's own package template: the role's settings, the package's others`,
      () => {
        const n = postconfN(writeRole(c, 'package'));
        expect(n.stderr).toBe('');
        expect(n.status).toBe(0);
        const name = (line: string): string => line.split(' ')[0];
        const ours = new Set(c.expected.map(name));
        const kept = packageLines.filter((l) => !ours.has(name(l)));
        expect(n.lines).toEqual([...kept, ...c.expected].sort());
      },
    );

    it.skipIf(!INSTALLED || !AS_ROOT)(`${c.answers.role} on this box's own package template: postfix check`, () => {
      const check = spawnSync('postfix', ['-c', writeRole(c, 'package'), 'check'], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  }
});
