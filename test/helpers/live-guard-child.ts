/**
 * Child process for the live guard's test (test/system/liveGuard.test.ts), run with vite-node:
 *   node node_modules/vite-node/vite-node.mjs test/helpers/live-guard-child.ts <dir>
 * A live test file that dies half-way: takes the guard over <dir>/etc (its record and lock in <dir>,
 * "Postfix running" = <dir>/running exists, "installed" = <dir>/installed), changes the files,
 * stops "Postfix", purges "the package" with "purge" as its second argument, and is killed
 * (SIGKILL: no afterAll, no exit handler).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guardLive } from './liveGuard.js';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: live-guard-child.ts <dir>');
const running = join(dir, 'running');
await guardLive([join(dir, 'etc')], {
  dir: join(dir, 'record'),
  lockPath: join(dir, 'lock'),
  postfixRunning: () => existsSync(running),
  stopPostfix: () => rmSync(running, { force: true }),
  startPostfix: () => writeFileSync(running, ''),
  postfixInstalled: () => existsSync(join(dir, 'installed')),
  installPostfix: () => writeFileSync(join(dir, 'installed'), ''),
});
writeFileSync(join(dir, 'etc', 'main.cf'), 'relayhost = [test.invalid]\n');
writeFileSync(join(dir, 'etc', 'added.cf'), 'left behind\n');
rmSync(join(dir, 'etc', 'aliases'));
rmSync(running);
if (process.argv[3] === 'purge') rmSync(join(dir, 'installed'));
process.kill(process.pid, 'SIGKILL');
