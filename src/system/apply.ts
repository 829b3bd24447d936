/**
 * Carry out a Plan: lock → free space checked, backup (manifest in-progress, the files as they
 * were kept beside them) → atomic writes → actions in plan order → manifest applied → unlock.
 * Any failure, or SIGINT/SIGTERM/SIGHUP (the caller's AbortSignal), restores every file (by
 * renaming the kept originals back: no free space needed), puts the databases back, brings the
 * daemons back to the previous configuration and marks the backup rolled-back (rollback-failed
 * when it did not complete: the next --rollback retries it). Also: --rollback (rollbackLatest)
 * and recovery of an apply, or a rollback, that was killed.
 */
import { basename, dirname } from 'node:path';
import {
  describeAction,
  sameChecked,
  type Action,
  type FileChange,
  type Finding,
  type Plan,
  type PlannedFiles,
} from '../model/plan.js';
import type { StepEvent, ApplyResult } from '../model/events.js';
import { stagePathOf, type Effects, type FileMeta, type StagedText } from '../model/effects.js';
import type { HostFacts } from '../model/host.js';
import {
  createBackup,
  fullEffects,
  hasDatabaseCopies,
  isKeepName,
  isTable,
  listBackups,
  pruneBackups,
  readManifest,
  removeKeeps,
  restoreDatabases,
  restoreFiles,
  sha256,
  writeManifest,
  type BackupEntry,
  type Manifest,
  type ManifestStep,
  type ManifestSummary,
} from './backup.js';
import { derivedFiles, temporaryDatabases } from './commands.js';
import { directoriesOf, openSandboxConfig, type SandboxConfig } from './sandbox.js';
import { acquireLock, lockHolder, type Lock } from './lock.js';
import { CommandFailure, messageOf, StepFailure, StepRunner, type StepRunnerOptions } from './runner.js';
import {
  checkCommandPaths,
  postfixRunning,
  reloadPostfix,
  restartPostfix,
  restartSyslog,
  runAction,
  runsOf,
  SECRET_META,
  stopPostfix,
  type ServiceOptions,
  type StepOutcome,
} from './services.js';
import { BACKUP_ROOT, LOCK_PATH, MAIN_CF, MASTER_CF, POSTFIX_DIR } from '../model/paths.js';

export type { StepEvent, ApplyResult };

export interface ApplyOptions extends StepRunnerOptions {
  now?: () => Date;
  /**
   * Under --root, the check the caller started on the private copy before calling (see
   * startSandboxCheck): taken over when made for this plan's files and commands (sameChecked: the
   * caller may have started it on planFiles()'s), else discarded first.
   */
  sandboxCheck?: SandboxCheck;
  /**
   * Live, the check the caller started on the stage under the lock before calling (see
   * startLiveCheck): taken over, lock and stage with it, when made for this plan's files and
   * commands (as sandboxCheck), else discarded first.
   */
  liveCheck?: LiveCheck;
  /** What the backup's manifest says this apply was (default: the plan's role change). */
  summary?: ManifestSummary;
  /**
   * Aborted (with the signal's name as its reason) when the run is asked to stop: the step under
   * way finishes, then everything is rolled back. A rollback, once started, always finishes.
   */
  signal?: AbortSignal;
}

/** The reason of an abort: "SIGTERM" → "interrupted by SIGTERM". */
function interruption(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return `interrupted by ${typeof r === 'string' ? r : 'a signal'}`;
}

function writeLabel(c: FileChange): string {
  return c.after === null ? `Remove ${c.path}` : `Write ${c.path}`;
}

async function readCurrent(fx: Effects, files: FileChange[]): Promise<Array<string | null>> {
  return Promise.all(files.map((c) => fx.readFile(c.path)));
}

/** Whether a file already is as the change leaves it: its content, and its mode when that changes. */
async function upToDate(fx: Effects, c: FileChange, current: string | null): Promise<boolean> {
  if (current !== c.after) return false;
  if (c.modeBefore === undefined || c.mode === undefined || c.after === null) return true;
  return (await fx.stat(c.path))?.mode === c.mode;
}

function hasDaemonAction(actions: Action[]): boolean {
  return actions.some((a) => a.kind === 'reload' || a.kind === 'restart');
}

function mapActions(actions: Action[]): Array<Extract<Action, { kind: 'postmap' | 'newaliases' | 'unmap' }>> {
  return actions.filter(
    (a): a is Extract<Action, { kind: 'postmap' | 'newaliases' | 'unmap' }> =>
      a.kind === 'postmap' || a.kind === 'newaliases' || a.kind === 'unmap',
  );
}

/** A database postmap builds: about 2.5 times its source in Berkeley DB hash (measured), plus its pages. */
export function databaseEstimate(sourceBytes: number): number {
  return 3 * sourceBytes + 64 * 1024;
}

/** Room kept free beyond the estimate, per file system. */
export const SPACE_MARGIN = 256 * 1024;

/**
 * Bytes the apply needs on each file system: the new files (written beside the old ones, which
 * stay as kept links until the end), the backup copies (of the files and of the databases of the
 * tables it rebuilds or removes) and manifest, a kept copy of each such database beside it, and
 * the new databases. Refuses (throws) when a file system has too little.
 */
