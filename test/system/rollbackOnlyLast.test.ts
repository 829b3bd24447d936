/**
 * What --rollback restores, told before it acts (planRollback: the backup and each file's change,
 * for --rollback --dry-run and --json), and --only-last: the last apply is undone only while it
 * is in place, so a second run does nothing instead of undoing the apply before it. Also the
 * commands each apply step ran, with their results (the --json document's `runs`). In memory:
 * no machine is touched.
 */
import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../../src/model/effects.js';
import type { FileChange } from '../../src/model/plan.js';
import { apply, planRollback, rollbackLatest, type StepEvent } from '../../src/system/apply.js';
import { listBackups, readManifest } from '../../src/system/backup.js';
import { createMemoryEffects, okResult, type MemoryEffects } from '../../src/system/memoryEffects.js';
import { planOf, testHost } from '../helpers/system-fixture.js';

const MAIN = '/etc/postfix/main.cf';
const ROOT = '/srv/x'; // a sandbox: no daemons

/** A memory machine whose `postfix check` fails while `failCheck` says so. */
function machine(files: Record<string, string> = { [MAIN]: 'x\n' }): MemoryEffects & { failCheck: boolean } {
  const state = { failCheck: false };
  const fx = createMemoryEffects({
    files,
    root: ROOT,
    run: (cmd, args): CommandResult => {
      if (cmd === 'postfix' && args.includes('check') && state.failCheck) {
        return { ...okResult(cmd, args), exitCode: 1, stderr: 'postfix: fatal: bad main.cf line 1' };
      }
      if (cmd === 'postmap') return { ...okResult(cmd, args), stdout: 'postmap: built it' };
      return okResult(cmd, args);
    },
  });
  return Object.defineProperty(fx, 'failCheck', {
    get: () => state.failCheck,
    set: (v: boolean) => (state.failCheck = v),
  }) as MemoryEffects & { failCheck: boolean };
}

let second = 0;
/** Apply main.cf `from` → `to` (one second after the previous apply), with a postfix check. */
async function applyMain(fx: MemoryEffects, from: string, to: string, extra: FileChange[] = []) {
  const now = new Date(Date.UTC(2026, 0, 1, 0, 0, second++));
  return apply(
    planOf([{ path: MAIN, before: from, after: to, description: 'main' }, ...extra], [{ kind: 'postfix-check' }]),
    fx,
    testHost(),
    { now: () => now },
  );
}

const content = (fx: MemoryEffects, p = MAIN) => fx.files.get(p)?.content ?? null;

