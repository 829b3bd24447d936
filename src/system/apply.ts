/**
 * Carry out a Plan: lock → backup (manifest in-progress) → atomic writes → actions in plan order
 * → manifest applied → unlock. Any failure restores every file from the backup, rebuilds the
 * maps it restored, brings the daemons back to the previous configuration and marks the backup
 * rolled-back. Also: --rollback (rollbackLatest) and recovery of an apply that was killed.
 */
import { basename, dirname } from 'node:path';
import { describeAction, type Action, type FileChange, type Plan } from '../model/plan.js';
import type { StepEvent, ApplyResult } from '../model/events.js';
import type { Effects } from '../model/effects.js';
import type { HostFacts } from '../model/host.js';
import {
  createBackup,
  fullEffects,
  listBackups,
  pruneBackups,
  readManifest,
  restoreFiles,
  sha256,
  writeManifest,
  type BackupEntry,
  type Manifest,
  type ManifestStep,
} from './backup.js';
import { acquireLock, type Lock } from './lock.js';
import { CommandFailure, messageOf, StepFailure, StepRunner, type StepRunnerOptions } from './runner.js';
import {
  postfixRunning,
  reloadPostfix,
  restartPostfix,
  restartSyslog,
  runAction,
  runsOf,
  stopPostfix,
  type StepOutcome,
} from './services.js';
import { BACKUP_ROOT, LOCK_PATH } from '../model/paths.js';

export type { StepEvent, ApplyResult };

export interface ApplyOptions extends StepRunnerOptions {
  now?: () => Date;
}

function writeLabel(c: FileChange): string {
  return c.after === null ? `Remove ${c.path}` : `Write ${c.path}`;
}

async function readCurrent(fx: Effects, files: FileChange[]): Promise<Array<string | null>> {
  return Promise.all(files.map((c) => fx.readFile(c.path)));
}

function hasDaemonAction(actions: Action[]): boolean {
  return actions.some((a) => a.kind === 'reload' || a.kind === 'restart');
}

/** Carry out `plan`. An empty plan (or one whose files already match) writes and runs nothing. */
export async function apply(plan: Plan, fx: Effects, host: HostFacts, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const rec = new StepRunner(opts);
  const now = opts.now ?? (() => new Date());
  const done = (r: Partial<ApplyResult> & { ok: boolean }): ApplyResult => ({
    changed: false,
    rolledBack: false,
    ...r,
    warnings: rec.warnings,
    events: rec.events,
  });
  fullEffects(fx);
  if (plan.files.length === 0 && plan.actions.length === 0) return done({ ok: true });

  let pre: Array<string | null>;
  try {
    pre = await readCurrent(fx, plan.files);
  } catch (e) {
    return done({ ok: false, error: messageOf(e) });
  }
  if (plan.actions.length === 0 && plan.files.every((c, i) => pre[i] === c.after)) {
    for (const c of plan.files)
      rec.emit({ id: `write:${c.path}`, label: writeLabel(c), status: 'skipped', detail: 'already up to date' });
    return done({ ok: true });
  }

  let lock: Lock | undefined;
  let backup: { dir: string; manifest: Manifest } | undefined;
  let changed = false;
  try {
    await rec.step('lock', `Take the lock ${fx.resolve(LOCK_PATH)}`, async () => {
      lock = await acquireLock(fx);
    });

    const unchanged = new Set<string>();
    await rec.step('backup', 'Back up the files to change', async () => {
      const current = await readCurrent(fx, plan.files);
      const entries: BackupEntry[] = [];
      plan.files.forEach((c, i) => {
        if (current[i] === c.after) {
          unchanged.add(c.path);
          return;
        }
        if (current[i] !== c.before) {
          throw new Error(
            `${c.path}: changed on disk since the plan was made; nothing was written (run mailsetup again)`,
          );
        }
        entries.push({ path: c.path, current: current[i], after: c.after, secret: c.secret === true });
      });
      const runningBefore = fx.live && hasDaemonAction(plan.actions) ? await postfixRunning(fx, host) : undefined;
      backup = await createBackup(fx, entries, plan.actions, now(), runningBefore);
      await pruneBackups(fx);
      return { detail: fx.resolve(backup.dir) };
    });
    const b = backup as { dir: string; manifest: Manifest };

    for (const c of plan.files) {
      await rec.step(`write:${c.path}`, writeLabel(c), async () => {
        if (unchanged.has(c.path)) return { status: 'skipped', detail: 'already up to date' };
        if (c.after === null) {
          await fx.removeFile(c.path);
        } else if (c.before === null) {
          await fx.writeFileAtomic(c.path, c.after, { mode: c.mode ?? (c.secret ? 0o600 : 0o644) });
        } else {
          await fx.writeFileAtomic(c.path, c.after);
        }
        changed = true;
        return {};
      });
    }

    for (const a of plan.actions) {
      const { stepId: id, label } = describeAction(a);
      await rec.step(id, label, async () => {
        const s: ManifestStep = { id, status: 'running' };
        b.manifest.steps.push(s);
        await writeManifest(fx, b.dir, b.manifest);
        const o = await runAction(fx, host, a);
        s.status = o.status;
        rec.warnings.push(...o.warnings);
        if (o.status === 'failed') throw new CommandFailure(o.error ?? 'failed', runsOf(o.results));
        if (o.status === 'ok') changed = true;
        return { status: o.status, detail: o.detail, commands: runsOf(o.results) };
      });
    }

    await rec.step('manifest', 'Record the apply as finished', async () => {
      b.manifest.status = 'applied';
      await writeManifest(fx, b.dir, b.manifest);
    });
    return done({ ok: true, changed, backupDir: fx.resolve(b.dir) });
  } catch (e) {
    const error = e instanceof StepFailure ? e.message : messageOf(e);
    if (!backup) return done({ ok: false, error });
    const rb = await rollback(fx, host, backup.dir, backup.manifest, 'apply', rec);
    return done({
      ok: false,
      backupDir: fx.resolve(backup.dir),
      error: rb.errors.length > 0 ? `${error}; the rollback did not complete: ${rb.errors.join('; ')}` : error,
      rolledBack: rb.filesRestored,
    });
  } finally {
    await lock?.release().catch(() => undefined);
  }
}