async function checkSpace(fx: Effects, plan: Plan, current: Array<string | null>): Promise<string> {
  const need = new Map<string, number>(); // directory → bytes
  const add = (dir: string, bytes: number) => need.set(dir, (need.get(dir) ?? 0) + bytes);
  const size = (t: string | null) => (t === null ? 0 : Buffer.byteLength(t, 'utf8'));
  let backup = 4096;
  plan.files.forEach((c, i) => {
    add(dirname(c.path), size(c.after));
    backup += size(current[i]) + 512;
  });
  // The tables whose databases the backup copies: those rebuilt or removed, and removed files'.
  const sources = new Set(mapActions(plan.actions).map((a) => a.path));
  for (const c of plan.files) if (c.after === null && isTable(c.path)) sources.add(c.path);
  for (const source of sources) {
    for (const d of derivedFiles(source)) {
      const old = await fx.fileSize(d);
      if (old === null) continue;
      add(dirname(d), old); // the kept copy beside it
      backup += old + 512; // the copy in the backup
    }
  }
  add(BACKUP_ROOT, backup);
  for (const a of mapActions(plan.actions)) {
    if (a.kind === 'unmap') continue;
    const src = plan.files.find((c) => c.path === a.path);
    add(dirname(a.path), databaseEstimate(size(src ? src.after : await fx.readFile(a.path))));
  }
  const perDevice = new Map<number, { free: number; need: number; dirs: string[] }>();
  for (const [dir, bytes] of need) {
    const space = await fx.diskSpace(dir);
    if (space === null) continue;
    const e = perDevice.get(space.device) ?? { free: space.free, need: SPACE_MARGIN, dirs: [] };
    e.need += bytes;
    e.dirs.push(dir);
    perDevice.set(space.device, e);
  }
  for (const e of perDevice.values()) {
    if (e.need > e.free) {
      const where = await fx.realPath(e.dirs[0]);
      throw new Error(
        `not enough free space on the file system of ${where}: the apply needs about ${kb(e.need)} ` +
          `(new files, backups, databases), ${kb(e.free)} are free; nothing was written`,
      );
    }
  }
  return [...perDevice.values()].map((e) => `${kb(e.free)} free, about ${kb(e.need)} needed`).join('; ');
}

