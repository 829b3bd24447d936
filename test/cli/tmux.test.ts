/**
 * End to end in a real terminal: the bundle (`node bin/mailsetup.cjs --root DIR`) runs in a tmux
 * pane of 120×40; keys go in with send-keys, the screen comes out with capture-pane. For every
 * role: choose it with the arrows, answer the questions (typing where this host's defaults do not
 * fit), find the diff in the preview, confirm, read the summary and find the files in DIR; then
 * run again: the role is pre-selected and accepting every default changes nothing. Also: a role
 * change in the wizard, Ctrl-C (exit 130, nothing written) and the root check on a terminal.
 *
 * With MAILSETUP_WRITE_DOCS=1 it also writes docs/roles.txt (a fresh box's role screen) and
 * docs/preview.txt / docs/preview.ansi (the summary page of a role change) and docs/review.txt (the review of all settings at 80×24), screens like the
 * README's (which were captured by hand with --answers: see there).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IS_ROOT, needsRoot, needsTmux } from '../helpers/needs.js';
import { POSTFIX_AVAILABLE } from '../helpers/postfix.js';
import { BIN, ROOT, contentOf, ensureBuilt, makeSandbox, postconfN, removeTree, snapshotTree } from '../helpers/cli.js';
import { Pane, TmuxServer } from '../helpers/tmux.js';
import { tmuxSocketPath } from '../helpers/tmuxSocket.mjs';

const TMUX_AVAILABLE = needsTmux('the wizard end to end in a real terminal');

// Applies run a dozen Postfix tools each; on a loaded 2-core machine a test may need more than the default minute.
/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 150_000 };

const WRITE_DOCS = process.env.MAILSETUP_WRITE_DOCS === '1';
/** The applies in the wizard: postfix check (run by every apply, also under --root) refuses other users. */
const AS_ROOT = needsRoot('the applies in the wizard', 'postfix check refuses other users');
const ESC = '\u001b';
let server: TmuxServer;
const made: string[] = [];

/** Start the bundle in a terminal of 120×40 (or `size`) on the sandbox `root`, colours as on a user's terminal. */
function wizard(root: string, size: { cols?: number; rows?: number } = {}): Pane {
  // CI=true as in CI itself: Ink then draws only the last frame unless mailsetup, on a terminal,
  // tells it otherwise; every test here shows that it does.
  return server.start([process.execPath, BIN, '--root', root], {
    ...size,
    env: { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: 'true' },
  });
}

/** How to answer one question (by its label); anything not listed is accepted with Enter. */
type Answer = { text: string } | { add: string[] } | { keep: string[] } | { choose: string };

interface RoleRun {
  role: string;
  /** The row on the role screen. */
  title: string;
  index: number;
  answers: Record<string, Answer>;
  /** Lines the preview must show (found by scrolling). */
  preview: string[];
  /** postconf -n values after the apply. */
  params: Record<string, string>;
}

const HOST_Q = "This host's full name (myhostname)";
const POSTMASTER_Q = 'Who reads mail for postmaster and root? (/etc/aliases: postmaster, root)';
const POSTMASTER = 'admin@example.com';

