// Helpers for bench/run.mjs: wall-clock timing of child processes, medians, a tmux "first frame"
// stopwatch, --root sandboxes and a description of the machine. Nothing here asserts anything.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { killTmuxServer } from '../test/helpers/tmuxSocket.mjs';

/** Milliseconds since an arbitrary origin, from the monotonic clock. */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Block the thread for `ms` milliseconds (no busy loop). */
export function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * `sh SCRIPT ARGS…` as root in a private mount, network and pid namespace (when it ends, the kernel
 * ends every process of the namespace): bench/live-ns.sh, bench/pairs-ns.sh.
 */
export function inNamespace(script, args, opts = {}) {
  return spawnSync('unshare', ['--mount', '--net', '--pid', '--mount-proc', '--fork', 'sh', script, ...args], {
    encoding: 'utf8',
    ...opts,
  });
}

/**
 * Run a command and return its wall time in ms (spawn to exit). Throws with the command's stderr
 * when it exits non-zero, so that a broken measurement never passes for a fast one.
 */
export function timeCommand(cmd, args, opts = {}) {
  return timeCommandOutput(cmd, args, opts).ms;
}

/** `timeCommand`, also returning the command's standard output. */
export function timeCommandOutput(cmd, args, opts = {}) {
  const t0 = nowMs();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  const ms = nowMs() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const tail =
      `${r.stderr}`.trim().split('\n').slice(-3).join(' | ') || `${r.stdout}`.trim().split('\n').slice(-3).join(' | ');
    const what = [cmd, ...args]
      .map((a) => a.split('/').pop())
      .join(' ')
      .slice(0, 60);
    throw new Error(`${tail} (${what} exited ${r.status ?? r.signal})`);
  }
  return { ms, stdout: `${r.stdout}` };
}

/**
 * Measure several cases `runs` times each, interleaved (A B A B …) so that drift in the machine's
 * load hits every case alike. Each case is `{ setup?(i), run(i) → ms }`; `setup` is not timed.
 * One untimed warm-up round first (file cache, lazily loaded shared libraries).
 */
export function interleave(cases, runs, warmup = 1) {
  const samples = cases.map(() => []);
  for (let i = -warmup; i < runs; i++) {
    cases.forEach((c, k) => {
      const ctx = c.setup ? c.setup(i) : undefined;
      const ms = c.run(ctx, i);
      if (c.teardown) c.teardown(ctx);
      if (i >= 0) samples[k].push(ms);
    });
  }
  return samples;
}

/** Wait (at most `timeoutMs`) until process `pid` has exited. */
function waitForExit(pid, timeoutMs = 5000) {
  if (!(pid > 0)) return;
  const end = nowMs() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if (e.code === 'ESRCH') return;
      throw e;
    }
    if (nowMs() > end) throw new Error(`process ${pid} still runs ${timeoutMs} ms after its tmux window was closed`);
    sleepSync(5);
  }
}

/** A tmux server of our own (its own socket), for first-frame timings. Call `kill()` when done. */
export class Tmux {
  constructor(width = 120, height = 40) {
    this.socket = `mailsetup-bench-${process.pid}-${Date.now()}`;
    this.count = 0;
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', 'base', '-x', String(width), '-y', String(height)]);
    // Keep a pane whose program has exited, so that a short-lived program's output can be read.
    this.tmux(['set-option', '-g', 'remain-on-exit', 'on']);
  }

  tmux(args) {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /**
   * Start `shellCommand` in a new window and poll capture-pane every `pollMs` until `marker`
   * shows; returns the ms from just before the window was opened to the capture that showed it.
   * Throws with the pane's text after `timeoutMs`. The window is closed, and its program waited
   * for, before this returns: a program still working after its frame (the wizard probes the
   * host) would otherwise slow down whatever is timed next, such as the reference.
   */
  timeToText(shellCommand, marker, { pollMs = 5, timeoutMs = 20_000 } = {}) {
    const name = `w${this.count++}`;
    const t0 = nowMs();
    const pid = Number(
      this.tmux(['new-window', '-d', '-P', '-F', '#{pane_pid}', '-t', 'base', '-n', name, shellCommand]),
    );
    let screen = '';
    try {
      for (;;) {
        screen = this.tmux(['capture-pane', '-p', '-t', `base:${name}`]);
        if (screen.includes(marker)) return nowMs() - t0;
        if (nowMs() - t0 > timeoutMs) {
          throw new Error(
            `"${marker}" did not show within ${timeoutMs} ms; the screen: ${screen.trim().split('\n').slice(0, 6).join(' | ')}`,
          );
        }
        sleepSync(pollMs);
      }
    } finally {
      spawnSync('tmux', ['-L', this.socket, 'kill-window', '-t', `base:${name}`], { stdio: 'ignore' });
      waitForExit(pid);
    }
  }

  kill() {
    killTmuxServer(this.socket);
  }
}

/**
 * A fresh --root sandbox: Debian's master.cf and aliases (as `apt-get install postfix` with "No
 * configuration" leaves them; no main.cf). templates/ holds them byte for byte (see
 * test/fixtures/README.md). Returns its path.
 */
export function makeSandbox(pkgRoot, into) {
  const dir = into ?? mkdtempSync(join(tmpdir(), 'mailsetup-bench-'));
  mkdirSync(join(dir, 'etc', 'postfix'), { recursive: true });
  cpSync(join(pkgRoot, 'templates', 'master.cf'), join(dir, 'etc', 'postfix', 'master.cf'));
  cpSync(join(pkgRoot, 'templates', 'aliases'), join(dir, 'etc', 'aliases'));
  return dir;
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** CPU, cores, OS, kernel, Node and Postfix versions, for the table's header. */
export function machine() {
  let cpu = 'unknown';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) cpu = m[1].trim();
  } catch {
    cpu = cpus()[0]?.model ?? 'unknown';
  }
  const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  let os = 'unknown';
  try {
    const m = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)"?$/m);
    if (m) os = m[1];
  } catch {
    // not Linux
  }
  const out = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : 'not found';
  };
  let load = '';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    load = 'unknown';
  }
  return {
    cpu,
    cores,
    os,
    kernel: out('uname', ['-r']),
    node: process.version,
    postfix: out('postconf', ['-dh', 'mail_version']),
    tmux: out('tmux', ['-V']),
    load,
  };
}
