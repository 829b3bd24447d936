/**
 * Every rollback completes (issue 13), on the in-memory twin: databases put back byte for byte in
 * an order that cannot fail (no newaliases against a removed main.cf), a rollback that did not
 * complete is the one retried, a rollback killed half-way is completed, the backup the user agreed
 * to is the one undone; and the apply side: files changed since the plan are never written over,
 * a mode-only change is applied and undone, postfix check's warnings are findings.
 */
import { describe, expect, it } from 'vitest';
import {
  apply,
  findRollbackTarget,
  findUnfinished,
  recoverUnfinished,
  rollbackLatest,
} from '../../src/system/apply.js';
import { listBackups, readManifest, writeManifest } from '../../src/system/backup.js';
import { createMemoryEffects, okResult, type MemoryEffects } from '../../src/system/memoryEffects.js';
import type { CommandResult, RunOptions } from '../../src/model/effects.js';
import { planOf, testHost } from '../helpers/system-fixture.js';

const ALIASES_DB = new Uint8Array([0, 6, 21, 97, 0, 0, 0, 2, 255, 254, 1, 0x80, 0xc3]);
const NEW_DB = new Uint8Array([9, 9, 9, 0, 255]);
const MAIN = '/etc/postfix/main.cf';

/** A fresh box: no main.cf, Debian's aliases and their database, as the postfix package leaves them. */
function freshBox(run?: (cmd: string, args: string[], opts: RunOptions) => CommandResult): MemoryEffects {
  const fx = createMemoryEffects({ root: '/srv/box', files: { '/etc/aliases': 'postmaster: root\n' }, run });
  fx.files.set('/etc/aliases.db', { content: '', bytes: ALIASES_DB, mode: 0o644, uid: 0, gid: 0 });
  return fx;
}

/** The first apply on that box: main.cf created, /etc/aliases changed, newaliases rebuilds the database. */
const firstApply = planOf(
  [
    { path: MAIN, before: null, after: 'myhostname = mail.example.com\n', mode: 0o644, description: 'main' },
    {
      path: '/etc/aliases',
      before: 'postmaster: root\n',
      after: 'postmaster: root\nroot: a@example.com\n',
      description: 'aliases',
    },
  ],
  [{ kind: 'newaliases', path: '/etc/aliases' }, { kind: 'postfix-check' }],
);

/** Commands as Postfix's would behave: postalias fails without main.cf, and writes a new database. */
function postfixTools(fx: () => MemoryEffects, log: string[]) {
  return (cmd: string, args: string[]): CommandResult => {
    log.push(`${cmd} ${args.join(' ')} (main.cf ${fx().files.has(MAIN) ? 'present' : 'absent'})`);
    if (cmd === 'postalias' && !fx().files.has(MAIN))
      return {
        command: cmd,
        exitCode: 1,
        stdout: '',
        stderr: 'postalias: fatal: open /etc/postfix/main.cf: No such file or directory',
        timedOut: false,
      };
    if (cmd === 'postalias')
      fx().files.set('/etc/aliases.db', { content: '', bytes: NEW_DB, mode: 0o644, uid: 0, gid: 0 });
    return okResult(cmd, args);
  };
}

