import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  apply,
  findUnfinished,
  rollbackLatest,
  startLiveCheck,
  startSandboxCheck,
  type StepEvent,
} from '../../src/system/apply.js';
import { listBackups, readManifest } from '../../src/system/backup.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { createRealEffects, runCommand } from '../../src/system/realEffects.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix } from '../helpers/postfix.js';
import {
  REALISTIC_STEPS,
  dumpTable,
  leftoverTemps,
  makeSandbox,
  planOf,
  realisticPlan,
  snapshot,
  stubBin,
  testHost,
  withoutInodes,
} from '../helpers/system-fixture.js';
import { BACKUP_ROOT, LOCK_PATH } from '../../src/model/paths.js';

const AS_ROOT = needsRoot(
  'the applies in a --root sandbox',
  'postfix check refuses other users; the sandbox has Postfix owners',
);
const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));
function sandbox(): string {
  const r = makeSandbox();
  dirs.push(r);
  return r;
}

// Concurrently: each test applies to a sandbox of its own, and the Postfix tools mostly wait.
(AS_ROOT ? describePostfix : describe.skip).concurrent(
  'apply in a --root sandbox with the real postmap/postalias/postfix check',
  () => {
    it('applies the realistic plan: files written, maps built, daemons skipped, manifest applied', async () => {
      const root = sandbox();
      const fx = createRealEffects(root);
      const plan = await realisticPlan(fx);
      const seen: string[] = [];
      const r = await apply(plan, fx, testHost(), {
        faultHook: (id) => {
          seen.push(id);
        },
      });
      expect(r.error).toBeUndefined();
      expect(r.ok).toBe(true);
      expect(r.changed).toBe(true);
      expect(seen).toEqual(REALISTIC_STEPS);
      for (const c of plan.files) expect(readFileSync(join(root, c.path), 'utf8')).toBe(c.after);
      expect(dumpTable(root, `hash:${root}/etc/postfix/transport`)).toEqual([
        '.example.com\tsmtp:[relay.example.net]',
        'example.com\tsmtp:[relay.example.net]',
      ]);
      expect(dumpTable(root, `hash:${root}/etc/aliases`)).toEqual(['postmaster\troot', 'root\tadmin@example.com']);
      const final = (id: string): StepEvent | undefined => r.events.filter((e) => e.id === id).at(-1);
      expect(final('action:reload')).toMatchObject({ status: 'skipped', detail: '--root: daemons are not touched' });
      expect(final('action:syslog-restart')).toMatchObject({
        status: 'skipped',
        detail: '--root: daemons are not touched',
      });
      expect(final('action:postfix-check')?.status).toBe('ok');
      // new file: root:root 0644 (plan mode); existing files keep owner and mode
      expect(statSync(join(root, 'etc/postfix/transport')).mode & 0o7777).toBe(0o644);
      expect(statSync(join(root, 'etc/postfix/main.cf')).mode & 0o7777).toBe(0o640);
      expect(r.backupDir).toMatch(new RegExp(`^${root}/var/backups/mailsetup/\\d{8}T\\d{6}Z$`));
      expect(statSync(r.backupDir as string).mode & 0o7777).toBe(0o700);
      const m = await readManifest(fx, `${BACKUP_ROOT}/${basename(r.backupDir as string)}`);
      expect(m?.status).toBe('applied');
      expect(m?.files.map((f) => [f.path, f.absent])).toEqual([
        ['/etc/postfix/main.cf', false],
        ['/etc/postfix/master.cf', false],
        ['/etc/aliases', false],
        ['/etc/postfix/transport', true],
      ]);
      expect(readFileSync(join(r.backupDir as string, 'files/etc/postfix/main.cf'), 'utf8')).toBe(plan.files[0].before);
      expect(m?.steps.map((s) => `${s.id}=${s.status}`)).toEqual([
        'action:postmap:/etc/postfix/transport=ok',
        'action:newaliases:/etc/aliases=ok',
        'action:postfix-check=ok',
        'action:reload=skipped',
        'action:syslog-restart=skipped',
      ]);
      expect(existsSync(join(root, 'run/mailsetup.lock'))).toBe(false);
      expect(leftoverTemps(root)).toEqual([]);
    });

    describe('a fault at every step leaves every file byte-identical (content, mode, owner), absent files absent', () => {
      for (const [i, step] of REALISTIC_STEPS.entries()) {
        it(`fault at step ${i}: ${step}`, async () => {
          const root = sandbox();
          const fx = createRealEffects(root);
          const plan = await realisticPlan(fx);
          const before = snapshot(root);
          const aliasesBefore = dumpTable(root, `hash:${root}/etc/aliases`);
          let atFault: ReturnType<typeof snapshot> | undefined;
          const r = await apply(plan, fx, testHost(), {
            faultHook: (id) => {
              if (id !== step) return;
              atFault = snapshot(root);
              throw new Error(`injected fault at ${id}`);
            },
          });
          expect(r.ok).toBe(false);
          expect(r.error).toContain(`failed: injected fault at ${step}`);
          expect(atFault).toBeDefined();
          // Steps after the first write really changed the disk before the rollback.
          if (i >= REALISTIC_STEPS.indexOf('write:/etc/postfix/master.cf')) {
            expect(withoutInodes(atFault as ReturnType<typeof snapshot>)).not.toEqual(withoutInodes(before));
          }
          expect(withoutInodes(snapshot(root))).toEqual(withoutInodes(before));
          expect(snapshot(root)['etc/postfix/transport.db']).toBe('absent');
          expect(dumpTable(root, `hash:${root}/etc/aliases`)).toEqual(aliasesBefore);
          expect(leftoverTemps(root)).toEqual([]);
          expect(existsSync(join(root, 'run/mailsetup.lock'))).toBe(false);
          const backups = await listBackups(fx);
          if (step === 'lock' || step === 'backup') {
            expect(backups).toEqual([]);
            expect(r.rolledBack).toBe(false);
          } else {
            expect(r.rolledBack).toBe(true);
            expect(backups).toHaveLength(1);
            expect((await readManifest(fx, backups[0]))?.status).toBe('rolled-back');
            expect(r.events.at(-1)).toMatchObject({ id: 'rollback', status: 'rolled-back' });
          }
          expect(await findUnfinished(fx)).toBeNull();
        });
      }
    });

    it('a master.cf entry postfix check rejects: rolled back, the error quotes postconf', async () => {
      const root = sandbox();
      const fx = createRealEffects(root);
      const master = (await fx.readFile('/etc/postfix/master.cf')) as string;
      const before = snapshot(root);
      const plan = planOf(
        [
          {
            path: '/etc/postfix/master.cf',
            before: master,
            after: `${master}bogus     inet  x       -       y       -       -       smtpd\n`,
            description: 'services',
          },
        ],
        [{ kind: 'postfix-check' }, { kind: 'reload' }],
      );
      const r = await apply(plan, fx, testHost());
      expect(r.ok).toBe(false);
      expect(r.rolledBack).toBe(true);
      expect(r.error).toContain(
        `Check the configuration (postfix check) failed: postfix -c ${root}/etc/postfix check exited 1: `,
      );
      expect(r.error).toContain(
        'fatal: invalid private field "x" in "bogus     inet  x       -       y       -       -       smtpd"',
      );
      expect(r.events.filter((e) => e.id === 'action:reload')).toEqual([]);
      expect(r.events).toContainEqual({
        id: 'write:/etc/postfix/master.cf',
        label: 'Restore /etc/postfix/master.cf',
        status: 'rolled-back',
        detail: 'restored from the backup',
      });
      expect(withoutInodes(snapshot(root))).toEqual(withoutInodes(before));
    });

    it('a main.cf value postfix itself rejects: the message printed only to a terminal is captured', async () => {
      const root = sandbox();
      const fx = createRealEffects(root);
      const main = (await fx.readFile('/etc/postfix/main.cf')) as string;
      const before = snapshot(root);
      const plan = planOf(
        [
          {
            path: '/etc/postfix/main.cf',
            before: main,
            after: `${main}default_process_limit = abc\n`,
            description: 'main',
          },
        ],
        [{ kind: 'postfix-check' }],
      );
      const r = await apply(plan, fx, testHost());
      expect(r.ok).toBe(false);
      expect(r.error).toBe(
        `Check the configuration (postfix check) failed: postfix -c ${root}/etc/postfix check exited 1: ` +
          'postfix: fatal: bad numerical configuration: default_process_limit = abc',
      );
      expect(withoutInodes(snapshot(root))).toEqual(withoutInodes(before));
    });

    it('postfix check warnings are returned to show the user', async () => {
      const root = sandbox();
      const fx = createRealEffects(root);
      const main = (await fx.readFile('/etc/postfix/main.cf')) as string;
      const plan = planOf(
        [{ path: '/etc/postfix/main.cf', before: main, after: `${main}bogus_thing = 1\n`, description: 'main' }],
        [{ kind: 'postfix-check' }],
      );
      const r = await apply(plan, fx, testHost());
      expect(r.ok).toBe(true);
      // Checked on a private copy; the warning names the sandbox's file.
      expect(r.warnings).toContain(
        `/usr/sbin/postconf: warning: ${root}/etc/postfix/main.cf: unused parameter: bogus_thing=1`,
      );
      expect(r.warnings.filter((w) => w.includes('mailsetup-stage'))).toEqual([]);
    });

    it('a file changed on disk since the plan was made: nothing written, nothing backed up', async () => {
      const root = sandbox();
      const fx = createRealEffects(root);
      const plan = await realisticPlan(fx);
      writeFileSync(join(root, 'etc/aliases'), 'postmaster: someone\n');
      const before = snapshot(root);
      const r = await apply(plan, fx, testHost());
      expect(r.ok).toBe(false);
      expect(r.rolledBack).toBe(false);
      expect(r.error).toBe(
        'Back up the files to change failed: /etc/aliases: changed on disk since the plan was made; nothing was written (run mailsetup again)',
      );
      expect(snapshot(root)).toEqual(before);
      expect(await listBackups(fx)).toEqual([]);
    });

    it('idempotence: the same plan again (rebuilt against the disk) writes nothing and runs nothing', async () => {
      const root = sandbox();
      const fx = createRealEffects(root);
      const plan = await realisticPlan(fx);
      expect((await apply(plan, fx, testHost())).ok).toBe(true);
      const s1 = snapshot(root, [
        ...plan.files.map((f) => f.path.slice(1)),
        'etc/postfix/transport.db',
        'etc/aliases.db',
      ]);
      const mtimes = plan.files.map((f) => statSync(join(root, f.path)).mtimeMs);
      const backups = await listBackups(fx);
      // Rebuilt plan: before = disk, after identical → no file changes, no actions.
      const disk = await Promise.all(plan.files.map((f) => fx.readFile(f.path)));
      const files = plan.files.map((f, i) => ({ ...f, before: disk[i] })).filter((f) => f.before !== f.after);
      expect(files).toEqual([]);
      const r = await apply(planOf(files, []), fx, testHost());
      expect(r).toEqual({ ok: true, changed: false, rolledBack: false, warnings: [], events: [] });
      // A plan that still lists the files (after = disk) but no actions: still nothing written.
      const r2 = await apply(
        planOf(
          plan.files.map((f) => ({ ...f, before: f.after })),
          [],
        ),
        fx,
        testHost(),
      );
      expect(r2.ok).toBe(true);
      expect(r2.changed).toBe(false);
      expect(r2.events.every((e) => e.status === 'skipped')).toBe(true);
      expect(snapshot(root, Object.keys(s1))).toEqual(s1);
      expect(plan.files.map((f) => statSync(join(root, f.path)).mtimeMs)).toEqual(mtimes);
      expect(await listBackups(fx)).toEqual(backups);
      expect(existsSync(join(root, 'run/mailsetup.lock'))).toBe(false);
    });

    it('rollbackLatest restores the exact previous files and removes the ones that were absent', async () => {
      const root = sandbox();
      const fx = createRealEffects(root);
      const before = snapshot(root);
      const aliasesBefore = dumpTable(root, `hash:${root}/etc/aliases`);
      const plan = await realisticPlan(fx);
      const a = await apply(plan, fx, testHost(), { now: () => new Date('2026-11-26T07:34:12Z') });
      expect(a.ok).toBe(true);
      expect(snapshot(root)['etc/postfix/transport.db']).not.toBe('absent');
      // an admin edits main.cf afterwards
      writeFileSync(join(root, 'etc/postfix/main.cf'), `${plan.files[0].after}# edited\n`);
      const r = await rollbackLatest(fx, testHost());
      expect(r.error).toBeUndefined();
      expect(r.ok).toBe(true);
      expect(r.rolledBack).toBe(true);
      expect(r.backupDir).toBe(`${root}/var/backups/mailsetup/20261126T073412Z`);
      expect(r.warnings).toEqual([
        '/etc/postfix/main.cf was changed after mailsetup wrote it; those changes are replaced by the backup',
      ]);
      expect(withoutInodes(snapshot(root))).toEqual(withoutInodes(before));
      expect(dumpTable(root, `hash:${root}/etc/aliases`)).toEqual(aliasesBefore);
      expect(r.events.filter((e) => e.status === 'rolled-back').map((e) => e.id)).toEqual([
        'write:/etc/postfix/main.cf',
        'write:/etc/postfix/master.cf',
        'write:/etc/aliases',
        // The databases from the backup's copies, before the files that did not exist are removed
        // (issue 13: no newaliases against a removed main.cf).
        'rollback:db:/etc/postfix/transport.db',
        'rollback:db:/etc/aliases.db',
        'write:/etc/postfix/transport',
        'rollback',
      ]);
      expect((await readManifest(fx, `${BACKUP_ROOT}/20261126T073412Z`))?.status).toBe('rolled-back');
      const again = await rollbackLatest(fx, testHost());
      expect(again.ok).toBe(false);
      expect(again.error).toBe(`no applied mailsetup backup in ${root}/var/backups/mailsetup to roll back to`);
    });
  },
);

