/**
 * The modes of issue 13 on the in-memory twin: --rollback says which apply it undoes and asks
 * [y/N] on a terminal (goes ahead with --yes or without one), --list-backups, --forget, and the
 * answers a role does not use (an error, or with --role overriding the file's role a warning).
 */
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.js';
import { forget } from '../../src/commands/forget/index.js';
import { listBackupsMode, rollback } from '../../src/commands/rollback/index.js';
import { settleUnused } from '../../src/commands/session.js';
import type { CliOptions } from '../../src/model/options.js';
import { isMailsetupError } from '../../src/model/errors.js';
import { detect } from '../../src/plan/detect.js';
import { plan } from '../../src/plan/plan.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { apply } from '../../src/system/apply.js';
import { createMemoryEffects, type MemoryEffects } from '../../src/system/memoryEffects.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';
import { planOf, testHost } from '../helpers/system-fixture.js';
import { MAIN_CF, STATE_PATH } from '../../src/model/paths.js';
import { cliOptions } from '../helpers/options.js';

const OPTS: CliOptions = cliOptions();

interface Run {
  ctx: CommandContext;
  out: string[];
  asked: string[];
}

/** A command context on `fx`; `answer` is what the user types when asked (undefined: no terminal). */
function context(fx: MemoryEffects, opts: Partial<CliOptions> = {}, answer?: string | null): Run {
  const out: string[] = [];
  const asked: string[] = [];
  const ctx: CommandContext = {
    opts: { ...OPTS, ...opts },
    fx,
    root: fx.root,
    io: { out: (s) => out.push(s), err: (s) => out.push(s) },
    interactive: false,
    isRoot: true,
  };
  if (answer !== undefined) {
    ctx.ask = async (q) => {
      asked.push(q);
      return answer;
    };
  }
  return { ctx, out, asked };
}

/** A box with two applies of /etc/mailname (a → b → c), the second at 2026-12-05 10:00:01 UTC. */
async function twoApplies(): Promise<MemoryEffects> {
  const fx = createMemoryEffects({ files: { '/etc/mailname': 'a\n' }, root: '/srv/x' });
  for (const [i, [before, after]] of [
    ['a\n', 'b\n'],
    ['b\n', 'c\n'],
  ].entries()) {
    const p = { ...planOf([{ path: '/etc/mailname', before, after, description: 'mailname' }], []) };
    p.previousRole = i === 0 ? null : 'mail-server';
    p.role = i === 0 ? 'mail-server' : 'backup-mx';
    const r = await apply(p, fx, testHost(), { now: () => new Date(Date.UTC(2026, 11, 5, 10, 0, i)) });
    expect(r.ok).toBe(true);
  }
  return fx;
}

const DESCRIPTION =
  'Roll back the apply of 2026-12-05 10:00:01 UTC (backup /srv/x/var/backups/mailsetup/20261205T100001Z):\n' +
  '  role:      mail-server → backup-mx\n' +
  '  files:     /etc/mailname (restored)\n';

