/**
 * With MAILSETUP_TEST_COST=FILE (set by `npm run test:cost`, scripts/test-cost.mjs), each test file
 * appends one line to FILE: the file, its worker, when it started and ended, and the worker's CPU
 * times at both ends (its own, and those of the processes it started and waited for). A worker
 * runs one file at a time, so the differences are the file's. Without the variable, nothing.
 */
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type StatTimes, ownTimes } from './helpers/testCost.mjs';

const out = process.env.MAILSETUP_TEST_COST;
if (out) {
  let file = '';
  let start = 0;
  let before: StatTimes | undefined;
  beforeAll((suite) => {
    file = relative(process.cwd(), 'filepath' in suite ? suite.filepath : suite.name);
    start = Date.now();
    before = ownTimes();
  });
  afterAll(() => {
    const line = { file, pid: process.pid, start, end: Date.now(), before, after: ownTimes() };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  });
}
