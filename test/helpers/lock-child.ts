/**
 * Child process for the lock's exit test (test/system/effectsIo.test.ts), run with vite-node:
 *   node node_modules/vite-node/vite-node.mjs test/helpers/lock-child.ts <root> <keep|replace>
 * Takes the lock of the sandbox <root> and exits without releasing it; with "replace", first
 * puts another holder's pid into the lock file (which the exit must then leave alone).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../../src/system/lock.js';
import { createRealEffects } from '../../src/system/realEffects.js';

const [root, mode] = process.argv.slice(2);
if (!root || (mode !== 'keep' && mode !== 'replace')) throw new Error('usage: lock-child.ts <root> <keep|replace>');
const lock = await acquireLock(createRealEffects(root));
if (mode === 'replace') writeFileSync(lock.path, '1\n');
writeFileSync(join(root, 'held'), `${process.pid}\n`);
process.exit(0);
