/**
 * The live path on this machine (root, no systemd): apply a role to the real /etc/postfix with
 * the built CLI, see Postfix running with the new configuration and answering SMTP, roll it back
 * with --rollback, and put the machine back exactly as it was. Runs only when asked
 * (MAILSETUP_TEST_LIVE=1, as .ci/run does), as root.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, LIVE_VIA, runCli } from '../helpers/cli.js';
import { differences, restore, snapshot, type Snapshot } from '../helpers/etcSnapshot.js';
import { guardLive } from '../helpers/liveGuard.js';
import { masterPids, stopAllMasters } from '../helpers/masters.js';
import { needsLive } from '../helpers/needs.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';

const LIVE_PATHS = [
  '/etc/postfix',
  '/etc/aliases',
  '/etc/aliases.db',
  '/etc/mailname',
  '/etc/rsyslog.d/postfix.conf',
  '/var/backups/mailsetup',
  '/var/log/postfix.log',
];

function postfixRunning(): boolean {
  return spawnSync('postfix', ['status'], { encoding: 'utf8' }).status === 0;
}

function sh(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
}

const LIVE = needsLive('the apply to the real /etc/postfix');

(LIVE ? describePostfix : describe.skip)('apply to the live /etc/postfix (restored afterwards)', () => {
  let release: () => void = () => undefined;
  let saved: Snapshot;
  let wasRunning = false;
  let dir: string;

  beforeAll(async () => {
    const guard = await guardLive(LIVE_PATHS);
    release = guard.done;
    wasRunning = guard.wasRunning;
    saved = guard.saved;
    dir = tempDir();
    ensureBuilt();
  });

  afterAll(() => {
    try {
      stopAllMasters();
      restore(saved);
      if (wasRunning) sh('postfix', ['start']);
    } finally {
      cleanup(dir);
      release();
    }
  });

  it('mail-server: applied, Postfix started with it, SMTP answers, --rollback restores the files', async () => {
    if (postfixRunning()) sh('postfix', ['stop']);
    const answers = join(dir, 'answers.yaml');
    writeFileSync(
      answers,
      [
        'role: mail-server',
        'myhostname: live.example.com',
        'postmaster: admin@example.net',
        'inet_interfaces: loopback-only', // only loopback on a test machine
        'mynetworks: [127.0.0.0/8]',
        'inet_protocols: ipv4',
        '',
      ].join('\n'),
    );
    const before = snapshot(['/etc/postfix/main.cf', '/etc/postfix/master.cf', '/etc/aliases']);
    const r = await runCli(['--answers', answers, '--yes', '--no-color'], { via: LIVE_VIA, timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/✓ Restart Postfix/);
    expect(postfixRunning()).toBe(true);

    const n = sh('postconf', ['-n']);
    expect(n.stdout).toContain('myhostname = live.example.com\n');
    expect(n.stdout).toContain('mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain\n');
    expect(n.stdout).toContain(
      'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\n',
    );
    // The chroot got its files: configure-instance.sh ran before the start.
    expect(sh('test', ['-s', '/var/spool/postfix/etc/resolv.conf']).status).toBe(0);

    const swaks = sh('swaks', [
      '--server',
      '127.0.0.1',
      '--from',
      'test@example.net',
      '--to',
      'postmaster@live.example.com',
      '--quit-after',
      'RCPT',
      '--timeout',
      '20',
    ]);
    expect(swaks.stdout).toMatch(/<- +250 2\.1\.5 Ok/);

    // A second run changes nothing and runs nothing.
    const again = await runCli(['--answers', answers, '--yes', '--no-color'], { via: LIVE_VIA, timeoutMs: 120_000 });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('Nothing to do');

    const rb = await runCli(['--rollback', '--no-color'], { via: LIVE_VIA, timeoutMs: 120_000 });
    expect(rb.status).toBe(0);
    // Postfix was not running before the apply, and the rollback leaves no main.cf: it is stopped.
    expect(rb.stdout).toContain('Stop Postfix (it was not running before)');
    expect(masterPids()).toEqual([]);
    expect(differences(before)).toEqual([]);
  });
});
