/**
 * Runs once before the suite: says loudly when the real-Postfix tests will be skipped. Its
 * teardown fails the run when the tests left anything named mailsetup-… in the temporary
 * directory (a sandbox, an answers file, an apply's scratch copy of the configuration).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSbinToPath } from './helpers/sbinPath.js';

/**
 * On a box where Postfix never ran (a fresh install, CI's Debian 13 root), the queue directories
 * do not all exist yet. Every `postfix -c SANDBOX check` of the tests creates the missing ones in
 * the live queue directory (a sandbox main.cf without queue_directory points there), and test
 * files running in parallel would race each other's mkdir ("File exists"). Create them once,
 * first, exactly as such a check does: always (a fresh CI machine had pid/ and most others, but
 * not hold/ and trace/), since a check that finds them all creates nothing.
 */
function createQueueDirectories(): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'mailsetup-queue-'));
  try {
    const dist = '/usr/share/postfix/master.cf.dist';
    writeFileSync(join(dir, 'main.cf'), '');
    writeFileSync(join(dir, 'master.cf'), readFileSync(existsSync(dist) ? dist : 'templates/master.cf'));
    const r = spawnSync('postfix', ['-c', dir, 'check'], { encoding: 'utf8' });
    if (r.status !== 0) process.stderr.write(`global setup: postfix -c ${dir} check: ${r.stderr}${r.stdout}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The names in the temporary directory that start with `mailsetup-`. */
function ours(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('mailsetup-'));
}

/**
 * The teardown: what the run made under the temporary directory and left there. Each test removes
 * what it made, and gives a child it kills (which cannot clean up) a directory of its own; a
 * leftover is a test that forgot one, or an apply that leaves its scratch copy behind.
 */
function leftBehind(before: ReadonlySet<string>): () => void {
  return () => {
    const left = ours().filter((n) => !before.has(n));
    if (left.length > 0) {
      throw new Error(
        `the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in ${tmpdir()}: ${left.sort().join(', ')}`,
      );
    }
  };
}

export default function setup(): () => void {
  const before = new Set(ours());
  addSbinToPath(); // as in every worker (setup-env.ts): Postfix's tools are in /usr/sbin
  // Build the bundle once, before any test file runs the CLI (tests in parallel would race).
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    encoding: 'utf8',
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('the build (node scripts/build.mjs) failed');
  const ok = spawnSync('postconf', ['-d', 'mail_version'], { encoding: 'utf8' }).status === 0;
  if (ok) {
    createQueueDirectories();
  } else if (process.env.MAILSETUP_REQUIRE_POSTFIX === '1') {
    throw new Error('MAILSETUP_REQUIRE_POSTFIX=1 but Postfix is not installed (apt-get install postfix)');
  } else {
    process.stderr.write(
      '\n!!! SKIPPING every real-Postfix test: postconf was not found. ' +
        "Install Debian's postfix package (see .ci/run) to run them. !!!\n\n",
    );
  }
  return leftBehind(before);
}