describe('--rollback says what it undoes, then asks on a terminal', () => {
  it('answered no: nothing is done (exit 130)', async () => {
    const fx = await twoApplies();
    const r = context(fx, { rollback: true }, 'n');
    expect(await rollback(r.ctx)).toBe(130);
    expect(r.out.join('')).toBe(`${DESCRIPTION}Nothing was rolled back.\n`);
    expect(r.asked).toEqual(['Roll back? [y/N] ']);
    expect(fx.files.get('/etc/mailname')?.content).toBe('c\n');
  });

  it('Enter alone or Ctrl-D is no too', async () => {
    for (const answer of ['', null]) {
      const fx = await twoApplies();
      expect(await rollback(context(fx, { rollback: true }, answer).ctx)).toBe(130);
      expect(fx.files.get('/etc/mailname')?.content).toBe('c\n');
    }
  });

  it('answered y: the apply described is undone', async () => {
    const fx = await twoApplies();
    const r = context(fx, { rollback: true }, 'y');
    expect(await rollback(r.ctx)).toBe(0);
    const text = r.out.join('');
    expect(text.startsWith(DESCRIPTION)).toBe(true);
    expect(text).toContain(
      'Rolled back. The files are as they were before the apply of /srv/x/var/backups/mailsetup/20261205T100001Z\n',
    );
    expect(fx.files.get('/etc/mailname')?.content).toBe('b\n');
  });

  it('with --yes, or without a terminal, it goes ahead without asking', async () => {
    for (const [opts, answer] of [
      [{ rollback: true, yes: true }, 'n'],
      [{ rollback: true }, undefined],
    ] as Array<[Partial<CliOptions>, string | undefined]>) {
      const fx = await twoApplies();
      const r = context(fx, opts, answer);
      expect(await rollback(r.ctx)).toBe(0);
      expect(r.asked).toEqual([]);
      expect(r.out.join('').startsWith(DESCRIPTION)).toBe(true);
      expect(fx.files.get('/etc/mailname')?.content).toBe('b\n');
    }
  });

  it('--dry-run only says it', async () => {
    const fx = await twoApplies();
    const r = context(fx, { rollback: true, dryRun: true }, 'y');
    expect(await rollback(r.ctx)).toBe(0);
    // The description, then each file's change (now → the backup's copy).
    expect(r.out.join('')).toBe(
      `${DESCRIPTION}\n` +
        '/etc/mailname — restored from the backup (changed)\n' +
        '--- /etc/mailname\n' +
        '+++ /etc/mailname\n' +
        '@@ -1,1 +1,1 @@\n' +
        '-c\n' +
        '+b\n' +
        '--dry-run: nothing was rolled back.\n',
    );
    expect(fx.files.get('/etc/mailname')?.content).toBe('c\n');
  });

  it('--list-backups lists them, oldest first, and marks the one --rollback undoes', async () => {
    const fx = await twoApplies();
    const r = context(fx, { listBackups: true });
    expect(await listBackupsMode(r.ctx)).toBe(0);
    expect(r.out.join('')).toBe(
      'Backups in /srv/x/var/backups/mailsetup (oldest first):\n' +
        '  20261205T100000Z  2026-12-05 10:00:00 UTC  applied                  none → mail-server\n' +
        '      /etc/mailname\n' +
        '  20261205T100001Z  2026-12-05 10:00:01 UTC  applied                  mail-server → backup-mx  ← --rollback undoes this one\n' +
        '      /etc/mailname\n',
    );
    expect(await rollback(context(fx, { rollback: true }).ctx)).toBe(0);
    const after = context(fx, { listBackups: true });
    await listBackupsMode(after.ctx);
    expect(after.out.join('')).toContain(`${'rolled back'.padEnd(23)}  mail-server → backup-mx\n`);
    expect(after.out.join('')).toContain('applied                  none → mail-server  ← --rollback undoes this one\n');
  });
});