const STAGE_DIR = '/etc/.postfix.mailsetup-stage';

describe('apply with memory effects', () => {
  const files = {
    '/etc/postfix/main.cf': { content: 'myhostname = a\n', mode: 0o640, uid: 65534, gid: 65534 },
    '/etc/aliases': 'postmaster: root\n',
  };
  const plan = planOf(
    [
      { path: '/etc/postfix/main.cf', before: 'myhostname = a\n', after: 'myhostname = b\n', description: 'main' },
      {
        path: '/etc/postfix/sasl_passwd',
        before: null,
        after: '[smtp.example.net]:587 u:p\n',
        secret: true,
        description: 'sasl',
      },
    ],
    [
      { kind: 'postmap', map: 'hash:/etc/postfix/sasl_passwd', path: '/etc/postfix/sasl_passwd' },
      { kind: 'postfix-check' },
    ],
  );

  it('idempotence: after an apply, the rebuilt (empty) plan writes nothing and runs nothing', async () => {
    const fx = createMemoryEffects({ files, root: '/srv/x' });
    expect((await apply(plan, fx, testHost())).ok).toBe(true);
    const calls = fx.calls.length;
    const writes = fx.writes.length;
    expect(calls).toBe(2);
    const rebuilt = plan.files.filter((f) => fx.files.get(f.path)?.content !== f.after);
    expect(rebuilt).toEqual([]);
    const r = await apply(planOf(rebuilt, []), fx, testHost());
    expect(r).toEqual({ ok: true, changed: false, rolledBack: false, warnings: [], events: [] });
    expect(fx.calls).toHaveLength(calls);
    expect(fx.writes).toHaveLength(writes);
  });

  it('writes, runs in order, keeps meta, secret files 0600 (also their backup copies)', async () => {
    const fx = createMemoryEffects({ files, root: '/srv/x' });
    const r = await apply(plan, fx, testHost(), { now: () => new Date('2026-01-02T03:04:05Z') });
    expect(r.ok).toBe(true);
    expect(fx.files.get('/etc/postfix/main.cf')).toEqual({
      content: 'myhostname = b\n',
      mode: 0o640,
      uid: 65534,
      gid: 65534,
    });
    expect(fx.files.get('/etc/postfix/sasl_passwd')?.mode).toBe(0o600);
    expect(fx.files.get('/var/backups/mailsetup/20260102T030405Z/files/etc/postfix/main.cf')).toEqual({
      content: 'myhostname = a\n',
      mode: 0o640,
      uid: 0,
      gid: 0,
    });
    expect(fx.dirs.get('/var/backups/mailsetup/20260102T030405Z')).toBe(0o700);
    // Under --root, postmap and postfix check run on a private copy of the sandbox's main.cf and
    // master.cf whose queue and data directories are private too (src/system/sandbox.ts): never the
    // host's queue, nor its postlog socket. The map itself is the sandbox's.
    // (postfix check runs beside the build before it: the two in either order.)
    expect(fx.calls.map((c) => [c.cmd, ...c.args].join(' ')).sort()).toEqual([
      'postfix -c /tmp/mailsetup-scratch-1/config check',
      'postmap -c /tmp/mailsetup-scratch-1/config hash:/srv/x/etc/postfix/sasl_passwd',
    ]);
    expect(fx.scratch.size).toBe(0); // removed after the check
    // The originals kept beside the files while the apply ran (.main.cf.mailsetup-keep) are gone.
    expect([...fx.files.keys()].filter((p) => p.includes('.mailsetup-keep'))).toEqual([]);
    expect(fx.writes.filter((w) => w.startsWith('/etc') && !w.includes('.mailsetup-keep'))).toEqual([
      '/etc/postfix/main.cf',
      '/etc/postfix/sasl_passwd',
    ]);
  });

  it('takes over the check the caller started on the private copy for this plan: one check, the copy removed', async () => {
    const fx = createMemoryEffects({ files, root: '/srv/x' });
    const check = await startSandboxCheck(plan, fx, testHost());
    expect(check?.copy.config).toBe('/tmp/mailsetup-scratch-1/config');
    const r = await apply(plan, fx, testHost(), { ...(check ? { sandboxCheck: check } : {}) });
    expect(r.ok).toBe(true);
    expect(r.events.find((e) => e.id === 'action:postfix-check' && e.status !== 'running')?.status).toBe('ok');
    // Not run again: the builds use the same copy.
    expect(fx.calls.map((c) => [c.cmd, ...c.args].join(' '))).toEqual([
      'postfix -c /tmp/mailsetup-scratch-1/config check',
      'postmap -c /tmp/mailsetup-scratch-1/config hash:/srv/x/etc/postfix/sasl_passwd',
    ]);
    expect(fx.scratch.size).toBe(0);
  });

  it("takes over a check started on the plan's files and commands alone (planFiles: another object, no state file), under --root and live", async () => {
    // What the caller starts on: the same files (copies) and commands, without the state file the full plan has.
    const state = {
      path: '/etc/postfix/mailsetup.yaml',
      before: null,
      after: 'version: 1\n',
      mode: 0o644,
      quiet: true,
      description: 'state',
    };
    const full = planOf([...plan.files, state], plan.actions);
    const draft = { files: plan.files.map((f) => ({ ...f })), actions: plan.actions.map((a) => ({ ...a })) };
    const root = createMemoryEffects({ files, root: '/srv/x' });
    const onCopy = await startSandboxCheck(draft, root, testHost());
    expect(onCopy).toBeDefined();
    const r = await apply(full, root, testHost(), { ...(onCopy ? { sandboxCheck: onCopy } : {}) });
    expect(r.error).toBeUndefined();
    expect(root.calls.filter((c) => c.args.at(-1) === 'check')).toHaveLength(1);
    expect(r.events.find((e) => e.id === 'action:postfix-check' && e.status !== 'running')?.status).toBe('ok');
    expect(root.files.get('/etc/postfix/mailsetup.yaml')?.content).toBe('version: 1\n');
    const live = createMemoryEffects({ files });
    const onStage = await startLiveCheck(draft, live, testHost());
    expect(onStage).toBeDefined();
    const l = await apply(full, live, testHost(), { ...(onStage ? { liveCheck: onStage } : {}) });
    expect(l.error).toBeUndefined();
    expect(live.calls.map((c) => [c.cmd, ...c.args].join(' '))).toEqual([
      `postfix -c ${STAGE_DIR} check`,
      `postmap -c ${STAGE_DIR} hash:/etc/postfix/sasl_passwd`,
    ]);
    expect(live.files.get('/etc/postfix/mailsetup.yaml')?.content).toBe('version: 1\n');
    expect(live.files.has(LOCK_PATH)).toBe(false);
    // A mode the check's files would not have had: not the same check, so the apply runs its own.
    const other = createMemoryEffects({ files });
    const early = await startLiveCheck(draft, other, testHost());
    const moded = planOf(
      full.files.map((f) => (f.path === '/etc/postfix/main.cf' ? { ...f, mode: 0o600, modeBefore: 0o640 } : f)),
      full.actions,
    );
    const m = await apply(moded, other, testHost(), { ...(early ? { liveCheck: early } : {}) });
    expect(m.error).toBeUndefined();
    expect(other.calls.filter((c) => c.args.at(-1) === 'check')).toHaveLength(2);
  });

  it("ends a check started for another plan (the plan changed meanwhile) and runs the new plan's own", async () => {
    const fx = createMemoryEffects({ files, root: '/srv/x' });
    const other = planOf([{ ...plan.files[0], after: 'myhostname = c\n' }, plan.files[1]], plan.actions);
    const check = await startSandboxCheck(other, fx, testHost());
    expect(fx.scratch.size).toBe(1);
    const r = await apply(plan, fx, testHost(), { ...(check ? { sandboxCheck: check } : {}) });
    expect(r.ok).toBe(true);
    // The other plan's check was ended and its
    // copy removed before this plan's own copy and check; the build ran once, on this plan's copy.
    const calls = fx.calls.map((c) => [c.cmd, ...c.args].join(' '));
    expect(calls.filter((c) => c.startsWith('postmap '))).toEqual([
      'postmap -c /tmp/mailsetup-scratch-1/config hash:/srv/x/etc/postfix/sasl_passwd',
    ]);
    // Two checks: the other plan's (the twin answers at once, before it is ended), and this plan's.
    expect(calls.filter((c) => c.endsWith(' check'))).toHaveLength(2);
    expect(r.events.find((e) => e.id === 'action:postfix-check' && e.status !== 'running')?.status).toBe('ok');
    expect(fx.scratch.size).toBe(0);
  });

  it("resolves once the check's command has started, under --root and live (the caller's next work comes after it)", async () => {
    const root = createMemoryEffects({ files, root: '/srv/x' });
    const onCopy = await startSandboxCheck(plan, root, testHost());
    expect(root.calls.map((c) => [c.cmd, ...c.args].join(' '))).toEqual([
      'postfix -c /tmp/mailsetup-scratch-1/config check',
    ]);
    await onCopy?.discard();
    const live = createMemoryEffects({ files });
    const onStage = await startLiveCheck(plan, live, testHost());
    expect(live.calls.map((c) => c.cmd)).toContain('postfix');
    await onStage?.discard();
  });

  it('a check the caller started and then discards (nothing applied) leaves no copy; none is started live', async () => {
    const fx = createMemoryEffects({ files, root: '/srv/x' });
    const check = await startSandboxCheck(plan, fx, testHost());
    expect(fx.scratch.size).toBe(1);
    await check?.discard();
    expect(fx.scratch.size).toBe(0);
    const live = createMemoryEffects({ files });
    expect(live.live).toBe(true);
    expect(await startSandboxCheck(plan, live, testHost())).toBeUndefined();
    expect(live.calls).toEqual([]);
    // Nor when something other than builds comes before the check (it would read what they do).
    const reloadFirst = planOf(plan.files, [{ kind: 'reload' }, { kind: 'postfix-check' }]);
    expect(await startSandboxCheck(reloadFirst, createMemoryEffects({ files, root: '/srv/x' }), testHost())).toBe(
      undefined,
    );
  });

  it('live: takes over the lock, stage and check the caller started for this plan: one check, all gone after', async () => {
    const fx = createMemoryEffects({ files });
    const check = await startLiveCheck(plan, fx, testHost());
    expect(check?.stage).toBe(STAGE_DIR);
    // Under the lock, on the stage, before anything is written.
    expect(fx.files.has(LOCK_PATH)).toBe(true);
    expect(fx.files.get(`${STAGE_DIR}/main.cf`)?.content).toBe('myhostname = b\n');
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('myhostname = a\n');
    expect((await check?.outcome)?.status).toBe('ok'); // the twin answers at once
    expect(fx.calls.map((c) => [c.cmd, ...c.args].join(' '))).toEqual([`postfix -c ${STAGE_DIR} check`]);
    const r = await apply(plan, fx, testHost(), { ...(check ? { liveCheck: check } : {}) });
    expect(r.error).toBeUndefined();
    expect(r.events.filter((e) => e.status !== 'running').map((e) => `${e.id} ${e.status}`)).toEqual([
      'lock ok',
      'backup ok',
      'write:/etc/postfix/sasl_passwd ok',
      'action:postmap:/etc/postfix/sasl_passwd ok',
      'action:postfix-check ok',
      'write:/etc/postfix/main.cf ok', // validated on the stage, placed after the last tool
      'manifest ok',
    ]);
    // The check ran once; the build read the same stage.
    expect(fx.calls.map((c) => [c.cmd, ...c.args].join(' '))).toEqual([
      `postfix -c ${STAGE_DIR} check`,
      `postmap -c ${STAGE_DIR} hash:/etc/postfix/sasl_passwd`,
    ]);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('myhostname = b\n');
    expect(fx.files.has(LOCK_PATH)).toBe(false);
    expect([...fx.files.keys()].filter((k) => k.startsWith(STAGE_DIR))).toEqual([]);
  });

  it('live: a check started for another plan is ended (stage gone, lock given back) before the apply takes its own', async () => {
    const fx = createMemoryEffects({ files });
    const other = planOf([{ ...plan.files[0], after: 'myhostname = c\n' }, plan.files[1]], plan.actions);
    const check = await startLiveCheck(other, fx, testHost());
    expect(check).toBeDefined();
    const r = await apply(plan, fx, testHost(), { ...(check ? { liveCheck: check } : {}) });
    expect(r.error).toBeUndefined();
    const checks = fx.calls.filter((c) => c.args.at(-1) === 'check');
    expect(checks).toHaveLength(2);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('myhostname = b\n');
    expect(fx.files.has(LOCK_PATH)).toBe(false);
    expect([...fx.files.keys()].filter((k) => k.startsWith(STAGE_DIR))).toEqual([]);
  });

  it('live: discarded (nothing applied), nothing is left; none under --root, without Postfix, or while the lock is held', async () => {
    const fx = createMemoryEffects({ files });
    const check = await startLiveCheck(plan, fx, testHost());
    await check?.discard();
    expect(fx.files.has(LOCK_PATH)).toBe(false);
    expect([...fx.files.keys()].filter((k) => k.startsWith(STAGE_DIR))).toEqual([]);
    expect(fx.writes.filter((w) => w.startsWith('/etc') || w.startsWith('/var'))).toEqual([]);
    expect(await startLiveCheck(plan, createMemoryEffects({ files, root: '/srv/x' }), testHost())).toBeUndefined();
    const none = testHost();
    none.postfix = { ...none.postfix, installed: false };
    expect(await startLiveCheck(plan, createMemoryEffects({ files }), none)).toBeUndefined();
    // Another mailsetup (this very process stands in for it: alive) holds the lock.
    const held = createMemoryEffects({ files: { ...files, [LOCK_PATH]: `${process.pid}\n` } });
    expect(await startLiveCheck(plan, held, testHost())).toBeUndefined();
    expect(held.calls).toEqual([]);
    expect(held.files.get(LOCK_PATH)?.content).toBe(`${process.pid}\n`);
  });

  it('keeps the newest 10 backups', async () => {
    const fx = createMemoryEffects({ files: { '/etc/mailname': 'x\n' } });
    let n = 0;
    let content = 'x\n';
    for (let i = 0; i < 12; i++) {
      const next = `x${i}\n`;
      const r = await apply(
        planOf([{ path: '/etc/mailname', before: content, after: next, description: 'mailname' }], []),
        fx,
        testHost(),
        {
          now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, n++)),
        },
      );
      expect(r.ok).toBe(true);
      content = next;
    }
    const names = (await listBackups(fx)).map((d) => basename(d));
    expect(names).toEqual(Array.from({ length: 10 }, (_, i) => `20260101T0000${String(i + 2).padStart(2, '0')}Z`));
  });

  it('pruning never deletes the backup of an unfinished apply', async () => {
    const fx = createMemoryEffects({
      files: {
        '/etc/mailname': 'x\n',
        '/var/backups/mailsetup/20250101T000000Z/manifest.json': JSON.stringify({
          version: 1,
          created: '2025-01-01T00:00:00.000Z',
          status: 'in-progress',
          files: [],
          actions: [],
          steps: [],
          derived: [],
        }),
      },
    });
    let content = 'x\n';
    for (let i = 0; i < 11; i++) {
      const next = `x${i}\n`;
      await apply(
        planOf([{ path: '/etc/mailname', before: content, after: next, description: '' }], []),
        fx,
        testHost(),
        {
          now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        },
      );
      content = next;
    }
    const names = (await listBackups(fx)).map((d) => basename(d));
    expect(names).toHaveLength(11);
    expect(names[0]).toBe('20250101T000000Z');
    expect(await findUnfinished(fx)).toBe('/var/backups/mailsetup/20250101T000000Z');
  });

  it('two applies in the same second get distinct backup directories', async () => {
    const fx = createMemoryEffects({ files: { '/etc/mailname': 'a\n' } });
    const now = (): Date => new Date('2026-11-26T07:34:12.345Z');
    await apply(planOf([{ path: '/etc/mailname', before: 'a\n', after: 'b\n', description: '' }], []), fx, testHost(), {
      now,
    });
    await apply(planOf([{ path: '/etc/mailname', before: 'b\n', after: 'c\n', description: '' }], []), fx, testHost(), {
      now,
    });
    expect((await listBackups(fx)).map((d) => basename(d))).toEqual(['20261126T073412Z', '20261126T073412Z-2']);
  });
});

