// Two builds of mailsetup compared on live re-runs, run by run (root): the way to see a change of a
// few ms, which the bench's medians of nine runs do not resolve (the machine's speed wanders by
// ±10–20 % within minutes; a pair runs within a second).
//
//   node bench/pairs.mjs DIR_A DIR_B [ROLE] [ROUNDS]
//
// DIR_A and DIR_B are checkouts with dist/ built (`git worktree add`, `npm run build`). ROLE is one
// of bench/run.mjs's (default mail-server), ROUNDS the pairs (default 12). Prints, for A and B, the
// medians of the whole run, of the time its `postfix check` started and of the process's CPU time
// then, and the median and mean of B − A over the pairs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANSWERS, changedAnswers } from './answers.mjs';
import { inNamespace, median } from './lib.mjs';

const [a, b, role = 'mail-server', rounds = '12'] = process.argv.slice(2);
if (!a || !b || !ANSWERS[role] || !(Number(rounds) > 0)) {
  console.error(`usage: node bench/pairs.mjs DIR_A DIR_B [${Object.keys(ANSWERS).join('|')}] [ROUNDS]`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('bench/pairs.mjs: needs root (a private mount, network and pid namespace)');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'mailsetup-pairs-'));
const first = join(work, 'first.yaml');
const changed = join(work, 'changed.yaml');
writeFileSync(first, ANSWERS[role]);
writeFileSync(changed, changedAnswers(role));
mkdirSync(join(work, 'ns'));
const here = dirname(fileURLToPath(import.meta.url));
delete process.env.NODE_EXTRA_CA_CERTS; // as bench/run.mjs: a stock box does not set it
const r = inNamespace(join(here, 'pairs-ns.sh'), [
  join(work, 'ns'),
  process.execPath,
  resolve(a),
  resolve(b),
  first,
  changed,
  rounds,
]);
rmSync(work, { recursive: true, force: true });
if (r.status !== 0) {
  console.error(`bench/pairs-ns.sh: ${`${r.stderr}`.trim() || `exit ${r.status}`}`);
  process.exit(1);
}
const runs = { A: [], B: [] };
for (const line of r.stdout.trim().split('\n')) {
  const [side, wall, start, cpu] = line.split(' ');
  runs[side].push({ wall: Number(wall), start: Number(start), cpu: Number(cpu) });
}
/** The numbers of one side (a run without a check has none). */
const of = (side, key) => runs[side].map((x) => x[key]).filter((x) => !Number.isNaN(x));
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
console.log(`${role}, ${runs.A.length} pairs: A ${a}, B ${b}`);
for (const [key, what] of [
  ['wall', 'whole run'],
  ['start', 'check started'],
  ['cpu', 'CPU time at the check'],
]) {
  const d = runs.A.map((x, i) => runs.B[i][key] - x[key]).filter((x) => !Number.isNaN(x));
  const f = (x) => x.toFixed(1).padStart(7);
  console.log(
    `${what.padEnd(22)} A ${f(median(of('A', key)))}  B ${f(median(of('B', key)))}  ` +
      `B − A: median ${f(median(d))}, mean ${f(d.length ? mean(d) : NaN)} ms`,
  );
}
