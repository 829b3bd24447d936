/**
 * The live test files' guard against a run that dies before its afterAll (a killed CI job, a machine
 * session that ends mid-run): such a run leaves the real /etc changed, a Postfix with the test's
 * configuration running and mailsetup's own rollback journal half done, and the next run's live tests
 * fail on that state instead of on the code.
 *
 * `guardLive(paths)` takes the /etc/postfix lock (etcLock.ts), puts the machine back from the record
 * an earlier holder left if it died without restoring (the postfix package reinstalled if it was
 * installed then and is not now, as after a killed fresh-box test; its snapshot; Postfix started
 * again if it was running then), and writes its own record (the snapshot of `paths`, whether the
 * package is installed and whether Postfix runs now) before the test changes anything. `done()`, called after the file's own restore, removes the record
 * when the machine is back as recorded (else keeps it, so that the next holder puts it back) and
 * releases the lock. The record lives in a directory only its owner can write, outside /tmp (which
 * a reboot may empty while /etc keeps the changes).
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { acquireEtcLock, ETC_POSTFIX_LOCK } from './etcLock.js';
import { differences, restore, snapshot, type Snapshot } from './etcSnapshot.js';
import { masterPids, stopAllMasters } from './masters.js';

/** Where the record of the live test in progress is kept. */
export const LIVE_RECORD_DIR = '/var/lib/mailsetup-tests';
const RECORD = 'live-in-progress.v8';

export interface LiveGuardOptions {
  /** The record's directory (tests of the guard use a private one). */
  dir?: string;
  /** The lock's path (etcLock.ts's default otherwise). */
  lockPath?: string;
  /** How long to wait for the lock. */
  timeoutMs?: number;
  postfixRunning?: () => boolean;
  stopPostfix?: () => void;
  startPostfix?: () => void;
  postfixInstalled?: () => boolean;
  installPostfix?: () => void;
}

export interface LiveGuard {
  /** `paths` as they were before this test file changed anything. */
  saved: Snapshot;
  /** Postfix was running when the guard was taken (after any repair). */
  wasRunning: boolean;
  /** The paths a dead earlier holder had left changed and the guard put back (empty: none). */
  repaired: string[];
  /**
   * After the file's own restore: remove this file's record if the paths are as recorded (else keep
   * it for the next holder, saying so), and release the lock.
   */
  done(): void;
}

interface LiveRecord {
  version: 1;
  pid: number;
  wasRunning: boolean;
  /** The postfix package was installed when the record was written. */
  wasInstalled: boolean;
  entries: Snapshot['entries'];
}

/** The postfix package is installed (its postconf runs). */
export function postfixPackageInstalled(): boolean {
  return spawnSync('postconf', ['-d', 'mail_version']).status === 0;
}

/** Install the postfix package as on a fresh box: debconf's "No configuration", then apt-get. */
export function installPostfixPackage(timeoutMs = 600_000): void {
  spawnSync(
    'sh',
    [
      '-c',
      'echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections && ' +
        'apt-get install -y -qq postfix',
    ],
    { timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
  );
}

const defaults = {
  postfixRunning: () => masterPids().length > 0,
  stopPostfix: stopAllMasters,
  startPostfix: () => {
    spawnSync('postfix', ['start'], { timeout: 60_000 });
  },
  postfixInstalled: postfixPackageInstalled,
  installPostfix: () => installPostfixPackage(),
};

/** The record's directory, made if missing; refused unless only its owner (this user) can write it. */
function recordDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw new Error(
      `${dir} must be a directory owned by uid ${uid} and writable only by it (it holds what the live tests put back)`,
    );
  }
  return join(dir, RECORD);
}

function readRecord(path: string): LiveRecord | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let rec: unknown;
  try {
    rec = deserialize(bytes);
  } catch {
    rec = null;
  }
  const r = rec as Partial<LiveRecord> | null;
  if (
    !r ||
    r.version !== 1 ||
    typeof r.pid !== 'number' ||
    typeof r.wasRunning !== 'boolean' ||
    typeof r.wasInstalled !== 'boolean' ||
    !(r.entries instanceof Map)
  ) {
    throw new Error(
      `${path} is not a record of a live test run; the machine may still be changed by the run that wrote it: ` +
        'check /etc/postfix, /etc/aliases and /etc/mailname, then remove it',
    );
  }
  return r as LiveRecord;
}

function writeRecord(path: string, rec: LiveRecord): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, serialize(rec), { mode: 0o600 });
  renameSync(tmp, path);
}

export async function guardLive(paths: readonly string[], options: LiveGuardOptions = {}): Promise<LiveGuard> {
  const o = { ...defaults, ...options };
  const release = await acquireEtcLock(options.timeoutMs, options.lockPath ?? ETC_POSTFIX_LOCK);
  try {
    const record = recordDir(options.dir ?? LIVE_RECORD_DIR);
    // Holding the lock, a record can only be one whose writer died before its done().
    const left = readRecord(record);
    let repaired: string[] = [];
    if (left) {
      const reinstall = left.wasInstalled && !o.postfixInstalled();
      if (reinstall) o.installPostfix();
      o.stopPostfix();
      repaired = restore({ entries: left.entries });
      if (left.wasRunning) o.startPostfix();
      rmSync(record, { force: true });
      process.stderr.write(
        `\n!!! live tests: an earlier run (pid ${left.pid}) did not put the machine back (killed, or its restore failed); ` +
          `${reinstall ? 'the postfix package reinstalled; ' : ''}` +
          `restored first: ${repaired.length ? repaired.join(', ') : 'no file had changed'}` +
          `${left.wasRunning ? '; Postfix started again' : ''} !!!\n\n`,
      );
    }
    const wasRunning = o.postfixRunning();
    const wasInstalled = o.postfixInstalled();
    const saved = snapshot(paths);
    writeRecord(record, { version: 1, pid: process.pid, wasRunning, wasInstalled, entries: saved.entries });
    return {
      saved,
      wasRunning,
      repaired,
      done: () => {
        try {
          const left = differences(saved);
          if (left.length === 0) rmSync(record, { force: true });
          else
            process.stderr.write(
              `\n!!! live tests: not put back after this file: ${left.join(', ')}; ` +
                `${record} is kept, and the next live test file restores them first !!!\n\n`,
            );
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}
