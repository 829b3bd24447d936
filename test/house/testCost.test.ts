/**
 * `npm run test:cost` (scripts/test-cost.mjs, test/setup-cost.ts, test/helpers/testCost.mjs):
 * /proc's times read right, each file's cost computed and tabled, and one real run of a test file
 * through the script.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { costTable, fileCosts, machineTicks, ownTimes, statTimes } from '../helpers/testCost.mjs';

const LINUX = existsSync('/proc/self/stat');

describe('reading /proc', () => {
  it('takes the times after the last ")" of the command name, which may hold spaces and parentheses', () => {
    const line = '4242 (a) b (c) S 1 4242 4242 0 -1 4194560 500 0 0 0 123 45 6 7 20 0 1 0 9 0 0';
    expect(statTimes(line)).toEqual({ utime: 123, stime: 45, cutime: 6, cstime: 7 });
    expect(() => statTimes('no parenthesis here')).toThrow(/not a \/proc\/PID\/stat line/);
    expect(() => statTimes('1 (x) S 1 2')).toThrow(/not a \/proc\/PID\/stat line/);
  });

  it.skipIf(!LINUX)(
    "this process's own stat: its CPU time grows while it works, and counts a child it waited for",
    () => {
      const a = ownTimes();
      const until = process.cpuUsage().user + 150_000; // 0.15 s of this process's CPU
      let x = 0;
      while (process.cpuUsage().user < until) x += Math.sqrt(x + 1);
      const b = ownTimes();
      expect(b.utime + b.stime - a.utime - a.stime).toBeGreaterThanOrEqual(10);
      // A child that spins for 0.15 s of CPU, waited for: its time lands in cutime/cstime.
      const child = spawnSync(process.execPath, [
        '-e',
        'const u = process.cpuUsage().user + 150000; let x = 0; while (process.cpuUsage().user < u) x += Math.sqrt(x + 1);',
      ]);
      expect(child.status).toBe(0);
      const c = ownTimes();
      expect(c.cutime + c.cstime - b.cutime - b.cstime).toBeGreaterThanOrEqual(10);
      expect(x).toBeGreaterThan(0);
    },
  );

  it("sums the machine's busy and idle ticks from /proc/stat's first line", () => {
    const text = 'cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 50 2 25 500 10 1 1 3 0 0\n';
    expect(machineTicks(text)).toEqual({ busy: 167, idle: 1020 });
    expect(() => machineTicks('intr 1 2 3\n')).toThrow(/not \/proc\/stat/);
  });
});

describe('the table', () => {
  const line = (file: string, ms: number, own: number, kids: number) =>
    JSON.stringify({
      file,
      pid: 7,
      start: 1000,
      end: 1000 + ms,
      before: { utime: 10, stime: 5, cutime: 100, cstime: 50 },
      after: { utime: 10 + own, stime: 5, cutime: 100 + kids, cstime: 50 },
    });

  it('gives each file its worker and child CPU, most expensive first, and the sums beside the machine', () => {
    const text = `${line('test/a.test.ts', 2500, 150, 0)}\n${line('test/b.test.ts', 9000, 20, 380)}\n\n`;
    const costs = fileCosts(text);
    expect(costs).toEqual([
      { file: 'test/b.test.ts', wall: 9, own: 0.2, children: 3.8, cpu: 4 },
      { file: 'test/a.test.ts', wall: 2.5, own: 1.5, children: 0, cpu: 1.5 },
    ]);
    expect(costTable(costs, { busy: 12.34, idle: 0.5, wall: 7 })).toBe(
      [
        '    CPU-s  worker  children   wall s  file',
        '      4.0     0.2     3.8      9.0  test/b.test.ts',
        '      1.5     1.5     0.0      2.5  test/a.test.ts',
        '      5.5     1.7     3.8           2 files',
        'The machine: 12.3 CPU-s busy, 0.5 idle, in 7.0 s. Not in the files: vitest itself, and what ' +
          'they started and did not wait for (Postfix daemons, terminal sessions, postconf shells).',
        '',
      ].join('\n'),
    );
  });
});

describe.skipIf(!LINUX)('npm run test:cost', { timeout: 180_000 }, () => {
  it('runs the files given and tables each one with the machine', () => {
    // Its own temporary directory: the run's global teardown looks there for what the tests left.
    const tmp = mkdtempSync(join(tmpdir(), 'mailsetup-testcost-'));
    try {
      const r = spawnSync(
        process.execPath,
        ['scripts/test-cost.mjs', 'test/house/sequencer.test.ts', '--maxWorkers=1', '--minWorkers=1'],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp, MAILSETUP_TEST_COST: undefined } },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^ +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d {2}test\/house\/sequencer\.test\.ts$/m);
      expect(r.stdout).toMatch(/ 1 files\nThe machine: \d+\.\d CPU-s busy, \d+\.\d idle, in \d+\.\d s\./);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
