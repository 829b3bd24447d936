/**
 * Drive a program in a real terminal: a private tmux server (-L, no config file), one session per
 * program, keys sent with `send-keys`, the screen read with `capture-pane -p`. Waits are bounded
 * polls for expected text, never fixed sleeps. Kill the server with `kill()` when done.
 *
 * Keys, screen reads and a wait's polls go through one tmux client in control mode (`tmux -C`)
 * that stays connected, synchronously, not a `tmux` process each: the terminal tests started
 * ~2,900 tmux clients a run for the polls (session 18) and ~1,500 for keys and screen reads
 * (session 20), each a fork of the test worker on a 2-core machine where starting a process is
 * dear (133 ms of a blocked worker each, on average, in a full run there).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
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
    this.server.tmux('kill-session', '-t', this.name);
  }
}

/**
 * The word `arg` as tmux's own command parser reads it (tmux(1) "PARSING SYNTAX"): in single
 * quotes, where nothing is replaced. Undefined for a word that the control client does not send:
 * one with a quote, a backslash (a trailing one joins lines), a control character or anything
 * outside printable ASCII; such a command runs as a tmux process of its own.
 */
function controlWord(arg: string): string | undefined {
  return /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/.test(arg) ? `'${arg}'` : undefined;
}

/**
 * A tmux client in control mode (`tmux -C`, tmux(1) "CONTROL MODE"), attached to an idle session
 * of its own, that runs the commands of the test synchronously without starting a process for
 * each: a command is written to the client's stdin, one per line, and tmux answers each, in order,
 * with its output between `%begin TIME NUMBER FLAGS` and `%end` (or `%error`) with the same time
 * and number; lines outside a block are notifications (%session-changed, ...), skipped.
 *
 * Both ends are named pipes in the server's directory, written and read here with blocking
 * fs.writeSync/readSync: a call returns once tmux has done the command, as a `tmux` process did,
 * so keys, screen reads and waits keep the order they are written in. The read waits in the
 * kernel, not in a loop (in a full run an answer takes tens of ms: a poll every 1 ms would wake
 * the worker that many times); a client that exits ends it (end of file: the test fails with its
 * stderr). As with a tmux process, a server that never answers is not timed out here.
 */
class ControlClient {
  private readonly child: ChildProcess;
  private readonly commands: number;
  private readonly answers: number;
  private readonly errFile: string;
  private readonly decoder = new StringDecoder('utf8');
  private readonly chunk = Buffer.alloc(65_536);
  /** What was read and not yet split into lines. */
  private text = '';
  /** The first block answers the attach itself, not a command of ours. */
  private attached = false;

  constructor(socket: string, dir: string) {
    const cmdPath = join(dir, 'control.in');
    const outPath = join(dir, 'control.out');
    this.errFile = join(dir, 'control.err');
    const made = spawnSync('mkfifo', ['-m', '600', cmdPath, outPath], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
    // The client's ends read-write (Linux opens a FIFO so without waiting for the other end), so
    // that ours, blocking, open at once; ours of the client's are closed once it has started.
    const childOut = openSync(outPath, constants.O_RDWR);
    this.answers = openSync(outPath, constants.O_RDONLY);
    const childIn = openSync(cmdPath, constants.O_RDWR);
    this.commands = openSync(cmdPath, constants.O_WRONLY);
    const childErr = openSync(this.errFile, 'w');
    try {
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
        { stdio: [childIn, childOut, childErr] },
      );
    } finally {
      closeSync(childIn);
      closeSync(childOut);
      closeSync(childErr);
    }
    this.child.on('error', () => undefined); // a tmux that cannot start: the first command says so
  }

  /** Run one tmux command (its words already quoted for tmux); its output, or throws with tmux's message. */
  run(words: string[]): string {
    const command = words.join(' ');
    let rest = Buffer.from(`${command}\n`, 'utf8');
    while (rest.length > 0) rest = rest.subarray(writeSync(this.commands, rest));
    for (;;) {
      const { ok, output } = this.block(command);
      if (!this.attached) {
        this.attached = true;
        continue;
      }
      if (ok) return output;
      throw new Error(`tmux ${command} failed: ${output}`);
    }
  }

  close(): void {
    this.child.kill();
    closeSync(this.commands);
    closeSync(this.answers);
  }

  /** The next answer block: whether it ended with %end, and its lines. */
  private block(command: string): { ok: boolean; output: string } {
    let id: string | undefined;
    const lines: string[] = [];
    for (;;) {
      const line = this.line(command);
      if (id === undefined) {
        id = /^%begin (\d+ \d+) \d+$/.exec(line)?.[1];
        continue;
      }
      const end = /^%(end|error) (\d+ \d+) \d+$/.exec(line);
      if (end !== null && end[2] === id) return { ok: end[1] === 'end', output: lines.map((l) => `${l}\n`).join('') };
      lines.push(line);
    }
  }

  /** The next line the client wrote, waiting for it. */
  private line(command: string): string {
    for (;;) {
      const nl = this.text.indexOf('\n');
      if (nl >= 0) {
        const line = this.text.slice(0, nl);
        this.text = this.text.slice(nl + 1);
        return line;
      }
      const n = readSync(this.answers, this.chunk, 0, this.chunk.length, null);
      if (n === 0) throw new Error(`the tmux control client exited during "${command}": ${this.stderr()}`);
      this.text += this.decoder.write(this.chunk.subarray(0, n));
    }
  }

  private stderr(): string {
    try {
      return readFileSync(this.errFile, 'utf8');
    } catch {
      return '';
    }
  }
}

/** A private tmux server. */
export class TmuxServer {
  readonly socket: string;
  private readonly dir: string;
  private sessions = 0;
  private control: ControlClient | undefined;
  /** How many commands ran as a `tmux` process of their own (not through the control client). */
  processes = 0;

  constructor(prefix = 'mailsetup-test') {
    this.socket = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-tmux-`));
  }

  /**
   * Run a tmux command on this server; its output, or throws when it fails. Through the control
   * client when every word can be written on its command line (controlWord), else as a `tmux`
   * process; either way it has been done when this returns.
   */
  tmux(...args: string[]): string {
    const words = args.map(controlWord);
    if (words.every((w): w is string => w !== undefined)) {
      this.control ??= new ControlClient(this.socket, this.dir);
      return this.control.run(words);
    }
    this.processes++;
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
    this.control?.close();
    this.control = undefined;
    killTmuxServer(this.socket);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