describe('rollback on a fresh box whose /etc/aliases.db existed before', () => {
  it('puts the database back byte for byte without running newaliases, and removes main.cf last', async () => {
    const log: string[] = [];
    const holder: { fx?: MemoryEffects } = {};
    const fx = freshBox(postfixTools(() => holder.fx as MemoryEffects, log));
    holder.fx = fx;
    const a = await apply(firstApply, fx, testHost(), { now: () => new Date('2026-12-05T16:26:35Z') });
    expect(a.ok).toBe(true);
    expect(fx.files.get('/etc/aliases.db')?.bytes).toEqual(NEW_DB);
    // The copy in the backup is the database as it was, 0644 like the original.
    const copy = fx.files.get('/var/backups/mailsetup/20261205T162635Z/files/etc/aliases.db');
    expect(copy?.bytes).toEqual(ALIASES_DB);
    const m = await readManifest(fx, '/var/backups/mailsetup/20261205T162635Z');
    expect(m?.summary).toEqual({ kind: 'apply', roleBefore: null, roleAfter: 'mail-server' });
    expect(m?.derived.find((d) => d.path === '/etc/aliases.db')).toMatchObject({ absent: false, mode: 0o644 });

    log.length = 0;
    const r = await rollbackLatest(fx, testHost());
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(log).toEqual([]); // no postalias, no newaliases: nothing that needs main.cf
    expect(fx.files.get('/etc/aliases.db')?.bytes).toEqual(ALIASES_DB);
    expect(fx.files.has(MAIN)).toBe(false);
    expect(fx.files.get('/etc/aliases')?.content).toBe('postmaster: root\n');
    const ids = r.events.filter((e) => e.status === 'rolled-back').map((e) => e.id);
    // main.cf last, then the directory the apply created for it (issue 16: created directories go too).
    expect(ids).toEqual([
      'write:/etc/aliases',
      'rollback:db:/etc/aliases.db',
      `write:${MAIN}`,
      'write:/etc/postfix',
      'rollback',
    ]);
    expect(r.events.find((e) => e.id === 'write:/etc/postfix')?.label).toBe('Remove the directory /etc/postfix');
    expect((await readManifest(fx, '/var/backups/mailsetup/20261205T162635Z'))?.status).toBe('rolled-back');
  });

  it('a backup made before mailsetup copied databases is rebuilt while main.cf is still in place', async () => {
    const log: string[] = [];
    const holder: { fx?: MemoryEffects } = {};
    const fx = freshBox(postfixTools(() => holder.fx as MemoryEffects, log));
    holder.fx = fx;
    expect((await apply(firstApply, fx, testHost(), { now: () => new Date('2026-12-05T16:26:35Z') })).ok).toBe(true);
    // Make it an old manifest: no copies, no summary.
    const dir = '/var/backups/mailsetup/20261205T162635Z';
    const m = await readManifest(fx, dir);
    if (m === null) throw new Error('no manifest');
    delete m.summary;
    m.derived = m.derived.map(({ path, source, absent }) => ({ path, source, absent }));
    await writeManifest(fx, dir, m);
    log.length = 0;
    const r = await rollbackLatest(fx, testHost());
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    // Under --root postalias is given the private copy of the sandbox's configuration (issue 14).
    expect(log).toEqual(['postalias -c /tmp/mailsetup-scratch-1/config hash:/srv/box/etc/aliases (main.cf present)']);
    expect(fx.files.has(MAIN)).toBe(false);
  });
});

