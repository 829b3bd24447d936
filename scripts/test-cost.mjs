// `npm run test:cost [-- VITEST ARGS]`: the main run (`vitest run`, or the files given), then what
// each test file cost in CPU, most expensive first, beside what the whole machine spent meanwhile
// (Linux only: it reads /proc). On a machine whose cores are busy to the end, the run's wall time
// is its CPU over the cores, and a file's wall time depends on what ran beside it: its CPU does not.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TICKS, costTable, fileCosts, machineTicks } from '../test/helpers/testCost.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// Its own file (a run inside another, as the test of this script, must not share one).
const OUT = join(ROOT, '.cache', `test-cost-${process.pid}.jsonl`);

if (!existsSync('/proc/stat')) {
  process.stderr.write('test:cost reads /proc (Linux): not here\n');
  process.exit(2);
}
mkdirSync(dirname(OUT), { recursive: true });
rmSync(OUT, { force: true });
const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const t0 = Date.now();
const m0 = machineTicks(readFileSync('/proc/stat', 'utf8'));
const run = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, MAILSETUP_TEST_COST: OUT },
});
const m1 = machineTicks(readFileSync('/proc/stat', 'utf8'));
const wall = (Date.now() - t0) / 1000;
if (!existsSync(OUT)) {
  process.stderr.write(`test:cost: no test file wrote ${OUT} (vitest exited ${run.status ?? run.signal})\n`);
  process.exit(1);
}
const machine = { busy: (m1.busy - m0.busy) / TICKS, idle: (m1.idle - m0.idle) / TICKS, wall };
const costs = fileCosts(readFileSync(OUT, 'utf8'));
rmSync(OUT, { force: true });
process.stdout.write(`\nWhat each test file cost:\n${costTable(costs, machine)}`);
process.exit(run.status ?? 1);
