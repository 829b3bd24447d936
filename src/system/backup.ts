/**
 * Backups: before apply writes anything, every file the plan changes is copied into
 * /var/backups/mailsetup/<UTC timestamp>/ (0700) with a manifest.json that records each file's
 * content hash, mode, owner and absence, the plan's actions, the actions started so far and the
 * status (in-progress → applied | rolled-back). Restoring puts back content, mode and owner, and
 * removes files that were absent. The newest 10 backups are kept.
 */
import { createHash } from 'node:crypto';
import type { Action } from '../model/plan.js';
import type { Effects } from '../model/effects.js';
import { derivedFiles } from './commands.js';
import { BACKUP_ROOT, PLANNED_PATHS } from '../model/paths.js';
import { existingDatabases, octal, SECRET_META } from './services.js';

export const KEEP_BACKUPS = 10;
const NAME_RE = /^(\d{8}T\d{6}Z)(?:-(\d+))?$/;

/** One backed-up file. */
export interface ManifestFile {
  path: string;
  /** The file did not exist before the apply (rollback removes it). */
  absent: boolean;
  mode: number;
  uid: number;
  gid: number;
  /** sha256 (hex) of the content before; null when absent. */
  sha256: string | null;
  /** The copy, relative to the backup directory; null when absent. */
  copy: string | null;
  secret: boolean;
  /** sha256 of what apply writes (null = apply removes the file). */
  afterSha256: string | null;
  /**
   * A second name of the file as it was (a hard link beside it, .main.cf.mailsetup-keep), held
   * while the apply runs: a rollback renames it back, which needs no free space.
   */
  keep?: string | null;
}

/** A database file postmap/postalias may (re)build, and whether it existed before. */
export interface DerivedFile {
  path: string;
  source: string;
  absent: boolean;
  /** A copy of the database as it was (postmap rewrites it in place), held while the apply runs. */
  keep?: string | null;
}

/** An action step apply started, in order. */
export interface ManifestStep {
  id: string;
  status: 'running' | 'ok' | 'failed' | 'skipped';
}

export type ManifestStatus = 'in-progress' | 'applied' | 'rolled-back';

/** manifest.json */
export interface Manifest {
  version: 1;
  created: string;
  status: ManifestStatus;
  files: ManifestFile[];
  /** The plan's actions. */
  actions: Action[];
  /** The actions run so far (status as last recorded). */
  steps: ManifestStep[];
  derived: DerivedFile[];
  /** Live only: whether Postfix ran before the apply. */
  postfixRunningBefore?: boolean;
  /**
   * With status rolled-back, what undid it: the apply itself when it failed ('apply'), the next
   * run after it was killed ('recover'), or --rollback ('rollback'). Absent in older manifests.
   */
  rolledBackBy?: 'apply' | 'recover' | 'rollback';
}

/** A file to back up: its path, its current content (null = absent) and whether it is secret. */
export interface BackupEntry {
  path: string;
  current: string | null;
  after: string | null;
  secret: boolean;
}

/** The Effects members backups and the lock need beyond the base interface. */
export type FullEffects = Effects &
  Required<Pick<Effects, 'mkdir' | 'removeTree' | 'createExclusive' | 'processAlive'>>;

/** `fx` with mkdir/removeTree/createExclusive/processAlive, or an Error saying what is missing. */
export function fullEffects(fx: Effects): FullEffects {
  const missing = (['mkdir', 'removeTree', 'createExclusive', 'processAlive'] as const).filter(
    (k) => typeof fx[k] !== 'function',
  );
  if (missing.length > 0) {
    throw new Error(`this Effects lacks ${missing.join(', ')}: use createRealEffects or createMemoryEffects`);
  }
  return fx as FullEffects;
}