const RUNS: RoleRun[] = [
  {
    role: 'null-client',
    title: 'Null client',
    index: 0,
    answers: {
      [HOST_Q]: { text: 'client.example.com' },
      'Send all mail through which server? (relayhost)': { text: '[127.0.0.1]:2525' },
      [POSTMASTER_Q]: { text: POSTMASTER },
    },
    preview: ['+relayhost = [127.0.0.1]:2525', '+inet_interfaces = loopback-only', '+root admin@example.com'],
    params: {
      myhostname: 'client.example.com',
      relayhost: '[127.0.0.1]:2525',
      inet_interfaces: 'loopback-only',
      mydestination: '',
    },
  },
  {
    role: 'mail-server',
    title: 'Domain mail server',
    index: 1,
    answers: { [HOST_Q]: { text: 'mail.example.com' }, [POSTMASTER_Q]: { text: POSTMASTER } },
    preview: [
      '+mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain',
      '+postmaster: admin@example.com',
    ],
    params: {
      myhostname: 'mail.example.com',
      mydestination: '$myhostname, localhost.$mydomain, localhost, $mydomain',
      relay_domains: '',
      inet_interfaces: 'all',
    },
  },
  {
    role: 'backup-mx',
    title: 'Backup MX (behind NAT)',
    index: 2,
    answers: {
      [HOST_Q]: { text: 'mx2.example.com' },
      'Which domains is this host a backup MX for? (relay_domains)': { add: ['example.net'] },
      "Where is each domain's primary mail server? (transport_maps)": { add: ['example.net relay:[10.0.0.5]'] },
      'Addresses to accept in those domains (relay_recipient_maps)': { add: ['@example.net'] },
      "This host's public address, when it is behind NAT (proxy_interfaces)": { add: ['203.0.113.7'] },
      [POSTMASTER_Q]: { text: POSTMASTER },
    },
    preview: [
      '+relay_domains = example.net',
      '+proxy_interfaces = 203.0.113.7',
      '+example.net relay:[10.0.0.5]',
      '+transport_maps = hash:/etc/postfix/transport',
    ],
    params: {
      myhostname: 'mx2.example.com',
      relay_domains: 'example.net',
      proxy_interfaces: '203.0.113.7',
      transport_maps: 'hash:/etc/postfix/transport',
      relay_recipient_maps: 'hash:/etc/postfix/relay_recipients',
    },
  },
  {
    role: 'firewall-relay',
    title: 'Firewall / gateway relay',
    index: 3,
    answers: {
      [HOST_Q]: { text: 'gw.example.com' },
      'Which inside domains does this gateway take mail for? (relay_domains)': { keep: ['example.com'] },
      "Where is each inside domain's mail server? (transport_maps)": { add: ['example.com relay:[10.0.0.5]'] },
      'Addresses to accept in those domains (relay_recipient_maps)': { add: ['@example.com'] },
      [POSTMASTER_Q]: { text: POSTMASTER },
    },
    preview: [
      '+local_transport = error:local mail delivery is disabled',
      '+#local     unix  -       n       n       -       -       local',
      '+relay_domains = example.com',
    ],
    params: {
      myhostname: 'gw.example.com',
      relay_domains: 'example.com',
      local_transport: 'error:local mail delivery is disabled',
      mydestination: '',
    },
  },
];

const PREVIEW_OR_END = /Apply these changes\?|Nothing to change\. Enter|✗ Blocked by|Could not build the plan/;

/** Clear the text field (Ctrl-U), type `value`, Enter. */
async function typeAnswer(p: Pane, value: string): Promise<void> {
  key(p, 'C-u');
  await p.waitFor(/^> ?$/m);
  typed(p, value);
  await p.waitFor(`> ${value}`);
  key(p, 'Enter');
}

/** In a list editor: add each entry (a, text, Enter), then Enter on "done". */
async function addEntries(p: Pane, entries: string[]): Promise<void> {
  for (const e of entries) {
    key(p, 'a');
    await p.waitFor('Enter keep (empty removes)');
    typed(p, e);
    await p.waitFor(e);
    key(p, 'Enter');
    await p.waitFor(
      (s) =>
        s.includes('Enter edit/choose') &&
        new RegExp(`^ {2}\\d+\\. ${e.replace(/[[\]().*+?^$|\\]/g, '\\$&')}$`, 'm').test(s),
    );
  }
  await p.waitFor('❯ ✓ done: accept this list');
  key(p, 'Enter');
}

/** In a choice: one Down at a time, each seen, until `label` is under the cursor; then Enter. */
async function choose(p: Pane, label: string): Promise<void> {
  for (let i = 0; i < 10 && !p.screen().includes(`❯ ${label}`); i++) {
    const before = /❯ .*/.exec(p.screen())?.[0] ?? '';
    key(p, 'Down');
    await p.waitFor((s) => !s.includes(before));
  }
  await p.waitFor(`❯ ${label}`);
  key(p, 'Enter');
}

/** The keystrokes sent to a pane by the helpers below: each key, each character typed. */
const sent = { keys: 0 };

function key(p: Pane, ...names: string[]): void {
  sent.keys += names.length;
  p.keys(...names);
}

function typed(p: Pane, text: string): void {
  sent.keys += [...text].length;
  p.type(text);
}

const REVIEW = 'Review all settings: Enter on one to change it, or continue';
/** A question's first lines: on the short path "question N of M", or a setting opened from the review. */
const QUESTION = /(?:question \d+ of \d+|setting from the review)\n(.*)\n/;

/** The Postfix name in a question's label: "relayhost" of "Send all mail through which server? (relayhost)". */
function paramOfLabel(label: string): string {
  return /\(([^()]+)\)$/.exec(label)?.[1] ?? label;
}

/** On the review: move the cursor, one row at a time (each seen), to the row of `param` ("" = continue). */
async function reviewRow(p: Pane, param: string): Promise<void> {
  // The review cuts a name longer than 28 characters (with "…").
  const name = param.length > 28 ? param.slice(0, 27) : `${param} `;
  const at = (x: string) =>
    param === '' ? /^› Continue: build the plan/m.test(x) : new RegExp(`^› ${escapeRe(name)}`, 'm').test(x);
  if (!at(p.screen())) {
    // From the top: Home, then Down until the row is under the cursor.
    key(p, 'Home');
    await p.waitFor((x) => /^› Continue: build the plan/m.test(x));
  }
  for (let i = 0; i < 40 && !at(p.screen()); i++) {
    const before = /^› .*$/m.exec(p.screen())?.[0] ?? '';
    key(p, 'Down');
    await p.waitFor((x) => (/^› .*$/m.exec(x)?.[0] ?? '') !== before);
  }
  if (!at(p.screen())) throw new Error(`no row ${param} on the review:\n${p.screen()}`);
}