describe('a rollback that did not complete is the one to retry', () => {
  /** Two applies of /etc/mailname: a → b → c. */
  async function twoApplies(): Promise<MemoryEffects> {
    const fx = createMemoryEffects({ files: { '/etc/mailname': 'a\n' }, root: '/srv/x' });
    for (const [i, [before, after]] of [
      ['a\n', 'b\n'],
      ['b\n', 'c\n'],
    ].entries()) {
      const r = await apply(
        planOf([{ path: '/etc/mailname', before, after, description: 'mailname' }], []),
        fx,
        testHost(),
        {
          now: () => new Date(Date.UTC(2026, 11, 5, 10, 0, i)),
        },
      );
      expect(r.ok).toBe(true);
    }
    return fx;
  }
  const FIRST = '/var/backups/mailsetup/20261205T100000Z';
  const SECOND = '/var/backups/mailsetup/20261205T100001Z';

  it('a failed rollback is marked rollback-failed; the next --rollback finishes it, not the apply before', async () => {
    const fx = await twoApplies();
    const copy = `${SECOND}/files/etc/mailname`;
    const good = fx.files.get(copy);
    if (!good) throw new Error('no copy');
    fx.files.set(copy, { ...good, content: 'damaged\n' });
    const failed = await rollbackLatest(fx, testHost());
    expect(failed.ok).toBe(false);
    expect(failed.error).toContain('is damaged (sha256 differs)');
    const m = await readManifest(fx, SECOND);
    expect(m?.status).toBe('rollback-failed');
    expect(m?.rollback?.errors?.[0]).toContain('damaged');
    expect(await findRollbackTarget(fx)).toMatchObject({ dir: SECOND, reason: 'rollback-failed' });

    fx.files.set(copy, good);
    const retried = await rollbackLatest(fx, testHost());
    expect(retried.ok).toBe(true);
    expect(retried.backupDir).toBe(`/srv/x${SECOND}`);
    expect(fx.files.get('/etc/mailname')?.content).toBe('b\n');
    expect((await readManifest(fx, SECOND))?.status).toBe('rolled-back');
    expect((await readManifest(fx, FIRST))?.status).toBe('applied');
    // Only now the apply before.
    expect(await findRollbackTarget(fx)).toMatchObject({ dir: FIRST, reason: 'applied' });
    expect((await rollbackLatest(fx, testHost())).ok).toBe(true);
    expect(fx.files.get('/etc/mailname')?.content).toBe('a\n');
  });

  it('--only-last retries a failed rollback of the last apply, then does nothing (never the apply before)', async () => {
    const fx = await twoApplies();
    const copy = `${SECOND}/files/etc/mailname`;
    const good = fx.files.get(copy);
    if (!good) throw new Error('no copy');
    fx.files.set(copy, { ...good, content: 'damaged\n' });
    expect((await rollbackLatest(fx, testHost(), { onlyLast: true })).ok).toBe(false);
    expect(await findRollbackTarget(fx, { onlyLast: true })).toMatchObject({ dir: SECOND, reason: 'rollback-failed' });
    fx.files.set(copy, good);
    const told: string[] = [];
    const retried = await rollbackLatest(fx, testHost(), { onlyLast: true, onPlan: (p) => told.push(p.kind) });
    expect(retried.ok).toBe(true);
    expect(told).toEqual(['apply']);
    expect(fx.files.get('/etc/mailname')?.content).toBe('b\n');
    expect(await findRollbackTarget(fx, { onlyLast: true })).toBeNull();
    const again = await rollbackLatest(fx, testHost(), { onlyLast: true });
    expect(again.ok).toBe(true);
    expect(again.backupDir).toBeUndefined();
    expect(fx.files.get('/etc/mailname')?.content).toBe('b\n');
    expect((await readManifest(fx, FIRST))?.status).toBe('applied');
  });

  it('a rollback killed half-way (rolling-back) is found at the next start and completed', async () => {
    const fx = await twoApplies();
    const m = await readManifest(fx, SECOND);
    if (m === null) throw new Error('no manifest');
    m.status = 'rolling-back';
    m.rollback = { mode: 'latest' };
    await writeManifest(fx, SECOND, m);
    expect(await findUnfinished(fx)).toBe(`/srv/x${SECOND}`);
    expect(await findRollbackTarget(fx)).toMatchObject({ dir: SECOND, reason: 'rollback-unfinished' });
    const r = await recoverUnfinished(fx, testHost());
    expect(r.ok).toBe(true);
    expect(fx.files.get('/etc/mailname')?.content).toBe('b\n');
    expect(await findUnfinished(fx)).toBeNull();
  });

  it('the backup the user was shown is the one rolled back: another run in between, nothing is done', async () => {
    const fx = await twoApplies();
    const r = await rollbackLatest(fx, testHost(), { expected: FIRST });
    expect(r.ok).toBe(false);
    expect(r.error).toBe(
      `the backups changed since they were shown (/srv/x${SECOND} is now the one to roll back): nothing was done; ` +
        'run mailsetup --rollback again',
    );
    expect(fx.files.get('/etc/mailname')?.content).toBe('c\n');
    expect((await listBackups(fx)).length).toBe(2);
  });
});

