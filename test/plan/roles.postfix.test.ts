/**
 * Each role's plan, written into a private config directory and read back by the real
 * `postconf -c DIR -n`; `postfix -c DIR check` must accept it (root only: postfix refuses other users).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { plan } from '../../src/plan/plan.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';

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

describePostfix('each role read back by the real postconf and postfix check', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => cleanup(dir));

  /** The role's main.cf and master.cf written into DIR/<role>; returns that directory. */
  function writeRole(c: Case): string {
    const answers = resolveAnswers(c.answers, host);
    const p = plan({ answers, host, files: freshFiles(), templates: templates() });
    expect(p.findings.filter((f) => f.level === 'error')).toEqual([]);
    const cfg = join(dir, c.answers.role);
    mkdirSync(cfg, { recursive: true });
    const main = p.files.find((f) => f.path === '/etc/postfix/main.cf');
    const master = p.files.find((f) => f.path === '/etc/postfix/master.cf');
    writeFileSync(join(cfg, 'main.cf'), main?.after ?? '');
    writeFileSync(join(cfg, 'master.cf'), master?.after ?? freshFiles()['/etc/postfix/master.cf'] ?? '');
    return cfg;
  }

  for (const c of CASES) {
    it(`${c.answers.role}: postconf -n shows the canonical settings`, () => {
      const cfg = writeRole(c);
      const n = spawnSync('postconf', ['-c', cfg, '-n'], { encoding: 'utf8' });
      expect(n.stderr).toBe('');
      expect(n.status).toBe(0);
      const lines = n.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('config_directory ='));
      expect(lines).toEqual([...DEBIAN, ...c.expected].sort());
    });

    it.skipIf(!AS_ROOT)(`${c.answers.role}: postfix check accepts it`, () => {
      const cfg = writeRole(c);
      const check = spawnSync('postfix', ['-c', cfg, 'check'], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  }
});