describe('live path through apply (stand-in programs on PATH, files in memory)', () => {
  const stubs: string[] = [];
  afterAll(() => stubs.forEach(cleanup));

  function setup(opts: {
    systemd: boolean;
    running: boolean;
    failReload?: boolean;
    /** /etc/init.d/rsyslog exists (default yes). */
    rsyslogInit?: boolean;
    /** The stand-in `service` fails (as Debian's does without an init script). */
    failService?: boolean;
  }) {
    const isActive = opts.running ? 0 : 3;
    const stub = stubBin({
      systemctl: {
        body: `[ "$1" = is-active ] && exit ${isActive}\n[ "$1" = reload ] && exit ${opts.failReload ? 1 : 0}\nexit 0`,
      },
      postfix: { body: `for a; do [ "$a" = status ] && exit ${opts.running ? 0 : 1}; done\nexit 0` },
      postmap: {},
      newaliases: {},
      service: { body: opts.failService ? 'echo "rsyslog: unrecognized service" >&2\nexit 1' : 'exit 0' },
      'configure-instance.sh': {},
      kill: {},
      rsyslogd: {},
    });
    stubs.push(stub.dir);
    const fx = createMemoryEffects({
      files: {
        '/etc/postfix/main.cf': 'a = 1\n',
        '/etc/postfix/master.cf': 'm\n',
        '/etc/aliases': 'postmaster: root\n',
        '/usr/lib/postfix/configure-instance.sh': '#!/bin/sh\n',
        '/usr/sbin/rsyslogd': '',
        '/proc/77/comm': 'rsyslogd\n',
        '/proc/77/cmdline': 'rsyslogd\0-i\0/run/rsyslogd.pid\0',
        '/proc/77/status': 'Name:\trsyslogd\nUid:\t0\t0\t0\t0\n',
        ...(opts.rsyslogInit === false ? {} : { '/etc/init.d/rsyslog': '#!/bin/sh\n' }),
      },
      // every command runs the stand-in of the same name, never the real program
      run: (cmd, args, o) => runCommand(join(stub.dir, basename(cmd)), args, o),
    });
    return { fx, stub };
  }
  const files = [{ path: '/etc/postfix/main.cf', before: 'a = 1\n', after: 'a = 2\n', description: 'main' }];
  // Every plan here writes main.cf: the read-only tools get its settled stage.
  const STAGE = '/etc/.postfix.mailsetup-stage';

  it('systemd: systemctl reload postfix, systemctl restart rsyslog', async () => {
    const { fx, stub } = setup({ systemd: true, running: true });
    const r = await apply(
      planOf(files, [
        { kind: 'newaliases', path: '/etc/aliases' },
        { kind: 'reload' },
        { kind: 'syslog-restart', reason: 'socket' },
      ]),
      fx,
      testHost({ systemd: true, rsyslog: true }),
    );
    expect(r.error).toBeUndefined();
    expect(stub.calls()).toEqual([
      'systemctl is-active --quiet postfix', // running before (backup)
      'newaliases -C /etc/.postfix.mailsetup-stage', // main.cf was just written: its settled stage
      'systemctl reload postfix', // decided by the backup's answer, not asked again
      'systemctl restart rsyslog',
    ]);
  });

  it('systemd: restart → systemctl restart postfix; reload when stopped → systemctl start postfix', async () => {
    const a = setup({ systemd: true, running: true });
    await apply(planOf(files, [{ kind: 'restart', reason: 'inet_interfaces' }]), a.fx, testHost({ systemd: true }));
    expect(a.stub.calls().filter((c) => !c.includes('is-active'))).toEqual(['systemctl restart postfix']);
    const b = setup({ systemd: true, running: false });
    await apply(planOf(files, [{ kind: 'reload' }]), b.fx, testHost({ systemd: true }));
    expect(b.stub.calls().filter((c) => !c.includes('is-active'))).toEqual(['systemctl start postfix']);
  });

  it('systemd: a failed reload rolls back and reloads the previous configuration', async () => {
    const { fx, stub } = setup({ systemd: true, running: true, failReload: true });
    const r = await apply(planOf(files, [{ kind: 'reload' }]), fx, testHost({ systemd: true }));
    expect(r.ok).toBe(false);
    expect(r.rolledBack).toBe(true);
    expect(r.error).toMatch(/^Reload Postfix failed: \S*systemctl reload postfix exited 1/);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('a = 1\n');
    expect(stub.calls().filter((c) => !c.includes('is-active'))).toEqual([
      'systemctl reload postfix',
      'systemctl reload postfix',
    ]);
  });

  it('no systemd: postfix reload / stop + configure-instance.sh + start / service rsyslog restart', async () => {
    const a = setup({ systemd: false, running: true });
    const r = await apply(
      planOf(files, [
        { kind: 'restart', reason: 'inet_interfaces' },
        { kind: 'syslog-restart', reason: 'socket' },
      ]),
      a.fx,
      testHost({ rsyslog: true }),
    );
    expect(r.error).toBeUndefined();
    const status = (c: string) => c === 'postfix status' || c === `postfix -c ${STAGE} status`;
    expect(a.stub.calls().filter((c) => !status(c))).toEqual([
      'postfix stop',
      'configure-instance.sh -',
      'postfix start',
      'service rsyslog restart',
    ]);
    const b = setup({ systemd: false, running: true });
    await apply(planOf(files, [{ kind: 'reload' }]), b.fx, testHost());
    expect(b.stub.calls().filter((c) => !status(c))).toEqual([`postfix -c ${STAGE} reload`]);
    const c = setup({ systemd: false, running: false });
    await apply(
      planOf(files, [{ kind: 'reload' }, { kind: 'syslog-restart', reason: 'socket' }]),
      c.fx,
      testHost({ rsyslog: false }),
    );
    expect(c.stub.calls().filter((x) => !status(x))).toEqual(['configure-instance.sh -', 'postfix start']);
  });

  it('no systemd, no rsyslog init script (Debian 12 and 13): TERM rsyslogd, wait, start it with its arguments', async () => {
    const a = setup({ systemd: false, running: true, rsyslogInit: false });
    const r = await apply(
      planOf(files, [{ kind: 'syslog-restart', reason: 'socket' }]),
      a.fx,
      testHost({ rsyslog: true }),
    );
    expect(r.error).toBeUndefined();
    expect(a.stub.calls().filter((c) => c !== 'postfix status')).toEqual([
      'kill -TERM 77',
      'rsyslogd -i /run/rsyslogd.pid',
    ]);
  });

  it('a failing rsyslog restart after a first start: Postfix is stopped first, then the files restored', async () => {
    const { fx, stub } = setup({ systemd: false, running: false, failService: true });
    const r = await apply(
      planOf(files, [{ kind: 'reload' }, { kind: 'syslog-restart', reason: 'socket' }]),
      fx,
      testHost({ rsyslog: true }),
      {
        faultHook: (id) => {
          // once started, the stand-in postfix reports running
          if (id === 'action:syslog-restart')
            writeFileSync(
              join(stub.dir, 'postfix'),
              `#!/bin/sh\nprintf '%s\\n' "postfix $*" >> '${stub.dir}/calls.log'\nexit 0\n`,
              { mode: 0o755 },
            );
        },
      },
    );
    expect(r.ok).toBe(false);
    expect(r.rolledBack).toBe(true);
    expect(r.error).toMatch(
      /^Restart rsyslog \(socket\) failed: \S*service rsyslog restart exited 1: rsyslog: unrecognized service/,
    );
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe('a = 1\n');
    const calls = stub.calls();
    expect(calls.slice(calls.indexOf('service rsyslog restart') + 1)).toEqual([
      'postfix status',
      'postfix status',
      'postfix stop',
      'service rsyslog restart',
    ]);
    // The rollback stops the Postfix the apply started before it restores the files (a real
    // `postfix status` cannot see a Postfix whose main.cf a rollback to a fresh box removed).
    const order = r.events.filter((e) => e.status !== 'running').map((e) => `${e.id} ${e.status}`);
    expect(order.indexOf('rollback:postfix rolled-back')).toBeGreaterThan(-1);
    expect(order.indexOf('rollback:postfix rolled-back')).toBeLessThan(
      order.indexOf('write:/etc/postfix/main.cf rolled-back'),
    );
  });

  it('no systemd: a fault after postfix was started from stopped stops it again in the rollback', async () => {
    const { fx, stub } = setup({ systemd: false, running: false });
    const r = await apply(planOf(files, [{ kind: 'reload' }]), fx, testHost(), {
      faultHook: (id) => {
        if (id === 'manifest') {
          // the stand-in postfix now reports running
          writeFileSync(
            join(stub.dir, 'postfix'),
            `#!/bin/sh\nprintf '%s\\n' "postfix $*" >> '${stub.dir}/calls.log'\nexit 0\n`,
            { mode: 0o755 },
          );
          throw new Error('boom');
        }
      },
    });
    expect(r.ok).toBe(false);
    expect(r.rolledBack).toBe(true);
    expect(stub.calls()).toEqual([
      'postfix status', // before the backup; the reload decides by its answer
      'configure-instance.sh -',
      'postfix start', // apply
      'postfix status',
      'postfix status',
      'postfix stop', // rollback: it runs now, it did not before
    ]);
  });
});