describe('the apply side', () => {
  it('files changed on disk between the plan and the apply: nothing written, the paths reported to plan again', async () => {
    const fx = createMemoryEffects({ files: { '/etc/mailname': 'a\n', '/etc/aliases': 'x\n' }, root: '/srv/x' });
    const plan = planOf(
      [
        { path: '/etc/mailname', before: 'a\n', after: 'b\n', description: 'mailname' },
        { path: '/etc/aliases', before: 'x\n', after: 'y\n', description: 'aliases' },
      ],
      [],
    );
    // Another admin edits both files while mailsetup takes the lock.
    const take = fx.createExclusive?.bind(fx);
    fx.createExclusive = async (p, c) => {
      fx.files.set('/etc/mailname', { content: 'admin\n', mode: 0o644, uid: 0, gid: 0 });
      fx.files.set('/etc/aliases', { content: 'admin\n', mode: 0o644, uid: 0, gid: 0 });
      return (take as NonNullable<typeof take>)(p, c);
    };
    const r = await apply(plan, fx, testHost());
    expect(r.ok).toBe(false);
    expect(r.stale).toEqual(['/etc/mailname', '/etc/aliases']);
    expect(r.error).toContain(
      '/etc/mailname, /etc/aliases: changed on disk since the plan was made; nothing was written',
    );
    expect(fx.files.get('/etc/mailname')?.content).toBe('admin\n');
    expect(await listBackups(fx)).toEqual([]);
  });

  it('a mode-only change is applied (content untouched) and a rollback restores the old mode', async () => {
    const fx = createMemoryEffects({
      files: { [MAIN]: { content: 'myhostname = a\n', mode: 0o666, uid: 0, gid: 0 } },
      root: '/srv/x',
    });
    const plan = planOf(
      [
        {
          path: MAIN,
          before: 'myhostname = a\n',
          after: 'myhostname = a\n',
          mode: 0o644,
          modeBefore: 0o666,
          description: 'main',
        },
      ],
      [{ kind: 'postfix-check' }],
    );
    const r = await apply(plan, fx, testHost());
    expect(r.ok).toBe(true);
    expect(fx.files.get(MAIN)).toMatchObject({ content: 'myhostname = a\n', mode: 0o644 });
    // Applied again: already as wanted, nothing written.
    const writes = fx.writes.length;
    expect((await apply(planOf(plan.files, []), fx, testHost())).changed).toBe(false);
    expect(fx.writes.length).toBe(writes);
    expect((await rollbackLatest(fx, testHost())).ok).toBe(true);
    expect(fx.files.get(MAIN)).toMatchObject({ content: 'myhostname = a\n', mode: 0o666 });
  });

  it('postfix check warnings make its step say how many, and are findings of the apply', async () => {
    const warning = 'postfix/postfix-script: warning: group or other writable: /srv/x/etc/postfix/./main.cf';
    const fx = createMemoryEffects({
      files: { [MAIN]: 'myhostname = a\n' },
      root: '/srv/x',
      run: (cmd, args) => ({ ...okResult(cmd, args), stderr: cmd === 'postfix' ? `${warning}\n` : '' }),
    });
    const r = await apply(
      planOf(
        [{ path: MAIN, before: 'myhostname = a\n', after: 'myhostname = b\n', description: 'main' }],
        [{ kind: 'postfix-check' }],
      ),
      fx,
      testHost(),
    );
    expect(r.ok).toBe(true);
    expect(r.findings).toEqual([{ id: 'postfix-check', level: 'warning', message: warning }]);
    expect(r.events.filter((e) => e.id === 'action:postfix-check').at(-1)).toEqual({
      id: 'action:postfix-check',
      label: 'Check the configuration (postfix check)',
      status: 'ok',
      detail: '1 warning',
      explain: [warning],
      commands: [{ command: 'postfix -c /srv/x/etc/postfix check', exitCode: 0, output: warning, timedOut: false }],
    });
  });
});

