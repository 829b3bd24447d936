/** Runs once before the suite: says loudly when the real-Postfix tests will be skipped. */
import { spawnSync } from 'node:child_process';
import { addSbinToPath } from './helpers/sbinPath.js';

export default function setup(): void {
  addSbinToPath(); // as in every worker (setup-env.ts): Postfix's tools are in /usr/sbin
  // Build the bundle once, before any test file runs the CLI (tests in parallel would race).
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    encoding: 'utf8',
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('the build (node scripts/build.mjs) failed');
  const ok = spawnSync('postconf', ['-d', 'mail_version'], { encoding: 'utf8' }).status === 0;
  if (ok) return;
  if (process.env.MAILSETUP_REQUIRE_POSTFIX === '1') {
    throw new Error('MAILSETUP_REQUIRE_POSTFIX=1 but Postfix is not installed (apt-get install postfix)');
  }
  process.stderr.write(
    '\n!!! SKIPPING every real-Postfix test: postconf was not found. ' +
      "Install Debian's postfix package (see .ci/run) to run them. !!!\n\n",
  );
}