type RollbackMode = 'apply' | 'recover' | 'latest';

function outcomeEvent(rec: StepRunner, id: string, label: string, o: StepOutcome): string | null {
  rec.warnings.push(...o.warnings);
  const commands = runsOf(o.results);
  if (o.status === 'failed') {
    rec.emit({ id, label, status: 'failed', detail: o.error, commands });
    return `${label}: ${o.error}`;
  }
  rec.emit({ id, label, status: o.status === 'ok' ? 'rolled-back' : 'skipped', detail: o.detail, commands });
  return null;
}

/**
 * Restore the files of backup `dir`, rebuild the maps, bring the daemons back, mark the
 * manifest rolled-back. 'apply'/'recover': undo an apply that failed or was killed (only what
 * it started is redone); 'latest': undo a finished apply (--rollback).
 */
async function rollback(
  fx: Effects,
  host: HostFacts,
  dir: string,
  m: Manifest,
  mode: RollbackMode,
  rec: StepRunner,
): Promise<{ filesRestored: boolean; errors: string[]; changed: boolean }> {
  const errors: string[] = [];
  const started = new Set(m.steps.map((s) => s.id));
  rec.emit({ id: 'rollback', label: 'Roll back to the previous configuration', status: 'running' });

  // Whether Postfix runs now, asked while the configuration it runs with is still on disk
  // (`postfix status` fails without a main.cf, which a rollback to a fresh box removes).
  const daemons = fx.live && hasDaemonAction(m.actions);
  const runningNow = daemons ? await postfixRunning(fx, host) : false;
  const stopFirst = daemons && runningNow && m.postfixRunningBefore === false;
  if (stopFirst) {
    // It was not running before that apply: stop it while it can still be stopped (before the
    // files are restored, and before anything else in the rollback can fail, e.g. rsyslog).
    const err = outcomeEvent(
      rec,
      'rollback:postfix',
      'Stop Postfix (it was not running before)',
      await stopPostfix(fx, host),
    );
    if (err) errors.push(err);
  }

  // 1. Files (and any temporary file a killed write left behind).
  let restored: string[];
  try {
    await removeTempFiles(fx, [...m.files.map((f) => f.path), `${dir}/manifest.json`]);
    restored = await restoreFiles(fx, dir, m);
  } catch (e) {
    const msg = `restoring the files from ${fx.resolve(dir)} failed: ${messageOf(e)}`;
    rec.emit({ id: 'rollback', label: 'Roll back to the previous configuration', status: 'failed', detail: msg });
    return { filesRestored: false, errors: [msg], changed: false };
  }
  for (const p of restored) {
    const f = m.files.find((x) => x.path === p);
    rec.emit({
      id: `write:${p}`,
      label: `Restore ${p}`,
      status: 'rolled-back',
      detail: f?.absent ? 'removed (it did not exist before)' : 'restored from the backup',
    });
  }

  // 2. Maps: rebuild from the restored source where the apply rebuilt them; remove database
  //    files that did not exist before.
  for (const a of m.actions) {
    if (a.kind !== 'postmap' && a.kind !== 'newaliases') continue;
    const id = describeAction(a).stepId;
    const derived = m.derived.filter((d) => d.source === a.path);
    const hadDb = derived.some((d) => !d.absent);
    if ((mode === 'latest' || started.has(id)) && hadDb && (await fx.stat(a.path)) !== null) {
      const err = outcomeEvent(
        rec,
        `rollback:${id}`,
        `Rebuild ${a.path} from the restored file`,
        await runAction(fx, host, a),
      );
      if (err) errors.push(err);
    }
    for (const d of derived) {
      if (!d.absent || (await fx.stat(d.path)) === null) continue;
      try {
        await fx.removeFile(d.path);
        rec.emit({
          id: `rollback:remove:${d.path}`,
          label: `Remove ${d.path}`,
          status: 'rolled-back',
          detail: 'it did not exist before',
        });
      } catch (e) {
        errors.push(messageOf(e));
      }
    }
  }

  // 3. Daemons (live only).
  if (daemons) {
    const planRestart = m.actions.some((a) => a.kind === 'restart');
    let o: StepOutcome | null = null;
    let label = '';
    if (mode === 'latest') {
      if (runningNow && m.postfixRunningBefore !== false) {
        label = planRestart
          ? 'Restart Postfix with the restored configuration'
          : 'Reload Postfix with the restored configuration';
        o = planRestart ? await restartPostfix(fx, host) : await reloadPostfix(fx, host);
      }
    } else if (m.postfixRunningBefore === false) {
      // Stopped above, before the files were restored.
    } else if (started.has('action:restart') || !runningNow) {
      label = 'Restart Postfix with the restored configuration';
      o = await restartPostfix(fx, host);
    } else if (started.has('action:reload') || restored.length > 0) {
      label = 'Reload Postfix with the restored configuration';
      o = await reloadPostfix(fx, host);
    }
    if (o) {
      const err = outcomeEvent(rec, 'rollback:postfix', label, o);
      if (err) errors.push(err);
    }
  }
  if (
    fx.live &&
    (mode === 'latest' ? m.actions.some((a) => a.kind === 'syslog-restart') : started.has('action:syslog-restart'))
  ) {
    const err = outcomeEvent(rec, 'rollback:syslog', 'Restart rsyslog', await restartSyslog(fx, host));
    if (err) errors.push(err);
  }

  // 4. Record it.
  try {
    m.status = 'rolled-back';
    m.rolledBackBy = mode === 'latest' ? 'rollback' : mode;
    await writeManifest(fx, dir, m);
  } catch (e) {
    errors.push(`marking ${fx.resolve(dir)}/manifest.json rolled-back failed: ${messageOf(e)}`);
  }
  rec.emit({
    id: 'rollback',
    label: 'Roll back to the previous configuration',
    status: errors.length === 0 ? 'rolled-back' : 'failed',
    detail: errors.length === 0 ? `restored from ${fx.resolve(dir)}` : errors.join('; '),
  });
  return { filesRestored: true, errors, changed: restored.length > 0 };
}

