/**
 * What a test file needs beyond Node and the repository, decided once per file at import, with ONE
 * loud line on stderr when its tests are skipped (vitest's "skipped" count alone is easy to miss):
 *
 * - Postfix (postconf on PATH): `describePostfix` in postfix.ts; test/global-setup.ts says it once
 *   for the whole run.
 * - tmux (`needsTmux`): the terminal tests. Missing: one line per file; with
 *   MAILSETUP_REQUIRE_POSTFIX=1 (CI, which installs it) the file fails instead.
 * - root (`needsRoot`): tests that run `postfix check` (Postfix refuses any other user), start
 *   Postfix daemons, or set file owners. Not root: skipped, one line per file; with
 *   MAILSETUP_REQUIRE_POSTFIX=1 (CI) the file fails instead.
 * - the live machine (`needsLive`): tests that change this machine's real /etc. They run only when
 *   asked, with MAILSETUP_TEST_LIVE=1 (.ci/run sets it); not asked: one line per file. Asked but not
 *   root: the file fails (you asked for them and they cannot run).
 */
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { POSTFIX_REQUIRED } from './postfix.js';

/** This process runs as root. */
export const IS_ROOT: boolean = typeof process.getuid === 'function' && process.getuid() === 0;

const REPO = join(import.meta.dirname, '..', '..');

/** The test file being loaded, relative to the repository. */
function testFile(): string {
  const path = expect.getState().testPath;
  return path ? relative(REPO, path) : 'this test file';
}

const said = new Set<string>();

/** The one loud line: where, what is skipped, why, and how to run it (once per file and line). */
export function skipLoudly(what: string, why: string, how: string): void {
  const line = `!!! SKIPPING ${testFile()}: ${what} (${why}); ${how}. !!!`;
  if (said.has(line)) return;
  said.add(line);
  process.stderr.write(`\n${line}\n\n`);
}

/**
 * True when tmux can run here, for this file's terminal tests (`what`). Otherwise one loud line,
 * or, with MAILSETUP_REQUIRE_POSTFIX=1, an error that fails the file.
 */
export function needsTmux(what: string): boolean {
  if (spawnSync('tmux', ['-V']).status === 0) return true;
  if (POSTFIX_REQUIRED) {
    throw new Error(`MAILSETUP_REQUIRE_POSTFIX=1 but tmux is not installed (apt-get install tmux): ${what} cannot run`);
  }
  skipLoudly(what, 'tmux is not installed', 'apt-get install tmux to run them');
  return false;
}

/**
 * True when logrotate is installed, for this file's tests of the drop-in (`what`). Otherwise one
 * loud line, or, with MAILSETUP_REQUIRE_POSTFIX=1 (CI, which installs it), an error that fails the file.
 */
export function needsLogrotate(what: string): boolean {
  if (spawnSync('logrotate', ['--version']).status === 0) return true;
  if (POSTFIX_REQUIRED) {
    throw new Error(
      `MAILSETUP_REQUIRE_POSTFIX=1 but logrotate is not installed (apt-get install logrotate): ${what} cannot run`,
    );
  }
  skipLoudly(what, 'logrotate is not installed', 'apt-get install logrotate to run them');
  return false;
}

/**
 * True when this file's root-only tests (`what`; `why` they need root) run. Otherwise one loud
 * line, or, with MAILSETUP_REQUIRE_POSTFIX=1, an error that fails the file. Call it once, at the
 * top of the file.
 */
export function needsRoot(what: string, why: string): boolean {
  if (IS_ROOT) return true;
  if (POSTFIX_REQUIRED) {
    throw new Error(`MAILSETUP_REQUIRE_POSTFIX=1 but ${testFile()} is not run as root: ${what} need root (${why})`);
  }
  skipLoudly(what, `they need root: ${why}`, 'run `npm test` as root to include them (CI does)');
  return false;
}

/**
 * True when this file's tests that change the machine's real /etc (`what`) run: asked for with
 * MAILSETUP_TEST_LIVE=1 (and `alsoAsk`, e.g. MAILSETUP_TEST_FRESH_BOX, when given) and root.
 * Not asked: one loud line. Asked but not root: an error that fails the file.
 */
export function needsLive(what: string, alsoAsk?: string): boolean {
  const switches = ['MAILSETUP_TEST_LIVE', ...(alsoAsk ? [alsoAsk] : [])];
  if (!switches.every((s) => process.env[s] === '1')) {
    skipLoudly(
      what,
      "it changes this machine's real /etc and runs only when asked",
      `set ${switches.map((s) => `${s}=1`).join(' ')} to run it (.ci/run does)`,
    );
    return false;
  }
  if (!IS_ROOT)
    throw new Error(`${switches.join('=1 and ')}=1 but ${testFile()} is not run as root: ${what} needs root`);
  return true;
}

/**
 * True when `ansible-playbook` can run here, for this file's Ansible tests (`what`). Otherwise
 * one loud line, or, with MAILSETUP_REQUIRE_POSTFIX=1 (CI, which installs ansible-core), an
 * error that fails the file.
 */
export function needsAnsible(what: string): boolean {
  if (spawnSync('ansible-playbook', ['--version']).status === 0) return true;
  if (POSTFIX_REQUIRED) {
    throw new Error(
      `MAILSETUP_REQUIRE_POSTFIX=1 but ansible-playbook is not installed (apt-get install ansible-core): ${what} cannot run`,
    );
  }
  skipLoudly(
    what,
    'ansible-playbook is not installed',
    'apt-get install --no-install-recommends ansible-core to run them',
  );
  return false;
}
