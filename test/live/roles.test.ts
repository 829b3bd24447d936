/**
 * Every role on the live box, the way a user runs it: for each role, a fresh "No configuration"
 * box (no main.cf, Postfix stopped), one `mailsetup --answers FILE --yes`, Postfix running with
 * the role's parameters, probes over loopback (what the role must accept, and a relay it must
 * refuse from a client outside mynetworks), a re-run that changes nothing, a restart-class change
 * (inet_interfaces loopback-only → 127.0.0.1; the null client, which always listens on loopback
 * only, turns the chroot off) that must bring a new master, and --rollback of that change (the
 * role's files back, Postfix running with them). .ci/debian13 runs it
 * with the command installed from the packed tarball (MAILSETUP_INSTALLED_BIN) inside the Debian 13
 * root; .ci/run on the CI machine itself with the bundle. Runs only when asked
 * (MAILSETUP_TEST_LIVE=1), as root; /etc is put back as it was afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

function sh(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
}

function postfixRunning(): boolean {
  return sh('postfix', ['status']).status === 0;
}

/** swaks from `from` to `server`:25 as far as RCPT (nothing is queued); its transcript. */
function probe(server: string, from: string, rcpt: string): string {
  const r = sh('swaks', [
    '--server',
    server,
    '--local-interface',
    from,
    '--from',
    'probe@example.org',
    '--to',
    rcpt,
    '--quit-after',
    'RCPT',
    '--timeout',
    '20',
  ]);
  return r.stdout + r.stderr;
}

const ACCEPTED = /<- +250 2\.1\.5 Ok/;
const RELAY_DENIED = /<\*\* +554 5\.7\.1 .*Relay access denied/;

/** A client outside every role's mynetworks (127.0.0.1/32), still on loopback. */
const OUTSIDE = '127.0.0.5';

interface Case {
  role: string;
  /** The role's answers besides the ones every case shares. */
  answers: string[];
  /** The parameters `postconf -n` must then show. */
  params: string[];
  /** A recipient the role accepts, and from which client. */
  accept: { from: string; rcpt: string };
  /** Whether a relay to an unrelated domain from OUTSIDE must be refused. */
  refusesRelay: boolean;
  /**
   * The restart-class change: inet_interfaces gains 127.0.0.2 (then Postfix must answer there);
   * a null client always listens on loopback only, so its change is the chroot (off).
   */
  change: 'interfaces' | 'chroot';
}

const CASES: Case[] = [
  {
    role: 'null-client',
    answers: ['myhostname: client.example.com', 'relayhost: "[127.0.0.1]:2525"'],
    params: ['relayhost = [127.0.0.1]:2525', 'mydestination ='],
    // A null client relays its own (loopback) mail to the relay host.
    accept: { from: '127.0.0.1', rcpt: 'someone@example.org' },
    // Its mynetworks is all of loopback: no loopback client is outside it.
    refusesRelay: false,
    change: 'chroot',
  },
  {
    role: 'mail-server',
    answers: ['myhostname: mail.example.com', 'mynetworks: [127.0.0.1/32]'],
    params: ['myhostname = mail.example.com', 'mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain'],
    accept: { from: OUTSIDE, rcpt: 'postmaster@mail.example.com' },
    refusesRelay: true,
    change: 'interfaces',
  },
  {
    role: 'backup-mx',
    answers: [
      'myhostname: mx2.example.com',
      'relay_domains: [example.net]',
      'transport: {example.net: "relay:[10.0.0.5]"}',
      'relay_recipients: ["@example.net"]',
      'mynetworks: [127.0.0.1/32]',
    ],
    params: ['relay_domains = example.net'],
    accept: { from: OUTSIDE, rcpt: 'info@example.net' },
    refusesRelay: true,
    change: 'interfaces',
  },
  {
    role: 'firewall-relay',
    answers: [
      'myhostname: gw.example.com',
      'relay_domains: [example.com]',
      'transport: {example.com: "relay:[10.0.0.5]"}',
      'relay_recipients: ["@example.com"]',
      'mynetworks: [127.0.0.1/32]',
    ],
    params: ['relay_domains = example.com'],
    accept: { from: OUTSIDE, rcpt: 'info@example.com' },
    refusesRelay: true,
    change: 'interfaces',
  },
];

const LIVE = needsLive('each role applied to the real /etc/postfix');