/** Remove temporary files (.<name>.mailsetup-*) a killed atomic write left next to these files. */
async function removeTempFiles(fx: Effects, paths: string[]): Promise<void> {
  for (const p of paths) {
    const prefix = `.${basename(p)}.mailsetup-`;
    const d = dirname(p);
    for (const name of await fx.listDir(d)) {
      if (name.startsWith(prefix)) await fx.removeFile(`${d}/${name}`);
    }
  }
}

async function findUnfinishedDir(fx: Effects): Promise<{ dir: string; manifest: Manifest } | null> {
  for (const dir of (await listBackups(fx)).reverse()) {
    const m = await readManifest(fx, dir).catch(() => null);
    if (m?.status === 'in-progress') return { dir, manifest: m };
  }
  return null;
}

/** The backup directory (real path) of an apply that never finished (manifest in-progress), or null. */
export async function findUnfinished(fx: Effects): Promise<string | null> {
  const u = await findUnfinishedDir(fx);
  return u ? fx.resolve(u.dir) : null;
}

async function withLock(
  fx: Effects,
  opts: ApplyOptions,
  body: (rec: StepRunner) => Promise<Partial<ApplyResult> & { ok: boolean }>,
): Promise<ApplyResult> {
  const rec = new StepRunner(opts);
  const finish = (r: Partial<ApplyResult> & { ok: boolean }): ApplyResult => ({
    changed: false,
    rolledBack: false,
    ...r,
    warnings: rec.warnings,
    events: rec.events,
  });
  let lock: Lock | undefined;
  try {
    fullEffects(fx);
    await rec.step('lock', `Take the lock ${fx.resolve(LOCK_PATH)}`, async () => {
      lock = await acquireLock(fx);
    });
    return finish(await body(rec));
  } catch (e) {
    return finish({ ok: false, error: e instanceof StepFailure ? e.message : messageOf(e) });
  } finally {
    await lock?.release().catch(() => undefined);
  }
}