describe('--forget hands the box back', () => {
  const host = fakeHost();
  /** A box set up as a mail server by mailsetup (files as apply would leave them). */
  function configured(): MemoryEffects {
    const files: Record<string, string | null> = freshFiles();
    const given = { role: 'mail-server', postmaster: 'alice@example.com', mynetworks: ['127.0.0.0/8'] };
    const p = plan({ answers: resolveAnswers(given, host), host, files, templates: templates() });
    for (const f of p.files) files[f.path] = f.after;
    const init: Record<string, string> = {};
    for (const [k, v] of Object.entries(files)) if (v !== null) init[k] = v;
    // A hand edit since.
    init[MAIN_CF] = init[MAIN_CF].replace('notify_classes = resource, software', 'notify_classes = resource');
    return createMemoryEffects({ files: init, root: '/srv/f' });
  }

  it('shows what mailsetup owned, removes only its state file (backed up), and the next run recognises the box', async () => {
    const fx = configured();
    const main = fx.files.get(MAIN_CF)?.content;
    const r = context(fx, { forget: true }, 'y');
    expect(await forget(r.ctx)).toBe(0);
    const text = r.out.join('');
    expect(text).toContain('What mailsetup owns here (/srv/f/etc/postfix/mailsetup.yaml), role mail-server:\n');
    expect(text).toContain('    mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain\n');
    expect(text).toContain('    notify_classes = resource, software  (changed by hand since: now resource)\n');
    expect(text).toContain('  aliases: postmaster: alice@example.com, root: alice@example.com\n');
    expect(text).toContain('Forgetting removes /etc/postfix/mailsetup.yaml only: no Postfix setting changes');
    expect(text).toContain('Forgotten: mailsetup owns nothing here now. Backup: /srv/f/var/backups/mailsetup/');
    expect(r.asked).toEqual(['Forget? [y/N] ']);
    expect(fx.files.has(STATE_PATH)).toBe(false);
    expect(fx.files.get(MAIN_CF)?.content).toBe(main);
    // The next run starts from recognition.
    const files = Object.fromEntries([...fx.files].map(([k, v]) => [k, v.content]));
    const d = detect({ ...files, [STATE_PATH]: null });
    expect(d.source).toBe('config');
    expect(d.role).toBe('mail-server');
    // And --rollback puts the record back.
    const back = context(fx, { rollback: true });
    expect(await rollback(back.ctx)).toBe(0);
    expect(back.out.join('')).toContain('Roll back mailsetup --forget of ');
    expect(back.out.join('')).toContain('  role:      mail-server (mailsetup --forget removed its record)\n');
    expect(fx.files.has(STATE_PATH)).toBe(true);
  });

  it('answered no, or --dry-run: nothing removed', async () => {
    const no = configured();
    expect(await forget(context(no, { forget: true }, 'n').ctx)).toBe(130);
    expect(no.files.has(STATE_PATH)).toBe(true);
    const dry = configured();
    const r = context(dry, { forget: true, dryRun: true });
    expect(await forget(r.ctx)).toBe(0);
    expect(r.out.join('')).toContain('--dry-run: nothing was removed.\n');
    expect(dry.files.has(STATE_PATH)).toBe(true);
  });

  it('without a record there is nothing to forget', async () => {
    const fx = createMemoryEffects({ files: { [MAIN_CF]: 'myhostname = a.example\n' }, root: '/srv/n' });
    const r = context(fx, { forget: true });
    expect(await forget(r.ctx)).toBe(0);
    expect(r.out.join('')).toBe(
      'mailsetup has no record here (no /srv/n/etc/postfix/mailsetup.yaml): there is nothing to forget.\n',
    );
  });
});

describe('answers the role does not use', () => {
  // relay_domains: the mail-server role takes a transport table since issue 16, not relay domains.
  const given = { role: 'mail-server', postmaster: 'a@example.com', relay_domains: ['example.org'] };

  it('the answers file names the role: an error (exit 2) that names the key and the role', () => {
    let err: unknown;
    try {
      settleUnused(
        { answers: { ...given, relay_recipients: ['@example.org'] }, fileRole: 'mail-server' },
        'mail-server',
      );
    } catch (e) {
      err = e;
    }
    expect(isMailsetupError(err)).toBe(true);
    if (!isMailsetupError(err)) return;
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('the answers give 2 answers the mail-server role does not use; nothing was written:');
    expect(err.details).toEqual([
      '  relay_domains: the mail-server role does not use it (backup-mx and firewall-relay do)',
      '  relay_recipients: the mail-server role does not use it (backup-mx and firewall-relay do)',
    ]);
  });

  it("a null client given mynetworks_style is refused with the document's reason", () => {
    let err: unknown;
    try {
      settleUnused({ answers: { role: 'null-client', mynetworks_style: 'subnet' } }, 'null-client');
    } catch (e) {
      err = e;
    }
    expect(isMailsetupError(err)).toBe(true);
    if (!isMailsetupError(err)) return;
    expect(err.details).toEqual([
      expect.stringMatching(
        /^ {2}mynetworks_style: a null client trusts only loopback \(it listens on nothing else\): no mynetworks_style \(STANDARD_CONFIGURATION_README/,
      ),
    ]);
  });

  it('no role in the file (the role from --role or from the box): an error as well', () => {
    expect(() => settleUnused({ answers: given }, 'mail-server')).toThrow(/does not use/);
  });

  it('--role overrides the file’s role: each unused key is a warning and is left out', () => {
    const r = settleUnused({ answers: { ...given, role: 'mail-server' }, fileRole: 'backup-mx' }, 'mail-server');
    expect(r.answers).toEqual({ role: 'mail-server', postmaster: 'a@example.com' });
    expect(r.findings).toEqual([
      {
        id: 'answer-ignored',
        level: 'warning',
        message:
          'relay_domains: ignored and not recorded: the mail-server role does not use it (backup-mx and ' +
          'firewall-relay do) (the answers file was written for backup-mx)',
      },
    ]);
  });
});
