/**
 * Drive a program in a real terminal: a private tmux server (-L, no config file), one session per
 * program, keys sent with `send-keys`, the screen read with `capture-pane -p`. Waits are bounded
 * polls for expected text, never fixed sleeps. Kill the server with `kill()` when done.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
      const s = this.screen();
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

/** Quote for sh. */
function sh(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** A private tmux server. */
export class TmuxServer {
  readonly socket: string;
  private readonly dir: string;
  private sessions = 0;

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
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
