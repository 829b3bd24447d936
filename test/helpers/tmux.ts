/**
 * Drive a program in a real terminal: a private tmux server (-L, no config file), one session per
 * program, keys sent with `send-keys`, the screen read with `capture-pane -p`. Waits are bounded
 * polls for expected text, never fixed sleeps. Kill the server with `kill()` when done.
 *
 * A wait's polls go through one tmux client in control mode (`tmux -C`) that stays connected,
 * not a `tmux capture-pane` process each 50 ms: the terminal tests started ~2,900 tmux clients a
 * run, each ~10 ms of CPU on a 2-core machine where starting a process is dear, and each one
 * blocked the test worker (spawnSync) while it ran.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { shellQuote as sh } from './shell.js';
import { killTmuxServer } from './tmuxSocket.mjs';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What a wait looks for: a text, a pattern, or a test on the whole screen. */
export type ScreenMatch = string | RegExp | ((screen: string) => boolean);

function matches(screen: string, m: ScreenMatch): boolean {
  if (typeof m === 'string') return screen.includes(m);
  if (m instanceof RegExp) return m.test(screen);
  return m(screen);
}

function describeMatch(m: ScreenMatch): string {
  return typeof m === 'string' ? JSON.stringify(m) : m instanceof RegExp ? String(m) : 'the expected screen';
}

/** One program running in its own tmux session. */
export class Pane {
  constructor(
    private readonly server: TmuxServer,
    readonly name: string,
    private readonly exitFile: string,
  ) {}

  /** The visible screen as text (with `escapes`, SGR colour codes included: capture-pane -e). */
  screen(escapes = false): string {
    return this.server.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name);
  }

  /** The scrollback and the screen: what the program wrote that has scrolled out of view too. */
  history(): string {
    return this.server.tmux('capture-pane', '-p', '-S', '-', '-t', this.name);
  }

  /** Send keys by tmux name, one send-keys each (Enter, Down, C-u, PPage, …). */
  keys(...keys: string[]): void {
    for (const k of keys) this.server.tmux('send-keys', '-t', this.name, k);
  }

  /**
   * Send keys in one burst: a single send-keys call with every key, so that they reach the
   * program together (usually in one read), as over a slow SSH link or from a macro. A word that
   * is no key name (`box1.example.com`) is typed as text.
   */
  burst(...keys: string[]): void {
    this.server.tmux('send-keys', '-t', this.name, ...keys);
  }

  /**
   * Paste `text` with tmux's own paste (set-buffer, paste-buffer -p): wrapped in the bracketed
   * paste codes when the program asked the terminal for them; newlines become carriage returns
   * as in a terminal.
   */
  paste(text: string): void {
    this.server.tmux('set-buffer', '-b', `paste-${this.name}`, '--', text);
    this.server.tmux('paste-buffer', '-p', '-d', '-b', `paste-${this.name}`, '-t', this.name);
  }

  /** Resize the terminal to cols×rows (the program gets SIGWINCH). */
  resize(cols: number, rows: number): void {
    this.server.tmux('resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows));
  }

  /** Type text literally (send-keys -l). */
  type(text: string): void {
    this.server.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** Poll the screen every 50 ms until it matches; returns that screen, or throws with the last one. */
  async waitFor(m: ScreenMatch, timeoutMs = 10_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.server.capture(this.name);
      if (matches(s, m)) return s;
      if (Date.now() > end)
        throw new Error(`${describeMatch(m)} did not appear within ${timeoutMs} ms; the screen:\n${s}`);
      await sleep(50);
    }
  }

  /** Wait until the screen no longer matches. */
  async waitForGone(m: ScreenMatch, timeoutMs = 10_000): Promise<string> {
    return this.waitFor((s) => !matches(s, m), timeoutMs);
  }

  /** The program's exit code, once it has exited (the pane stays open so its last screen can be read). */
  async exitCode(timeoutMs = 30_000): Promise<number> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(this.exitFile)) {
        const t = readFileSync(this.exitFile, 'utf8').trim();
        if (t !== '') return Number(t);
      }
      if (Date.now() > end)
        throw new Error(`the program did not exit within ${timeoutMs} ms; the screen:\n${this.screen()}`);
      await sleep(50);
    }
  }

  /** End the session. */
  close(): void {
    spawnSync('tmux', ['-L', this.server.socket, 'kill-session', '-t', this.name]);
  }
}

/** A command sent to the control client, waiting for its output block. */
interface Pending {
  resolve: (output: string) => void;
  reject: (err: Error) => void;
  command: string;
}