async function undo(fx: Effects, host: HostFacts, dir: string, m: Manifest, mode: RollbackMode, rec: StepRunner) {
  const rb = await rollback(fx, host, dir, m, mode, rec);
  return {
    ok: rb.errors.length === 0,
    changed: rb.changed,
    backupDir: fx.resolve(dir),
    rolledBack: rb.filesRestored,
    ...(rb.errors.length > 0 ? { error: `the rollback did not complete: ${rb.errors.join('; ')}` } : {}),
  };
}

/** Complete the rollback of an apply that was interrupted (killed, power loss). */
export async function recoverUnfinished(fx: Effects, host: HostFacts, opts: ApplyOptions = {}): Promise<ApplyResult> {
  return withLock(fx, opts, async (rec) => {
    const u = await findUnfinishedDir(fx);
    if (!u) return { ok: true };
    return undo(fx, host, u.dir, u.manifest, 'recover', rec);
  });
}

/** What a --rollback will do: which backup it restores and how each file changes. */
export interface RollbackPlan {
  /** recover: an apply that never finished; apply: the newest finished apply. */
  kind: 'recover' | 'apply';
  /** The backup directory (system path). */
  dir: string;
  /** When the apply made it (ISO 8601). */
  created: string;
  /** The files whose content the restore changes: before = now, after = the backup's copy (null: removed). */
  files: FileChange[];
  /** Whether the restore changes anything (content, or only a mode or owner). */
  changes: boolean;
  /** Files changed since that apply wrote them (their changes are lost in the restore). */
  changedSince: string[];
}

/** Nothing to roll back, and why. */
export interface NoRollback {
  kind: 'none';
  reason: string;
}

async function restorePreview(
  fx: Effects,
  dir: string,
  m: Manifest,
): Promise<{ files: FileChange[]; changes: boolean }> {
  const files: FileChange[] = [];
  let changes = false;
  for (const f of m.files) {
    let now: string | null;
    try {
      now = await fx.readFile(f.path);
    } catch (e) {
      throw new Error(`${f.path}: ${messageOf(e)}; mailsetup --rollback (without --dry-run) replaces it`);
    }
    let was: string | null = null;
    if (!f.absent) {
      was = await fx.readFile(`${dir}/${f.copy}`);
      if (was === null) throw new Error(`the backup copy ${fx.resolve(dir)}/${f.copy} of ${f.path} is missing`);
    }
    if (now !== was) {
      changes = true;
      files.push({
        path: f.path,
        before: now,
        after: was,
        ...(now === null && !f.absent ? { mode: f.mode } : {}),
        ...(f.secret ? { secret: true } : {}),
        description: f.absent ? 'removed: it did not exist before that apply' : 'restored from the backup',
      });
    } else if (!f.absent) {
      const meta = await fx.stat(f.path);
      if (meta !== null && (meta.mode !== f.mode || meta.uid !== f.uid || meta.gid !== f.gid)) changes = true;
    }
  }
  return { files, changes };
}

