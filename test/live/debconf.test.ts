/**
 * debconf FOR REAL on this machine: mailsetup's main.cf (planner, mail-server role) in
 * /etc/postfix, then `dpkg-reconfigure postfix` with and without the "No configuration" pin. It
 * changes the real /etc and debconf's database, so it runs only when asked (MAILSETUP_TEST_LIVE=1,
 * as .ci/run does), as root. Everything it touches (/etc/postfix, /etc/aliases(.db), /etc/mailname,
 * debconf's database, /var/lib/postfix, the reload/restart marks) is saved first and put back byte
 * for byte in afterAll, also on failure; the /etc/postfix lock keeps other test files out meanwhile.
 *
 * Measured here (Debian's postinst only writes answers flagged "changed", which only an
 * interactive run sets): a non-interactive reconfigure leaves main.cf alone even when the mailer
 * type is "Internet Site". What the pin prevents is an answered reconfigure — a human taking
 * debconf's values — which the test reproduces by flagging the six questions "changed" (as the
 * config script does for answered questions) through debconf-communicate.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plan } from '../../src/plan/plan.js';
import { MainCf } from '../../src/postfix/mainCf.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { readPlanFiles } from '../../src/commands/session.js';
import {
  debconfAnswers,
  debconfDisagreement,
  debconfMailerType,
  pinNoConfiguration,
} from '../../src/system/debconf.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { differences, restore, type Snapshot } from '../helpers/etcSnapshot.js';
import { guardLive } from '../helpers/liveGuard.js';
import { fakeHost, templates } from '../helpers/host.js';
import { needsLive } from '../helpers/needs.js';
import { POSTFIX_AVAILABLE } from '../helpers/postfix.js';
import { MAILNAME, MAIN_CF } from '../../src/model/paths.js';

function sh(cmd: string, args: string[], input?: string): { status: number; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input,
    timeout: 180_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

const CAN_RUN =
  needsLive("dpkg-reconfigure postfix against mailsetup's main.cf") &&
  POSTFIX_AVAILABLE &&
  existsSync('/usr/sbin/dpkg-reconfigure') &&
  /install ok installed/.test(sh('dpkg-query', ['-W', '-f=${Status}', 'postfix']).out);

const SAVED = [
  '/etc/postfix',
  '/etc/aliases',
  '/etc/aliases.db',
  '/etc/mailname',
  '/var/lib/postfix',
  '/var/cache/debconf/config.dat',
  '/var/cache/debconf/config.dat-old',
  '/var/cache/debconf/templates.dat',
  '/var/cache/debconf/templates.dat-old',
  '/var/cache/debconf/passwords.dat',
  '/var/spool/postfix/reload',
  '/var/spool/postfix/restart',
];

/** debconf's stored answers for the scenarios (all differ from mailsetup's main.cf). */
const PRESET = [
  'postfix postfix/mailname string debconf.example.org',
  'postfix postfix/relayhost string ',
  'postfix postfix/destinations string $myhostname, localhost.example.org, localhost',
  'postfix postfix/mynetworks string 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128',
  'postfix postfix/protocols select all',
];
const ANSWERED = ['main_mailer_type', 'mailname', 'relayhost', 'destinations', 'mynetworks', 'protocols'];

