// Writes test/durations.json, the table test/sequencer.ts starts the test files by (longest
// first), from a report of vitest's JSON reporter:
//
//   npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json
//   node scripts/durations.mjs .cache/vitest-report.json
//
// (`npm run test:durations` does both.) Each file's time is its wall time in that run, rounded to
// 100 ms; take it from a full run, where the files share the machine as they do in CI. Files of
// the table that the report does not have are kept (a run of a few files refreshes only those);
// files that no longer exist are dropped.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TABLE = join(ROOT, 'test', 'durations.json');

const reportPath = process.argv[2];
if (!reportPath) {
  process.stderr.write('usage: node scripts/durations.mjs REPORT.json (a report of vitest --reporter=json)\n');
  process.exit(2);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
if (!Array.isArray(report.testResults)) {
  process.stderr.write(`${reportPath}: no testResults: not a report of vitest's JSON reporter\n`);
  process.exit(1);
}

let table = {};
try {
  table = JSON.parse(readFileSync(TABLE, 'utf8'));
} catch {
  // no table yet
}

let refreshed = 0;
for (const r of report.testResults) {
  if (typeof r.name !== 'string' || typeof r.startTime !== 'number' || typeof r.endTime !== 'number') continue;
  const file = relative(ROOT, r.name).split('\\').join('/');
  if (file.startsWith('..')) continue;
  table[file] = Math.round((r.endTime - r.startTime) / 100) * 100;
  refreshed++;
}

// A file that is gone leaves the table.
const sorted = Object.fromEntries(
  Object.entries(table)
    .filter(([file]) => existsSync(join(ROOT, file)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(TABLE, `${JSON.stringify(sorted, null, 2)}\n`);
process.stdout.write(`${relative(ROOT, TABLE)}: ${refreshed} files refreshed, ${Object.keys(sorted).length} in all\n`);
