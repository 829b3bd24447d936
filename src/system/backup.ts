/**
 * Backups: before apply writes anything, every file the plan changes is copied into
 * /var/backups/mailsetup/<UTC timestamp>/ (0700) with a manifest.json that records each file's
 * content hash, mode, owner and absence, the plan's actions, the actions started so far and the
 * status (in-progress → applied | rolled-back). Restoring puts back content, mode and owner, and
 * removes files that were absent. The newest 10 backups are kept.
 */
import type { Action } from '../model/plan.js';
import type { Effects } from '../model/effects.js';
import { derivedFiles } from './commands.js';
import { ALIASES, BACKUP_ROOT, MAP_PATHS, PLANNED_PATHS, SASL_PASSWD_MAP } from '../model/paths.js';
import { existingDatabases, octal, SECRET_META } from './services.js';
import { nodeCrypto } from './builtins.js';

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

/**
 * A database file postmap/postalias may (re)build, and whether it existed before. A database that
 * existed is copied into the backup byte for byte (`copy`, with its hash, mode and owner), so that
 * a rollback puts it back exactly as it was without running a command; a backup made before
 * mailsetup copied databases has no `copy` and is rebuilt from its restored source instead.
 */
export interface DerivedFile {
  path: string;
  source: string;
  absent: boolean;
  /** The copy, relative to the backup directory (absent files: null). */
  copy?: string | null;
  sha256?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /**
   * A copy of the database as it was beside it (postmap rewrites a database in place), held while
   * the apply runs: a rollback of the apply renames it back, which needs no free space.
   */
  keep?: string | null;
}

/** An action step apply started, in order. */
export interface ManifestStep {
  id: string;
  status: 'running' | 'ok' | 'failed' | 'skipped';
}

/**
 * in-progress: the apply runs (or was killed); applied: it finished; rolling-back: a rollback of
 * it runs (or was killed); rolled-back: the rollback completed; rollback-failed: a rollback ended
 * with errors and is the one the next --rollback retries.
 */
export type ManifestStatus = 'in-progress' | 'applied' | 'rolling-back' | 'rolled-back' | 'rollback-failed';

export const MANIFEST_STATUSES: readonly ManifestStatus[] = [
  'in-progress',
  'applied',
  'rolling-back',
  'rolled-back',
  'rollback-failed',
];

/** What the apply was, for --rollback and --list-backups to say. */
export interface ManifestSummary {
  /** 'apply' (a configuration), 'forget' (mailsetup --forget removed its state file). */
  kind: 'apply' | 'forget';
  /** The role before the apply: a role id, 'custom', or null (no configuration). */
  roleBefore: string | null;
  roleAfter: string | null;
}

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
  /**
   * Directories that did not exist before the apply and that writing its new files creates
   * (/etc/logrotate.d on a box without logrotate), deepest first: a rollback removes them when
   * they are empty again.
   */
  createdDirs?: string[];
  /** Live only: whether Postfix ran before the apply. */
  postfixRunningBefore?: boolean;
  /**
   * With status rolled-back, what undid it: the apply itself when it failed ('apply'), the next
   * run after it was killed ('recover'), or --rollback ('rollback'). Absent in older manifests.
   */
  rolledBackBy?: 'apply' | 'recover' | 'rollback';
  /** Which apply this was (backups made before mailsetup recorded it have none). */
  summary?: ManifestSummary;
  /** The rollback that started (rolling-back) or failed (rollback-failed): how it was undoing the apply. */
  rollback?: { mode: 'apply' | 'recover' | 'latest'; errors?: string[] };
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

/** sha256 (hex) of a text's UTF-8 bytes, or of bytes. */
export function sha256(data: string | Uint8Array): string {
  return typeof data === 'string'
    ? nodeCrypto().createHash('sha256').update(data, 'utf8').digest('hex')
    : nodeCrypto().createHash('sha256').update(data).digest('hex');
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
    MANIFEST_STATUSES.includes((m as Manifest).status);
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
    if (d.copy != null && d.copy !== `files${d.path}`) return `copy ${JSON.stringify(d.copy)}`;
    if (d.keep != null && d.keep !== keepName(d.path)) return `kept name ${JSON.stringify(d.keep)}`;
    if (d.copy != null && (!Number.isInteger(d.mode) || !Number.isInteger(d.uid) || !Number.isInteger(d.gid)))
      return `meta of ${d.path}`;
  }
  for (const a of m.actions) {
    if (typeof a !== 'object' || a === null) return 'an action';
    if ((a.kind === 'postmap' || a.kind === 'newaliases' || a.kind === 'unmap') && !planned.has(a.path))
      return `action on ${JSON.stringify(a.path)}`;
  }
  return null;
}