function escapeRe(text: string): string {
  return text.replace(/[[\]().*+?^$|\\/]/g, '\\$&');
}

/**
 * Answer the questions until the preview: each one by its label from `answers`, Enter for the
 * rest. A label the short path does not ask is opened from the review (by its Postfix name) and
 * answered there; then Enter on the review's "continue". Returns the preview's first screen.
 * Fails when a question refuses its answer. The labels of the questions asked are added to
 * `asked` (the short path's; those opened from the review too, after them).
 */
async function answerAll(
  p: Pane,
  answers: Record<string, Answer>,
  asked: string[] = [],
  onReview?: (screen: string) => Promise<void>,
): Promise<string> {
  let reviewed = false;
  for (let guard = 0; guard < 60; guard++) {
    let s = await p.waitFor((x) => QUESTION.test(x) || x.includes(REVIEW) || PREVIEW_OR_END.test(x), 15_000);
    if (!QUESTION.test(s) && s.includes(REVIEW) && !reviewed && onReview !== undefined) {
      // The first time on the review: the caller looks at it (and may change settings there).
      reviewed = true;
      await onReview(s);
      s = await p.waitFor((x) => QUESTION.test(x) || x.includes(REVIEW) || PREVIEW_OR_END.test(x), 15_000);
    }
    if (!QUESTION.test(s) && s.includes(REVIEW)) {
      const pending = Object.keys(answers).find((l) => !asked.includes(l));
      await reviewRow(p, pending === undefined ? '' : paramOfLabel(pending));
      key(p, 'Enter');
      if (pending === undefined) return p.waitFor((x) => PREVIEW_OR_END.test(x), 30_000);
      await p.waitFor(`setting from the review\n${pending}\n`);
      continue;
    }
    const m = QUESTION.exec(s);
    if (m === null) return s;
    const label = m[1];
    asked.push(label);
    const marker = `${m[0]}`;
    const a = answers[label];
    if (a === undefined) key(p, 'Enter');
    else if ('text' in a) await typeAnswer(p, a.text);
    else if ('add' in a) await addEntries(p, a.add);
    else if ('choose' in a) await choose(p, a.choose);
    else {
      for (const [i, e] of a.keep.entries())
        expect(s, `${label}: default entry ${e}`).toMatch(new RegExp(`^ {2}${i + 1}\\. ${e}$`, 'm'));
      key(p, 'Enter');
    }
    const after = await p.waitFor((x) => !x.includes(marker) || x.includes('\n✗ '));
    if (after.includes(marker)) throw new Error(`"${label}" refused the answer:\n${after}`);
  }
  throw new Error(`still asking after 60 questions:\n${p.screen()}`);
}

