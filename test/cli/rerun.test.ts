/**
 * Re-runs you can trust (issue 13), end to end with the built command in a --root sandbox and the
 * real postconf, postalias, postmap, postfix check, sendmail and postqueue: a hand edit kept on
 * every re-run, unused answers refused (or ignored with --role), --rollback on a fresh box whose
 * aliases.db existed, a failed rollback retried, --list-backups, --forget, main.cf gone while
 * mailsetup.yaml stayed, the modes Postfix expects and postfix check's warnings as findings,
 * alias_maps moved away from another table, and queued mail a role change leaves behind.
 * Runs the bundle only (the sources are covered by noninteractive.test.ts); heavy: run it under
 * flock /tmp/mailsetup-heavy.lock.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix } from '../helpers/postfix.js';
import {
  ensureBuilt,
  Sandboxes,
  postconfN,
  removeTree,
  runCli,
  snapshotTree,
  writeTemp,
  type CliResult,
  said,
} from '../helpers/cli.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 180_000 };

const AS_ROOT = needsRoot('the applies through the CLI', 'postfix check refuses other users');
const via = 'bundle' as const;

const made: string[] = [];
/** MAIL_SERVER applied to a fresh box once; the tests that start there take copies (helpers/cli.ts). */
const boxes = new Sandboxes(made, 150_000);
function sandbox(): string {
  return boxes.fresh();
}
/** A copy of the fresh box MAIL_SERVER was applied to (exit 0 checked). */
async function mailServerBox(): Promise<string> {
  const { root, run } = await boxes.applied(MAIL_SERVER, via);
  expectExit(run, 0);
  return boxes.copy(root);
}
function answers(text: string): string {
  return writeTemp('answers.yaml', text, made);
}
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => {
  for (const d of made) removeTree(d);
});

function expectExit(r: CliResult, code: number): void {
  expect(r.status, said(r)).toBe(code);
}
const cli = (args: string[]) => runCli(args, { via, timeoutMs: 150_000 });
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const backups = (root: string) => {
  const dir = join(root, 'var/backups/mailsetup');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};
const mainCf = (root: string) => join(root, 'etc/postfix/main.cf');
const postconfE = (root: string, ...settings: string[]) =>
  execFileSync('postconf', ['-c', join(root, 'etc/postfix'), '-e', ...settings]);

const MAIL_SERVER =
  'role: mail-server\nmyhostname: mail.example.com\nmynetworks: [127.0.0.0/8]\npostmaster: admin@example.com\n';
const NULL_CLIENT =
  'role: null-client\nmyhostname: box.example.com\nrelayhost: "[127.0.0.1]:2525"\npostmaster: admin@example.com\n';
const BACKUP_MX =
  'role: backup-mx\nmyhostname: mx2.example.com\nmynetworks: [127.0.0.0/8]\nrelay_domains: [example.org]\n' +
  'transport: {example.org: "relay:[127.0.0.1]:2599"}\nrelay_recipients: ["@example.org"]\npostmaster: admin@example.com\n';

describe('the command line of the modes issue 13 added', TIMEOUT, () => {
  test.concurrent.each([
    [['--rollback', '--forget'], '--rollback and --forget do different things: give one of them'],
    [['--list-backups', '--verify'], '--list-backups and --verify do different things: give one of them'],
    [['--forget', '--json'], '--json does not go with --forget'],
    [['--list-backups', '--json'], '--json does not go with --list-backups'],
  ])('%j is refused (exit 2)', async (args, message) => {
    const r = await cli([...args, '--root', '/nonexistent']);
    expectExit(r, 2);
    expect(r.stderr).toBe(`mailsetup: ${message}\nTry 'mailsetup --help'.\n`);
  });
});

const describeAsRoot = AS_ROOT ? describePostfix : describe.skip;

