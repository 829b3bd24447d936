/**
 * Wizard input you can trust (issue 12), end to end: the bundle in a real terminal (tmux), keys
 * sent the way automation, a slow SSH link or a paste deliver them: several keys in one
 * `send-keys` call (one read for the program), `tmux paste-buffer`, keys typed ahead across a
 * screen change, a key typed before the first frame. Every wait is for screen content; a key's
 * effect is proved by the screen a later key in the same burst leads to (keys act in order).
 * Also the terminal modes (no colour, ASCII, TERM=dumb, 80×24, 60×20, a resize) and the endings
 * (a failed apply back at the preview, Ctrl-C/Ctrl-D at the --verify prompt).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { needsRoot, needsTmux } from '../helpers/needs.js';
import { POSTFIX_AVAILABLE } from '../helpers/postfix.js';
import { BIN, ensureBuilt, makeSandbox, removeTree, runCli, snapshotTree, writeTemp } from '../helpers/cli.js';
import { Pane, TmuxServer } from '../helpers/tmux.js';

const TMUX_AVAILABLE = needsTmux('the wizard input tests in a real terminal');
const AS_ROOT = needsRoot('the applies in the wizard input tests', 'postfix check refuses other users');

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 120_000 };

let server: TmuxServer;
const made: string[] = [];
// Every sandbox and answers file of the file, the last test's (outside the terminal suite) too.
afterAll(() => {
  for (const d of made.splice(0)) removeTree(d);
});

const NULL_CLIENT = [
  'role: null-client',
  'myhostname: box1.example.com',
  'relayhost: "[smtp.example.net]:587"',
  'postmaster: admin@example.com',
  '',
].join('\n');
const MAIL_SERVER = ['role: mail-server', 'myhostname: mail.example.com', 'postmaster: admin@example.com', ''].join(
  '\n',
);

function sandbox(): string {
  const root = makeSandbox('mailsetup-input-');
  made.push(root);
  return root;
}

function answersFile(text: string): string {
  return writeTemp('answers.yaml', text, made);
}

/** A sandbox configured for a role by a non-interactive apply. */
async function configured(answers: string): Promise<string> {
  const root = sandbox();
  const r = await runCli(['--root', root, '--answers', answersFile(answers), '--yes'], { via: 'bundle' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return root;
}

interface StartOptions {
  answers?: string;
  cols?: number;
  rows?: number;
  env?: Record<string, string | undefined>;
  args?: string[];
}

/**
 * The wizard on `root` in a terminal (colours as a user's terminal has them unless `env` says
 * otherwise). These tests are about input at given questions, one after the other: the wizard
 * asks every question (--all-questions); the short path is test/cli/tmux.test.ts's.
 */
function wizard(root: string, opts: StartOptions = {}): Pane {
  const args = [
    '--root',
    root,
    '--all-questions',
    ...(opts.answers ? ['--answers', answersFile(opts.answers)] : []),
    ...(opts.args ?? []),
  ];
  return server.start([process.execPath, BIN, ...args], {
    cols: opts.cols ?? 120,
    rows: opts.rows ?? 40,
    env: { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: 'true', ...opts.env },
  });
}

const QUESTION = /question (\d+) of (\d+)\n(.*)\n/;

/** The question on the screen: its number and label. */
function question(screen: string): { n: number; label: string } | null {
  const m = QUESTION.exec(screen);
  return m === null ? null : { n: Number(m[1]), label: m[3] };
}

/** Wait for question `n`. */
function atQuestion(p: Pane, n: number): Promise<string> {
  return p.waitFor((s) => question(s)?.n === n);
}

/** Press Enter until the question labelled `label` (one Enter at a time, each screen seen). */
async function enterUntil(p: Pane, label: string): Promise<string> {
  for (let guard = 0; guard < 20; guard++) {
    const s = await p.waitFor((x) => question(x) !== null);
    const q = question(s);
    if (q?.label === label) return s;
    p.keys('Enter');
    await p.waitFor((x) => question(x)?.n !== q?.n || x.includes('\n✗ '));
    if (p.screen().includes('\n✗ ')) throw new Error(`a default was refused:\n${p.screen()}`);
  }
  throw new Error(`no question "${label}":\n${p.screen()}`);
}

/** Press Enter until the role's last question ("question N of N"), each screen seen. */
async function enterUntilLast(p: Pane): Promise<string> {
  for (let guard = 0; guard < 40; guard++) {
    const s = await p.waitFor((x) => question(x) !== null);
    const m = QUESTION.exec(s);
    if (m !== null && m[1] === m[2]) return s;
    const n = question(s)?.n;
    p.keys('Enter');
    await p.waitFor((x) => question(x)?.n !== n || x.includes('\n✗ '));
    if (p.screen().includes('\n✗ ')) throw new Error(`a default was refused:\n${p.screen()}`);
  }
  throw new Error(`no last question:\n${p.screen()}`);
}

const PREVIEW = 'Plan for role ';

const describeTmux = TMUX_AVAILABLE && POSTFIX_AVAILABLE ? describe : describe.skip;

describeTmux('wizard input in a real terminal', TIMEOUT, () => {
  beforeAll(() => {
    ensureBuilt();
    server = new TmuxServer('mailsetup-input');
  }, 180_000);

  afterAll(() => server?.kill());

  describe('keys that arrive together are every one honoured, in order', () => {
    test('Down Down Down Enter in one burst chooses the fourth role', async () => {
      const p = wizard(sandbox());
      await p.waitFor('❯ Null client — ');
      p.burst('Down', 'Down', 'Down', 'Enter');
      await p.waitFor('Firewall / gateway relay (firewall-relay) · question 1 of ');
      p.close();
    });

    test('Ctrl-U and a new host name in one burst replace the old name; Enter and the next answer land on the next question', async () => {
      const p = wizard(sandbox());
      await p.waitFor('❯ Null client — ');
      p.keys('Enter');
      await atQuestion(p, 1);
      p.burst('C-u', 'box1.example.com', 'Enter', 'C-u', 'example.org', 'Enter');
      let s = await atQuestion(p, 3);
      expect(s).toContain('Domain that mail from this host is sent as (myorigin)');
      p.keys('Escape');
      s = await atQuestion(p, 2);
      expect(s).toContain('the domain part of box1.example.com');
      expect(s).toMatch(/^> example\.org ?$/m);
      p.keys('Escape');
      s = await atQuestion(p, 1);
      expect(s).toMatch(/^> box1\.example\.com ?$/m);
      p.close();
    });

    test('twenty Downs in one burst scroll the preview twenty lines', async () => {
      // 24 rows: main.cf's page (a new file of 40-odd lines) is longer than its window.
      const p = wizard(sandbox(), { answers: NULL_CLIENT, rows: 24 });
      await p.waitFor('❯ Null client — ');
      p.keys('Enter');
      for (let i = 0; i < 40; i++) {
        const s = await p.waitFor((x) => question(x) !== null || x.includes(PREVIEW));
        if (s.includes(PREVIEW)) break;
        const n = question(s)?.n;
        p.keys('Enter');
        await p.waitFor((x) => question(x)?.n !== n);
      }
      await p.waitFor('lines 1–');
      // The preview opens on its summary; main.cf's page is the long one.
      p.keys('1');
      await p.waitFor((x) => x.includes('[1 main.cf]') && x.includes('lines 1–'));
      p.burst(...Array<string>(20).fill('Down'));
      await p.waitFor('main.cf · lines 21–');
      p.close();
    });

    test('in a list: d d removes two entries; a, the text and Enter add an entry whose letters are not commands', async () => {
      const p = wizard(sandbox(), { answers: NULL_CLIENT });
      await p.waitFor('❯ Null client — ');
      p.keys('Enter');
      let s = await enterUntil(p, 'Problems reported to the postmaster (notify_classes)');
      expect(s).toContain('  1. resource');
      expect(s).toContain('  2. software');
      p.burst('Up', 'Up', 'Up', 'd', 'd', 'a', 'delay', 'Enter');
      s = await p.waitFor(/^ {2}1\. delay$/m);
      expect(s).not.toMatch(/^. \d\. (resource|software)$/m);
      p.close();
    });

    test('a paste lands in the field as typed text; a pasted newline does not submit', async () => {
      const p = wizard(sandbox());
      await p.waitFor('❯ Null client — ');
      p.keys('Enter');
      await atQuestion(p, 1);
      p.keys('C-u');
      await p.waitFor(/^> ?$/m);
      p.paste('mx1.example.org\n');
      let s = await p.waitFor(/^> mx1\.example\.org ?$/m);
      expect(question(s)?.n).toBe(1);
      p.keys('Enter');
      s = await atQuestion(p, 2);
      expect(s).toContain('the domain part of mx1.example.org');
      p.close();
    });

    test('a multi-line paste while adding to a list adds one entry per line', async () => {
      const p = wizard(sandbox(), { answers: NULL_CLIENT });
      await p.waitFor('❯ Null client — ');
      p.keys('Enter');
      await enterUntil(p, 'Problems reported to the postmaster (notify_classes)');
      p.keys('a');
      await p.waitFor('Enter keep (empty removes)');
      p.paste('delay\nbounce\n');
      const s = await p.waitFor(/^ {2}4\. bounce$/m);
      expect(s).toMatch(/^ {2}3\. delay$/m);
      p.close();
    });

    test('Delete deletes forward, Home and End move to the ends of the line', async () => {
      const p = wizard(sandbox(), { answers: NULL_CLIENT });
      await p.waitFor('❯ Null client — ');
      p.keys('Enter');
      await p.waitFor(/^> box1\.example\.com ?$/m);
      p.burst('Home', 'DC', 'DC', 'DC', 'mx', 'End', 'BSpace', 'BSpace', 'BSpace', 'net');
      await p.waitFor(/^> mx1\.example\.net ?$/m);
      p.close();
    });
  });

  describe('keys typed ahead act on the screen they were meant for', () => {
    test.skipIf(!AS_ROOT)(
      'two quick Enters on the last question show the preview and apply nothing; y after it applies',
      async () => {
        const root = sandbox();
        const before = snapshotTree(root);
        const p = wizard(root, { answers: NULL_CLIENT });
        await p.waitFor('❯ Null client — ');
        p.keys('Enter');
        await enterUntilLast(p);
        // Two Enters in one read, then 1 and a Down: they turn to main.cf's page and scroll it only
        // after both Enters were handled.
        p.burst('Enter', 'Enter', '1', 'Down');
        const s = await p.waitFor('main.cf · lines 2–');
        expect(s).toContain('Apply these changes? y apply');
        expect(s).not.toContain('Applying');
        expect(snapshotTree(root)).toEqual(before);
        p.keys('y');
        // The summary, then the next steps (which may scroll it out of view), then the offer.
        await p.waitFor('[Y/n]', 30_000);
        expect(p.history()).toContain(`✓ Done: the sandbox ${root} is now configured as Null client (null-client).`);
        p.burst('n', 'Enter');
        // Last, the offer to save the answers: Enter declines.
        await p.waitFor('Save these answers to reuse on another host? File name (Enter: no):');
        p.keys('Enter');
        expect(await p.exitCode()).toBe(0);
        p.close();
      },
    );

    test.skipIf(!AS_ROOT)(
      'on a configured mail server, an Enter typed before the first frame chooses the mail server',
      async () => {
        const root = await configured(MAIL_SERVER);
        const p = wizard(root);
        p.keys('Enter');
        await p.waitFor('Domain mail server (mail-server) · question 1 of ');
        p.close();
      },
    );

    test.skipIf(!AS_ROOT)('the first frame already selects the configured role', async () => {
      const root = await configured(MAIL_SERVER);
      const p = wizard(root);
      const s = await p.waitFor('Which role should this host play?');
      expect(s).toContain('❯ Domain mail server — ');
      expect(s).toContain('(current)');
      p.close();
    });
  });

  describe('answers are checked where they are given, and none is lost', () => {
    test('an empty host name is refused at its question', async () => {
      const p = wizard(sandbox(), { answers: MAIL_SERVER });
      await p.waitFor('❯ Domain mail server — ');
      p.keys('Enter');
      await atQuestion(p, 1);
      p.burst('C-u', 'Enter');
      const s = await p.waitFor('\n✗ ');
      expect(question(s)?.n).toBe(1);
      p.close();
    });

    test('myorigin ${mydomain is refused at its question', async () => {
      const p = wizard(sandbox(), { answers: MAIL_SERVER });
      await p.waitFor('❯ Domain mail server — ');
      p.keys('Enter');
      await enterUntil(p, 'Domain that mail from this host is sent as (myorigin)');
      p.burst('C-u', '${mydomain', 'Enter');
      const s = await p.waitFor('\n✗ ');
      expect(question(s)?.label).toBe('Domain that mail from this host is sent as (myorigin)');
      expect(s).not.toContain('    at ');
      p.close();
    });

    test('Esc on a list keeps its edits: a deleted entry stays deleted when you come back', async () => {
      const p = wizard(sandbox(), { answers: NULL_CLIENT });
      await p.waitFor('❯ Null client — ');
      p.keys('Enter');
      await enterUntil(p, 'Problems reported to the postmaster (notify_classes)');
      p.burst('Up', 'Up', 'Up', 'd');
      await p.waitFor(/^❯ 1\. software$/m);
      p.keys('Escape');
      await p.waitFor((s) => question(s)?.label !== 'Problems reported to the postmaster (notify_classes)');
      p.keys('Enter');
      const s = await p.waitFor((x) => question(x)?.label === 'Problems reported to the postmaster (notify_classes)');
      expect(s).not.toMatch(/^. \d\. resource$/m);
      expect(s).toContain('  1. software');
      p.close();
    });

    test.skipIf(!AS_ROOT)(
      'a role change takes the new role’s values: null client → mail server listens on all',
      async () => {
        const root = await configured(NULL_CLIENT);
        const p = wizard(root);
        await p.waitFor('(current)');
        p.keys('Down');
        await p.waitFor('❯ Domain mail server — ');
        p.keys('Enter');
        const s = await enterUntil(p, 'Accept mail on which addresses? (inet_interfaces)');
        expect(s).toContain('default: all');
        expect(s).toMatch(/^> all ?$/m);
        p.close();
      },
    );

    test.skipIf(!AS_ROOT)(
      'a failed apply returns to the preview with every answer kept, saying what failed and that the files are back',
      async () => {
        const root = sandbox();
        const bin = `${root}-bin`;
        made.push(bin);
        mkdirSync(bin);
        writeFileSync(join(bin, 'postmap'), '#!/bin/sh\necho "postmap: fatal: simulated failure" >&2\nexit 1\n', {
          mode: 0o755,
        });
        const p = server.start(
          [process.execPath, BIN, '--root', root, '--all-questions', '--answers', answersFile(NULL_CLIENT)],
          {
            env: { NO_COLOR: undefined, FORCE_COLOR: undefined, PATH: `${bin}:${process.env.PATH ?? ''}` },
          },
        );
        await p.waitFor('❯ Null client — ');
        p.keys('Enter');
        await atQuestion(p, 1);
        p.burst('C-u', 'typed.example.com', 'Enter');
        await enterUntilLast(p);
        p.keys('Enter');
        await p.waitFor('Apply these changes?');
        p.keys('y');
        await p.waitFor('Apply failed', 30_000);
        const s = await p.waitFor('Apply these changes?');
        expect(s).toContain('postmap: fatal: simulated failure');
        expect(s).toContain('Rolled back: the earlier files are back in place');
        await p.waitFor('Apply these changes?');
        p.keys('Escape');
        // Back on the last question; as many Escapes again reach the first.
        const last = question(await p.waitFor((x) => question(x) !== null))?.n ?? 1;
        p.burst(...Array<string>(last - 1).fill('Escape'));
        const first = await atQuestion(p, 1);
        expect(first).toMatch(/^> typed\.example\.com ?$/m);
        p.keys('C-c');
        expect(await p.exitCode()).toBe(1);
        p.close();
      },
    );
  });

  describe('overrides and endings', () => {
    test('one o does not override an open relay; typing the rule id does', async () => {
      const p = wizard(sandbox(), { answers: MAIL_SERVER });
      await p.waitFor('❯ Domain mail server — ');
      p.keys('Enter');
      await enterUntil(p, 'Networks allowed to send mail through this host (mynetworks)');
      p.burst('a', '0.0.0.0/0', 'Enter');
      await p.waitFor(/^ {2}\d\. 0\.0\.0\.0\/0$/m);
      p.keys('Enter');
      await p.waitFor((s) => question(s)?.label !== 'Networks allowed to send mail through this host (mynetworks)');
      for (let i = 0; i < 40; i++) {
        const s = await p.waitFor((x) => question(x) !== null || x.includes(PREVIEW));
        if (s.includes(PREVIEW)) break;
        const n = question(s)?.n;
        p.keys('Enter');
        await p.waitFor((x) => question(x)?.n !== n);
      }
      let s = await p.waitFor('✗ Blocked by 1 error: mynetworks-public.');
      expect(s).toContain('every client on the Internet');
      // o, then a y out of habit: the y goes into the id, which is refused; then the id itself.
      p.burst('o', 'y', 'Enter');
      s = await p.waitFor('is not the id of an error shown above');
      expect(s).toContain('✗ Blocked by 1 error');
      p.burst('C-u', 'mynetworks-public', 'Enter');
      s = await p.waitFor('Apply these changes? y apply');
      p.close();
    });

    test.skipIf(!AS_ROOT).each(['C-c', 'C-d'])(
      '%s at the --verify? [Y/n] prompt after an apply exits 0 quietly',
      async (key) => {
        const p = wizard(sandbox(), { answers: NULL_CLIENT });
        await p.waitFor('❯ Null client — ');
        p.keys('Enter');
        await enterUntilLast(p);
        p.keys('Enter');
        await p.waitFor('Apply these changes?');
        p.keys('y');
        await p.waitFor('[Y/n]', 30_000);
        p.keys(key);
        expect(await p.exitCode()).toBe(0);
        const s = p.screen();
        expect(s).not.toMatch(/Error| {4}at /);
        p.close();
      },
    );
  });

  describe('terminals', () => {
    test.each([
      ['--no-color', { args: ['--no-color'] }],
      ['NO_COLOR=1', { env: { NO_COLOR: '1' } }],
      ['FORCE_COLOR=0', { env: { FORCE_COLOR: '0' } }],
    ] as Array<[string, StartOptions]>)(
      'with %s the text cursor and the yes/no choice stay visible, without colours',
      async (_name, opts) => {
        const p = wizard(sandbox(), { answers: NULL_CLIENT, ...opts });
        await p.waitFor('❯ Null client — ');
        p.keys('Enter');
        await p.waitFor(/^> box1\.example\.com ?$/m);
        const field = p
          .screen(true)
          .split('\n')
          .find((l) => l.includes('box1.example.com') && l.startsWith('>'));
        expect(field).toContain('\u001b[7m'); // reverse video: the cursor
        expect(p.screen(true)).not.toMatch(/\u001b\[(?:\d+;)*(?:3[0-7]|9[0-7])m/);
        await enterUntil(p, 'Run the network services in a chroot jail? (master.cf chroot column)');
        const s = p.screen();
        expect(s).toMatch(/\[yes\]/);
        p.keys('Left');
        await p.waitFor(/\[no\]/);
        p.close();
      },
    );

    test.each([
      ['LANG=C', { LANG: 'C' }],
      ['TERM=linux', { TERM: 'linux' }],
    ])('with %s the marks are ASCII', async (_name, env) => {
      const p = wizard(sandbox(), { env });
      const s = await p.waitFor('> Null client - ');
      expect(s).not.toMatch(/[^\u0000-\u007f]/);
      p.close();
    });

    test('TERM=dumb gets no cursor movement: exit 2 naming --answers', async () => {
      const p = wizard(sandbox(), { env: { TERM: 'dumb' } });
      expect(await p.exitCode()).toBe(2);
      expect(p.screen()).toContain('--answers');
      p.close();
    });

    test('at 80×24 every screen keeps its prompt on screen', async () => {
      const p = wizard(sandbox(), { answers: NULL_CLIENT, cols: 80, rows: 24 });
      let s = await p.waitFor('❯ Null client');
      expect(s).toContain('Enter choose');
      p.keys('Enter');
      for (let i = 0; i < 40; i++) {
        s = await p.waitFor((x) => question(x) !== null || x.includes(PREVIEW));
        if (s.includes(PREVIEW)) break;
        expect(s).toMatch(/Esc back/);
        const n = question(s)?.n;
        p.keys('Enter');
        await p.waitFor((x) => question(x)?.n !== n);
      }
      s = await p.waitFor('Apply these changes?');
      expect(s.trimEnd().split('\n').at(-1)).toBe(
        'Apply these changes? y apply · Esc back · Ctrl-C quit without writing',
      );
      p.close();
    });

    test('at 60×20 the next screen starts with its own first line (nothing stale)', async () => {
      const p = wizard(sandbox(), { cols: 60, rows: 20 });
      // The whole role screen, with the host's facts and the probes' findings in.
      let s = await p.waitFor((x) => x.includes('Which role should this host play?') && !x.includes('probing'));
      expect(s.split('\n')[0]).toMatch(/^mailsetup: configure Postfix/);
      expect(s).toContain('Enter choose');
      p.keys('Enter');
      s = await atQuestion(p, 1);
      expect(s.split('\n')[0]).toMatch(/^mailsetup · /);
      p.close();
    });

    test('a resize during the preview keeps the line you were reading', async () => {
      const p = wizard(sandbox(), { answers: NULL_CLIENT, cols: 100, rows: 24 });
      await p.waitFor('❯ Null client — ');
      p.keys('Enter');
      for (let i = 0; i < 40; i++) {
        const s = await p.waitFor((x) => question(x) !== null || x.includes(PREVIEW));
        if (s.includes(PREVIEW)) break;
        const n = question(s)?.n;
        p.keys('Enter');
        await p.waitFor((x) => question(x)?.n !== n);
      }
      await p.waitFor('lines 1–');
      // main.cf's page: long enough to scroll at 100×24; its top line is under the header and the tabs.
      p.keys('1');
      await p.waitFor((x) => x.includes('[1 main.cf]') && x.includes('lines 1–'));
      p.burst(...Array<string>(20).fill('Down'));
      let s = await p.waitFor('lines 21–');
      const reading = s.split('\n')[2];
      p.resize(60, 20);
      s = await p.waitFor((x) => !x.includes('lines 21–') && /lines \d+–/.test(x));
      expect(s.split('\n')[2]).toBe(reading.slice(0, 60).trimEnd());
      p.close();
    });
  });
});

const BAD_MYDOMAIN = 'the answers file: ${mydomain and an empty mydomain are invalid answers (exit 2, no stack trace)';

test(BAD_MYDOMAIN, TIMEOUT, async () => {
  ensureBuilt();
  const root = sandbox();
  const base = 'role: mail-server\npostmaster: admin@example.com\n';
  for (const line of ['myorigin: "${mydomain"', 'mydomain: ""', 'myhostname: ""', 'myorigin: ""']) {
    const text = `${base}${line.startsWith('myhostname') ? '' : 'myhostname: mail.example.com\n'}${line}\n`;
    const r = await runCli(['--root', root, '--answers', answersFile(text), '--dry-run'], { via: 'bundle' });
    expect(r.status, `${line}: ${r.stdout}${r.stderr}`).toBe(2);
    expect(r.stderr).toContain('invalid answers');
    expect(r.stderr).not.toMatch(/unexpected error| {4}at /);
  }
  expect(readFileSync(BIN, 'utf8')).toContain('cli.cjs');
});
