/**
 * The wizard's plain first frame (src/commands/wizard/firstFrame.ts), in a real terminal: the
 * role screen is written as plain text before the Ink UI has loaded, and Ink's first frame takes
 * its place in the same write. Everything the program writes is recorded (tmux pipe-pane), then
 * replayed into fresh panes of the same size, so that the screens compared are exact states of
 * the terminal, not whatever a poll happened to catch: the screen after the plain frame, after
 * Ink's first frame replaced it, and with Ink's first frame alone (the plain frame and its
 * erasure cut out of the record) are one screen, text and attributes (capture-pane -e), on a
 * fresh box and on a re-run, in colour, with NO_COLOR and in ASCII, at 80×24 and on a short
 * terminal. Keys typed before the program even started act once Ink reads them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { needsRoot, needsTmux } from '../helpers/needs.js';
import { POSTFIX_AVAILABLE } from '../helpers/postfix.js';
import { BIN, ensureBuilt, makeSandbox, removeTree, runCli, writeTemp } from '../helpers/cli.js';
import { type Pane, TmuxServer } from '../helpers/tmux.js';

const TMUX_AVAILABLE = needsTmux('the plain first frame in a real terminal');
const AS_ROOT = needsRoot('the re-run cases of the plain first frame', 'postfix check refuses other users');

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 120_000 };

let server: TmuxServer;
const made: string[] = [];
/** The records and replays. */
let scratch = '';
const ESC = '\u001b';
/** What the pane's shell prints once it is told to start: the screen cleared, the cursor top left. */
const CLEAR = `${ESC}[H${ESC}[2J`;
/** Ink's first write starts with this: back to the plain frame's first line, clear to the end of the screen. */
const REPLACE = new RegExp(`\\r${ESC}\\[(\\d+)A${ESC}\\[J`);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sandbox(): string {
  const root = makeSandbox('mailsetup-frame-');
  made.push(root);
  return root;
}

