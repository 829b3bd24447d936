/**
 * An upgraded box's main.cf through the command (--root sandbox, the installed Postfix's tools):
 * its deprecated parameters as the installed Postfix reports them (3.9+; none before) and a
 * `# comment` inside a value are findings, main.cf keeps them byte-for-byte, and the answers'
 * overrides migrate-deprecated and fix-value-comments clean them up so that postconf no longer
 * warns. .ci/debian13 runs it on 3.10.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ensureBuilt, makeSandbox, removeTree, runCli, writeTemp } from '../helpers/cli.js';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix, fixedIn, postconf, postfixVersion } from '../helpers/postfix.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 150_000 };

const AS_ROOT = needsRoot('the applies through the CLI', 'postfix check refuses other users');
const WARNS = fixedIn(postfixVersion(), ['3.9.0']);

const made: string[] = [];
afterAll(() => made.forEach(removeTree));

const UPGRADED_TAIL = [
  'smtpd_use_tls = yes',
  'disable_dns_lookups = yes',
  'smtpd_tls_eecdh_grade = strong',
  'smtp_helo_name = gw.example.com # the name others see',
  '',
].join('\n');

const ANSWERS = 'role: mail-server\nmyhostname: mail.example.com\npostmaster: admin@example.net\n';

(AS_ROOT ? describePostfix : describePostfix.skip)(`an upgraded box, Postfix ${postfixVersion()}`, TIMEOUT, () => {
  test('findings without a change; the overrides clean up; postconf warns no more', async () => {
    ensureBuilt();
    const root = makeSandbox('mailsetup-cleanups-');
    made.push(root);
    const first = writeTemp('answers.yaml', ANSWERS, made);
    expect((await runCli(['--answers', first, '--yes', '--root', root, '--no-color'], { via: 'bundle' })).status).toBe(
      0,
    );
    const main = join(root, 'etc/postfix/main.cf');
    const upgraded = readFileSync(main, 'utf8') + UPGRADED_TAIL;
    writeFileSync(main, upgraded);

    const dry = await runCli(['--answers', first, '--dry-run', '--root', root, '--no-color'], { via: 'bundle' });
    expect(dry.status, dry.stderr).toBe(0);
    const dep = dry.stdout.split('\n').filter((l) => l.includes('will remove support for it'));
    // In the order the installed Postfix reports them.
    expect(dep.map((l) => /(\w+) = /.exec(l)?.[1]).sort()).toEqual(
      WARNS ? ['disable_dns_lookups', 'smtpd_tls_eecdh_grade', 'smtpd_use_tls'] : [],
    );
    expect(dry.stdout).toMatch(/smtp_helo_name \(line \d+\): "# the name others see" is part of the value/);
    expect(readFileSync(main, 'utf8')).toBe(upgraded);

    // Applied without the overrides: those lines stay byte-for-byte.
    const keep = await runCli(['--answers', first, '--yes', '--root', root, '--no-color'], { via: 'bundle' });
    expect(keep.status, keep.stdout + keep.stderr).toBe(0);
    expect(readFileSync(main, 'utf8')).toBe(upgraded);

    const asked = writeTemp('answers.yaml', `${ANSWERS}overrides: [migrate-deprecated, fix-value-comments]\n`, made);
    const r = await runCli(['--answers', asked, '--yes', '--root', root, '--no-color'], { via: 'bundle' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const after = readFileSync(main, 'utf8');
    expect(after).toContain('# the name others see\nsmtp_helo_name = gw.example.com\n');
    const cfg = join(root, 'etc/postfix');
    const n = postconf(cfg, ['-n']);
    expect(n.stderr).not.toMatch(/support for parameter|#comment after other text/);
    if (WARNS) {
      expect(n.stdout).toContain('smtpd_tls_security_level = may\n');
      expect(n.stdout).toContain('smtp_dns_support_level = disabled\n');
      expect(n.stdout).not.toMatch(/^(smtpd_use_tls|disable_dns_lookups|smtpd_tls_eecdh_grade) =/m);
    } else {
      // Nothing reported, nothing migrated: the old lines stay.
      expect(after).toContain('smtpd_use_tls = yes\ndisable_dns_lookups = yes\nsmtpd_tls_eecdh_grade = strong\n');
    }
    // The choice was for that run: the next run offers nothing more and changes nothing.
    const again = await runCli(['--answers', first, '--yes', '--root', root, '--no-color'], { via: 'bundle' });
    expect(again.stdout).toContain('Nothing to do');
  });
});