/** The keys of the preview's pages, from its tab line: ["s", "1", "2"]; [] when it has one page. */
function pageKeys(screen: string): string[] {
  const tabs = /^.*\[?s summary\]?.*$/m.exec(screen)?.[0];
  if (tabs === undefined) return [];
  return ['s', ...[...tabs.matchAll(/(?:^|[\s[])([1-9]) \S+/g)].map((m) => m[1])];
}

/** Scroll the page shown from its top down until `text` shows; false at its last line. */
async function findOnPage(p: Pane, text: string): Promise<boolean> {
  for (;;) {
    const s = p.screen();
    if (s.includes(text)) return true;
    const m = /lines (\d+)–(\d+) of (\d+)/.exec(s);
    if (m === null || Number(m[2]) >= Number(m[3])) return false;
    p.keys('NPage');
    await p.waitFor((x) => !x.includes(m[0]));
  }
}

/** Find `text` in the preview: each page by its key (the summary, then each file), scrolled from its top. */
async function findInPreview(p: Pane, text: string): Promise<void> {
  const keys = pageKeys(p.screen());
  if (keys.length === 0) {
    if (await findOnPage(p, text)) return;
    throw new Error(`${JSON.stringify(text)} is not in the preview:\n${p.screen()}`);
  }
  for (const k of keys) {
    p.type(k);
    await p.waitFor((x) => new RegExp(`\\[${k} \\S+\\]`).test(x) && /lines 1–/.test(x));
    if (await findOnPage(p, text)) return;
  }
  throw new Error(`${JSON.stringify(text)} is on no page of the preview; its last page:\n${p.screen()}`);
}

/** Back to the top of the preview's first page, the summary. */
async function previewTop(p: Pane): Promise<void> {
  if (pageKeys(p.screen()).length === 0) return;
  p.type('s');
  await p.waitFor((x) => x.includes('[s summary]') && /lines 1–/.test(x));
}

/** The screen without the trailing blank lines, for docs/. */
function trimmed(screen: string): string {
  return `${screen.replace(/\s+$/, '')}\n`;
}

/**
 * Choose the role at `index` from a cursor at `from`, one arrow at a time, each seen on the screen
 * before the next: arrows sent together can reach the program in one read, and Ink then takes
 * them for one key.
 */
async function chooseRole(p: Pane, from: number, run: RoleRun): Promise<void> {
  const step = run.index > from ? 1 : -1;
  for (let i = from; i !== run.index; i += step) {
    key(p, step > 0 ? 'Down' : 'Up');
    const title = RUNS.find((r) => r.index === i + step)?.title;
    await p.waitFor(`❯ ${title} — `);
  }
  await p.waitFor(`❯ ${run.title} — `);
  key(p, 'Enter');
  await p.waitFor(`${run.title} (${run.role}) · question 1 of `);
}

/** Per role: the questions the short path asked and the keystrokes from the role screen to the apply. */
const shortPath: Record<string, { asked: number; keys: number }> = {};

const describeTmux = TMUX_AVAILABLE && POSTFIX_AVAILABLE ? describe : describe.skip;

describeTmux('the wizard in a real terminal (tmux, bundle)', TIMEOUT, () => {
  beforeAll(() => {
    ensureBuilt();
    server = new TmuxServer('mailsetup-cli');
  }, 180_000);

  afterAll(() => {
    server?.kill();
    for (const d of made) removeTree(d);
    // The measurements of the short path, for the README.
    for (const [role, m] of Object.entries(shortPath))
      console.log(`short path ${role}: ${m.asked} questions, ${m.keys} keystrokes from the role screen to y`);
  });

  const roots: Record<string, string> = {};

  test.skipIf(!AS_ROOT).each(RUNS)(
    '$role: arrows + Enter, answers, preview with the diff, y, summary; the files are in DIR',
    async (run) => {
      const root = makeSandbox();
      made.push(root);
      const p = wizard(root);
      const first = await p.waitFor('Role:    none yet (fresh configuration)');
      expect(first).toContain('Which role should this host play?');
      expect(first).toContain('❯ Null client — sends only');
      if (run.index === 0 && WRITE_DOCS) {
        // The whole first screen: with the host's facts and the probes' findings in.
        const whole = await p.waitFor((x) => x.includes('Which role') && !x.includes('probing'));
        mkdirSync(join(ROOT, 'docs'), { recursive: true });
        writeFileSync(join(ROOT, 'docs', 'roles.txt'), trimmed(whole));
      }
      sent.keys = 0;
      await chooseRole(p, 0, run);

      const asked: string[] = [];
      const preview = await answerAll(p, run.answers, asked);
      // The keys to the preview, and y: the preview's own paging is not part of the path.
      const keys = sent.keys + 1;
      expect(preview).toContain(`Plan for role ${run.role}`);
      expect(preview).toContain('Apply these changes? y apply');
      // The short path: what the role needs (the host name typed here, the relay host, the
      // postmaster...), at most 6 questions; the others were on the review, kept at their values.
      expect(asked.length).toBeLessThanOrEqual(6);
      expect(asked).toContain(HOST_Q);
      expect(asked).toContain(POSTMASTER_Q);
      shortPath[run.role] = { asked: asked.length, keys };
      for (const line of run.preview) await findInPreview(p, line);
      expect(p.screen(true)).toContain(`${ESC}[32m+`); // colours on a terminal (a file's page, its added lines)

      p.keys('y');
      // The wizard offers --verify; the first role takes it (Enter = yes), the others decline.
      await p.waitFor(`Check it now with mailsetup --verify --root ${root}? [Y/n]`, 30_000);
      // Before that offer, the summary and the next steps (which may scroll the summary out of
      // view: it is read from the scrollback); a sandbox looks nothing up.
      const written = p.history();
      const done = `✓ Done: the sandbox ${root} is now configured as ${run.title} (${run.role}).`;
      expect(written).toContain(done);
      const summary = written.slice(written.lastIndexOf(done));
      const next = summary;
      expect(next).toContain('Next steps, outside this host');
      expect(next).toContain('not looked up: a --root sandbox does not reach the network');
      expect(next).toContain('Send a test message:');
      expect(next).toContain('Watch the log: ');
      expect(next.indexOf('Next steps, outside this host')).toBeLessThan(next.indexOf('Check it now'));
      if (run.role === 'null-client') {
        p.keys('Enter');
        const checked = await p.waitFor('passed, 0 failed', 60_000);
        expect(checked).toContain('✓ postfix check: no warnings');
        expect(checked).toMatch(/✓ Lookup table \/etc\/postfix\/virtual: 2 keys as written/);
      } else {
        p.type('n');
        p.keys('Enter');
      }
      // Last, the offer to save the answers: the first role names a file, the others decline (Enter).
      await p.waitFor('Save these answers to reuse on another host? File name (Enter: no):');
      const saved = `${root}.answers.yaml`;
      made.push(saved);
      if (run.role === 'null-client') {
        p.type(saved);
        p.keys('Enter');
        // The line is wider than the terminal: its start, and the file.
        await p.waitFor('Answers saved to ');
        const file = parseYaml(readFileSync(saved, 'utf8')) as Record<string, unknown>;
        expect(file).toMatchObject({
          role: 'null-client',
          myhostname: 'client.example.com',
          relayhost: '[127.0.0.1]:2525',
        });
        expect(file.postmaster).toBe(POSTMASTER);
      } else p.keys('Enter');
      expect(await p.exitCode()).toBe(0);
      expect(summary).toContain('  /etc/postfix/main.cf (created)');
      expect(summary).toContain('Skipped: restart Postfix (--root: daemons are not touched)');
      expect(summary).toMatch(new RegExp(`Backup: {2}${root}/var/backups/mailsetup/\\d{8}T\\d{6}Z`));
      p.close();

      const n = postconfN(root);
      for (const [k, v] of Object.entries(run.params)) expect(n[k], `postconf -n ${k}`).toBe(v);
      const state = parseYaml(readFileSync(join(root, 'etc/postfix/mailsetup.yaml'), 'utf8')) as {
        answers: Record<string, unknown>;
      };
      expect(state.answers.role).toBe(run.role);
      expect(state.answers.postmaster).toBe(POSTMASTER);
      roots[run.role] = root;
    },
  );

  test.skipIf(!AS_ROOT).each(RUNS)(
    '$role again: the current role is pre-selected; accepting every default changes nothing',
    async (run) => {
      const root = roots[run.role];
      expect(root, 'the first run of this role must have passed').toBeDefined();
      const before = snapshotTree(root);
      const p = wizard(root);
      const first = await p.waitFor(`Role:    ${run.title} (${run.role})`);
      expect(first).toContain(`❯ ${run.title} — `);
      expect(first.split('(current)')).toHaveLength(2);
      p.keys('Enter');
      await p.waitFor(`${run.title} (${run.role}) · question 1 of `);
      const preview = await answerAll(p, {});
      expect(preview).toContain('No change: the files already match these answers; nothing will run.');
      expect(preview).toContain('Nothing to change. Enter/y finish');
      p.keys('Enter');
      await p.waitFor(
        `✓ Nothing to change: the configuration already matches these answers (${run.title} (${run.role})).`,
      );
      // Nothing applied: no next steps and no check, only the offer to save the answers (declined).
      await p.waitFor('Save these answers to reuse on another host?');
      expect(p.history()).not.toContain('Next steps, outside this host');
      p.keys('Enter');
      expect(await p.exitCode()).toBe(0);
      p.close();
      expect(snapshotTree(root)).toEqual(before);
    },
  );

  test.skipIf(!AS_ROOT)(
    'a role change in the wizard: mail-server → backup-mx shows only the changes and keeps the answers given before',
    async () => {
      const root = roots['mail-server'];
      expect(root, 'the mail-server run must have passed').toBeDefined();
      const p = wizard(root);
      await p.waitFor('Role:    Domain mail server (mail-server)');
      await chooseRole(p, 1, RUNS[2]);
      // The host name typed for the mail server is the default now.
      await p.waitFor('> mail.example.com');
      const preview = await answerAll(p, {
        ...RUNS[2].answers,
        [HOST_Q]: { text: 'mail.example.com' },
        [POSTMASTER_Q]: { keep: [] },
      });
      expect(preview).toContain('Plan for role backup-mx');
      expect(preview).toContain('/etc/postfix/main.cf — Postfix main configuration (changed)');
      expect(preview).not.toContain('--- /dev/null\n+++ /etc/postfix/main.cf');
      await findInPreview(p, '-mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain');
      await findInPreview(p, '+mydestination = $myhostname, localhost.$mydomain, localhost');
      await findInPreview(p, '+relay_domains = example.net');
      if (WRITE_DOCS) {
        await previewTop(p);
        writeFileSync(join(ROOT, 'docs', 'preview.txt'), trimmed(p.screen()));
        writeFileSync(join(ROOT, 'docs', 'preview.ansi'), trimmed(p.screen(true)));
      }
      p.keys('y');
      await p.waitFor('Check it now with mailsetup --verify', 30_000);
      expect(p.history()).toContain(
        `✓ Done: the sandbox ${root} is now configured as Backup MX (behind NAT) (backup-mx).`,
      );
      p.type('n');
      p.keys('Enter');
      await p.waitFor('Save these answers to reuse on another host?');
      p.keys('Enter');
      expect(await p.exitCode()).toBe(0);
      p.close();
      const n = postconfN(root);
      expect(n.mydestination).toBe('$myhostname, localhost.$mydomain, localhost');
      expect(n.relay_domains).toBe('example.net');
      expect(n.myhostname).toBe('mail.example.com');
    },
  );

  test.skipIf(!AS_ROOT)(
    "the documents' recipes in the wizard: a name added to mydestination, mynetworks_style = host, an extra alias",
    async () => {
      const root = makeSandbox();
      made.push(root);
      const p = wizard(root);
      await p.waitFor('Role:    none yet');
      await chooseRole(p, 0, RUNS[1]);
      const asked: string[] = [];
      await answerAll(
        p,
        {
          [HOST_Q]: { text: 'mailhost.example.com' },
          'Domains whose mail is delivered on this host (mydestination)': { add: ['www.$mydomain'] },
          'How to decide which clients may send mail through this host (mynetworks_style)': {
            choose: 'this host only (mynetworks_style = host)',
          },
          'Send outgoing mail through a smart host? (relayhost)': { text: '[mail.$mydomain]' },
          [POSTMASTER_Q]: { text: POSTMASTER },
          'More mail aliases on this host (/etc/aliases)': { add: ['joe joe@joes.preferred.machine'] },
        },
        asked,
      );
      // The style chosen (on the review), the list of networks is not asked.
      expect(asked).toContain('How to decide which clients may send mail through this host (mynetworks_style)');
      expect(asked).not.toContain('Networks allowed to send mail through this host (mynetworks)');
      await findInPreview(p, '+mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain, www.$mydomain');
      await findInPreview(p, '+mynetworks_style = host');
      await findInPreview(p, '+joe: joe@joes.preferred.machine');
      // A $name reference: written as given, shown expanded.
      // (The summary's one line per parameter: the $names expanded in brackets after the value.)
      await findInPreview(p, '  relayhost: (default: empty) → [mail.$mydomain] ([mail.example.com])');
      p.keys('y');
      // The summary, then the next steps (which may scroll it out of view: read from the scrollback).
      await p.waitFor('Check it now with mailsetup --verify', 30_000);
      expect(p.history()).toContain(
        `✓ Done: the sandbox ${root} is now configured as Domain mail server (mail-server).`,
      );
      p.type('n');
      p.keys('Enter');
      await p.waitFor('Save these answers to reuse on another host? File name (Enter: no):');
      p.keys('Enter');
      expect(await p.exitCode()).toBe(0);
      p.close();
      const n = postconfN(root);
      expect(n.mydestination).toBe('$myhostname, localhost.$mydomain, localhost, $mydomain, www.$mydomain');
      expect(n.mynetworks_style).toBe('host');
      expect(n.mynetworks).toBeUndefined();
      expect(n.relayhost).toBe('[mail.$mydomain]');
      expect(readFileSync(join(root, 'etc/aliases'), 'utf8')).toContain('\njoe: joe@joes.preferred.machine\n');
    },
  );

  test('a step that fails (postmap) shows each step once, the rollback and exit 1; the files are as before', async () => {
    const root = makeSandbox();
    made.push(root);
    const bin = join(root, '..', `${root.split('/').pop()}-bin`);
    made.push(bin);
    mkdirSync(bin);
    writeFileSync(join(bin, 'postmap'), '#!/bin/sh\necho "postmap: fatal: simulated failure" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const before = contentOf(snapshotTree(root));
    const p = server.start([process.execPath, BIN, '--root', root], {
      env: { NO_COLOR: undefined, FORCE_COLOR: undefined, PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    await p.waitFor('Role:    none yet');
    p.keys('Enter');
    await p.waitFor('question 1 of ');
    await answerAll(p, RUNS[0].answers);
    p.keys('y');
    await p.waitFor('↺ Rolled back: the earlier files are back in place', 30_000);
    // The wizard is back at the preview with the answers; leaving ends it as the failed apply did.
    await p.waitFor('Apply these changes?');
    p.keys('C-c');
    expect(await p.exitCode()).toBe(1);
    const s = p.screen();
    expect(s).toContain('✗ Apply failed: Rebuild the lookup table /etc/postfix/virtual (postmap) failed:');
    expect(s).toContain('postmap: fatal: simulated failure');
    expect(s.split('Take the lock')).toHaveLength(2);
    expect(s).toContain('↺ Restore /etc/postfix/main.cf (rolled back)');
    expect(s).not.toMatch(/^ {2}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /m);
    p.close();
    const etc = (snap: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(snap).filter(([k]) => k.startsWith('etc')));
    expect(etc(contentOf(snapshotTree(root)))).toEqual(etc(before));
  });

  test("at 80×24: ? shows a question's help; the preview opens on the summary; each file is one key away", async () => {
    const root = makeSandbox();
    made.push(root);
    const before = snapshotTree(root);
    const p = wizard(root, { cols: 80, rows: 24 });
    const first = await p.waitFor('Role:    none yet (fresh configuration)');
    expect(first).toContain(`Sandbox: ${root}`);
    await chooseRole(p, 0, RUNS[0]);
    // ? opens the question's help, which fits the terminal; ? closes it.
    p.type('?');
    const help = await p.waitFor('? Esc or Enter close this help');
    expect(help).toContain(HOST_Q);
    expect(help).toContain('BASIC_CONFIGURATION_README');
    expect(help).toContain('https://www.postfix.org/postconf.5.html#myhostname');
    expect(help).not.toContain('the name other mail servers know this host by');
    for (const l of help.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    p.type('?');
    await p.waitFor(
      (x) => x.includes('the name other mail servers know this host by') && !x.includes('close this help'),
    );
    const page = await answerAll(p, RUNS[0].answers);
    const lines = page.split('\n');
    // The compact header, then the tabs, then the summary from its first line; no diff on this page.
    expect(lines[0]).toContain(`sandbox ${root}`);
    expect(lines[1]).toMatch(/^\[s summary\] +1 main\.cf +2 /);
    expect(lines[2]).toBe('Plan for role null-client');
    expect(lines[3]).toBe('Role:    null-client (first configuration: there is no main.cf yet)');
    expect(page).toContain(`Sandbox: ${root} (--root: files only`);
    expect(page).toContain('Parameters (old → new, $names expanded)');
    expect(page).not.toMatch(/^(---|\+\+\+|@@) /m);
    expect(page).toMatch(/summary · lines 1–\d+ of \d+/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    // The rest of the summary is on the same page, below: the relay host typed, the commands.
    await findInPreview(p, '  relayhost: (default: empty) → [127.0.0.1]:2525');
    expect(p.screen()).toContain('[s summary]');
    await findInPreview(p, 'Commands to run, in order');
    expect(p.screen()).toContain('[s summary]');
    await findInPreview(p, 'postfix check — check the configuration');
    expect(p.screen()).toContain('[s summary]');
    // One key shows main.cf's diff.
    p.type('1');
    const diff = await p.waitFor('[1 main.cf]');
    expect(diff).toContain('/etc/postfix/main.cf — Postfix main configuration');
    expect(diff).toMatch(/^\+\+\+ \/etc\/postfix\/main\.cf$/m);
    await findInPreview(p, '+relayhost = [127.0.0.1]:2525');
    expect(p.screen()).toContain('[1 main.cf]');
    p.keys('C-c');
    expect(await p.exitCode()).toBe(130);
    p.close();
    expect(snapshotTree(root)).toEqual(before);
  });

  test('at 80×24: the review of all settings lists each with its value and origin; one is changed there and the review comes back', async () => {
    const root = makeSandbox();
    made.push(root);
    const before = snapshotTree(root);
    const p = wizard(root, { cols: 80, rows: 24 });
    await p.waitFor('Role:    none yet (fresh configuration)');
    await chooseRole(p, 0, RUNS[1]);
    const asked: string[] = [];
    const CHROOT_Q = 'Run the network services in a chroot jail? (master.cf chroot column)';
    const preview = await answerAll(
      p,
      { [HOST_Q]: { text: 'mail.example.com' }, [POSTMASTER_Q]: { text: POSTMASTER } },
      asked,
      async (review) => {
        const lines = review.split('\n');
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
        expect(lines[0]).toContain(`sandbox ${root}`);
        expect(lines[1]).toMatch(/^Domain mail server \(mail-server\) · review all settings · rows 1–\d+ of \d+$/);
        expect(review).toContain(REVIEW);
        expect(review).toMatch(/^2 asked; the other \d+ keep the value shown/m);
        expect(review).toContain('› Continue: build the plan and show the preview');
        expect(review).toMatch(/^ {2}myhostname +mail\.example\.com +you set$/m);
        expect(review).toMatch(/^ {2}mydomain +example\.com +default$/m);
        expect(review).toMatch(/^ {2}myorigin +\$mydomain +default$/m);
        expect(review).toContain('Every setting below goes into the plan with the value shown');
        expect(review).toContain('↑/↓ move · Enter change it / continue · Esc back · Ctrl-C quit without writing');
        if (WRITE_DOCS) writeFileSync(join(ROOT, 'docs', 'review.txt'), trimmed(review));
        // The row of a setting not asked: its whole origin below the list; Enter opens its question.
        await reviewRow(p, 'master.cf chroot column');
        const row = await p.waitFor(/^› master\.cf chroot column +yes +default$/m);
        expect(row).toContain('Run the network services in a chroot jail? (master.cf chroot column): yes · as');
        key(p, 'Enter');
        await p.waitFor(`Domain mail server (mail-server) · setting from the review\n${CHROOT_Q}\n`);
        key(p, 'n');
        // Back on the review, on the same row, with the new value and its origin.
        const back = await p.waitFor(/^› master\.cf chroot column +no +you set$/m);
        expect(back).toContain(REVIEW);
      },
    );
    // The short path asked two; the chroot question was opened from the review (above).
    expect(asked).toEqual([HOST_Q, POSTMASTER_Q]);
    expect(preview).toContain('Plan for role mail-server');
    await findInPreview(p, 'chroot');
    // Esc from the preview: the review again, its cursor on "continue".
    key(p, 'Escape');
    await p.waitFor((x) => x.includes(REVIEW) && x.includes('› Continue: build the plan'));
    p.keys('C-c');
    expect(await p.exitCode()).toBe(130);
    p.close();
    expect(snapshotTree(root)).toEqual(before);
  });

  test('Ctrl-C before confirming exits 130 and writes nothing', async () => {
    const root = makeSandbox();
    made.push(root);
    const before = snapshotTree(root);
    const p = wizard(root);
    await p.waitFor('Role:    none yet');
    p.keys('Enter');
    await p.waitFor('question 1 of ');
    await typeAnswer(p, 'client.example.com');
    await p.waitFor('question 2 of ');
    p.keys('C-c');
    expect(await p.exitCode()).toBe(130);
    expect(p.screen()).toContain('Cancelled: nothing was written.');
    p.close();
    expect(snapshotTree(root)).toEqual(before);
  });

  test('on a terminal, a user other than root gets the root message and no wizard', async () => {
    // Run as root, the test becomes nobody; otherwise it already is a user other than root.
    const asUser = IS_ROOT ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
    const p = server.start([...asUser, process.execPath, BIN], { cwd: tmpdir() });
    expect(await p.exitCode()).toBe(2);
    const s = p.screen();
    expect(s).toContain(
      'mailsetup: root is needed to configure Postfix: run it with sudo (or use --dry-run, or --root DIR for a sandbox)',
    );
    expect(s).not.toContain('Which role');
    p.close();
  });
});

(TMUX_AVAILABLE ? describe : describe.skip)('the terminal helper (helpers/tmux.ts)', TIMEOUT, () => {
  test('kill() leaves no socket behind (tmux leaves its socket file when its server is killed)', async () => {
    const server = new TmuxServer('mailsetup-helper');
    try {
      const pane = server.start(['sh', '-c', 'echo ready']);
      await pane.waitFor('ready');
      expect(existsSync(tmuxSocketPath(server.socket))).toBe(true);
      server.kill();
      expect(existsSync(tmuxSocketPath(server.socket))).toBe(false);
    } finally {
      server.kill(); // again when the test failed before it: kill() may run twice
    }
  });

  test('keys, text and screen reads go through the control client, in order; other words as a tmux process, literally', async () => {
    const server = new TmuxServer('mailsetup-helper');
    try {
      // The terminal's echo off: each line shows once, when cat prints it back.
      const pane = server.start(['sh', '-c', 'stty -echo; echo ready; exec cat']);
      await pane.waitFor('ready');
      const started = server.processes; // the session's own new-session (its command has quotes)
      // Words tmux's parser would change outside quotes: a separator, a comment, a variable, a home.
      const plain = 'a;b ; #c $HOME ~ {d} "e" 100%';
      for (let i = 0; i < 20; i++) {
        pane.type(`${i}:${plain}`);
        pane.keys('Enter');
      }
      const lines = Array.from({ length: 20 }, (_, i) => `${i}:${plain}\n`);
      expect(await pane.waitFor(lines.join(''))).toContain(`ready\n${lines.join('')}`);
      expect(server.processes).toBe(started);
      // A quote, a backslash (also last), a character outside ASCII: each as a process of its own.
      for (const text of ["it's", 'back\\slash\\', 'sent ✓']) {
        pane.type(text);
        pane.keys('Enter');
        await pane.waitFor(`${text}\n`);
      }
      expect(server.processes).toBe(started + 3);
      pane.close();
      expect(server.tmux('list-sessions', '-F', '#{session_name}')).toBe('control\n');
    } finally {
      server.kill();
    }
  });
});