/** Whether a file is a lookup table (the aliases, a map): one with databases beside it. */
export function isTable(path: string): boolean {
  return path === ALIASES || (MAP_PATHS as readonly string[]).includes(path);
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
  summary?: ManifestSummary,
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
    const createdDirs: string[] = [];
    for (const e of entries) {
      if (e.current !== null || e.after === null) continue;
      for (let d = parentDir(e.path); d !== '/' && !createdDirs.includes(d); d = parentDir(d)) {
        if ((await fx.fileKind(d)) !== null) break;
        createdDirs.push(d);
      }
    }
    createdDirs.sort((a, b) => b.split('/').length - a.split('/').length || a.localeCompare(b));
    // The databases of every table the apply rebuilds or removes, copied as they are.
    const sources = new Set<string>();
    for (const a of actions)
      if (a.kind === 'postmap' || a.kind === 'newaliases' || a.kind === 'unmap') sources.add(a.path);
    for (const e of entries) if (e.after === null && isTable(e.path)) sources.add(e.path);
    const derived: DerivedFile[] = [];
    for (const source of sources) {
      const secret =
        source === SASL_PASSWD_MAP ||
        entries.find((e) => e.path === source)?.secret === true ||
        actions.some((a) => a.kind === 'postmap' && a.path === source && a.secret === true);
      const present = new Set(await existingDatabases(fx, source));
      for (const p of derivedFiles(source)) {
        if (derived.some((d) => d.path === p)) continue;
        const meta = present.has(p) ? await fx.stat(p) : null;
        const bytes = meta === null ? null : await fx.readFileBytes(p);
        if (meta === null || bytes === null) {
          derived.push({ path: p, source, absent: true, copy: null, keep: null });
          continue;
        }
        const copy = `files${p}`;
        await fx.writeFileAtomic(`${dir}/${copy}`, bytes, { mode: secret ? 0o600 : meta.mode, uid: 0, gid: 0 });
        derived.push({
          path: p,
          source,
          absent: false,
          copy,
          sha256: sha256(bytes),
          ...meta,
          keep: await keepCopy(fx, p),
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
    if (createdDirs.length > 0) manifest.createdDirs = createdDirs;
    if (postfixRunningBefore !== undefined) manifest.postfixRunningBefore = postfixRunningBefore;
    if (summary !== undefined) manifest.summary = summary;
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
 * Delete all but the newest `keep` backups (one whose apply or rollback never finished is never
 * deleted), and every backup directory without a manifest: one left by a run killed while it
 * made the backup.
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
    if (m?.status === 'in-progress' || m?.status === 'rolling-back') continue;
    await f.removeTree(dir);
    removed.push(dir);
  }
  return removed;
}

/** The directory of a system path: /etc/logrotate.d/x → /etc/logrotate.d. */
function parentDir(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
/**
 * Put the files of the manifest back: content, mode and owner from the backup (`present`: the
 * files that existed before the apply), or remove the files that did not exist and then the
 * directories the apply created, when they are empty (`absent`). A rollback does the first, then
 * the databases, then the second: while a table's database is put back, main.cf is still there.
 * Files already identical are not touched. Returns the paths changed.
 */
export async function restoreFiles(
  fx: Effects,
  dir: string,
  m: Manifest,
  which: 'present' | 'absent' | 'all' = 'all',
): Promise<string[]> {
  const changed = await restoreEachFile(fx, dir, m, which);
  if (which === 'present') return changed;
  for (const d of m.createdDirs ?? []) {
    if ((await fx.fileKind(d)) !== 'directory' || (await fx.listDir(d)).length > 0) continue;
    await fullEffects(fx).removeTree(d);
    changed.push(d);
  }
  return changed;
}

async function restoreEachFile(
  fx: Effects,
  dir: string,
  m: Manifest,
  which: 'present' | 'absent' | 'all',
): Promise<string[]> {
  const changed: string[] = [];
  for (const f of m.files) {
    if (f.absent) {
      if (which !== 'present' && (await fx.stat(f.path)) !== null) {
        await fx.removeFile(f.path);
        changed.push(f.path);
      }
      continue;
    }
    if (which === 'absent') continue;
    const content = await fx.readFile(`${dir}/${f.copy}`);
    if (content === null) throw new Error(`the backup copy ${dir}/${f.copy} of ${f.path} is missing`);
    if (sha256(content) !== f.sha256)
      throw new Error(`the backup copy ${dir}/${f.copy} of ${f.path} is damaged (sha256 differs)`);
    // A secret comes back exactly, but never with a mode wider than 0600.
    const mode = f.secret ? f.mode & SECRET_META.mode : f.mode;
    const [now, meta] = await Promise.all([fx.readFile(f.path).catch(() => null), fx.stat(f.path)]);
    if (now === content && meta !== null && meta.mode === mode && meta.uid === f.uid && meta.gid === f.gid) continue;
    if (now === content && meta !== null) {
      // The content is as it was: only its owner or mode changes (no free space needed).
      await fx.setMeta(f.path, { mode, uid: f.uid, gid: f.gid });
    } else {
      await fx.writeFileAtomic(f.path, content, { mode, uid: f.uid, gid: f.gid });
    }
    changed.push(f.path);
  }
  return changed;
}

/** Whether the backup holds copies of its databases (backups made before it did are rebuilt instead). */
export function hasDatabaseCopies(m: Manifest): boolean {
  return m.derived.every((d) => d.copy !== undefined);
}

/** Whether the databases of a table hold a secret (sasl_passwd's: never restored wider than 0600). */
function secretSource(m: Manifest, source: string): boolean {
  return source === SASL_PASSWD_MAP || m.files.some((f) => f.path === source && f.secret);
}

/**
 * Put every database of the manifest back exactly: the backup's bytes, mode and owner where it
 * existed (a secret's never wider than 0600), removed where it did not. No command runs, so this
 * cannot fail for lack of a main.cf. With `useKeeps` (undoing an apply that did not finish), a
 * database's kept copy beside it is renamed back first, which needs no free space; the backup's
 * copy is written only where there is none. Returns what it did per path ('restored' |
 * 'removed'); unchanged databases are not listed.
 */
export async function restoreDatabases(
  fx: Effects,
  dir: string,
  m: Manifest,
  opts: { useKeeps?: boolean } = {},
): Promise<Array<[string, 'restored' | 'removed']>> {
  const out: Array<[string, 'restored' | 'removed']> = [];
  for (const d of m.derived) {
    if (d.absent) {
      if ((await fx.stat(d.path)) !== null) {
        await fx.removeFile(d.path);
        out.push([d.path, 'removed']);
      }
      continue;
    }
    if (!d.copy) continue;
    const want = {
      mode: secretSource(m, d.source) ? (d.mode ?? 0o600) & SECRET_META.mode : (d.mode ?? 0o644),
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
    };
    let putBack = false;
    if (opts.useKeeps && d.keep) {
      const kept = await fx.readFileBytes(d.keep).catch(() => null);
      if (kept !== null && sha256(kept) === d.sha256) {
        await fx.rename(d.keep, d.path);
        putBack = true;
      }
    }
    const [now, meta] = await Promise.all([fx.readFileBytes(d.path).catch(() => null), fx.stat(d.path)]);
    const same = now !== null && sha256(now) === d.sha256;
    if (same && meta !== null && meta.mode === want.mode && meta.uid === want.uid && meta.gid === want.gid) {
      if (putBack) out.push([d.path, 'restored']);
      continue;
    }
    if (same && meta !== null) {
      await fx.setMeta(d.path, want);
      out.push([d.path, 'restored']);
      continue;
    }
    const bytes = await fx.readFileBytes(`${dir}/${d.copy}`);
    if (bytes === null) throw new Error(`the backup copy ${dir}/${d.copy} of ${d.path} is missing`);
    if (sha256(bytes) !== d.sha256)
      throw new Error(`the backup copy ${dir}/${d.copy} of ${d.path} is damaged (sha256 differs)`);
    await fx.writeFileAtomic(d.path, bytes, want);
    out.push([d.path, 'restored']);
  }
  return out;
}