describe('issue 13 and issue 14 together: the database copies and the kept originals', () => {
  const SASL = '/etc/postfix/sasl_passwd';
  const OLD_DB = new Uint8Array(4096).fill(7);
  const NEW_SASL_DB = new Uint8Array([1, 2, 3]);

  /** A box whose sasl_passwd and its database exist, the database 0644 (wider than a secret may be). */
  function box(
    run: (cmd: string, args: string[], opts: RunOptions) => CommandResult | Promise<CommandResult>,
  ): MemoryEffects {
    const fx = createMemoryEffects({
      root: '/srv/box',
      files: { [SASL]: { content: '[old.example]:587 u:old\n', mode: 0o600, uid: 0, gid: 0 } },
      run,
    });
    fx.files.set(`${SASL}.db`, { content: '', bytes: OLD_DB, mode: 0o644, uid: 0, gid: 0 });
    return fx;
  }

  const change = planOf(
    [
      {
        path: SASL,
        before: '[old.example]:587 u:old\n',
        after: '[new.example]:587 u:new\n',
        secret: true,
        description: 'sasl',
      },
    ],
    [{ kind: 'postmap', map: `hash:${SASL}`, path: SASL, secret: true }, { kind: 'postfix-check' }],
  );

  it('an apply that fails on a full disk puts the database back by renaming its kept copy, never wider than 0600', async () => {
    const holder: { fx?: MemoryEffects } = {};
    const fx = box(async (cmd, args) => {
      const f = holder.fx as MemoryEffects;
      if (cmd === 'postmap')
        f.files.set(`${SASL}.db`, { content: '', bytes: NEW_SASL_DB, mode: 0o600, uid: 0, gid: 0 });
      if (cmd === 'postfix' && args.includes('check')) {
        // Under --root the check starts with the apply; it ends once its step has begun (the
        // manifest records it running), after the write and postmap, as a slow check would.
        const manifest = '/var/backups/mailsetup/20261205T180000Z/manifest.json';
        for (let i = 0; !f.files.get(manifest)?.content.includes('"action:postfix-check"'); i++) {
          if (i > 5000) throw new Error('the check step never began');
          await new Promise((r) => setTimeout(r, 1));
        }
        // The disk is full now: only what needs no free space can put things back.
        let used = 0;
        for (const x of new Set(f.files.values())) used += x.bytes?.byteLength ?? Buffer.byteLength(x.content);
        f.capacity = used + 4096;
        return { command: 'postfix check', exitCode: 1, stdout: '', stderr: 'postfix: fatal: bad', timedOut: false };
      }
      return okResult(cmd, args);
    });
    holder.fx = fx;
    const r = await apply(change, fx, testHost(), { now: () => new Date('2026-12-05T18:00:00Z') });
    expect(r.ok).toBe(false);
    expect(r.error).not.toContain('did not complete');
    expect(r.rolledBack).toBe(true);
    const db = fx.files.get(`${SASL}.db`);
    expect(db?.bytes).toEqual(OLD_DB);
    expect(db?.mode).toBe(0o600); // the backup recorded 0644; a secret's database never comes back wider
    expect(fx.files.get(SASL)?.content).toBe('[old.example]:587 u:old\n');
    // The backup holds the database as it was (issue 13), and the kept copies beside the files are gone.
    const copy = fx.files.get('/var/backups/mailsetup/20261205T180000Z/files/etc/postfix/sasl_passwd.db');
    expect(copy?.bytes).toEqual(OLD_DB);
    expect(copy?.mode).toBe(0o600);
    expect([...fx.files.keys()].filter((k) => k.includes('mailsetup-keep'))).toEqual([]);
    expect((await readManifest(fx, '/var/backups/mailsetup/20261205T180000Z'))?.status).toBe('rolled-back');
  });

  it('--rollback of a finished apply restores the database from the backup copy, never wider than 0600', async () => {
    const fx = box((cmd, args) => {
      if (cmd === 'postmap')
        fx.files.set(`${SASL}.db`, { content: '', bytes: NEW_SASL_DB, mode: 0o600, uid: 0, gid: 0 });
      return okResult(cmd, args);
    });
    expect((await apply(change, fx, testHost(), { now: () => new Date('2026-12-05T18:00:00Z') })).ok).toBe(true);
    expect([...fx.files.keys()].filter((k) => k.includes('mailsetup-keep'))).toEqual([]);
    const r = await rollbackLatest(fx, testHost());
    expect(r.error).toBeUndefined();
    const db = fx.files.get(`${SASL}.db`);
    expect(db?.bytes).toEqual(OLD_DB);
    expect(db?.mode).toBe(0o600);
  });
});