/** sha256 (hex) of a text's UTF-8 bytes. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The directory name for a backup made at `date`: 20261126T073412Z. */
export function backupName(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function nameKey(name: string): [string, number] | null {
  const m = NAME_RE.exec(name);
  return m ? [m[1], m[2] === undefined ? 0 : Number(m[2])] : null;
}

/** Backup directories (system paths), oldest first. */
export async function listBackups(fx: Effects): Promise<string[]> {
  const names = (await fx.listDir(BACKUP_ROOT)).filter((n) => nameKey(n) !== null);
  names.sort((a, b) => {
    const [ta, na] = nameKey(a) as [string, number];
    const [tb, nb] = nameKey(b) as [string, number];
    return ta === tb ? na - nb : ta < tb ? -1 : 1;
  });
  return names.map((n) => `${BACKUP_ROOT}/${n}`);
}

/** Write manifest.json (atomically, fsynced, 0600). */
export async function writeManifest(fx: Effects, dir: string, m: Manifest): Promise<void> {
  await fx.writeFileAtomic(`${dir}/manifest.json`, `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600, uid: 0, gid: 0 });
}

/** Read and check manifest.json; null when the directory has none. */
export async function readManifest(fx: Effects, dir: string): Promise<Manifest | null> {
  const text = await fx.readFile(`${dir}/manifest.json`);
  if (text === null) return null;
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`${dir}/manifest.json is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ok =
    typeof m === 'object' &&
    m !== null &&
    (m as Manifest).version === 1 &&
    Array.isArray((m as Manifest).files) &&
    Array.isArray((m as Manifest).actions) &&
    ['in-progress', 'applied', 'rolled-back'].includes((m as Manifest).status);
  if (!ok) throw new Error(`${dir}/manifest.json is not a mailsetup manifest (version 1)`);
  const man = m as Manifest;
  man.steps ??= [];
  man.derived ??= [];
  const bad = manifestProblem(man);
  if (bad) throw new Error(`${dir}/manifest.json is not one mailsetup wrote: ${bad}; it is not used`);
  return man;
}

/**
 * What makes a manifest one mailsetup cannot have written: a path it never writes, a copy or a
 * kept name elsewhere than it puts them. A rollback acts only on these paths.
 */
function manifestProblem(m: Manifest): string | null {
  const planned = new Set<string>(PLANNED_PATHS);
  for (const f of m.files) {
    if (typeof f !== 'object' || f === null || !planned.has(f.path)) return `file ${JSON.stringify(f?.path)}`;
    if (f.copy !== null && f.copy !== `files${f.path}`) return `copy ${JSON.stringify(f.copy)}`;
    if (f.keep != null && f.keep !== keepName(f.path)) return `kept name ${JSON.stringify(f.keep)}`;
    if (!Number.isInteger(f.mode) || !Number.isInteger(f.uid) || !Number.isInteger(f.gid)) return `meta of ${f.path}`;
  }
  for (const d of m.derived) {
    if (typeof d !== 'object' || d === null || !planned.has(d.source) || !derivedFiles(d.source).includes(d.path))
      return `database ${JSON.stringify(d?.path)}`;
    if (d.keep != null && d.keep !== keepName(d.path)) return `kept name ${JSON.stringify(d.keep)}`;
  }
  for (const a of m.actions) {
    if (typeof a !== 'object' || a === null) return 'an action';
    if ((a.kind === 'postmap' || a.kind === 'newaliases' || a.kind === 'unmap') && !planned.has(a.path))
      return `action on ${JSON.stringify(a.path)}`;
  }
  return null;
}

/** The name of the second link (or copy) that keeps a file as it was during an apply. */
export function keepName(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash)}/.${path.slice(slash + 1)}.mailsetup-keep`;
}

/** Whether a directory entry is a keep (see keepName). */
export function isKeepName(name: string): boolean {
  return /^\..+\.mailsetup-keep$/.test(name);
}

/**
 * Make a backup of `entries`: a new 0700 directory, a copy of each existing file (secret ones
 * 0600), the derived database files' presence, and manifest.json with status in-progress.
 * A failure removes the partial directory.
 */
export async function createBackup(
  fx: Effects,
  entries: BackupEntry[],
  actions: Action[],
  now: Date,
  postfixRunningBefore?: boolean,
  warnings: string[] = [],
): Promise<{ dir: string; manifest: Manifest }> {
  const f = fullEffects(fx);
  await f.mkdir(BACKUP_ROOT, 0o700);
  const base = backupName(now);
  let dir = `${BACKUP_ROOT}/${base}`;
  for (let i = 2; (await fx.stat(dir)) !== null; i++) dir = `${BACKUP_ROOT}/${base}-${i}`;
  await f.mkdir(dir, 0o700);
  try {
    const files: ManifestFile[] = [];
    for (const e of entries) {
      const afterSha256 = e.after === null ? null : sha256(e.after);
      if (e.current === null) {
        files.push({
          path: e.path,
          absent: true,
          mode: 0,
          uid: 0,
          gid: 0,
          sha256: null,
          copy: null,
          secret: e.secret,
          afterSha256,
        });
        continue;
      }
      const meta = await fx.stat(e.path);
      if (meta === null) throw new Error(`${e.path} disappeared while it was being backed up`);
      const copy = `files${e.path}`;
      await fx.writeFileAtomic(`${dir}/${copy}`, e.current, { mode: e.secret ? 0o600 : meta.mode, uid: 0, gid: 0 });
      if (e.secret && (meta.mode !== SECRET_META.mode || meta.uid !== 0 || meta.gid !== 0)) {
        // A secret stays root-only from here on, its old content too (the keep below is the same file).
        await fx.setMeta(e.path, SECRET_META);
        warnings.push(
          `${e.path} was mode ${octal(meta.mode)} (owner ${meta.uid}:${meta.gid}): it holds a secret, so mailsetup ` +
            'made it root-only (root:root 0600)',
        );
      }
      files.push({
        path: e.path,
        absent: false,
        ...meta,
        sha256: sha256(e.current),
        copy,
        secret: e.secret,
        afterSha256,
        keep: await keepLink(fx, e.path),
      });
    }
    const derived: DerivedFile[] = [];
    for (const a of actions) {
      if (a.kind !== 'postmap' && a.kind !== 'newaliases' && a.kind !== 'unmap') continue;
      const present = new Set(await existingDatabases(fx, a.path));
      for (const p of derivedFiles(a.path)) {
        if (derived.some((d) => d.path === p)) continue;
        derived.push({
          path: p,
          source: a.path,
          absent: !present.has(p),
          keep: present.has(p) ? await keepCopy(fx, p) : null,
        });
      }
    }
    const manifest: Manifest = {
      version: 1,
      created: now.toISOString(),
      status: 'in-progress',
      files,
      actions,
      steps: [],
      derived,
    };
    if (postfixRunningBefore !== undefined) manifest.postfixRunningBefore = postfixRunningBefore;
    await writeManifest(fx, dir, manifest);
    return { dir, manifest };
  } catch (e) {
    await f.removeTree(dir).catch(() => undefined);
    throw e;
  }
}

/**
 * A hard link to `path` beside it, so that the file as it was survives the apply's writes (each
 * write renames a new file over the name) without using space; null when the link cannot be made.
 */
async function keepLink(fx: Effects, path: string): Promise<string | null> {
  const keep = keepName(path);
  try {
    await fx.removeFile(keep); // a left-over of a killed run: the recovery before this one is done
    await fx.link(path, keep);
    return keep;
  } catch {
    return null;
  }
}

/** A copy of a database beside it (postmap rewrites a database in place); null when it cannot be made. */
async function keepCopy(fx: Effects, path: string): Promise<string | null> {
  const keep = keepName(path);
  try {
    await fx.removeFile(keep);
    await fx.copyFile(path, keep);
    return keep;
  } catch {
    await fx.removeFile(keep).catch(() => undefined);
    return null;
  }
}

/** Remove the keeps of a finished (or rolled back) apply. */
export async function removeKeeps(fx: Effects, m: Manifest): Promise<void> {
  for (const k of [...m.files.map((f) => f.keep), ...m.derived.map((d) => d.keep)]) {
    if (k) await fx.removeFile(k).catch(() => undefined);
  }
}

/**
 * Delete all but the newest `keep` backups (an unfinished one is never deleted), and every
 * backup directory without a manifest: one left by a run killed while it made the backup.
 */
export async function pruneBackups(fx: Effects, keep = KEEP_BACKUPS): Promise<string[]> {
  const f = fullEffects(fx);
  const removed: string[] = [];
  for (const dir of await listBackups(fx)) {
    if ((await fx.listDir(dir)).includes('manifest.json')) continue;
    await f.removeTree(dir);
    removed.push(dir);
  }
  const all = await listBackups(fx);
  for (const dir of all.slice(0, Math.max(0, all.length - keep))) {
    const m = await readManifest(fx, dir).catch(() => null);
    if (m?.status === 'in-progress') continue;
    await f.removeTree(dir);
    removed.push(dir);
  }
  return removed;
}

/**
 * Put every file of the manifest back: content, mode and owner from the backup; files that
 * were absent are removed. Files already identical are not touched. Returns the paths changed.
 */
export async function restoreFiles(fx: Effects, dir: string, m: Manifest): Promise<string[]> {
  const changed: string[] = [];
  for (const f of m.files) {
    if (f.absent) {
      if ((await fx.stat(f.path)) !== null) {
        await fx.removeFile(f.path);
        changed.push(f.path);
      }
      continue;
    }
    const content = await fx.readFile(`${dir}/${f.copy}`);
    if (content === null) throw new Error(`the backup copy ${dir}/${f.copy} of ${f.path} is missing`);
    if (sha256(content) !== f.sha256)
      throw new Error(`the backup copy ${dir}/${f.copy} of ${f.path} is damaged (sha256 differs)`);
    // A secret comes back exactly, but never with a mode wider than 0600.
    const mode = f.secret ? f.mode & SECRET_META.mode : f.mode;
    const [now, meta] = await Promise.all([fx.readFile(f.path).catch(() => null), fx.stat(f.path)]);
    if (now === content && meta !== null && meta.mode === mode && meta.uid === f.uid && meta.gid === f.gid) continue;
    await fx.writeFileAtomic(f.path, content, { mode, uid: f.uid, gid: f.gid });
    changed.push(f.path);
  }
  return changed;
}
