/**
 * Issue 13 on the live system (root, the real /etc/postfix and queue), where it matters, and issue
 * 20's live reload (the new main.cf checked on the stage, then the master signalled):
 * - a fresh box whose /etc/aliases.db exists (the postfix package ran newaliases): apply, then
 *   --rollback completes and puts the database back byte for byte, main.cf gone again;
 * - mail deferred for a relayed domain (a backup MX whose primary is down): a change to mail-server
 *   and a --rollback each say so with the count, read from the live queue with postqueue -j.
 * Runs only when asked (MAILSETUP_TEST_LIVE=1), as root, and puts /etc back as it was.
 */
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_ALIASES, ensureBuilt, runCli } from '../helpers/cli.js';
import { restore, type Snapshot } from '../helpers/etcSnapshot.js';
import { guardLive } from '../helpers/liveGuard.js';
import { masterPids, stopAllMasters } from '../helpers/masters.js';
import { needsLive } from '../helpers/needs.js';
import { closedPort } from '../helpers/ports.js';
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

const LIVE = needsLive('the rollbacks and the queue on the real /etc/postfix');

function sh(cmd: string, args: string[], input?: string) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...(input !== undefined ? { input } : {}) });
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const cli = (args: string[]) => runCli([...args, '--no-color'], { via: 'bundle', timeoutMs: 180_000 });

/** The live queue's messages (postqueue -j). */
function queue(): Array<{ queue_name: string; queue_id: string; recipients: Array<{ address: string }> }> {
  return sh('postqueue', ['-j'])
    .stdout.split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { queue_name: string; queue_id: string; recipients: Array<{ address: string }> });
}

/** The greeting of the SMTP server on 127.0.0.1:25 (its first line), or the error. */
function banner(): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port: 25 });
    let got = '';
    const done = (text: string) => {
      sock.destroy();
      resolve(text);
    };
    sock.setTimeout(10_000, () => done('timeout'));
    sock.on('data', (d) => {
      got += d.toString('utf8');
      if (got.includes('\n')) done(got.split('\n')[0].trim());
    });
    sock.on('error', (e) => done(`error: ${e.message}`));
  });
}

/** The banner, asked again (every 200 ms, up to `ms`) until it contains `text`. */
async function bannerWith(text: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let b = await banner();
  while (!b.includes(text) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    b = await banner();
  }
  return b;
}

