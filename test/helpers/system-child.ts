/**
 * Child process for the SIGKILL test (test/system/kill.test.ts), run with vite-node:
 *   node node_modules/vite-node/vite-node.mjs test/helpers/system-child.ts <root> <stepId> <marker>
 * Applies the realistic plan to the sandbox <root>; when the apply reaches <stepId> it writes
 * <marker> and waits forever, so that the parent can SIGKILL it in the middle of the apply.
 */
import { writeFileSync } from 'node:fs';
import { apply } from '../../src/system/apply.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { realisticPlan, testHost } from './system-fixture.js';

const [root, stepId, marker] = process.argv.slice(2);
if (!root || !stepId || !marker) throw new Error('usage: system-child.ts <root> <stepId> <marker>');
const fx = createRealEffects(root);
const plan = await realisticPlan(fx);
const result = await apply(plan, fx, testHost(), {
  faultHook: async (id) => {
    if (id !== stepId) return;
    writeFileSync(marker, `${process.pid}\n`);
    await new Promise<never>(() => {
      setInterval(() => undefined, 1_000);
    });
  },
});
writeFileSync(`${marker}.finished`, JSON.stringify(result));