function kb(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KB`;
}

/** Actions whose commands read main.cf (every Postfix tool does; rsyslog's restart does not). */
function readsMainCf(a: Action): boolean {
  return a.kind !== 'syslog-restart';
}

/** Actions whose tools read a --root run's private copy of the configuration. */
function readsSandboxCopy(a: Action): boolean {
  return a.kind === 'postmap' || a.kind === 'newaliases' || a.kind === 'postfix-check';
}

/** Builds of a map or the aliases database: they write databases, never the configuration. */
function isBuild(a: Action): boolean {
  return a.kind === 'postmap' || a.kind === 'newaliases';
}

/** Abort `target` when `source` aborts; returns the function that undoes the link. */
function linkAbort(source: AbortSignal | undefined, target: AbortController): () => void {
  if (!source) return () => undefined;
  if (source.aborted) {
    target.abort(source.reason);
    return () => undefined;
  }
  const on = () => target.abort(source.reason);
  source.addEventListener('abort', on, { once: true });
  return () => source.removeEventListener('abort', on);
}

/** Actions that touch a daemon: a new main.cf must be in place before them. */
function touchesDaemon(a: Action): boolean {
  return a.kind === 'reload' || a.kind === 'restart' || a.kind === 'syslog-restart';
}

/**
 * When this apply writes main.cf (live), a settled copy of /etc/postfix for the tools to read
 * (Effects.stageCopy): a main.cf modified in the current or previous second makes every Postfix
 * tool wait, re-reading it every 300 ms, until it is older (up to 2 s, paid by the first tool).
 * The stage holds the live files (same bytes, owners and modes) except those in `changes`, which
 * are there with the text, mode and owner their write will give them, as private copies dated in
 * the past: postmap, newaliases and `postfix check` validate the new main.cf there before the live
 * one is replaced (just before the reload or restart, or after the last tool), so nothing waits
 * on the live file either. Made twice over in an apply's life: before anything is written, from
 * every file it changes in /etc/postfix (the check then starts at once, beside the backup and the
 * writes), or else after the other files are written, from main.cf alone. Undefined when a change
 * removes a file there or lies in a sub-directory (the first case), when main.cf is not among
 * them, without stageCopy, or when staging fails: the caller then goes on without a stage (in the
 * end the live main.cf is written first and the tools wait, as they always did).
 */
async function stageOf(fx: Effects, changes: FileChange[]): Promise<string | undefined> {
  if (!fx.stageCopy) return undefined;
  const here = changes.filter(
    (c): c is FileChange & { after: string } => dirname(c.path) === POSTFIX_DIR && c.after !== null,
  );
  if (changes.some((c) => c.path.startsWith(`${POSTFIX_DIR}/`) && !here.some((h) => h === c))) return undefined;
  if (!here.some((c) => c.path === MAIN_CF)) return undefined;
  try {
    const replace: Record<string, StagedText> = {};
    for (const c of here) {
      const meta = writeMeta(c);
      // A write that keeps the file's mode: the live file's.
      const mode = meta?.mode ?? (await fx.stat(c.path))?.mode ?? 0o644;
      const owner = meta?.uid !== undefined && meta.gid !== undefined ? { uid: meta.uid, gid: meta.gid } : {};
      replace[basename(c.path)] = { content: c.after, mode, ...owner };
    }
    return await fx.stageCopy(POSTFIX_DIR, Object.keys(replace), replace);
  } catch {
    return undefined;
  }
}

/** The owner and mode a write of `c` sets (undefined: the file's own stay). */
function writeMeta(c: FileChange): Partial<FileMeta> | undefined {
  // A secret is root-only, whatever the file was before (the backup step said so).
  if (c.secret) return SECRET_META;
  if (c.before === null) return { mode: c.mode ?? 0o644 };
  if (c.modeBefore !== undefined && c.mode !== undefined) return { mode: c.mode };
  return undefined;
}

/**
 * Under --root, the private copy of the sandbox's configuration (sandbox.ts) made from the planned
 * main.cf and master.cf, and its `postfix check` running, started by the caller before apply()
 * while it shows the plan and makes its own checks (the check reads only the private copy: it
 * changes nothing). apply() takes it over (opts.sandboxCheck); a caller that does not apply after
 * all discards it.
 */
export interface SandboxCheck extends EarlyCheck {
  copy: SandboxConfig;
}

/** A check started before apply() (startSandboxCheck, startLiveCheck), taken over by apply() for the same files and commands. */
interface EarlyCheck {
  /** What the check was started on: a plan, or its files and commands alone (planFiles). */
  plan: PlannedFiles;
  stop: AbortController;
  outcome: Promise<StepOutcome>;
  /** Stop the check if it still runs, and remove what it reads (the copy; live: the stage, and give the lock back). */
  discard(): Promise<void>;
}

/** Where `plan`'s postfix check is when only builds come before it (it may then run first), else -1. */
function checkFirstAt(plan: PlannedFiles): number {
  const at = plan.actions.findIndex((a) => a.kind === 'postfix-check');
  return at >= 0 && plan.actions.slice(0, at).every(isBuild) ? at : -1;
}

/** Start `plan`'s check (its action at `checkAt`) with `options`; discard() stops it, then runs `cleanUp`. */
function earlyCheck(
  plan: PlannedFiles,
  fx: Effects,
  host: HostFacts,
  checkAt: number,
  options: ServiceOptions,
  cleanUp: () => Promise<void>,
): EarlyCheck {
  const stop = new AbortController();
  const action = plan.actions[checkAt];
  const outcome = runAction(fx, host, action, { ...options, signal: stop.signal });
  outcome.catch(() => undefined); // awaited by its step, or by discard()
  return {
    plan,
    stop,
    outcome,
    async discard() {
      stop.abort(new Error('not applied'));
      await outcome.catch(() => undefined);
      await cleanUp();
    },
  };
}

/**
 * One turn of the event loop: a check's command starts a few microtasks after earlyCheck() returns,
 * and the start functions below resolve only once it has, so that what the caller does next (the
 * preview, the queue's postqueue) does not run first.
 */
function commandStarted(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** The check of `plan` on a private copy, started now; undefined where apply() would not start it first (live, …). */
export async function startSandboxCheck(
  plan: PlannedFiles,
  fx: Effects,
  host: HostFacts,
): Promise<SandboxCheck | undefined> {
  const checkAt = checkFirstAt(plan);
  if (fx.live || checkAt < 0) return undefined;
  const planned = (path: string) => plan.files.find((c) => c.path === path)?.after;
  if (planned(MAIN_CF) === null || planned(MASTER_CF) === null) return undefined;
  const copy = await openSandboxConfig(
    fx,
    directoriesOf(host),
    { main: planned(MAIN_CF) ?? undefined, master: planned(MASTER_CF) ?? undefined },
    host.postfix.scratchQueue,
  );
  const check = { ...earlyCheck(plan, fx, host, checkAt, { sandboxConfig: copy.config }, () => copy.remove()), copy };
  await commandStarted();
  return check;
}

/**
 * Live, the lock, the stage made from the planned files (see stageOf) and the check of the planned
 * configuration running on it, started by the caller before apply() while it shows the plan and
 * makes its own checks (the check reads only the stage: it changes nothing). apply() takes all
 * three over (opts.liveCheck); a caller that does not apply after all discards them.
 */
export interface LiveCheck extends EarlyCheck {
  lock: Lock;
  stage: string;
  stageDir: string;
}

/**
 * The live check of `plan` on its stage, started now; undefined where apply() would not start it
 * before the backup (--root, no check or one after other actions, nothing read from main.cf,
 * no stage to be made), or when the lock is held (apply() then says so).
 */
export async function startLiveCheck(plan: PlannedFiles, fx: Effects, host: HostFacts): Promise<LiveCheck | undefined> {
  if (!fx.stageCopy || !host.postfix.installed || !checksOnStage(plan, fx)) return undefined;
  let lock: Lock;
  try {
    lock = await acquireLock(fx);
  } catch {
    return undefined;
  }
  try {
    const current = await readCurrent(fx, plan.files);
    const already = await Promise.all(plan.files.map((c, i) => upToDate(fx, c, current[i])));
    const check = await stagedCheck(plan, fx, host, already, async (stage) => {
      await removeStage(fx, stage);
      await lock.release().catch(() => undefined);
    });
    if (check === undefined) throw new Error('no stage');
    await commandStarted();
    return { ...check, lock };
  } catch {
    await lock.release().catch(() => undefined);
    return undefined;
  }
}

/** Live, whether `plan`'s check runs on a stage before the backup: only builds come before it, and a tool reads main.cf. */
function checksOnStage(plan: PlannedFiles, fx: Effects): boolean {
  return fx.live && checkFirstAt(plan) >= 0 && plan.actions.some(readsMainCf);
}

/**
 * Under the lock (the stage has one name), for a plan whose check runs on a stage (checksOnStage):
 * the stage made from the changes not in place yet (`already[i]`: plan.files[i] is) and the check
 * started on it; undefined when no stage can be made. `cleanUp` runs when the check is discarded.
 */
async function stagedCheck(
  plan: PlannedFiles,
  fx: Effects,
  host: HostFacts,
  already: readonly boolean[],
  cleanUp: (stage: string) => Promise<void> = async () => undefined,
): Promise<(EarlyCheck & { stage: string; stageDir: string }) | undefined> {
  const stage = await stageOf(
    fx,
    plan.files.filter((_, i) => !already[i]),
  );
  if (stage === undefined) return undefined;
  let stageDir: string;
  try {
    stageDir = await fx.realPath(stage);
  } catch (e) {
    await removeStage(fx, stage);
    throw e;
  }
  const check = earlyCheck(plan, fx, host, checkFirstAt(plan), { stage: stageDir }, () => cleanUp(stage));
  return { ...check, stage, stageDir };
}

/** Carry out `plan`. An empty plan (or one whose files already match) writes and runs nothing. */
export async function apply(plan: Plan, fx: Effects, host: HostFacts, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const rec = new StepRunner(opts);
  const now = opts.now ?? (() => new Date());
  const findings: Finding[] = [];
  const done = (r: Partial<ApplyResult> & { ok: boolean }): ApplyResult => ({
    changed: false,
    rolledBack: false,
    ...r,
    warnings: rec.warnings,
    events: rec.events,
    ...(findings.length > 0 ? { findings } : {}),
  });
  fullEffects(fx);
  // The check the caller started (under --root), for this plan's files and commands; any other is ended now.
  const serves = (c: EarlyCheck | undefined) => c !== undefined && sameChecked(c.plan, plan);
  const adopted = serves(opts.sandboxCheck) && !fx.live ? opts.sandboxCheck : undefined;
  if (opts.sandboxCheck !== undefined && adopted === undefined) await opts.sandboxCheck.discard();
  // Live: the lock, stage and check the caller started for this plan's files and commands.
  let liveCheck = serves(opts.liveCheck) && fx.live ? opts.liveCheck : undefined;
  if (opts.liveCheck !== undefined && liveCheck === undefined) await opts.liveCheck.discard();
  /** Both ended, where the apply returns before it takes them over. */
  const discardEarly = async () => {
    await adopted?.discard();
    await liveCheck?.discard();
  };
  if (plan.files.length === 0 && plan.actions.length === 0) {
    await discardEarly();
    return done({ ok: true });
  }

  let already: boolean[];
  try {
    const pre = await readCurrent(fx, plan.files);
    already = await Promise.all(plan.files.map((c, i) => upToDate(fx, c, pre[i])));
  } catch (e) {
    await discardEarly();
    return done({ ok: false, error: messageOf(e) });
  }
  if (plan.actions.length === 0 && already.every(Boolean)) {
    await discardEarly();
    for (const c of plan.files)
      rec.emit({ id: `write:${c.path}`, label: writeLabel(c), status: 'skipped', detail: 'already up to date' });
    return done({ ok: true });
  }

  let lock: Lock | undefined;
  let backup: { dir: string; manifest: Manifest } | undefined;
  let changed = false;
  const stale: string[] = [];
  /** Between steps: stop here when a signal asked to. */
  const checkSignal = () => {
    if (opts.signal?.aborted) throw new StepFailure(interruption(opts.signal));
  };
  let stage: string | undefined;
  // Its removal, once the last tool that reads it has run (awaited on the way out).
  let stageGone: Promise<void> | undefined;
  // The stage's real path, which the commands get.
  let stageDir: string | undefined;
  let sandboxCopy: SandboxConfig | undefined;
  // The postfix check started beside the builds before it (see below).
  let early: { action: Action; outcome: Promise<StepOutcome>; settle: () => Promise<void> } | undefined;
  // Whether Postfix ran when the backup was made (live, with a reload or restart to come): asked
  // once, under the lock; the reload decides by it unless a daemon action ran since.
  let runningBefore: boolean | undefined;
  // `postfix check` reads only the configuration: when only builds (postmap, newaliases) come
  // before it, it runs beside what precedes it instead of after it. The steps still report in the
  // plan's order (its manifest entry too: a recovery redoes nothing for a check, only builds and
  // daemon actions matter to a rollback), and a failure before its step stops it.
  const checkAt = plan.actions.findIndex((a) => a.kind === 'postfix-check');
  const checkFirst = checkFirstAt(plan) >= 0;
  /**
   * The check (this plan's action at checkAt, even when started on planFiles()'s copy of it) as its
   * step awaits it, started by `start` once a signal stops it too; settle() ends it on the way out.
   */
  const takeCheck = (stop: AbortController, start: () => Promise<StepOutcome>) => {
    const unlink = linkAbort(opts.signal, stop);
    const outcome = start().finally(unlink);
    outcome.catch(() => undefined); // awaited by its step, or by settle() on the way out
    early = {
      action: plan.actions[checkAt],
      outcome,
      settle: async () => {
        stop.abort(new Error('an earlier step failed'));
        await outcome.catch(() => undefined);
      },
    };
  };
  const startCheck = (options: ServiceOptions, stop: AbortController) =>
    takeCheck(stop, () => runAction(fx, host, plan.actions[checkAt], options));
  try {
    // Under --root every tool reads one private copy of the sandbox's configuration (sandbox.ts),
    // made from main.cf and master.cf as this apply will write them, and the check starts on it
    // now (or the caller started it already, for this plan), beside the lock, the backup and the
    // writes. (A plan that removes either file keeps the old order: the copy is made after the
    // writes; startSandboxCheck says when.)
    const first = adopted ?? (await startSandboxCheck(plan, fx, host));
    if (first !== undefined) {
      sandboxCopy = first.copy;
      takeCheck(first.stop, () => first.outcome);
    }
    // Live, the lock, stage and check the caller started are this apply's from here on (its
    // `finally` removes the stage and gives the lock back).
    const taken = liveCheck;
    liveCheck = undefined;
    if (taken !== undefined) {
      lock = taken.lock;
      stage = taken.stage;
      stageDir = taken.stageDir;
      takeCheck(taken.stop, () => taken.outcome);
    }
    checkSignal();
    await rec.step('lock', `Take the lock ${await fx.realPath(LOCK_PATH)}`, async () => {
      lock ??= await acquireLock(fx);
    });
    // Live, the check starts now too, on a stage made from the planned files (under the lock: the
    // stage has one name); otherwise the stage is made once the other files are written.
    if (stage === undefined && checksOnStage(plan, fx)) {
      const own = await stagedCheck(plan, fx, host, already);
      if (own !== undefined) {
        stage = own.stage;
        stageDir = own.stageDir;
        takeCheck(own.stop, () => own.outcome);
      }
    }

    checkSignal();
    const unchanged = new Set<string>();
    await rec.step('backup', 'Back up the files to change', async () => {
      const current = await readCurrent(fx, plan.files);
      // Asked under the lock, while the files are compared: after they are read, so that a check
      // started with the lock spawns first (each spawn holds the main thread ~10 ms).
      const running = fx.live && hasDaemonAction(plan.actions) ? postfixRunning(fx, host) : undefined;
      running?.catch(() => undefined); // awaited below (a stale file may end the step first)
      const asWanted = await Promise.all(plan.files.map((c, i) => upToDate(fx, c, current[i])));
      const entries: BackupEntry[] = [];
      plan.files.forEach((c, i) => {
        if (asWanted[i]) {
          unchanged.add(c.path);
          return;
        }
        if (current[i] !== c.before) stale.push(c.path);
        entries.push({ path: c.path, current: current[i], after: c.after, secret: c.secret === true });
      });
      // Never write over a change made since the preview (another admin, a package upgrade):
      // the caller plans again against the files as they are now.
      if (stale.length > 0) {
        throw new Error(
          `${stale.join(', ')}: changed on disk since the plan was made; nothing was written (run mailsetup again)`,
        );
      }
      // Before anything is written: no path a command is given leads out of a sandbox, and
      // there is room for every write, the backup and the databases.
      await checkCommandPaths(fx, plan.actions);
      await checkSpace(fx, plan, current);
      runningBefore = await running;
      const summary: ManifestSummary = opts.summary ?? {
        kind: 'apply',
        roleBefore: plan.previousRole ?? null,
        roleAfter: plan.role,
      };
      backup = await createBackup(fx, entries, plan.actions, now(), runningBefore, summary, rec.warnings);
      await pruneBackups(fx);
      return { detail: await fx.realPath(backup.dir) };
    });
    const b = backup as { dir: string; manifest: Manifest };

    const write = async (c: FileChange) => {
      checkSignal();
      await rec.step(`write:${c.path}`, writeLabel(c), async () => {
        if (unchanged.has(c.path)) return { status: 'skipped', detail: 'already up to date' };
        if (c.after === null) await fx.removeFile(c.path);
        else await fx.writeFileAtomic(c.path, c.after, writeMeta(c));
        changed = true;
        return {};
      });
    };
    // A changed main.cf is validated on the stage before it goes into place (see stageOf).
    const main = plan.files.find((c) => c.path === MAIN_CF && !unchanged.has(c.path) && c.after !== null);
    let pending = fx.live && fx.stageCopy && plan.actions.some(readsMainCf) ? main : undefined;
    for (const c of plan.files) if (c !== pending) await write(c);
    checkSignal();
    if (stage === undefined && pending) {
      stage = await stageOf(fx, [pending]);
      if (stage === undefined) {
        await write(pending);
        pending = undefined;
      } else stageDir = await fx.realPath(stage);
    }

    /**
     * What runAction gets for `a`: the stage (live) or, under --root, the one private copy of the
     * sandbox's configuration that all the tools read: made above from the planned files, or else
     * by the first tool (every file is written by then; src/system/sandbox.ts).
     */
    const actionOptions = async (a: Action, signal: AbortSignal | undefined, known?: boolean) => {
      if (!fx.live && readsSandboxCopy(a))
        sandboxCopy ??= await openSandboxConfig(fx, directoriesOf(host), {}, host.postfix.scratchQueue);
      return {
        ...(signal ? { signal } : {}),
        ...(stageDir ? { stage: stageDir } : {}),
        ...(sandboxCopy ? { sandboxConfig: sandboxCopy.config } : {}),
        ...(known !== undefined ? { postfixRunning: known } : {}),
      };
    };

    // Live (and under --root when the copy could not be made first), the configuration is complete
    // now (live: the new main.cf on the stage): the check runs while the builds before it do.
    if (early === undefined && checkFirst && checkAt > 0) {
      checkSignal();
      const stop = new AbortController();
      startCheck(await actionOptions(plan.actions[checkAt], stop.signal), stop);
    }

    let daemonTouched = false;
    for (const a of plan.actions) {
      if (pending && touchesDaemon(a)) {
        await write(pending);
        pending = undefined;
      }
      checkSignal();
      const { stepId: id, label } = describeAction(a);
      await rec.step(id, label, async () => {
        const s: ManifestStep = { id, status: 'running' };
        b.manifest.steps.push(s);
        await writeManifest(fx, b.dir, b.manifest);
        const known = a.kind === 'reload' && !daemonTouched ? runningBefore : undefined;
        if (a.kind === 'reload' || a.kind === 'restart') daemonTouched = true;
        const o =
          early?.action === a
            ? await early.outcome
            : await runAction(fx, host, a, await actionOptions(a, opts.signal, known));
        s.status = o.status;
        // postfix check runs postconf many times: each warning once.
        const warnings = [...new Set(o.warnings)];
        rec.warnings.push(...warnings);
        if (o.status === 'failed') throw new CommandFailure(o.error ?? 'failed', runsOf(o.results));
        if (o.status === 'ok') changed = true;
        const commands = runsOf(o.results);
        if (a.kind === 'postfix-check' && warnings.length > 0) {
          // What postfix check warns of (printed only to a terminal, captured): findings, not a ✓.
          for (const w of warnings) findings.push({ id: 'postfix-check', level: 'warning', message: w });
          const n = warnings.length;
          return { status: o.status, detail: `${n} warning${n === 1 ? '' : 's'}`, explain: warnings, commands };
        }
        return { status: o.status, detail: o.detail, commands };
      });
    }

    if (pending) await write(pending);
    checkSignal();
    // No tool reads the stage any more: it is removed while the apply is recorded as finished.
    stageGone = removeStage(fx, stage);
    stage = undefined;
    await rec.step('manifest', 'Record the apply as finished', async () => {
      b.manifest.status = 'applied';
      await writeManifest(fx, b.dir, b.manifest);
    });
    await removeKeeps(fx, b.manifest);
    return done({ ok: true, changed, backupDir: await fx.realPath(b.dir) });
  } catch (e) {
    // A check still running (a build before it failed) ends before anything is rolled back, and
    // the stage's removal (the apply failed after its last tool) is over.
    await early?.settle();
    await stageGone;
    let error = e instanceof StepFailure ? e.message : messageOf(e);
    if (opts.signal?.aborted && !error.startsWith('interrupted')) error = `${interruption(opts.signal)} (${error})`;
    if (!backup) return done({ ok: false, error, ...(stale.length > 0 ? { stale } : {}) });
    const rb = await rollback(fx, host, backup.dir, backup.manifest, 'apply', rec);
    return done({
      ok: false,
      backupDir: await fx.realPath(backup.dir).catch(() => fx.resolve((backup as { dir: string }).dir)),
      error: rb.errors.length > 0 ? `${error}; the rollback did not complete: ${rb.errors.join('; ')}` : error,
      rolledBack: rb.filesRestored,
    });
  } finally {
    await early?.settle();
    await sandboxCopy?.remove();
    await stageGone;
    await removeStage(fx, stage);
    await lock?.release().catch(() => undefined);
  }
}

async function removeStage(fx: Effects, stage: string | undefined): Promise<void> {
  if (stage === undefined) return;
  await fx.removeTree?.(stage).catch(() => undefined);
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
 * Put the kept originals back: each kept link is renamed over the name the apply wrote, which
 * needs no free space; a secret never comes back wider than 0600. Returns the paths restored
 * this way; the others are restored from the backup copies.
 */
async function restoreKept(fx: Effects, m: Manifest): Promise<Set<string>> {
  const restored = new Set<string>();
  for (const f of m.files) {
    if (f.absent || !f.keep) continue;
    const kept = await fx.readFile(f.keep).catch(() => null);
    if (kept === null || sha256(kept) !== f.sha256) continue; // not the file as it was: use the backup copy
    await fx.rename(f.keep, f.path);
    const meta = f.secret ? { mode: f.mode & SECRET_META.mode, uid: f.uid, gid: f.gid } : f;
    await fx.setMeta(f.path, { mode: meta.mode, uid: meta.uid, gid: meta.gid });
    restored.add(f.path);
  }
  return restored;
}

/**
 * Restore the files of backup `dir`, put the databases back, bring the daemons back, mark the
 * manifest rolled-back. 'apply'/'recover': undo an apply that failed or was killed (only what
 * it started is redone; the originals kept beside the files are renamed back, which needs no
 * free space); 'latest': undo a finished apply (--rollback).
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
  const shownDir = await fx.realPath(dir).catch(() => fx.resolve(dir));

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

  // The rollback is recorded as started: killed half-way, it is what the next run completes. On a
  // full disk this write can fail: it is tried again once the files are back (which frees room).
  m.status = 'rolling-back';
  m.rollback = { mode };
  const marked = await writeManifest(fx, dir, m).then(
    () => true,
    () => false,
  );

  // The order cannot fail for lack of a file: 1. the files that existed before (main.cf among
  // them; the kept originals renamed back, needing no free space), 2. the databases, exactly as
  // they were, 3. removal of the files that did not exist. Temporaries a killed write or build
  // left go first.
  let restored: string[];
  try {
    await removeTempFiles(fx, [...m.files.map((f) => f.path), `${dir}/manifest.json`]);
    // The stage of a killed apply: hard links that would keep replaced files (secrets too) alive.
    if (fx.live) await fx.removeTree?.(stagePathOf(POSTFIX_DIR));
    for (const a of mapActions(m.actions)) {
      for (const t of temporaryDatabases(a.path)) await fx.removeFile(t);
    }
    const kept = mode === 'latest' ? new Set<string>() : await restoreKept(fx, m);
    const copied = await restoreFiles(fx, dir, { ...m, files: m.files.filter((f) => !kept.has(f.path)) }, 'present');
    restored = m.files.map((f) => f.path).filter((p) => kept.has(p) || copied.includes(p));
  } catch (e) {
    const msg = `restoring the files from ${shownDir} failed: ${messageOf(e)}`;
    return failRollback(fx, rec, dir, m, [...errors, msg]);
  }
  for (const p of restored)
    rec.emit({ id: `write:${p}`, label: `Restore ${p}`, status: 'rolled-back', detail: 'restored from the backup' });
  // Best effort: the record that counts is the one written at the end (rolled-back, or
  // rollback-failed); an apply's manifest still says in-progress, which is completed all the same.
  if (!marked) await writeManifest(fx, dir, m).catch(() => undefined);

  // 2. Databases: the backup's copies, byte for byte (the copies kept beside them renamed back
  //    first when the apply did not finish); a backup made before mailsetup kept copies is
  //    rebuilt from its restored source instead (main.cf is still in place for that).
  if (hasDatabaseCopies(m)) {
    try {
      for (const [p, what] of await restoreDatabases(fx, dir, m, { useKeeps: mode !== 'latest' })) {
        rec.emit({
          id: `rollback:db:${p}`,
          label: what === 'removed' ? `Remove ${p}` : `Restore ${p}`,
          status: 'rolled-back',
          detail: what === 'removed' ? 'it did not exist before' : 'the database as it was, from the backup',
        });
        restored.push(p);
      }
    } catch (e) {
      errors.push(`restoring the databases from ${shownDir} failed: ${messageOf(e)}`);
    }
  } else {
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
  }

  // 3. The files that did not exist before the apply.
  try {
    for (const p of await restoreFiles(fx, dir, m, 'absent')) {
      const isFile = m.files.some((x) => x.path === p);
      rec.emit(
        !isFile && (m.createdDirs ?? []).includes(p)
          ? {
              id: `write:${p}`,
              label: `Remove the directory ${p}`,
              status: 'rolled-back',
              detail: 'removed (the apply created it)',
            }
          : {
              id: `write:${p}`,
              label: `Restore ${p}`,
              status: 'rolled-back',
              detail: 'removed (it did not exist before)',
            },
      );
      restored.push(p);
    }
  } catch (e) {
    errors.push(`removing the files that did not exist before failed: ${messageOf(e)}`);
  }
  await removeKeeps(fx, m);

  // 4. Daemons (live only).
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

  // 5. Record it: a rollback with errors stays the one to retry.
  if (errors.length > 0) return failRollback(fx, rec, dir, m, errors, restored.length > 0);
  try {
    m.status = 'rolled-back';
    m.rolledBackBy = mode === 'latest' ? 'rollback' : mode;
    delete m.rollback;
    await writeManifest(fx, dir, m);
  } catch (e) {
    return failRollback(
      fx,
      rec,
      dir,
      m,
      [`marking ${shownDir}/manifest.json rolled-back failed: ${messageOf(e)}`],
      true,
    );
  }
  rec.emit({
    id: 'rollback',
    label: 'Roll back to the previous configuration',
    status: 'rolled-back',
    detail: `restored from ${shownDir}`,
  });
  return { filesRestored: true, errors, changed: restored.length > 0 };
}

/**
 * A rollback that did not complete: the manifest says rollback-failed (with the errors), so the
 * next --rollback retries this one and not the apply before it.
 */
async function failRollback(
  fx: Effects,
  rec: StepRunner,
  dir: string,
  m: Manifest,
  errors: string[],
  filesRestored = false,
): Promise<{ filesRestored: boolean; errors: string[]; changed: boolean }> {
  const shownDir = await fx.realPath(dir).catch(() => fx.resolve(dir));
  m.status = 'rollback-failed';
  m.rollback = { mode: m.rollback?.mode ?? 'latest', errors };
  await writeManifest(fx, dir, m).catch((e: unknown) => {
    errors.push(`marking ${shownDir}/manifest.json rollback-failed failed: ${messageOf(e)}`);
  });
  rec.emit({
    id: 'rollback',
    label: 'Roll back to the previous configuration',
    status: 'failed',
    detail: errors.join('; '),
  });
  return { filesRestored, errors, changed: filesRestored };
}

/** Remove temporary files (.<name>.mailsetup-*) a killed atomic write left next to these files (not the keeps). */
async function removeTempFiles(fx: Effects, paths: string[]): Promise<void> {
  for (const p of paths) {
    const prefix = `.${basename(p)}.mailsetup-`;
    const d = dirname(p);
    for (const name of await fx.listDir(d)) {
      if (name.startsWith(prefix) && !isKeepName(name)) await fx.removeFile(`${d}/${name}`);
    }
  }
}

/** Whether the manifest is of an apply or a rollback that never finished (killed, power loss). */
function unfinished(m: Manifest | null): boolean {
  return m?.status === 'in-progress' || m?.status === 'rolling-back';
}

async function findUnfinishedDir(fx: Effects): Promise<{ dir: string; manifest: Manifest } | null> {
  for (const dir of (await listBackups(fx)).reverse()) {
    const m = await readManifest(fx, dir).catch(() => null);
    if (m !== null && unfinished(m)) return { dir, manifest: m };
  }
  return null;
}

/**
 * The backup directory (real path) of an apply that never finished (manifest in-progress), or of
 * a rollback that never finished (rolling-back), or null. An apply that holds the lock now is not
 * unfinished: it is running (`runningApply` says by whom), and nothing must be done to its files.
 */
export async function findUnfinished(fx: Effects): Promise<string | null> {
  const u = await findUnfinishedDir(fx);
  if (!u) return null;
  return fx.realPath(u.dir);
}

/** The pid of another live mailsetup that holds the lock, or null. */
export async function runningApply(fx: Effects): Promise<number | null> {
  return lockHolder(fx);
}

/** A path as the user finds it: links inside the sandbox followed. */
function shownPath(fx: Effects, p: string): Promise<string> {
  return fx.realPath(p).catch(() => fx.resolve(p));
}

/** What --rollback undoes now, and why that one. */
export interface RollbackTarget {
  /** The backup directory (system path). */
  dir: string;
  manifest: Manifest;
  /**
   * apply-unfinished: an apply that was killed; rollback-unfinished: a rollback that was killed;
   * rollback-failed: a rollback that ended with errors (retried); applied: the last finished apply.
   */
  reason: 'apply-unfinished' | 'rollback-unfinished' | 'rollback-failed' | 'applied';
}

/** Nothing to roll back, and why. */
export interface NoRollback {
  kind: 'none';
  reason: string;
}

/**
 * The backup --rollback undoes: an apply or rollback that never finished, else the newest backup
 * not rolled back yet, which is the last apply or a rollback that did not complete (retried
 * before the apply before it is touched). `onlyLast`: the last apply only, and only while it is
 * (even partly) in place: backups of applies that failed or were killed (rolled back by
 * themselves) are passed over; when the last apply that took effect has been rolled back
 * already, there is nothing to do.
 */
async function scanRollbackTarget(fx: Effects, onlyLast: boolean): Promise<RollbackTarget | NoRollback> {
  const u = await findUnfinishedDir(fx);
  if (u) {
    return {
      ...u,
      reason: u.manifest.status === 'in-progress' ? 'apply-unfinished' : 'rollback-unfinished',
    };
  }
  for (const dir of (await listBackups(fx)).reverse()) {
    const m = await readManifest(fx, dir);
    if (m?.status === 'applied') return { dir, manifest: m, reason: 'applied' };
    if (m?.status === 'rollback-failed') return { dir, manifest: m, reason: 'rollback-failed' };
    if (!onlyLast || m === null) continue;
    if (m.rolledBackBy === 'apply' || m.rolledBackBy === 'recover') continue; // never took effect
    return { kind: 'none', reason: `the last apply (${await shownPath(fx, dir)}) is already rolled back` };
  }
  return { kind: 'none', reason: `no applied mailsetup backup in ${await shownPath(fx, BACKUP_ROOT)} to roll back to` };
}

/** See scanRollbackTarget; null when there is nothing to roll back. */
export async function findRollbackTarget(
  fx: Effects,
  opts: { onlyLast?: boolean } = {},
): Promise<RollbackTarget | null> {
  const t = await scanRollbackTarget(fx, opts.onlyLast ?? false);
  return 'kind' in t ? null : t;
}

/** How a target is rolled back: a finished apply as --rollback does, else as an interrupted one. */
function targetMode(t: RollbackTarget): RollbackMode {
  if (t.reason === 'applied') return 'latest';
  if (t.reason === 'apply-unfinished') return 'recover';
  return t.manifest.rollback?.mode === 'latest' ? 'latest' : 'recover';
}

/** The files of the backup that were changed after the apply wrote them (a rollback replaces those changes). */
export async function changedSinceApply(fx: Effects, m: Manifest): Promise<string[]> {
  const out: string[] = [];
  for (const f of m.files) {
    const cur = await fx.readFile(f.path).catch(() => undefined);
    const curSha = cur === undefined ? 'unreadable' : cur === null ? null : sha256(cur);
    if (curSha !== f.afterSha256) out.push(f.path);
  }
  return out;
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
    await rec.step('lock', `Take the lock ${await fx.realPath(LOCK_PATH)}`, async () => {
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
    backupDir: await shownPath(fx, dir),
    rolledBack: rb.filesRestored,
    ...(rb.errors.length > 0 ? { error: `the rollback did not complete: ${rb.errors.join('; ')}` } : {}),
  };
}

/** Complete the rollback of an apply, or a rollback, that was interrupted (killed, power loss). */
export async function recoverUnfinished(fx: Effects, host: HostFacts, opts: ApplyOptions = {}): Promise<ApplyResult> {
  return withLock(fx, opts, async (rec) => {
    const u = await findUnfinishedDir(fx);
    if (!u) return { ok: true };
    // A rollback killed half way is completed the way it was going (a finished apply's, or not).
    const mode = u.manifest.status === 'rolling-back' && u.manifest.rollback?.mode === 'latest' ? 'latest' : 'recover';
    return undo(fx, host, u.dir, u.manifest, mode, rec);
  });
}

/** What a --rollback will do: which backup it restores and how each file changes. */
export interface RollbackPlan {
  /** recover: an apply that never finished; apply: a finished apply (also a failed rollback of one, retried). */
  kind: 'recover' | 'apply';
  /** Why this backup (see RollbackTarget). */
  reason: RollbackTarget['reason'];
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
      if (was === null)
        throw new Error(`the backup copy ${await shownPath(fx, dir)}/${f.copy} of ${f.path} is missing`);
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

function rollbackPlanOf(fx: Effects, t: RollbackTarget): Promise<RollbackPlan> {
  return restorePreview(fx, t.dir, t.manifest).then(async ({ files, changes }) => ({
    kind: targetMode(t) === 'latest' ? 'apply' : 'recover',
    reason: t.reason,
    dir: t.dir,
    created: t.manifest.created,
    files,
    changes,
    changedSince: t.reason === 'applied' ? await changedSinceApply(fx, t.manifest) : [],
  }));
}

/** Which backup --rollback restores (see scanRollbackTarget), and how each file changes. */
export async function planRollback(fx: Effects, opts: { onlyLast?: boolean } = {}): Promise<RollbackPlan | NoRollback> {
  const t = await scanRollbackTarget(fx, opts.onlyLast ?? false);
  return 'kind' in t ? t : rollbackPlanOf(fx, t);
}

export interface RollbackOptions extends ApplyOptions {
  /** See scanRollbackTarget. Nothing to roll back is then a success that changes nothing. */
  onlyLast?: boolean;
  /** Told which backup is restored and how, under the lock, before anything is written. */
  onPlan?: (p: RollbackPlan) => void;
  /**
   * The backup (system path) the user was shown and agreed to: when another run changed the
   * backups since, nothing is done.
   */
  expected?: string;
}

/**
 * --rollback: restore the backup scanRollbackTarget() names exactly (content, mode, owner of the
 * files and their databases; files that were absent are removed), reload/restart Postfix when it
 * runs, and mark the backup rolled-back (a second --rollback then undoes the apply before; with
 * `onlyLast` it does nothing). A rollback that fails is marked rollback-failed and is the one the
 * next --rollback retries. With `onlyLast`, a file changed by hand since the apply stops the
 * rollback (nothing is written); without it, the hand changes are replaced, with a warning.
 */
export async function rollbackLatest(fx: Effects, host: HostFacts, opts: RollbackOptions = {}): Promise<ApplyResult> {
  return withLock(fx, opts, async (rec) => {
    const t = await scanRollbackTarget(fx, opts.onlyLast ?? false);
    if ('kind' in t) {
      if (!opts.onlyLast) return { ok: false, error: t.reason };
      rec.emit({
        id: 'rollback',
        label: 'Roll back to the previous configuration',
        status: 'skipped',
        detail: t.reason,
      });
      return { ok: true };
    }
    if (opts.expected !== undefined && t.dir !== opts.expected) {
      return {
        ok: false,
        error:
          `the backups changed since they were shown (${await shownPath(fx, t.dir)} is now the one to roll back): ` +
          'nothing was done; run mailsetup --rollback again',
      };
    }
    const mode = targetMode(t);
    const changedSince = t.reason === 'applied' ? await changedSinceApply(fx, t.manifest) : [];
    if (opts.onPlan) {
      // The preview reads every file as text; one it cannot read is still restored.
      const p = await rollbackPlanOf(fx, t).catch((): RollbackPlan => ({
        kind: mode === 'latest' ? 'apply' : 'recover',
        reason: t.reason,
        dir: t.dir,
        created: t.manifest.created,
        files: [],
        changes: true,
        changedSince,
      }));
      opts.onPlan(p);
    }
    if (opts.onlyLast && changedSince.length > 0) {
      const shown = await shownPath(fx, t.dir);
      return {
        ok: false,
        backupDir: shown,
        error:
          `${changedSince.join(', ')} changed after the apply of ${shown} wrote ` +
          `${changedSince.length > 1 ? 'them' : 'it'}: not rolling back with --only-last; ` +
          'mailsetup --rollback replaces those changes with the backup',
      };
    }
    for (const path of changedSince) {
      rec.warnings.push(`${path} was changed after mailsetup wrote it; those changes are replaced by the backup`);
    }
    return undo(fx, host, t.dir, t.manifest, mode, rec);
  });
}
