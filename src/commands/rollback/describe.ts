/**
 * What a backup is, in words: when its apply ran, the role before → after, the files and databases
 * a rollback puts back or removes. --rollback says it before it acts; --list-backups lists them.
 */
import type { Effects } from '../../model/effects.js';
import { BACKUP_ROOT, MAIN_CF, STATE_PATH } from '../../model/paths.js';
import { queuedMailFindings } from '../../plan/queue.js';
import { printable } from '../../model/text.js';
import { readQueue } from '../../system/queue.js';
import type { PackageDirectories } from '../../system/sandbox.js';
import { parseState } from '../../plan/state.js';
import { changedSinceApply, type RollbackTarget } from '../../system/apply.js';
import { listBackups, readManifest, sha256, type Manifest } from '../../system/backup.js';

/** "2026-12-05 16:26:35 UTC" from an ISO date. */
export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function roleName(role: string | null): string {
  return role === null ? 'none' : role;
}

/** The role a state file's text names, null without one, undefined when it cannot be read. */
function roleOf(text: string | null): string | null | undefined {
  if (text === null) return null;
  try {
    return parseState(text).answers.role;
  } catch {
    return undefined;
  }
}

/**
 * "none → mail-server": from the manifest, or for a backup made before mailsetup recorded it,
 * from the copy of the state file it holds (and the state file now, when the apply wrote it).
 */
export async function roleChange(fx: Effects, dir: string, m: Manifest): Promise<string> {
  if (m.summary) {
    if (m.summary.kind === 'forget') return `${roleName(m.summary.roleBefore)} (mailsetup --forget removed its record)`;
    return `${roleName(m.summary.roleBefore)} → ${roleName(m.summary.roleAfter)}`;
  }
  const f = m.files.find((x) => x.path === STATE_PATH);
  if (!f) return '(not recorded by this backup)';
  const before = f.absent ? null : roleOf(f.copy === null ? null : await fx.readFile(`${dir}/${f.copy}`));
  // The state file now tells the role after that apply only while it is what that apply wrote.
  const now = await fx.readFile(STATE_PATH).catch(() => null);
  const after = (now === null ? null : sha256(now)) === f.afterSha256 ? roleOf(now) : undefined;
  const b = before === undefined ? '?' : roleName(before);
  return `${b} → ${after === undefined ? '?' : roleName(after)}`;
}

/** What a rollback does to each file of the backup: "/etc/postfix/main.cf (removed: it did not exist before)". */
function fileWords(m: Manifest): string[] {
  return m.files.map((f) => `${f.path} (${f.absent ? 'removed: it did not exist before' : 'restored'})`);
}

/** The databases the rollback puts back exactly or removes. */
function databaseWords(m: Manifest): string[] {
  return m.derived
    .filter((d) => !d.absent)
    .map((d) => `${d.path} (restored as it was${d.copy === undefined ? ', rebuilt from its source' : ''})`);
}

/** The backup's name: its directory's last part (20261205T162635Z). */
export function backupName(dir: string): string {
  return dir.slice(dir.lastIndexOf('/') + 1);
}

/**
 * Queued mail for domains the rollback stops delivering or relaying here: main.cf now against
 * the backup's copy (or no main.cf, when the apply created it).
 */
async function queueLines(
  fx: Effects,
  dir: string,
  m: Manifest,
  fqdn: string,
  pkg?: PackageDirectories,
): Promise<string[]> {
  const f = m.files.find((x) => x.path === MAIN_CF);
  if (!f) return [];
  const queue = await readQueue(fx, pkg).catch(() => null);
  if (queue === null || queue.length === 0) return [];
  const now = await fx.readFile(MAIN_CF).catch(() => null);
  const restored = f.absent || f.copy === null ? null : await fx.readFile(`${dir}/${f.copy}`).catch(() => null);
  return queuedMailFindings(queue, now, restored, fqdn, 'this rollback').map((x) => `  warning ${x.id}: ${x.message}`);
}

/** A path as the user finds it: links inside the sandbox followed. */
function shown(fx: Effects, p: string): Promise<string> {
  return fx.realPath(p).catch(() => fx.resolve(p));
}

/**
 * The lines --rollback prints before it acts (and before it asks). `pkg`: the installed package's
 * directories (a sandbox's queue is read only when its main.cf names those).
 */
export async function describeTarget(
  fx: Effects,
  t: RollbackTarget,
  fqdn: string,
  pkg?: PackageDirectories,
): Promise<string[]> {
  const m = t.manifest;
  const what = m.summary?.kind === 'forget' ? 'mailsetup --forget' : 'the apply';
  const head: Record<RollbackTarget['reason'], string> = {
    applied: `Roll back ${what} of ${when(m.created)}`,
    'apply-unfinished': `Complete the rollback of ${what} of ${when(m.created)}, which did not finish`,
    'rollback-unfinished': `Complete the rollback of ${what} of ${when(m.created)}: that rollback did not finish`,
    'rollback-failed': `Retry the rollback of ${what} of ${when(m.created)}: that rollback did not complete`,
  };
  const lines = [
    `${head[t.reason]} (backup ${await shown(fx, t.dir)}):`,
    `  role:      ${await roleChange(fx, t.dir, m)}`,
    `  files:     ${fileWords(m).join(', ') || '(none)'}`,
  ];
  const dbs = databaseWords(m);
  if (dbs.length > 0) lines.push(`  databases: ${dbs.join(', ')}`);
  if (t.reason === 'rollback-failed' && m.rollback?.errors?.length)
    lines.push(`  it failed: ${printable(m.rollback.errors.join('; '))}`);
  if (t.reason === 'applied') {
    const changed = await changedSinceApply(fx, m);
    if (changed.length > 0)
      lines.push(`  changed since that apply (those changes are replaced by the backup): ${changed.join(', ')}`);
  }
  lines.push(...(await queueLines(fx, t.dir, m, fqdn, pkg)));
  return lines;
}

const STATUS_WORDS: Record<Manifest['status'], string> = {
  applied: 'applied',
  'in-progress': 'apply did not finish',
  'rolling-back': 'rollback did not finish',
  'rolled-back': 'rolled back',
  'rollback-failed': 'rollback failed',
};

/** --list-backups: every backup, oldest first, with what it holds; then which one --rollback undoes. */
export async function backupListLines(fx: Effects, target: RollbackTarget | null): Promise<string[]> {
  const dirs = await listBackups(fx);
  const root = await shown(fx, BACKUP_ROOT);
  if (dirs.length === 0) return [`No mailsetup backups in ${root}.`];
  const lines = [`Backups in ${root} (oldest first):`];
  for (const dir of dirs) {
    let m: Manifest | null;
    try {
      m = await readManifest(fx, dir);
    } catch (e) {
      lines.push(`  ${backupName(dir)}  unreadable: ${printable((e as Error).message)}`);
      continue;
    }
    if (m === null) {
      lines.push(`  ${backupName(dir)}  no manifest.json`);
      continue;
    }
    const mark = target?.dir === dir ? '  ← --rollback undoes this one' : '';
    lines.push(
      `  ${backupName(dir)}  ${when(m.created)}  ${STATUS_WORDS[m.status].padEnd(23)}  ${await roleChange(fx, dir, m)}${mark}`,
      `      ${m.files.map((f) => f.path).join(', ') || '(no files)'}`,
    );
  }
  if (target === null) lines.push('Nothing to roll back: every backup is rolled back already.');
  return lines;
}
