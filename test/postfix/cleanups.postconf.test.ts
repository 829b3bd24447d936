/**
 * The opt-in clean-ups (src/plan/cleanups.ts) against the installed Postfix: the deprecated
 * parameters it reports (3.9+; none on older releases), each migration read back by postconf with
 * the replacement's value and no warning left, and value comments moved out so that postconf reads
 * the value without them (3.10+ then warns no more). Runs on whichever release is installed
 * (.ci/debian13 runs it on 3.10).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findDeprecated, findValueComments, fixValueComments, migrateDeprecated } from '../../src/plan/cleanups.js';
import { deprecatedParameters } from '../../src/system/hostFacts.js';
import { cleanup, describePostfix, fixedIn, postconf, postfixVersion, tempDir } from '../helpers/postfix.js';
import { writeSettled } from '../helpers/settled.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

/** postconf -c DIR ARGS on `text` as main.cf (dated a minute back: postconf does not wait for it to settle). */
function on(text: string, args: string[]) {
  const dir = tempDir('mailsetup-cleanups-');
  dirs.push(dir);
  mkdirSync(dir, { recursive: true });
  writeSettled(join(dir, 'main.cf'), text);
  writeFileSync(join(dir, 'master.cf'), '');
  return postconf(dir, args);
}

/** An upgraded box's main.cf: the deprecated parameters Debian's older main.cf carried. */
const UPGRADED = [
  'myhostname = mail.example.com',
  'smtpd_use_tls = yes',
  'smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem',
  'smtp_use_tls = yes',
  'smtp_enforce_tls = no',
  'disable_dns_lookups = yes',
  'smtpd_tls_dh1024_param_file = /etc/ssl/dh.pem',
  'smtpd_tls_eecdh_grade = strong',
  '',
].join('\n');

/** What each migration must leave, as postconf -h reads it. */
const MIGRATED: Record<string, string> = {
  smtpd_tls_security_level: 'may',
  smtp_tls_security_level: 'may',
  smtp_dns_support_level: 'disabled',
};

const WARNS = fixedIn(postfixVersion(), ['3.9.0']);