(LIVE ? describePostfix : describe.skip)('each role on a fresh live box (restored afterwards)', () => {
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

  // A fresh "No configuration" box: the files as they were, no main.cf, no backups, Postfix stopped.
  beforeEach(() => {
    stopAllMasters();
    restore(saved);
    rmSync('/etc/postfix/main.cf', { force: true });
    rmSync('/var/backups/mailsetup', { recursive: true, force: true });
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

  async function apply(file: string) {
    return runCli(['--answers', file, '--yes', '--no-color'], { via: LIVE_VIA, timeoutMs: 180_000 });
  }

  for (const c of CASES) {
    it(`${c.role}: applied to a fresh box, probed over loopback, re-run, restart-class change, rolled back`, async () => {
      expect(existsSync('/etc/postfix/main.cf')).toBe(false);
      expect(masterPids()).toEqual([]);
      const common = ['postmaster: admin@example.net', 'inet_protocols: ipv4'];
      // A null client always listens on loopback only: inet_interfaces is no answer of its role.
      const listen = c.change === 'interfaces' ? ['inet_interfaces: loopback-only'] : [];
      const answers = join(dir, `${c.role}.yaml`);
      writeFileSync(answers, [`role: ${c.role}`, ...c.answers, ...common, ...listen, ''].join('\n'));

      const r = await apply(answers);
      expect(r.stderr).toBe('');
      expect(r.status, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/✓ Restart Postfix/);
      expect(postfixRunning()).toBe(true);
      const n = sh('postconf', ['-n']).stdout;
      for (const p of c.params) expect(n).toContain(`${p}\n`);
      expect(sh('postfix', ['check']).status).toBe(0);

      expect(probe('127.0.0.1', c.accept.from, c.accept.rcpt)).toMatch(ACCEPTED);
      if (c.refusesRelay) expect(probe('127.0.0.1', OUTSIDE, 'someone@elsewhere.example')).toMatch(RELAY_DENIED);

      // The same answers again: nothing to write, nothing to run.
      const applied = snapshot(['/etc/postfix']);
      const again = await apply(answers);
      expect(again.status, again.stdout).toBe(0);
      expect(again.stdout).toContain('Nothing to do');
      expect(differences(applied)).toEqual([]);

      // A restart-class change on the running Postfix: a new master (not a reload). (Only addresses
      // of this box's interfaces may be listed, and lo has 127.0.0.1 alone: loopback-only → 127.0.0.1.)
      const masters = masterPids();
      expect(masters).toHaveLength(1);
      const changed = join(dir, `${c.role}-changed.yaml`);
      const extra = c.change === 'interfaces' ? ['inet_interfaces: 127.0.0.1'] : ['chroot: false'];
      writeFileSync(changed, [`role: ${c.role}`, ...c.answers, ...common, ...extra, ''].join('\n'));
      const w = await apply(changed);
      expect(w.status, w.stdout + w.stderr).toBe(0);
      expect(w.stdout).toMatch(c.change === 'interfaces' ? /inet_interfaces changed/ : /chroot changed/);
      expect(w.stdout).toMatch(/✓ Restart Postfix/);
      expect(postfixRunning()).toBe(true);
      expect(masterPids()).not.toEqual(masters);
      if (c.change === 'interfaces') {
        expect(sh('postconf', ['-h', 'inet_interfaces']).stdout.trim()).toBe('127.0.0.1');
        expect(probe('127.0.0.1', c.accept.from, c.accept.rcpt)).toMatch(ACCEPTED);
      } else {
        expect(sh('postconf', ['-F', 'smtp/inet/chroot']).stdout.trim()).toBe('smtp/inet/chroot = n');
        expect(probe('127.0.0.1', c.accept.from, c.accept.rcpt)).toMatch(ACCEPTED);
      }

      // --rollback undoes that change: the role's files back, Postfix restarted as it was.
      const rb = await runCli(['--rollback', '--no-color'], { via: LIVE_VIA, timeoutMs: 180_000 });
      expect(rb.status, rb.stdout + rb.stderr).toBe(0);
      expect(differences(applied)).toEqual([]);
      expect(postfixRunning()).toBe(true);
      expect(sh('postconf', ['-h', 'inet_interfaces']).stdout.trim()).toBe('loopback-only');
      if (c.change === 'chroot')
        expect(sh('postconf', ['-F', 'smtp/inet/chroot']).stdout.trim()).toBe('smtp/inet/chroot = y');
      expect(probe('127.0.0.1', c.accept.from, c.accept.rcpt)).toMatch(ACCEPTED);
    });
  }
});