/** The files of `m` changed since its apply wrote them. */
async function changedSinceApply(fx: Effects, m: Manifest): Promise<string[]> {
  const out: string[] = [];
  for (const f of m.files) {
    const cur = await fx.readFile(f.path).catch(() => undefined);
    const curSha = cur === undefined ? 'unreadable' : cur === null ? null : sha256(cur);
    if (curSha !== f.afterSha256) out.push(f.path);
  }
  return out;
}

async function rollbackPlanOf(
  fx: Effects,
  kind: RollbackPlan['kind'],
  dir: string,
  m: Manifest,
): Promise<RollbackPlan> {
  const { files, changes } = await restorePreview(fx, dir, m);
  return {
    kind,
    dir,
    created: m.created,
    files,
    changes,
    changedSince: kind === 'apply' ? await changedSinceApply(fx, m) : [],
  };
}

/**
 * Which backup --rollback restores: an apply that never finished, else the newest finished apply.
 * `onlyLast`: the last apply only, and only while it is in place: backups of applies that failed
 * or were killed (rolled back by themselves) are passed over; when the last apply that took
 * effect has been rolled back already, there is nothing to do.
 */
export async function planRollback(fx: Effects, opts: { onlyLast?: boolean } = {}): Promise<RollbackPlan | NoRollback> {
  const u = await findUnfinishedDir(fx);
  if (u) return rollbackPlanOf(fx, 'recover', u.dir, u.manifest);
  for (const dir of (await listBackups(fx)).reverse()) {
    const m = await readManifest(fx, dir);
    if (m?.status === 'applied') return rollbackPlanOf(fx, 'apply', dir, m);
    if (!opts.onlyLast || m === null) continue;
    if (m.rolledBackBy === 'apply' || m.rolledBackBy === 'recover') continue; // never took effect
    return { kind: 'none', reason: `the last apply (${fx.resolve(dir)}) is already rolled back` };
  }
  return { kind: 'none', reason: `no applied mailsetup backup in ${fx.resolve(BACKUP_ROOT)} to roll back to` };
}

export interface RollbackOptions extends ApplyOptions {
  /** See planRollback. Nothing to roll back is then a success that changes nothing. */
  onlyLast?: boolean;
  /** Told which backup is restored and how, under the lock, before anything is written. */
  onPlan?: (p: RollbackPlan) => void;
}

/**
 * --rollback: restore the newest applied backup exactly (content, mode, owner; files that were
 * absent are removed), rebuild its maps, reload/restart Postfix when it runs, and mark the
 * backup rolled-back (a second --rollback then undoes the apply before; with `onlyLast` it does
 * nothing). An interrupted apply, if there is one, is what gets rolled back. With `onlyLast`, a
 * file changed by hand since the apply stops the rollback (nothing is written); without it, the
 * hand changes are replaced, with a warning.
 */
export async function rollbackLatest(fx: Effects, host: HostFacts, opts: RollbackOptions = {}): Promise<ApplyResult> {
  return withLock(fx, opts, async (rec) => {
    const p = await planRollback(fx, { onlyLast: opts.onlyLast });
    if (p.kind === 'none') {
      if (!opts.onlyLast) return { ok: false, error: p.reason };
      rec.emit({
        id: 'rollback',
        label: 'Roll back to the previous configuration',
        status: 'skipped',
        detail: p.reason,
      });
      return { ok: true };
    }
    opts.onPlan?.(p);
    const m = (await readManifest(fx, p.dir)) as Manifest;
    if (p.kind === 'recover') return undo(fx, host, p.dir, m, 'recover', rec);
    if (opts.onlyLast && p.changedSince.length > 0) {
      return {
        ok: false,
        backupDir: fx.resolve(p.dir),
        error:
          `${p.changedSince.join(', ')} changed after the apply of ${fx.resolve(p.dir)} wrote ` +
          `${p.changedSince.length > 1 ? 'them' : 'it'}: not rolling back with --only-last; ` +
          'mailsetup --rollback replaces those changes with the backup',
      };
    }
    for (const f of p.changedSince) {
      rec.warnings.push(`${f} was changed after mailsetup wrote it; those changes are replaced by the backup`);
    }
    return undo(fx, host, p.dir, m, 'latest', rec);
  });
}