(CAN_RUN ? describe : describe.skip)(
  "dpkg-reconfigure postfix against mailsetup's main.cf (live /etc/postfix, restored)",
  () => {
    const fx = createRealEffects('/');
    let release: (() => void) | null = null;
    let snap: Snapshot | null = null;
    let wasRunning = false;
    let originalMailer: string | null = null;
    let mainText = '';
    let mailnameText = '';

    const running = () => sh('postfix', ['status']).status === 0;
    const systemd = existsSync('/run/systemd/system');
    /** Stop the system's Postfix again (dpkg-reconfigure may have started it). */
    const stop = () => (systemd ? sh('systemctl', ['stop', 'postfix']) : sh('postfix', ['stop']));

    /** mailsetup's files as apply would leave them (main.cf 0644, /etc/mailname). */
    function install(): void {
      writeFileSync(MAIN_CF, mainText, { mode: 0o644 });
      writeFileSync(MAILNAME, mailnameText, { mode: 0o644 });
    }
    function select(mailer: string): void {
      const r = sh(
        'debconf-set-selections',
        [],
        `${[...PRESET, `postfix postfix/main_mailer_type select ${mailer}`].join('\n')}\n`,
      );
      expect(r.status, r.out).toBe(0);
    }
    /** What the config script records for questions a human answered. */
    function markAnswered(): void {
      const r = sh(
        'debconf-communicate',
        ['postfix'],
        ANSWERED.map((q) => `fset postfix/${q} changed true`).join('\n') + '\n',
      );
      expect(r.out.trim().split('\n')).toEqual(ANSWERED.map(() => '0 true'));
    }
    function reconfigure(): string {
      const r = sh('dpkg-reconfigure', ['-f', 'noninteractive', 'postfix']);
      // It may (re)start Postfix through invoke-rc.d; keep the machine as it was.
      if (!wasRunning && running()) stop();
      expect(r.status, r.out).toBe(0);
      return r.out;
    }
    const params = (text: string) =>
      Object.fromEntries(
        MainCf.parse(text)
          .entries()
          .map((e) => [e.name, e.value]),
      );

    beforeAll(async () => {
      const guard = await guardLive(SAVED);
      release = guard.done;
      snap = guard.saved;
      wasRunning = running();
      originalMailer = await debconfMailerType(fx);
      const host = fakeHost({
        fqdn: 'mx.example.com',
        hostname: 'mx',
        rsyslog: false,
        systemd: false,
        postfix: { installed: true, version: '3.7.11', defaultDatabaseType: 'hash', running: wasRunning, smtpPort: 25 },
      });
      const answers = resolveAnswers(
        {
          role: 'mail-server',
          myhostname: 'mx.example.com',
          postmaster: 'admin@example.net',
          relayhost: '[smtp.example.net]:587',
          mynetworks: ['127.0.0.0/8'],
          inet_interfaces: 'loopback-only',
          inet_protocols: 'ipv4',
        },
        host,
      );
      const p = plan({ answers, host, files: await readPlanFiles(fx), templates: templates() });
      mainText = p.files.find((f) => f.path === MAIN_CF)?.after ?? '';
      mailnameText = p.files.find((f) => f.path === MAILNAME)?.after ?? '';
      expect(mainText).toContain('relayhost = [smtp.example.net]:587');
      expect(mailnameText).toBe('example.com\n');
    }, 330_000);

    afterAll(async () => {
      try {
        if (!wasRunning && running()) stop();
        if (snap) {
          restore(snap);
          expect(differences(snap)).toEqual([]);
          expect(await debconfMailerType(fx)).toBe(originalMailer);
        }
      } finally {
        release?.();
      }
    }, 120_000);

    it('reads the real selection (the same as debconf-show says)', async () => {
      const raw = sh('debconf-show', ['postfix']).out;
      const line = raw.split('\n').find((l) => l.includes('postfix/main_mailer_type:'));
      expect(await debconfMailerType(fx)).toBe(line?.split(': ')[1] ?? null);
      expect(Object.keys((await debconfAnswers(fx)) ?? {})).toContain('relayhost');
    });

    it('pinned "No configuration": a reconfigure leaves main.cf byte-identical, even with every question answered', async () => {
      install();
      select('Internet Site');
      expect((await pinNoConfiguration(fx)).status).toBe('ok');
      expect(await debconfMailerType(fx)).toBe('No configuration');
      expect(await debconfDisagreement(fx, mainText)).toEqual([]);
      reconfigure();
      expect(readFileSync(MAIN_CF, 'utf8')).toBe(mainText);
      markAnswered();
      reconfigure();
      expect(readFileSync(MAIN_CF, 'utf8')).toBe(mainText);
      expect(readFileSync(MAILNAME, 'utf8')).toBe(mailnameText);
    }, 300_000);

    it('not pinned ("Internet Site"): an answered reconfigure rewrites exactly what debconfDisagreement predicted', async () => {
      install();
      select('Internet Site');
      const warnings = await debconfDisagreement(fx, mainText);
      expect(warnings.map((w) => [w.question, w.parameter, w.effect])).toEqual([
        ['main_mailer_type', 'inet_interfaces', 'overwrite'],
        ['relayhost', 'relayhost', 'overwrite'],
        ['mailname', 'myorigin', 'overwrite'],
        ['destinations', 'mydestination', 'overwrite'],
        ['mynetworks', 'mynetworks', 'stale'],
        ['protocols', 'inet_protocols', 'stale'],
      ]);
      // Non-interactively, nothing is flagged answered: main.cf stays (measured, see the top).
      reconfigure();
      expect(readFileSync(MAIN_CF, 'utf8')).toBe(mainText);
      // Answered (what a human pressing Enter through the questions does): main.cf changes.
      markAnswered();
      reconfigure();
      const after = readFileSync(MAIN_CF, 'utf8');
      expect(after).not.toBe(mainText);
      const before = params(mainText);
      const now = params(after);
      const changed = [...new Set([...Object.keys(before), ...Object.keys(now)])]
        .filter((n) => before[n] !== now[n])
        .sort();
      expect(changed).toEqual(
        warnings
          .filter((w) => w.effect === 'overwrite')
          .map((w) => w.parameter)
          .sort(),
      );
      expect(now.relayhost).toBe('');
      expect(now.inet_interfaces).toBe('all');
      expect(now.myorigin).toBe('/etc/mailname');
      expect(readFileSync(MAILNAME, 'utf8')).toBe('debconf.example.org\n');
    }, 300_000);
  },
);
