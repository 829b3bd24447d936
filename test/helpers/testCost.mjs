// What each test file costs in CPU, for `npm run test:cost` (scripts/test-cost.mjs): on a machine
// whose cores are busy to the end of the run, a file's wall time says more about what ran beside it
// than about the file. test/setup-cost.ts records one line a file; this module reads Linux's
// /proc files and turns the lines into a table. Times are in clock ticks (USER_HZ: 100 a second on Linux).
import { readFileSync } from 'node:fs';

/** Ticks a second in /proc's times (USER_HZ: 100 on every Linux architecture Node runs on). */
export const TICKS = 100;

/**
 * The times of /proc/PID/stat: the process's own user and system time and those of the children it
 * waited for. The command name (field 2) is in parentheses and may hold spaces and ")": the fields
 * are counted from the last ")".
 */
export function statTimes(text) {
  const end = text.lastIndexOf(')');
  if (end < 0) throw new Error(`not a /proc/PID/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  // After ")": state (field 3), ... utime (14), stime (15), cutime (16), cstime (17).
  const f = text
    .slice(end + 2)
    .trim()
    .split(' ');
  const [utime, stime, cutime, cstime] = f.slice(11, 15).map(Number);
  if (![utime, stime, cutime, cstime].every(Number.isInteger)) {
    throw new Error(`not a /proc/PID/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { utime, stime, cutime, cstime };
}

/** This process's times now (statTimes of /proc/self/stat). */
export function ownTimes() {
  return statTimes(readFileSync('/proc/self/stat', 'utf8'));
}

/** The machine's busy and idle ticks, all CPUs together, from /proc/stat's first line. */
export function machineTicks(text) {
  const line = text.split('\n')[0];
  const f = line.trim().split(/\s+/);
  if (f[0] !== 'cpu' || f.length < 8) throw new Error(`not /proc/stat: ${JSON.stringify(line.slice(0, 80))}`);
  // user nice system idle iowait irq softirq steal ...
  const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = f.slice(1, 9).map(Number);
  return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
}

/**
 * The cost of each file from the lines test/setup-cost.ts wrote (JSON, one a file: file, pid,
 * start and end in ms, the worker's times at both), most expensive first: `own` is the worker's
 * CPU seconds on the file, `children` those of the processes it started and waited for.
 */
export function fileCosts(text) {
  const costs = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line);
    const own = (r.after.utime + r.after.stime - r.before.utime - r.before.stime) / TICKS;
    const children = (r.after.cutime + r.after.cstime - r.before.cutime - r.before.cstime) / TICKS;
    costs.push({ file: r.file, wall: (r.end - r.start) / 1000, own, children, cpu: own + children });
  }
  return costs.sort((a, b) => b.cpu - a.cpu || a.file.localeCompare(b.file));
}

/**
 * The table `npm run test:cost` prints: a row a file, then the sums beside what the machine spent
 * over the run (`machine`: busy and idle seconds and the run's wall time; left out when unknown).
 */
export function costTable(costs, machine) {
  const n = (x) => x.toFixed(1).padStart(7);
  const rows = ['    CPU-s  worker  children   wall s  file'];
  for (const c of costs) rows.push(`  ${n(c.cpu)} ${n(c.own)} ${n(c.children)}  ${n(c.wall)}  ${c.file}`);
  const sum = (k) => costs.reduce((s, c) => s + c[k], 0);
  rows.push(`  ${n(sum('cpu'))} ${n(sum('own'))} ${n(sum('children'))}           ${costs.length} files`);
  if (machine) {
    rows.push(
      `The machine: ${machine.busy.toFixed(1)} CPU-s busy, ${machine.idle.toFixed(1)} idle, in ${machine.wall.toFixed(1)} s. ` +
        'Not in the files: vitest itself, and what they started and did not wait for (Postfix daemons, terminal sessions, postconf shells).',
    );
  }
  return `${rows.join('\n')}\n`;
}