(LIVE ? describePostfix : describe.skip)('re-runs and rollbacks on the live system (restored afterwards)', () => {
  let release: () => void = () => undefined;
  let saved: Snapshot;
  let dir: string;
  const queued: string[] = [];

  beforeAll(async () => {
    const guard = await guardLive(LIVE_PATHS);
    release = guard.done;
    saved = guard.saved;
    dir = tempDir();
    ensureBuilt();
  });

  afterAll(() => {
    try {
      for (const id of queued) sh('postsuper', ['-d', id]);
      stopAllMasters();
      restore(saved);
    } finally {
      cleanup(dir);
      release();
    }
  });

  it('a fresh box whose /etc/aliases.db existed: apply, then --rollback completes with the database as it was', async () => {
    stopAllMasters();
    rmSync('/etc/postfix/main.cf', { force: true });
    rmSync('/etc/postfix/mailsetup.yaml', { force: true });
    // What the postfix package's newaliases left: /etc/aliases.db, and no main.cf. Debian 13's
    // "No configuration" makes no /etc/aliases (3.9.1-3): there the box is one upgraded from
    // Debian 12, whose postinst left both (afterAll puts /etc/aliases back as it was).
    if (!existsSync('/etc/aliases')) writeFileSync('/etc/aliases', DEBIAN_ALIASES, { mode: 0o644 });
    const cfg = mkdtempSync(join(tmpdir(), 'mailsetup-newaliases-'));
    writeFileSync(join(cfg, 'main.cf'), '');
    expect(sh('postalias', ['-c', cfg, 'hash:/etc/aliases']).status).toBe(0);
    rmSync(cfg, { recursive: true, force: true });
    const db = sha('/etc/aliases.db');

    const answers = join(dir, 'nc.yaml');
    writeFileSync(
      answers,
      'role: null-client\nmyhostname: live.example.com\nrelayhost: "[127.0.0.1]:2525"\npostmaster: admin@example.net\ninet_protocols: ipv4\n',
    );
    const a = await cli(['--answers', answers, '--yes']);
    expect(a.status, a.stdout + a.stderr).toBe(0);
    expect(sha('/etc/aliases.db')).not.toBe(db);

    const rb = await cli(['--rollback']);
    expect(rb.status, rb.stdout + rb.stderr).toBe(0);
    expect(rb.stdout).toContain('  role:      none → null-client\n');
    expect(rb.stdout).toContain('  databases: /etc/aliases.db (restored as it was)');
    expect(rb.stdout).toContain('↺ Restore /etc/aliases.db: the database as it was, from the backup\n');
    expect(rb.stdout).toContain('Rolled back.');
    expect(rb.stderr).toBe('');
    expect(sha('/etc/aliases.db')).toBe(db);
    expect(existsSync('/etc/postfix/main.cf')).toBe(false);
    expect(existsSync('/etc/postfix/mailsetup.yaml')).toBe(false);
  });

  it('a reload-class change: checked on the stage, then the master is signalled (same pid) and answers with the new name', async () => {
    stopAllMasters();
    rmSync('/etc/postfix/main.cf', { force: true });
    rmSync('/etc/postfix/mailsetup.yaml', { force: true });
    const answers = (name: string) =>
      'role: mail-server\nmynetworks: [127.0.0.0/8]\ninet_interfaces: loopback-only\ninet_protocols: ipv4\n' +
      `postmaster: admin@example.net\nmyhostname: ${name}\n`;
    const one = join(dir, 'one.yaml');
    const two = join(dir, 'two.yaml');
    writeFileSync(one, answers('one.live.example.com'));
    writeFileSync(two, answers('two.live.example.com'));
    const a = await cli(['--answers', one, '--yes']);
    expect(a.status, a.stdout + a.stderr).toBe(0);
    const masters = masterPids();
    expect(masters).toHaveLength(1);
    expect(await bannerWith('one.live.example.com', 15_000)).toMatch(/^220 one\.live\.example\.com ESMTP/);

    const b = await cli(['--answers', two, '--yes']);
    expect(b.status, b.stdout + b.stderr).toBe(0);
    const steps = b.stdout.split('\n').filter((l) => /^✓ (Check|Write \/etc\/postfix\/main\.cf|Reload)/.test(l));
    expect(steps).toEqual([
      '✓ Check the configuration (postfix check): postfix -c /etc/.postfix.mailsetup-stage check',
      '✓ Write /etc/postfix/main.cf',
      `✓ Reload Postfix: postsuper active; kill -HUP ${masters[0]}; postsuper &`,
    ]);
    expect(existsSync('/etc/.postfix.mailsetup-stage')).toBe(false);
    // A reload, not a restart: the same master, now serving the new main.cf (it re-reads it on the
    // signal; its smtpd processes are replaced as they finish).
    expect(await bannerWith('two.live.example.com', 15_000)).toMatch(/^220 two\.live\.example\.com ESMTP/);
    expect(masterPids()).toEqual(masters);

    // --rollback reloads the same way: the old name again, the same master.
    const rb = await cli(['--rollback']);
    expect(rb.status, rb.stdout + rb.stderr).toBe(0);
    expect(rb.stdout).toMatch(new RegExp(`kill -HUP ${masters[0]}\\b`));
    expect(await bannerWith('one.live.example.com', 15_000)).toMatch(/^220 one\.live\.example\.com ESMTP/);
    expect(masterPids()).toEqual(masters);
  });

  it('deferred mail for a relayed domain: the change to mail-server and the rollback say so with the count', async () => {
    stopAllMasters();
    rmSync('/etc/postfix/main.cf', { force: true });
    rmSync('/etc/postfix/mailsetup.yaml', { force: true });
    const port = await closedPort(); // the primary MX is down
    const bmx = join(dir, 'bmx.yaml');
    writeFileSync(
      bmx,
      [
        'role: backup-mx',
        'myhostname: mx2.live.example.com',
        'mynetworks: [127.0.0.0/8]',
        'inet_interfaces: loopback-only',
        'inet_protocols: ipv4',
        'relay_domains: [example.org]',
        `transport: {example.org: "relay:[127.0.0.1]:${port}"}`,
        'relay_recipients: ["@example.org"]',
        'proxy_interfaces: [192.0.2.25]',
        'postmaster: admin@example.net',
        '',
      ].join('\n'),
    );
    const a = await cli(['--answers', bmx, '--yes']);
    expect(a.status, a.stdout + a.stderr).toBe(0);
    expect(sh('postfix', ['status']).status).toBe(0);

    const s = sh('sendmail', ['-f', 'sender@example.net', 'bob@example.org'], 'Subject: for the primary\n\nqueued\n');
    expect(s.status, s.stderr).toBe(0);
    // The relay attempt to the closed port fails at once: the message lands in the deferred queue.
    const deadline = Date.now() + 60_000;
    let mine = queue().filter((m) => m.recipients.some((r) => r.address === 'bob@example.org'));
    while (!mine.some((m) => m.queue_name === 'deferred') && Date.now() < deadline) {
      sh('sleep', ['0.5']);
      mine = queue().filter((m) => m.recipients.some((r) => r.address === 'bob@example.org'));
    }
    queued.push(...mine.map((m) => m.queue_id));
    expect(mine.map((m) => m.queue_name)).toEqual(['deferred']);

    const ms = join(dir, 'ms.yaml');
    writeFileSync(
      ms,
      'role: mail-server\nmyhostname: mx2.live.example.com\nmynetworks: [127.0.0.0/8]\ninet_interfaces: loopback-only\n' +
        'inet_protocols: ipv4\npostmaster: admin@example.net\n',
    );
    const dry = await cli(['--answers', ms, '--dry-run']);
    expect(dry.status, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      'warning queued-mail: 1 message in the queue (1 deferred) is for example.org, which the change to mail-server ' +
        'stops delivering or relaying here',
    );

    const rbDry = await cli(['--rollback', '--dry-run']);
    expect(rbDry.status, rbDry.stdout + rbDry.stderr).toBe(0);
    expect(rbDry.stdout).toContain('  role:      none → backup-mx\n');
    expect(rbDry.stdout).toContain(
      '  warning queued-mail: 1 message in the queue (1 deferred) is for example.org, which this rollback stops ' +
        'delivering or relaying here',
    );

    for (const id of queued.splice(0)) expect(sh('postsuper', ['-d', id]).status).toBe(0);
    const rb = await cli(['--rollback']);
    expect(rb.status, rb.stdout + rb.stderr).toBe(0);
    expect(rb.stdout).not.toContain('queued-mail');
    expect(existsSync('/etc/postfix/main.cf')).toBe(false);
  });
});