describePostfix(`deprecated parameters with the installed Postfix ${postfixVersion()}`, () => {
  it(`postconf ${WARNS ? 'names each one once per file' : 'names none (before 3.9)'}`, () => {
    const r = on(UPGRADED, ['-h', 'default_database_type']);
    const found = deprecatedParameters(r.stderr).map((d) => d.name);
    expect(found.sort()).toEqual(
      WARNS
        ? [
            'disable_dns_lookups',
            'smtp_enforce_tls',
            'smtp_use_tls',
            'smtpd_tls_dh1024_param_file',
            'smtpd_tls_eecdh_grade',
            'smtpd_use_tls',
          ]
        : [],
    );
  });

  it('the migration: the replacements read back by postconf, and no warning left', () => {
    // The list Postfix 3.9+ reports, so the migration is tested on any release.
    const reported = [
      'smtpd_use_tls',
      'smtp_use_tls',
      'smtp_enforce_tls',
      'disable_dns_lookups',
      'smtpd_tls_dh1024_param_file',
      'smtpd_tls_eecdh_grade',
    ].map((name) => ({ name, file: 'main.cf' as const, advice: 'specify something' }));
    const items = findDeprecated(UPGRADED, reported);
    expect(items.every((i) => i.manual === undefined)).toBe(true);
    const out = migrateDeprecated(UPGRADED, items);
    // Only the deprecated lines changed; the others stay byte-for-byte, in order.
    expect(out.split('\n').filter((l) => l.startsWith('myhostname') || l.startsWith('smtpd_tls_cert'))).toEqual([
      'myhostname = mail.example.com',
      'smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem',
    ]);
    const r = on(out, ['-h', ...Object.keys(MIGRATED)]);
    expect(r.stdout.trim().split('\n')).toEqual(Object.values(MIGRATED));
    expect(r.stderr).toBe('');
    const n = on(out, ['-n']);
    for (const name of reported.map((d) => d.name)) expect(n.stdout).not.toMatch(new RegExp(`^${name} =`, 'm'));
    expect(deprecatedParameters(n.stderr)).toEqual([]);
  });

  it('enforce_tls: encrypt for the server; for the client verify unless peername checks were off', () => {
    const migrated = (text: string, names: string[]) =>
      migrateDeprecated(
        text,
        findDeprecated(
          text,
          names.map((name) => ({ name, file: 'main.cf' as const, advice: 'x' })),
        ),
      );
    const s = migrated('smtpd_use_tls = yes\nsmtpd_enforce_tls = yes\n', ['smtpd_use_tls', 'smtpd_enforce_tls']);
    expect(on(s, ['-h', 'smtpd_tls_security_level']).stdout.trim()).toBe('encrypt');
    const c = migrated('smtp_enforce_tls = yes\n', ['smtp_enforce_tls']);
    expect(on(c, ['-h', 'smtp_tls_security_level']).stdout.trim()).toBe('verify');
    const c2 = migrated('smtp_enforce_tls = yes\nsmtp_tls_enforce_peername = no\n', ['smtp_enforce_tls']);
    expect(on(c2, ['-h', 'smtp_tls_security_level']).stdout.trim()).toBe('encrypt');
    // Already set: the replacement wins, the old one only goes.
    const k = migrated('smtpd_tls_security_level = encrypt\nsmtpd_use_tls = yes\n', ['smtpd_use_tls']);
    expect(k).toBe('smtpd_tls_security_level = encrypt\n');
    // Not a plain yes/no: left for the user.
    const odd = findDeprecated('smtpd_use_tls = $tls\n', [{ name: 'smtpd_use_tls', file: 'main.cf', advice: 'x' }]);
    expect(odd[0].manual).toMatch(/not a plain yes or no/);
  });
});

const COMMENTED = [
  'relayhost = [smtp.example.net]:587 # the provider',
  'mynetworks = 127.0.0.0/8, # loopback',
  '    10.0.0.0/8',
  'mydestination = a, b,#c',
  'smtp_helo_name = foo#bar',
  '',
].join('\n');

describePostfix(`comments inside values with the installed Postfix ${postfixVersion()}`, () => {
  it('found where Postfix reads the comment as part of the value; fixed, postconf reads the value without it', () => {
    const items = findValueComments(COMMENTED);
    expect(items.map((i) => [i.name, i.comments])).toEqual([
      ['relayhost', ['# the provider']],
      ['mynetworks', ['# loopback']],
      ['mydestination', ['#c']],
    ]);
    const before = on(COMMENTED, ['-h', 'relayhost', 'mynetworks', 'mydestination']);
    // What Postfix reads today: the comment in the value (and, from 3.10, a warning).
    expect(before.stdout.trim().split('\n')[0]).toBe('[smtp.example.net]:587 # the provider');
    if (fixedIn(postfixVersion(), ['3.10.0']))
      expect(before.stderr).toMatch(/#comment after other text is not allowed/);
    const fixed = fixValueComments(COMMENTED);
    expect(fixed.split('\n').slice(0, 2)).toEqual(['# the provider', 'relayhost = [smtp.example.net]:587']);
    const after = on(fixed, ['-h', 'relayhost', 'mynetworks', 'mydestination', 'smtp_helo_name']);
    expect(after.stdout.trim().split('\n')).toEqual([
      '[smtp.example.net]:587',
      '127.0.0.0/8, 10.0.0.0/8',
      'a, b,',
      'foo#bar',
    ]);
    expect(after.stderr).not.toMatch(/#comment after other text/);
    expect(findValueComments(fixed)).toEqual([]);
    for (const i of items) expect(after.stdout).toContain(i.fixedValue.replace(/\s+/g, ' ').trim());
  });
});