/**
 * A tmux client in control mode (`tmux -C`, tmux(1) "CONTROL MODE"), attached to an idle session
 * of its own: commands are written to its stdin, one per line, and tmux answers each, in order,
 * with its output between `%begin TIME NUMBER FLAGS` and `%end` (or `%error`) with the same time
 * and number. Lines outside a block are notifications (%session-changed, ...), skipped.
 */
class ControlClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  /** The open block: its `TIME NUMBER` and the lines so far. */
  private block: { id: string; lines: string[] } | undefined;
  /** The first block answers the attach itself, not a command of ours. */
  private attached = false;
  private failed: Error | undefined;

  constructor(socket: string) {
    this.child = spawn(
      'tmux',
      [
        '-L',
        socket,
        '-f',
        '/dev/null',
        '-u',
        '-C',
        'new-session',
        '-s',
        'control',
        '-x',
        '20',
        '-y',
        '5',
        'sleep 86400',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    createInterface({ input: this.child.stdout }).on('line', (line) => this.read(line));
    let stderr = '';
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => (stderr += text));
    this.child.on('error', (err) => this.fail(err));
    this.child.on('close', (code) => this.fail(new Error(`the tmux control client exited (${code}): ${stderr}`)));
  }

  /** Run one tmux command (no newline in it); its output. */
  run(command: string): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject, command });
      this.child.stdin.write(`${command}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }

  /** One line of the client's output. */
  private read(line: string): void {
    if (this.block === undefined) {
      const m = /^%begin (\d+ \d+) \d+$/.exec(line);
      if (m) this.block = { id: m[1], lines: [] };
      return;
    }
    const end = /^%(end|error) (\d+ \d+) \d+$/.exec(line);
    if (end === null || end[2] !== this.block.id) {
      this.block.lines.push(line);
      return;
    }
    const output = this.block.lines.map((l) => `${l}\n`).join('');
    this.block = undefined;
    if (!this.attached) {
      this.attached = true;
      return;
    }
    const pending = this.queue.shift();
    if (pending === undefined) return;
    if (end[1] === 'end') pending.resolve(output);
    else pending.reject(new Error(`tmux ${pending.command} failed: ${output}`));
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.queue.splice(0)) p.reject(this.failed);
  }
}

/** A private tmux server. */
export class TmuxServer {
  readonly socket: string;
  private readonly dir: string;
  private sessions = 0;
  private control: ControlClient | undefined;

  constructor(prefix = 'mailsetup-test') {
    this.socket = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-tmux-`));
  }

  /** Run a tmux command on this server; throws when it fails. */
  tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** The visible screen of session `name` (capture-pane -p), read through the control client. */
  capture(name: string): Promise<string> {
    if (!/^[\w-]+$/.test(name)) throw new Error(`not a session name: ${name}`);
    this.control ??= new ControlClient(this.socket);
    return this.control.run(`capture-pane -p -t ${name}`);
  }

  /**
   * Start `argv` in a new session of cols×rows. `env` is set for the program (a value of
   * undefined unsets the variable); LANG is C.UTF-8 unless `env` says otherwise, as on a user's
   * UTF-8 terminal (a CI container may have no locale at all). The exit code is recorded and
   * the pane kept open afterwards.
   */
  start(
    argv: string[],
    opts: { cols?: number; rows?: number; env?: Record<string, string | undefined>; cwd?: string } = {},
  ): Pane {
    const name = `p${++this.sessions}`;
    const exitFile = join(this.dir, `${name}.exit`);
    // env(1) takes its -u options before the assignments.
    const env = Object.entries({ LANG: 'C.UTF-8', LC_ALL: undefined, LC_CTYPE: undefined, ...opts.env });
    const envArgs = [
      ...env.filter(([, v]) => v === undefined).map(([k]) => `-u ${sh(k)}`),
      ...env.flatMap(([k, v]) => (v === undefined ? [] : [sh(`${k}=${v}`)])),
    ];
    const command = `env ${envArgs.join(' ')} ${argv.map(sh).join(' ')}; echo $? > ${sh(exitFile)}; sleep 3600`;
    this.tmux(
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(opts.cols ?? 120),
      '-y',
      String(opts.rows ?? 40),
      ...(opts.cwd ? ['-c', opts.cwd] : []),
      command,
    );
    // The server outlives its sessions (until kill()): by default it exits with its last session,
    // and a new session asked for while it is exiting fails ("server exited unexpectedly").
    if (this.sessions === 1) this.tmux('set-option', '-s', 'exit-empty', 'off');
    return new Pane(this, name, exitFile);
  }

  /** Kill the server and every program in it; remove its files. */
  kill(): void {
    this.control?.close();
    killTmuxServer(this.socket);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