describeAsRoot('re-runs you can trust (--root sandbox, real Postfix tools)', TIMEOUT, () => {
  test.concurrent('a hand edit stays the user’s on three re-runs with the same answers', async () => {
    const root = await mailServerBox();
    const file = answers(MAIL_SERVER);
    postconfE(root, 'mydestination = $myhostname, localhost');
    for (let run = 1; run <= 3; run++) {
      const r = await cli(['--answers', file, '--yes', '--root', root]);
      expectExit(r, 0);
      expect(r.stdout, `run ${run}`).toContain(
        'warning hand-edit: mydestination was changed by hand since mailsetup set it',
      );
      expect(r.stdout, `run ${run}`).toContain('Nothing to do: the configuration is already as asked.');
      expect(postconfN(root).mydestination, `run ${run}`).toBe('$myhostname, localhost');
    }
    expect(backups(root)).toHaveLength(1);
    expect(readFileSync(join(root, 'etc/postfix/mailsetup.yaml'), 'utf8')).toContain(
      '    mydestination: $myhostname, localhost.$mydomain, localhost, $mydomain\n',
    );
  });

  test.concurrent('answers the role does not use: exit 2 naming each key and the role, nothing written', async () => {
    const root = sandbox();
    const before = snapshotTree(root);
    const ms = await cli([
      '--answers',
      answers(
        `${MAIL_SERVER}transport: {example.org: "relay:[h.example.org]"}\nrelay_domains: [example.org]\nrelay_recipients: ["@example.org"]\n`,
      ),
      '--yes',
      '--root',
      root,
    ]);
    expectExit(ms, 2);
    expect(ms.stderr).toBe(
      // A mail server takes a transport table (issue 16, the documents' recipes): not refused.
      'mailsetup: the answers give 2 answers the mail-server role does not use; nothing was written:\n' +
        '  relay_domains: the mail-server role does not use it (backup-mx and firewall-relay do)\n' +
        '  relay_recipients: the mail-server role does not use it (backup-mx and firewall-relay do)\n',
    );
    const nc = await cli([
      '--answers',
      answers(`${NULL_CLIENT}inet_interfaces: all\nproxy_interfaces: [192.0.2.1]\n`),
      '--dry-run',
      '--root',
      root,
    ]);
    expectExit(nc, 2);
    expect(nc.stderr).toContain(
      '  inet_interfaces: the null-client role does not use it (mail-server, backup-mx and firewall-relay do)\n',
    );
    expect(nc.stderr).toContain(
      '  proxy_interfaces: the null-client role does not use it (mail-server, backup-mx and firewall-relay do)\n',
    );
    // The inbound TLS answers belong to the roles that receive mail (issue 17).
    const tls = await cli([
      '--answers',
      answers(
        `${NULL_CLIENT}smtpd_tls_cert_file: /etc/ssl/certs/m.pem\nsmtpd_tls_security_level: may\ncertbot_deploy_hook: true\n`,
      ),
      '--dry-run',
      '--root',
      root,
    ]);
    expectExit(tls, 2);
    for (const key of ['smtpd_tls_cert_file', 'smtpd_tls_security_level', 'certbot_deploy_hook'])
      expect(tls.stderr).toContain(
        `  ${key}: the null-client role does not use it (mail-server, backup-mx and firewall-relay do)\n`,
      );
    expect(snapshotTree(root)).toEqual(before);
  });

  test.concurrent('--role overriding the file’s role: each ignored key a warning, none recorded', async () => {
    const root = sandbox();
    const r = await cli(['--answers', answers(BACKUP_MX), '--role', 'mail-server', '--yes', '--root', root]);
    expectExit(r, 0);
    for (const key of ['relay_domains', 'relay_recipients'])
      expect(r.stdout).toContain(
        `warning answer-ignored: ${key}: ignored and not recorded: the mail-server role does not use it ` +
          '(backup-mx and firewall-relay do) (the answers file was written for backup-mx)',
      );
    const state = readFileSync(join(root, 'etc/postfix/mailsetup.yaml'), 'utf8');
    for (const key of ['relay_domains', 'relay_recipients']) expect(state).not.toMatch(new RegExp(`^  ${key}:`, 'm'));
    // A mail server takes a transport table too (issue 16): applied and recorded, not ignored.
    expect(r.stdout).not.toContain('answer-ignored: transport');
    expect(state).toMatch(/^ {2}transport:/m);
    expect(postconfN(root).relay_domains).toBe('');
  });

  test.concurrent('--rollback on a fresh box whose aliases.db existed: every database exactly as it was', async () => {
    const root = sandbox();
    // The postfix package ran newaliases: /etc/aliases.db exists, main.cf does not.
    writeFileSync(mainCf(root), '');
    execFileSync('postalias', ['-c', join(root, 'etc/postfix'), `hash:${join(root, 'etc/aliases')}`]);
    rmSync(mainCf(root));
    const db = sha(join(root, 'etc/aliases.db'));
    expectExit(await cli(['--answers', answers(NULL_CLIENT), '--yes', '--root', root]), 0);
    expect(sha(join(root, 'etc/aliases.db'))).not.toBe(db);
    const [backup] = backups(root);
    const r = await cli(['--rollback', '--root', root]);
    expectExit(r, 0);
    const at = `${backup.slice(0, 4)}-${backup.slice(4, 6)}-${backup.slice(6, 8)} ${backup.slice(9, 11)}:${backup.slice(11, 13)}:${backup.slice(13, 15)} UTC`;
    expect(r.stdout).toContain(
      `Roll back the apply of ${at} (backup ${join(root, 'var/backups/mailsetup', backup)}):\n`,
    );
    expect(r.stdout).toContain('  role:      none → null-client\n');
    expect(r.stdout).toContain('/etc/postfix/main.cf (removed: it did not exist before)');
    expect(r.stdout).toContain('  databases: /etc/aliases.db (restored as it was)\n');
    expect(r.stdout).toContain('↺ Restore /etc/aliases.db: the database as it was, from the backup\n');
    expect(r.stdout).not.toContain('newaliases');
    expect(r.stdout).toContain('Rolled back.');
    expect(sha(join(root, 'etc/aliases.db'))).toBe(db);
    expect(existsSync(mainCf(root))).toBe(false);
    expect(existsSync(join(root, 'etc/postfix/virtual.db'))).toBe(false);
  });

  test.concurrent('a rollback that failed is the one --rollback retries; --list-backups shows it', async () => {
    const root = await mailServerBox();
    expectExit(await cli(['--answers', answers(NULL_CLIENT), '--yes', '--root', root]), 0);
    const [first, second] = backups(root);
    const copy = join(root, 'var/backups/mailsetup', second, 'files/etc/postfix/main.cf');
    const good = readFileSync(copy);
    writeFileSync(copy, 'damaged\n');
    const failed = await cli(['--rollback', '--root', root]);
    expectExit(failed, 1);
    expect(failed.stderr).toContain('Rollback failed: the rollback did not complete: restoring the files from');
    const list = await cli(['--list-backups', '--root', root]);
    expectExit(list, 0);
    expect(list.stdout).toMatch(new RegExp(`  ${first}  .* applied +none → mail-server\\n`));
    expect(list.stdout).toMatch(
      new RegExp(`  ${second}  .* rollback failed +mail-server → null-client  ← --rollback undoes this one\\n`),
    );
    // Another run meanwhile says so, and leaves the retry to --rollback (it does not roll back on its own).
    const dry = await cli(['--answers', answers(NULL_CLIENT), '--dry-run', '--root', root]);
    expectExit(dry, 0);
    expect(dry.stderr).toContain(
      `mailsetup: the last rollback did not complete (backup ${join(root, 'var/backups/mailsetup', second)}): ` +
        'mailsetup --rollback retries it; this run goes on from the files as they are\n',
    );
    writeFileSync(copy, good);
    const retried = await cli(['--rollback', '--root', root]);
    expectExit(retried, 0);
    expect(retried.stdout).toContain('Retry the rollback of the apply of ');
    expect(retried.stdout).toContain(`(backup ${join(root, 'var/backups/mailsetup', second)}):`);
    expect(retried.stdout).toContain('  it failed: restoring the files from');
    expect(postconfN(root).mydestination).toBe('$myhostname, localhost.$mydomain, localhost, $mydomain');
  });

  test.concurrent(
    '--forget removes only the record; the next run recognises the box; --rollback puts it back',
    async () => {
      const root = await mailServerBox();
      const main = readFileSync(mainCf(root), 'utf8');
      const r = await cli(['--forget', '--root', root]);
      expectExit(r, 0);
      expect(r.stdout).toContain(
        `What mailsetup owns here (${join(root, 'etc/postfix/mailsetup.yaml')}), role mail-server:\n`,
      );
      expect(r.stdout).toContain(
        '    smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\n',
      );
      expect(r.stdout).toContain('Forgotten: mailsetup owns nothing here now.');
      expect(existsSync(join(root, 'etc/postfix/mailsetup.yaml'))).toBe(false);
      expect(readFileSync(mainCf(root), 'utf8')).toBe(main);
      // Recognised from main.cf: the same answers find nothing to change (no record is made for nothing).
      const again = await cli(['--answers', answers(MAIL_SERVER), '--dry-run', '--root', root]);
      expectExit(again, 0);
      expect(again.stdout).toContain('No change: the files already match these answers; nothing will run.');
      expect(again.stdout).not.toContain('hand-edit');
      const back = await cli(['--rollback', '--root', root]);
      expectExit(back, 0);
      expect(back.stdout).toContain('  role:      mail-server (mailsetup --forget removed its record)\n');
      expect(existsSync(join(root, 'etc/postfix/mailsetup.yaml'))).toBe(true);
    },
  );

  test.concurrent('main.cf gone while mailsetup.yaml stayed: a fresh box, said so, no hand edits', async () => {
    const root = await mailServerBox();
    rmSync(mainCf(root));
    const r = await cli(['--answers', answers(NULL_CLIENT), '--dry-run', '--root', root]);
    expectExit(r, 0);
    expect(r.stdout).toContain(
      'info    fresh-box: /etc/postfix/main.cf is missing while /etc/postfix/mailsetup.yaml from an earlier setup is ' +
        'still there (Postfix purged and reinstalled?): treating this box as fresh',
    );
    expect(r.stdout).not.toContain('hand-edit');
    expect(r.stdout).not.toContain('Changed by hand');
    // A fresh box's main.cf starts from a template, and the preview says which (a sandbox without
    // its own usr/share/postfix: mailsetup's bundled copy).
    expect(r.stdout).toContain(
      "/etc/postfix/main.cf — Postfix main configuration, started from mailsetup's copy of Debian 12's " +
        'main.cf.debian (new file, mode 0644)',
    );
  });

  test.concurrent(
    'main.cf made writable for everyone: the mode Postfix expects; postfix check warnings are findings',
    async () => {
      const root = await mailServerBox();
      const file = answers(MAIL_SERVER);
      chmodSync(mainCf(root), 0o666);
      writeFileSync(mainCf(root), `${readFileSync(mainCf(root), 'utf8')}bogus_by_hand = 1\n`);
      chmodSync(mainCf(root), 0o666);
      const dry = await cli(['--answers', file, '--dry-run', '--root', root]);
      expectExit(dry, 0);
      expect(dry.stdout).toContain(
        '/etc/postfix/main.cf — Postfix main configuration (mode 0666 → 0644: Postfix expects no group or other write access)',
      );
      const r = await cli(['--answers', file, '--yes', '--root', root]);
      expectExit(r, 0);
      expect(statSync(mainCf(root)).mode & 0o7777).toBe(0o644);
      expect(r.stdout).toMatch(/✓ Check the configuration \(postfix check\): 1 warning\n/);
      expect(r.stdout).toMatch(/Findings\n {2}warning postfix-check: .*unused parameter: bogus_by_hand=1\n/);
    },
  );

  test.concurrent('alias_maps moved away from another table: said in the preview', async () => {
    const root = sandbox();
    writeFileSync(mainCf(root), 'alias_maps = hash:/etc/mail/aliases\nalias_database = hash:/etc/mail/aliases\n');
    const r = await cli(['--answers', answers(MAIL_SERVER), '--dry-run', '--root', root]);
    expectExit(r, 0);
    expect(r.stdout).toContain('warning table-dropped: alias_maps no longer uses hash:/etc/mail/aliases');
    expect(r.stdout).toContain('warning table-dropped: alias_database no longer uses hash:/etc/mail/aliases');
  });

  test.concurrent(
    'queued mail for a domain the role change stops relaying: said with the count (postqueue -j)',
    async () => {
      const root = sandbox();
      // The sandbox's own queue, so that postqueue reads this one.
      mkdirSync(join(root, 'var/spool/postfix'), { recursive: true });
      mkdirSync(join(root, 'var/lib/postfix'), { recursive: true });
      execFileSync('chown', ['postfix', join(root, 'var/lib/postfix')]);
      writeFileSync(
        mainCf(root),
        `queue_directory = ${join(root, 'var/spool/postfix')}\ndata_directory = ${join(root, 'var/lib/postfix')}\n`,
      );
      expectExit(await cli(['--answers', answers(BACKUP_MX), '--yes', '--root', root]), 0);
      // mailsetup checks a sandbox on a private copy and never makes its queue (issue 14): the test does.
      execFileSync('postfix', ['-c', join(root, 'etc/postfix'), 'check']);
      for (const to of [['bob@example.org'], ['carol@example.org', 'dave@example.net']]) {
        const s = spawnSync('sendmail', ['-C', join(root, 'etc/postfix'), '-f', 'a@example.com', ...to], {
          input: 'Subject: queued\n\nx\n',
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(s.status, s.stderr).toBe(0);
      }
      const r = await cli(['--answers', answers(MAIL_SERVER), '--dry-run', '--root', root]);
      expectExit(r, 0);
      expect(r.stdout).toContain(
        'warning queued-mail: 2 messages in the queue are for example.org, which the change to mail-server stops ' +
          'delivering or relaying here',
      );
      expect(r.stdout).not.toContain('example.net, which');
    },
  );
});