describe('--rollback --only-last', () => {
  it('undoes the last apply once; a second run does nothing; a failed apply after it does not count', async () => {
    const fx = machine();
    expect((await applyMain(fx, 'x\n', 'a\n')).ok).toBe(true); // A
    expect((await applyMain(fx, 'a\n', 'b\n')).ok).toBe(true); // B
    fx.failCheck = true;
    const c = await applyMain(fx, 'b\n', 'c\n'); // C fails and rolls itself back
    expect(c).toMatchObject({ ok: false, rolledBack: true });
    fx.failCheck = false;
    expect(content(fx)).toBe('b\n');
    const [, bDir, cDir] = await listBackups(fx);
    expect((await readManifest(fx, cDir))?.rolledBackBy).toBe('apply');

    const p = await planRollback(fx, { onlyLast: true });
    expect(p).toMatchObject({ kind: 'apply', dir: bDir, changes: true, changedSince: [] });
    if (p.kind === 'none') throw new Error('unreachable');
    expect(p.files).toEqual([{ path: MAIN, before: 'b\n', after: 'a\n', description: 'restored from the backup' }]);

    const told: string[] = [];
    const r1 = await rollbackLatest(fx, testHost(), { onlyLast: true, onPlan: (x) => told.push(x.dir) });
    expect(r1).toMatchObject({ ok: true, changed: true, backupDir: `${ROOT}${bDir}` });
    expect(told).toEqual([bDir]);
    expect(content(fx)).toBe('a\n');
    expect((await readManifest(fx, bDir))?.rolledBackBy).toBe('rollback');

    // Again: B is undone already; A stays in place.
    expect(await planRollback(fx, { onlyLast: true })).toEqual({
      kind: 'none',
      reason: `the last apply (${ROOT}${bDir}) is already rolled back`,
    });
    const r2 = await rollbackLatest(fx, testHost(), { onlyLast: true });
    expect(r2).toMatchObject({ ok: true, changed: false });
    expect(r2.backupDir).toBeUndefined();
    expect(r2.events.at(-1)).toMatchObject({ id: 'rollback', status: 'skipped' });
    expect(content(fx)).toBe('a\n');

    // Without --only-last, each --rollback undoes one more apply (A now).
    const r3 = await rollbackLatest(fx, testHost());
    expect(r3).toMatchObject({ ok: true, changed: true });
    expect(content(fx)).toBe('x\n');
  });

  it('a file changed by hand since the apply stops it: nothing is written, the apply stays in place', async () => {
    const fx = machine();
    await applyMain(fx, 'x\n', 'a\n');
    fx.files.set(MAIN, { ...fx.files.get(MAIN)!, content: 'a\nhand = edit\n' });
    const writes = fx.writes.length;
    const r = await rollbackLatest(fx, testHost(), { onlyLast: true });
    expect(r.ok).toBe(false);
    expect(r.error).toContain(`${MAIN} changed after the apply of`);
    expect(r.error).toContain('mailsetup --rollback replaces those changes');
    expect(content(fx)).toBe('a\nhand = edit\n');
    expect(fx.writes.slice(writes).filter((w) => !w.startsWith('/run/'))).toEqual([]);
    const [dir] = await listBackups(fx);
    expect((await readManifest(fx, dir))?.status).toBe('applied');
    // Without --only-last the hand change is replaced, with a warning (as before).
    const r2 = await rollbackLatest(fx, testHost());
    expect(r2.ok).toBe(true);
    expect(r2.warnings).toEqual([
      `${MAIN} was changed after mailsetup wrote it; those changes are replaced by the backup`,
    ]);
    expect(content(fx)).toBe('x\n');
  });

  it('no backup at all: nothing to do (ok), where plain --rollback fails', async () => {
    const fx = machine();
    expect(await rollbackLatest(fx, testHost(), { onlyLast: true })).toMatchObject({ ok: true, changed: false });
    expect(await rollbackLatest(fx, testHost())).toMatchObject({
      ok: false,
      error: `no applied mailsetup backup in ${ROOT}/var/backups/mailsetup to roll back to`,
    });
  });

  it('a backup rolled back before mailsetup recorded by what (older manifests) counts as undone', async () => {
    const fx = machine();
    await applyMain(fx, 'x\n', 'a\n');
    await applyMain(fx, 'a\n', 'b\n');
    const [, bDir] = await listBackups(fx);
    const m = (await readManifest(fx, bDir))!;
    fx.files.set(`${bDir}/manifest.json`, {
      ...fx.files.get(`${bDir}/manifest.json`)!,
      content: JSON.stringify({ ...m, status: 'rolled-back' }),
    });
    expect(await planRollback(fx, { onlyLast: true })).toMatchObject({ kind: 'none' });
    expect((await planRollback(fx)).kind).toBe('apply'); // plain --rollback goes on to A
  });

  it('an apply that never finished is recovered first', async () => {
    const fx = machine();
    await applyMain(fx, 'x\n', 'a\n');
    const [dir] = await listBackups(fx);
    const m = (await readManifest(fx, dir))!;
    fx.files.set(`${dir}/manifest.json`, {
      ...fx.files.get(`${dir}/manifest.json`)!,
      content: JSON.stringify({ ...m, status: 'in-progress' }),
    });
    const p = await planRollback(fx, { onlyLast: true });
    expect(p).toMatchObject({ kind: 'recover', dir, changedSince: [] });
    const r = await rollbackLatest(fx, testHost(), { onlyLast: true });
    expect(r.ok).toBe(true);
    expect(content(fx)).toBe('x\n');
    expect((await readManifest(fx, dir))?.rolledBackBy).toBe('recover');
  });
});

