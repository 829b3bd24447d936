/**
 * A fresh box: Postfix purged, then ONE `mailsetup --answers FILE --yes` installs it the Debian
 * way (debconf "No configuration", no dialog), configures it and starts it. This removes and
 * reinstalls the postfix package, so it runs only where MAILSETUP_TEST_LIVE=1 and
 * MAILSETUP_TEST_FRESH_BOX=1 (.ci/run sets both), as root; elsewhere it says loudly that it is skipped. Afterwards /etc/postfix is put back as it was.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, LIVE_VIA, runCli } from '../helpers/cli.js';
import { restore, type Snapshot } from '../helpers/etcSnapshot.js';
import { guardLive, installPostfixPackage, postfixPackageInstalled } from '../helpers/liveGuard.js';
import { needsLive } from '../helpers/needs.js';
import { cleanup, tempDir } from '../helpers/postfix.js';
import { stopAllMasters } from '../helpers/masters.js';

const ENABLED = needsLive('the fresh box, which purges and reinstalls the postfix package', 'MAILSETUP_TEST_FRESH_BOX');

function sh(cmd: string, args: string[], timeout = 300_000) {
  return spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

const PATHS = [
  '/etc/postfix',
  '/etc/aliases',
  '/etc/aliases.db',
  '/etc/mailname',
  '/var/backups/mailsetup',
  '/var/log/postfix.log',
];

(ENABLED ? describe : describe.skip)('a fresh box without Postfix', () => {
  let release: () => void = () => undefined;
  let saved: Snapshot;
  let dir: string;

  beforeAll(async () => {
    const guard = await guardLive(PATHS);
    release = guard.done;
    saved = guard.saved;
    dir = tempDir();
    ensureBuilt();
  });

  afterAll(() => {
    try {
      // Whatever happened: Postfix installed, stopped, and /etc as before.
      if (!postfixPackageInstalled()) installPostfixPackage(300_000);
      stopAllMasters();
      restore(saved);
    } finally {
      cleanup(dir);
      release();
    }
  });

  it('one mailsetup --answers FILE --yes installs, configures and starts Postfix', async () => {
    stopAllMasters();
    const purge = sh('apt-get', ['purge', '-y', '-qq', 'postfix']);
    expect(purge.status).toBe(0);
    expect(spawnSync('sh', ['-c', 'command -v postconf']).status).not.toBe(0);

    const answers = join(dir, 'answers.yaml');
    writeFileSync(
      answers,
      'role: null-client\nmyhostname: fresh.example.com\nrelayhost: "[127.0.0.1]:2525"\npostmaster: admin@example.net\ninet_protocols: ipv4\n',
    );
    const r = await runCli(['--answers', answers, '--yes', '--no-color'], { via: LIVE_VIA, timeoutMs: 600_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✓ Install postfix \(apt-get install\)/);
    // The plan is made again against the package's files (master.cf is the package's now, not a
    // new file): it changed, so --yes prints it before applying it.
    expect(r.stdout).toContain(
      "Postfix was installed: the plan was made again against the package's files, and it changed. " +
        'This is the plan that will be applied.',
    );
    expect(r.stdout).toMatch(/✓ Restart Postfix/);
    expect(spawnSync('postfix', ['status']).status).toBe(0);
    const n = sh('postconf', ['-n']).stdout;
    expect(n).toContain('relayhost = [127.0.0.1]:2525\n');
    expect(n).toContain('inet_interfaces = loopback-only\n');
    expect(n).toContain('mydestination =\n');
    // debconf stays out of the way of later upgrades.
    expect(sh('debconf-show', ['postfix']).stdout).toMatch(/postfix\/main_mailer_type: No configuration/);
    // It answers SMTP on loopback.
    const swaks = sh(
      'swaks',
      [
        '--server',
        '127.0.0.1',
        '--from',
        'a@example.net',
        '--to',
        'someone@example.org',
        '--quit-after',
        'RCPT',
        '--timeout',
        '20',
      ],
      60_000,
    );
    expect(swaks.stdout).toMatch(/<- +250 2\.1\.5 Ok/);
  });
});