/** A sandbox configured as a mail server by a non-interactive apply. */
async function mailServer(): Promise<string> {
  const root = sandbox();
  const answers = writeTemp(
    'answers.yaml',
    ['role: mail-server', 'myhostname: mail.example.com', 'postmaster: admin@example.com', ''].join('\n'),
    made,
  );
  const r = await runCli(['--root', root, '--answers', answers, '--yes'], { via: 'bundle' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return root;
}

interface Size {
  cols: number;
  rows: number;
}

interface Recorded {
  pane: Pane;
  /** Everything the program wrote so far (latin1: one char per byte). */
  log(): string;
}

/**
 * The wizard on `root` in a pane whose output is recorded from its first byte: the pane's shell
 * waits for a line (the recording is attached meanwhile), clears the screen and starts the
 * wizard. `typed` are keys sent with that line, in the same burst: they wait in the terminal's
 * queue before the program has started.
 */
function recorded(root: string, size: Size, env: Record<string, string | undefined>, typed: string[] = []): Recorded {
  const file = join(scratch, `record-${Date.now()}-${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(file, '');
  const pane = server.start(
    [
      'sh',
      '-c',
      `read go; printf '${CLEAR.replace(/\u001b/g, '\\033')}'; exec "$@"`,
      'sh',
      process.execPath,
      BIN,
      '--root',
      root,
      '--all-questions',
    ],
    { ...size, env: { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: 'true', ...env } },
  );
  server.tmux('pipe-pane', '-o', '-t', pane.name, `cat >> '${file}'`);
  pane.burst('go', 'Enter', ...typed);
  return { pane, log: () => readFileSync(file, 'latin1') };
}

/** Wait until the record holds `m`. */
async function logged(r: Recorded, m: RegExp, timeoutMs = 20_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const log = r.log();
    if (m.test(log)) return log;
    if (Date.now() > end)
      throw new Error(`${String(m)} was not written within ${timeoutMs} ms; the screen:\n${r.pane.screen()}`);
    await sleep(20);
  }
}

let replays = 0;

/**
 * The screen (capture-pane -e: text and attributes) of a terminal of `size` that was sent
 * `bytes`: the bytes are written into a fresh pane, then a pane title is set; once tmux shows that
 * title it has processed every byte before it.
 */
async function replay(bytes: string, size: Size): Promise<string> {
  const n = ++replays;
  const file = join(scratch, `replay-${n}.bin`);
  writeFileSync(file, Buffer.from(bytes, 'latin1'));
  const title = `replayed-${n}`;
  const pane = server.start(['sh', '-c', `stty -onlcr; cat "$1"; printf '\\033]2;${title}\\033\\\\'`, 'sh', file], {
    ...size,
  });
  const end = Date.now() + 10_000;
  while (server.tmux('display-message', '-p', '-t', pane.name, '#{pane_title}').trim() !== title) {
    if (Date.now() > end) throw new Error(`the replay did not finish; the screen:\n${pane.screen()}`);
    await sleep(20);
  }
  const screen = pane.screen(true);
  pane.close();
  rmSync(file, { force: true });
  return screen;
}

interface Frames {
  /** The screen with the plain frame alone. */
  plain: string;
  /** The screen once Ink's first frame replaced it. */
  replaced: string;
  /** The screen of Ink's first frame drawn alone (the plain frame and its erasure cut out). */
  inkAlone: string;
  /** The plain frame's lines, as Ink's first write counted them. */
  lines: number;
}

/** The three screens of a wizard run on `root`. */
async function frames(root: string, size: Size, env: Record<string, string | undefined> = {}): Promise<Frames> {
  const r = recorded(root, size, env);
  // Ink's first frame is complete when anything follows it (the cursor hidden after it, its next frame).
  const log = await logged(r, new RegExp(`${REPLACE.source}[^]*?(${ESC}\\[\\?25l|${ESC}\\[2K)`));
  r.pane.close();
  const start = log.indexOf(CLEAR) + CLEAR.length;
  const m = REPLACE.exec(log);
  expect(start).toBeGreaterThan(CLEAR.length - 1);
  expect(m).not.toBeNull();
  const at = m?.index ?? 0;
  const after = at + (m?.[0].length ?? 0);
  const ends = [`${ESC}[?25l`, `${ESC}[2K`].map((s) => log.indexOf(s, after)).filter((i) => i >= 0);
  const end = Math.min(...ends);
  // The plain frame is written whole, in one piece, before anything of Ink's.
  const plainBytes = log.slice(start, at);
  expect(plainBytes).toContain('Which role should this host play?');
  return {
    plain: await replay(log.slice(0, at), size),
    replaced: await replay(log.slice(0, end), size),
    inkAlone: await replay(log.slice(0, start) + log.slice(after, end), size),
    lines: Number(m?.[1]),
  };
}

/** The screen's text without the SGR codes. */
function text(screen: string): string {
  return screen.replace(/\u001b\[[0-9;]*m/g, '');
}

/** The screen's lines that hold anything. */
function filled(screen: string): string[] {
  return text(screen)
    .split('\n')
    .filter((l) => l.trim() !== '');
}

const describeTmux = TMUX_AVAILABLE && POSTFIX_AVAILABLE ? describe : describe.skip;

describeTmux('the plain first frame in a real terminal', TIMEOUT, () => {
  beforeAll(() => {
    ensureBuilt();
    server = new TmuxServer('mailsetup-frame');
    // tmux exits with its last session: one idle session keeps the server up between the panes
    // each test opens and closes (a session started while it exits fails).
    server.start(['sleep', '3600']);
    scratch = mkdtempSync(join(tmpdir(), 'mailsetup-frame-record-'));
    made.push(scratch);
  }, 180_000);

  afterAll(() => {
    server?.kill();
    for (const d of made) removeTree(d);
  });

  const SIZES: Array<{ name: string; size: Size }> = [
    { name: '80×24', size: { cols: 80, rows: 24 } },
    { name: 'a short terminal (80×14)', size: { cols: 80, rows: 14 } },
  ];
  const MODES: Array<{ name: string; env: Record<string, string | undefined>; colour: boolean }> = [
    { name: 'in colour', env: {}, colour: true },
    { name: 'with NO_COLOR', env: { NO_COLOR: '1' }, colour: false },
  ];

  for (const { name, size } of SIZES) {
    for (const mode of MODES) {
      test(`a fresh box, ${mode.name}, ${name}: the plain frame, Ink's frame over it and Ink's alone are one screen`, async () => {
        const f = await frames(sandbox(), size, mode.env);
        expect(f.replaced).toBe(f.plain);
        expect(f.inkAlone).toBe(f.plain);
        const lines = filled(f.plain);
        expect(lines).toContain('Which role should this host play?');
        expect(lines.some((l) => l.startsWith('❯ Null client — '))).toBe(true);
        expect(lines.at(-1)).toContain('↑/↓ move · Enter choose');
        // No line of the frame wider than the terminal, none above or below it: the frame is what the erase covers.
        expect(
          text(f.plain)
            .split('\n')
            .every((l) => l.length <= size.cols),
        ).toBe(true);
        expect(lines.length).toBeLessThanOrEqual(f.lines);
        expect(text(f.plain).split('\n')[0]).toBe('mailsetup: configure Postfix for a standard role');
        // Colours as the option says; bold either way.
        expect(/\u001b\[[0-9;]*(3[1-7]|9[0-7])[;m]/.test(f.plain)).toBe(mode.colour);
        expect(f.plain).toMatch(/\u001b\[[0-9;]*\b1m/);
      });
    }
  }

  test.skipIf(!AS_ROOT)(
    'a re-run: the current role marked and selected in the plain frame, in colour, 80×24 and 80×16',
    async () => {
      const root = await mailServer();
      for (const size of [
        { cols: 80, rows: 24 },
        { cols: 80, rows: 16 },
      ]) {
        const f = await frames(root, size);
        expect(f.replaced).toBe(f.plain);
        expect(f.inkAlone).toBe(f.plain);
        const lines = filled(f.plain);
        expect(lines.some((l) => l.startsWith('❯ Domain mail server — '))).toBe(true);
        expect(lines).toContain('Role:    Domain mail server (mail-server)');
      }
    },
  );

  test('an ASCII terminal (LANG=C) without colours: the same screen, the marks in ASCII', async () => {
    const f = await frames(sandbox(), { cols: 80, rows: 24 }, { LANG: 'C', NO_COLOR: '1' });
    expect(f.replaced).toBe(f.plain);
    expect(f.inkAlone).toBe(f.plain);
    const lines = filled(f.plain);
    expect(lines.some((l) => l.startsWith('> Null client - '))).toBe(true);
    expect(lines.every((l) => [...l].every((ch) => ch.charCodeAt(0) < 128))).toBe(true);
  });

  test('Down Down Enter typed before the program started choose the third role once Ink reads them', async () => {
    const r = recorded(sandbox(), { cols: 120, rows: 40 }, {}, ['Down', 'Down', 'Enter']);
    await r.pane.waitFor('Backup MX (behind NAT) (backup-mx) · question 1 of ');
    // The plain frame was drawn (with the first role selected: the keys were not read yet), then Ink took over.
    const log = r.log();
    expect(log).toMatch(REPLACE);
    const plain = Buffer.from(log.slice(log.indexOf(CLEAR), REPLACE.exec(log)?.index), 'latin1').toString('utf8');
    expect(plain).toContain('❯ Null client');
    r.pane.close();
  });

  test('a key typed once the plain frame shows is not echoed over it and acts when Ink reads it', async () => {
    const r = recorded(sandbox(), { cols: 100, rows: 30 }, {});
    await logged(r, /Which role should this host play\?/);
    r.pane.burst('Down', 'x');
    const s = await r.pane.waitFor('❯ Domain mail server — ');
    const lines = text(s).split('\n');
    expect(lines[0]).toBe('mailsetup: configure Postfix for a standard role');
    // An echo would stand at the start of the line below the frame, and push Ink's erase off by a line.
    expect(s).not.toContain('^[');
    expect(lines.filter((l) => /^x/.test(l))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('mailsetup: configure Postfix'))).toHaveLength(1);
    r.pane.close();
  });

  test('a file the wizard then cannot read: the plain frame is taken off and the error shows alone', async () => {
    const root = sandbox();
    // Not UTF-8: readPlanFiles refuses it after the plain frame was drawn from the files' presence.
    writeFileSync(join(root, 'etc', 'aliases'), Buffer.from('postmaster: root\n\xff\xfe bad\n', 'latin1'));
    const r = recorded(root, { cols: 80, rows: 24 }, {});
    expect(await r.pane.exitCode()).toBe(2);
    expect(r.log()).toContain('Which role should this host play?');
    const s = r.pane.screen();
    expect(s).not.toContain('Which role should this host play?');
    expect(s).not.toContain('mailsetup: configure Postfix');
    expect(s.trimStart()).toMatch(/^mailsetup: \/etc\/aliases is not UTF-8 text/);
    r.pane.close();
  });

  test("text written while the plain frame is up (Ink's hint under DEV=true) takes it off first: nothing is left twice", async () => {
    const r = recorded(sandbox(), { cols: 100, rows: 30 }, { DEV: 'true' });
    const s = await r.pane.waitFor((x) => x.includes('Postfix: ') && x.includes('react-devtools-core'));
    // The plain frame was drawn, then erased before the hint: the hint first, then Ink's frame, each once.
    expect(r.log()).toContain('Which role should this host play?');
    const lines = text(s).split('\n');
    expect(lines[0]).toMatch(/^The environment variable DEV is set to true/);
    expect(lines.filter((l) => l.startsWith('mailsetup: configure Postfix'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('Which role should this host play?'))).toHaveLength(1);
    expect(lines.findIndex((l) => l.includes('react-devtools-core'))).toBeLessThan(
      lines.findIndex((l) => l.startsWith('mailsetup: configure Postfix')),
    );
    r.pane.close();
  });

  test('after the host facts arrive, nothing of the plain frame is left above or below the screen', async () => {
    const r = recorded(sandbox(), { cols: 80, rows: 24 }, {});
    const s = await r.pane.waitFor('Postfix: ');
    const lines = text(s).split('\n');
    // The frame starts on the first line (where the plain frame started) and each of its lines is there once.
    expect(lines[0]).toBe('mailsetup: configure Postfix for a standard role');
    expect(lines.filter((l) => l.startsWith('mailsetup: '))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('Which role should this host play?'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('probing the host'))).toHaveLength(0);
    expect(lines.filter((l) => l.includes('↑/↓ move'))).toHaveLength(1);
    r.pane.close();
  });
});