describe('planRollback: what a rollback would restore', () => {
  it('a file the apply created is removed; a secret file is marked; a mode-only difference still counts', async () => {
    const fx = machine();
    const sasl: FileChange = {
      path: '/etc/postfix/sasl_passwd',
      before: null,
      after: '[smtp.example.net]:587 u:p\n',
      secret: true,
      mode: 0o600,
      description: 'sasl',
    };
    await applyMain(fx, 'x\n', 'a\n', [sasl]);
    const p = await planRollback(fx);
    if (p.kind === 'none') throw new Error(p.reason);
    expect(p.files).toEqual([
      { path: MAIN, before: 'a\n', after: 'x\n', description: 'restored from the backup' },
      {
        path: '/etc/postfix/sasl_passwd',
        before: '[smtp.example.net]:587 u:p\n',
        after: null,
        secret: true,
        description: 'removed: it did not exist before that apply',
      },
    ]);
    // The contents put back by hand, the mode not: the restore still changes something.
    fx.files.set(MAIN, { ...fx.files.get(MAIN)!, content: 'x\n', mode: 0o600 });
    await fx.removeFile('/etc/postfix/sasl_passwd');
    const q = await planRollback(fx);
    if (q.kind === 'none') throw new Error(q.reason);
    expect(q.files).toEqual([]);
    expect(q.changes).toBe(true);
    expect(q.changedSince.sort()).toEqual([MAIN, '/etc/postfix/sasl_passwd'].sort());
    fx.files.set(MAIN, { ...fx.files.get(MAIN)!, mode: 0o644 });
    const z = await planRollback(fx);
    expect(z.kind !== 'none' && z.changes).toBe(false);
  });

  it('a file deleted since is shown as created again, with its old mode', async () => {
    const fx = machine();
    await applyMain(fx, 'x\n', 'a\n');
    await fx.removeFile(MAIN);
    const p = await planRollback(fx);
    if (p.kind === 'none') throw new Error(p.reason);
    expect(p.files).toEqual([
      { path: MAIN, before: null, after: 'x\n', mode: 0o644, description: 'restored from the backup' },
    ]);
  });
});

describe('the commands each step ran', () => {
  it('an apply step reports its commands with exit code and output; a failed one too', async () => {
    const fx = machine();
    const ok = await apply(
      planOf(
        [{ path: MAIN, before: 'x\n', after: 'a\n', description: 'main' }],
        [{ kind: 'postmap', map: 'hash:/etc/postfix/transport', path: '/etc/postfix/transport' }],
      ),
      fx,
      testHost(),
    );
    const last = (r: { events: StepEvent[] }, id: string) => r.events.filter((e) => e.id === id).at(-1);
    expect(last(ok, 'action:postmap:/etc/postfix/transport')?.commands).toEqual([
      {
        command: `postmap -c ${ROOT}/etc/postfix hash:${ROOT}/etc/postfix/transport`,
        exitCode: 0,
        timedOut: false,
        output: 'postmap: built it',
      },
    ]);
    expect(last(ok, 'lock')?.commands).toBeUndefined();

    fx.failCheck = true;
    const bad = await applyMain(fx, 'a\n', 'b\n');
    expect(last(bad, 'action:postfix-check')).toMatchObject({
      status: 'failed',
      commands: [
        {
          command: `postfix -c ${ROOT}/etc/postfix check`,
          exitCode: 1,
          timedOut: false,
          output: 'postfix: fatal: bad main.cf line 1',
        },
      ],
    });
  });
});
