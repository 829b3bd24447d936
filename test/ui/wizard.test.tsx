/**
 * The wizard end to end against the fake backend: every screen, driven by keypresses, read from
 * the rendered frame.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { deferred, fakeBackend } from './fakeBackend.js';
import type { FakeOptions } from './fakeBackend.js';
import { KEY, plain, press, tick, type, waitFor } from './keys.js';

afterEach(() => cleanup());

/** Render the wizard; collects the exit code. */
function start(opts: FakeOptions = {}) {
  const fake = fakeBackend(opts);
  const exits: number[] = [];
  const r = render(<App backend={fake} onExit={(c) => exits.push(c)} />);
  const frame = () => plain(r.lastFrame());
  return { fake, exits, ...r, frame, wait: (text: string) => waitFor(r.lastFrame, text) };
}

type Started = ReturnType<typeof start>;

/** Null client with every default and no SASL: role, 4 Enters (hostname, relayhost, protocols, chroot), empty user name. */
async function nullClientDefaults(w: Started, until = 'Plan for role null-client'): Promise<void> {
  await w.wait('Role:');
  await press(w.stdin, KEY.enter);
  await w.wait('question 1 of 5');
  await press(w.stdin, KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
  await w.wait(until);
}

describe('start header and role screen', () => {
  test('the first frame comes before the host probe and says "probing"; the facts arrive later', async () => {
    const gate = deferred<void>();
    const w = start({ hostGate: gate });
    const first = w.frame();
    expect(first).toContain('probing the host…');
    expect(first).toContain('❯ Null client — sends only, through a relay host');
    expect(first).toContain('  Mail server — receives mail for the domain and the local network');
    expect(first).toContain('(still probing the host)');
    gate.resolve();
    const f = await w.wait('Host:');
    expect(f).toContain('Host:    mx1.example.com (mx1) · 192.168.1.10/24 (eth0), 2001:db8::10/64 (eth0)');
    expect(f).toContain('Postfix: 3.7.11, running');
    expect(f).toContain('Role:    none yet (fresh configuration)');
    expect(f).toContain('Postfix 3.7.11: no main.cf yet');
    expect(f).not.toContain('probing');
  });

  test('Enter before the probe finished is kept: the questions follow once the host is known', async () => {
    const gate = deferred<void>();
    const w = start({ hostGate: gate });
    await tick();
    await press(w.stdin, KEY.down, KEY.enter);
    expect(w.frame()).toContain('Probing the host…');
    expect(w.fake.questionCalls).toHaveLength(0);
    gate.resolve();
    await w.wait('Mail server (mail-server) · question 1 of 4');
  });

  test('arrows move the cursor and Enter chooses the role', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.down);
    expect(w.frame()).toContain('❯ Mail server');
    await press(w.stdin, KEY.down); // stays on the last role
    expect(w.frame()).toContain('❯ Mail server');
    await press(w.stdin, KEY.up);
    expect(w.frame()).toContain('❯ Null client');
    await press(w.stdin, KEY.down, KEY.enter);
    const f = await w.wait('question 1 of 4');
    expect(f).toContain('Mail server (mail-server) · question 1 of 4');
    expect(f).toContain('Host name (myhostname)');
    expect(f).toContain('explains myhostname');
    expect(f).toContain('default: mx1.example.com');
    expect(w.fake.questionCalls[0].role).toBe('mail-server');
  });

  test('on a re-run the current role is pre-selected and every question defaults to the current value', async () => {
    const w = start({
      detection: {
        role: 'mail-server',
        answers: { role: 'mail-server', myhostname: 'mail.example.org', mynetworks: ['127.0.0.0/8', '10.1.0.0/16'] },
        summary: ['Postfix 3.7.11, configured by mailsetup as mail-server', 'myhostname = mail.example.org'],
      },
    });
    let f = await w.wait('(current)');
    expect(f).toContain('❯ Mail server — receives mail for the domain and the local network  (current)');
    expect(f).toContain('Role:    Mail server (mail-server)');
    expect(f).toContain('myhostname = mail.example.org');
    await press(w.stdin, KEY.enter);
    f = await w.wait('question 1 of 4');
    expect(f).toContain('default: mail.example.org');
    expect(f).toContain('> mail.example.org');
    await press(w.stdin, KEY.enter);
    f = await w.wait('question 2 of 4');
    expect(f).toContain('1. 127.0.0.0/8');
    expect(f).toContain('2. 10.1.0.0/16');
    expect(w.fake.questionCalls[0].current.myhostname).toBe('mail.example.org');
  });

  test('answers from the command line pre-select their role and pre-fill, but the header names what the machine has', async () => {
    const w = start({
      detection: {
        role: null,
        answers: {},
        summary: ['Postfix 3.7.11: no main.cf yet'],
        suggested: 'mail-server',
      },
      preset: { myhostname: 'given.example.org' },
    });
    const f = await w.wait('Role:');
    expect(f).toContain('Role:    none yet (fresh configuration)');
    expect(f).toContain('❯ Mail server');
    expect(f).not.toContain('(current)');
    await press(w.stdin, KEY.enter);
    expect(await w.wait('question 1 of 4')).toContain('> given.example.org');
  });

  test('a custom configuration is named but no role is pre-selected', async () => {
    const w = start({ detection: { role: 'custom', answers: {}, summary: [] } });
    const f = await w.wait('Role:');
    expect(f).toContain('Role:    custom (configured by hand, not by mailsetup)');
    expect(f).toContain('❯ Null client');
    expect(f).not.toContain('(current)');
  });
});

describe('questions', () => {
  test('typing an answer with Backspace edits, and the plan gets the typed value', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    await w.wait('> mx1.example.com');
    await press(w.stdin, KEY.backspace, KEY.backspace, KEY.backspace);
    expect(w.frame()).toContain('> mx1.example.');
    await type(w.stdin, 'org');
    expect(w.frame()).toContain('> mx1.example.org');
    await press(w.stdin, KEY.enter);
    await w.wait('question 2 of 5');
    await press(w.stdin, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    await w.wait('Plan for role null-client');
    expect(w.fake.planCalls).toEqual([
      {
        role: 'null-client',
        myhostname: 'mx1.example.org',
        relayhost: '[smtp.example.com]:587',
        inet_protocols: 'ipv4',
        chroot: true,
      },
    ]);
  });

  test('invalid input shows the exact message beside the field and does not advance; editing clears it', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    await w.wait('> mx1.example.com');
    await press(w.stdin, ...Array<string>(15).fill(KEY.backspace));
    await type(w.stdin, 'bad host');
    await press(w.stdin, KEY.enter);
    let f = w.frame();
    expect(f).toContain('> bad host');
    expect(f).toContain('✗ "bad host" is not a fully qualified host name');
    expect(f).toContain('question 1 of 5');
    await press(w.stdin, KEY.enter); // again: still refused
    expect(w.frame()).toContain('question 1 of 5');
    await press(w.stdin, KEY.backspace);
    f = w.frame();
    expect(f).not.toContain('✗');
    expect(w.fake.questionCalls).toHaveLength(1);
  });

  test('Esc goes back one question and keeps the answers; from the first question back to the roles', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    await w.wait('> mx1.example.com');
    await press(w.stdin, KEY.backspace, KEY.backspace, KEY.backspace);
    await type(w.stdin, 'net');
    await press(w.stdin, KEY.enter);
    await w.wait('question 2 of 5');
    await press(w.stdin, KEY.backspace, KEY.backspace, KEY.backspace);
    await type(w.stdin, '25');
    await press(w.stdin, KEY.enter);
    await w.wait('question 3 of 5');
    await press(w.stdin, KEY.esc);
    let f = await w.wait('question 2 of 5');
    expect(f).toContain('> [smtp.example.com]:25');
    await press(w.stdin, KEY.esc);
    f = await w.wait('question 1 of 5');
    expect(f).toContain('> mx1.example.net');
    await press(w.stdin, KEY.esc);
    f = await w.wait('Which role should this host play?');
    expect(f).toContain('❯ Null client');
    await press(w.stdin, KEY.enter);
    f = await w.wait('question 1 of 5');
    expect(f).toContain('> mx1.example.net');
    expect(w.fake.planCalls).toHaveLength(0);
  });

  test('a choice is picked with arrows, a boolean with n, SASL credentials are masked', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter, KEY.enter, KEY.enter);
    let f = await w.wait('question 3 of 5');
    expect(f).toContain('❯ ipv4 only (ipv4)');
    expect(f).toContain('default: ipv4 only');
    await press(w.stdin, KEY.up, KEY.up, KEY.up);
    expect(w.frame()).toContain('❯ all (IPv4 and IPv6) (all)');
    await press(w.stdin, KEY.enter);
    f = await w.wait('question 4 of 5');
    expect(f).toContain('default: yes');
    expect(f).toContain('(y/n, or Enter for yes)');
    await press(w.stdin, 'n');
    f = await w.wait('question 5 of 5');
    expect(f).toContain('user name:');
    await type(w.stdin, 'relayuser');
    await press(w.stdin, KEY.enter);
    await w.wait('password:');
    await type(w.stdin, 's3cr3t');
    // In a secret, ? is a character of the password, not the help.
    await press(w.stdin, '?');
    f = w.frame();
    expect(f).toContain('password: *******');
    expect(f).not.toContain('close this help');
    expect(f).not.toContain('s3cr3t');
    await press(w.stdin, KEY.enter);
    f = await w.wait('Plan for role null-client');
    expect(f).not.toContain('s3cr3t');
    expect(w.fake.planCalls[0]).toEqual({
      role: 'null-client',
      myhostname: 'mx1.example.com',
      relayhost: '[smtp.example.com]:587',
      inet_protocols: 'all',
      chroot: false,
      smtp_sasl: { username: 'relayuser', password: 's3cr3t?' },
    });
    // The secret map shows no contents in the preview: its page, by its key, says so.
    f = w.frame();
    expect(f).toContain('[s summary]  1 main.cf   2 sasl_passwd');
    await press(w.stdin, '2');
    f = w.frame();
    expect(f).toContain('[2 sasl_passwd]');
    expect(f).toContain('(secret: contents hidden, 1 line)');
    expect(f).not.toContain('relayuser:');
  });

  test('? opens the help in place of the explanation; the field keeps what was typed; ?, Esc and Enter close it', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    let f = await w.wait('question 1 of 5');
    expect(f).toContain('Enter accept · Esc back · ? help · Ctrl-C quit without writing');
    await press(w.stdin, KEY.backspace, KEY.backspace, KEY.backspace);
    await type(w.stdin, 'org');
    await w.wait('> mx1.example.org');
    await press(w.stdin, '?');
    f = w.frame();
    expect(f).toContain('what myhostname does');
    expect(f).toContain('when to change myhostname');
    expect(f).toContain('? Esc or Enter close this help');
    expect(f).not.toContain('explains myhostname');
    expect(f).toContain('> mx1.example.org');
    expect(f).not.toContain('> mx1.example.org?');
    // While the help is open, keys are the help's: typing, Enter and Esc reach neither field nor wizard.
    await type(w.stdin, 'xyz');
    expect(w.frame()).toContain('> mx1.example.org');
    expect(w.frame()).not.toContain('xyz');
    await press(w.stdin, KEY.enter);
    f = w.frame();
    expect(f).not.toContain('what myhostname does');
    expect(f).toContain('explains myhostname');
    expect(f).toContain('question 1 of 5');
    await press(w.stdin, '?');
    expect(w.frame()).toContain('what myhostname does');
    await press(w.stdin, KEY.esc);
    f = w.frame();
    expect(f).toContain('question 1 of 5');
    expect(f).not.toContain('what myhostname does');
    await press(w.stdin, '?', '?');
    expect(w.frame()).not.toContain('what myhostname does');
    // The typed answer is still there and is what Enter submits.
    await press(w.stdin, KEY.enter);
    await w.wait('question 2 of 5');
    await press(w.stdin, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    await w.wait('Plan for role null-client');
    expect(w.fake.planCalls[0].myhostname).toBe('mx1.example.org');
  });

  test('F1 opens the help too, also in a login where ? is typed; in a list ? opens it and the entries stay', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    await w.wait('question 1 of 5');
    await press(w.stdin, KEY.f1);
    expect(w.frame()).toContain('what myhostname does');
    await press(w.stdin, KEY.f1);
    expect(w.frame()).not.toContain('what myhostname does');
    await press(w.stdin, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    let f = await w.wait('question 5 of 5');
    expect(f).toContain('Enter accept · Esc back · F1 help · Ctrl-C quit without writing');
    await type(w.stdin, 'user?');
    expect(w.frame()).toContain('user name: user?');
    await press(w.stdin, KEY.enter);
    await w.wait('password:');
    await type(w.stdin, 'pw?');
    await press(w.stdin, KEY.f1);
    f = w.frame();
    expect(f).toContain('what smtp_sasl does');
    expect(f).toContain('password: ***');
    await press(w.stdin, KEY.esc);
    f = w.frame();
    expect(f).not.toContain('what smtp_sasl does');
    // Esc closed the help, not the password field: it still holds what was typed.
    expect(f).toContain('password: ***');
    await press(w.stdin, KEY.enter);
    await w.wait('Plan for role null-client');
    expect(w.fake.planCalls[0].smtp_sasl).toEqual({ username: 'user?', password: 'pw?' });

    const m = start();
    await m.wait('Role:');
    await press(m.stdin, KEY.down, KEY.enter, KEY.enter);
    f = await m.wait('question 2 of 4');
    expect(f).toContain('· ? help ·');
    await press(m.stdin, KEY.up, '?');
    expect(m.frame()).toContain('what mynetworks does');
    await press(m.stdin, 'd', KEY.enter);
    f = m.frame();
    expect(f).not.toContain('what mynetworks does');
    expect(f).toContain('1. 127.0.0.0/8');
    expect(f).toContain('2. 192.168.1.0/24');
    expect(f).toContain('question 2 of 4');
  });

  test('list editing: add, edit and remove entries; the list reaches the plan', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.down, KEY.enter, KEY.enter);
    let f = await w.wait('question 2 of 4');
    expect(f).toContain('  1. 127.0.0.0/8');
    expect(f).toContain('  2. 192.168.1.0/24');
    expect(f).toContain('❯ ✓ done: accept this list');
    expect(f).toContain('↑/↓ move · Enter edit/choose · a add · d/Del remove · Esc back');
    // add
    await press(w.stdin, 'a');
    await type(w.stdin, '10.0.0.0/8');
    await press(w.stdin, KEY.enter);
    f = w.frame();
    expect(f).toContain('  3. 10.0.0.0/8');
    // remove the second entry with d
    await press(w.stdin, KEY.up, KEY.up, KEY.up);
    expect(w.frame()).toContain('❯ 2. 192.168.1.0/24');
    await press(w.stdin, 'd');
    f = w.frame();
    expect(f).not.toContain('. 192.168.1.0/24');
    expect(f).toContain('  1. 127.0.0.0/8');
    expect(f).toContain('❯ 2. 10.0.0.0/8');
    // edit it: Enter, Backspace, type
    await press(w.stdin, KEY.enter, KEY.backspace);
    await type(w.stdin, '16');
    await press(w.stdin, KEY.enter);
    expect(w.frame()).toContain('❯ 2. 10.0.0.0/16');
    // an invalid entry is refused with the exact message on "done"
    await press(w.stdin, 'a');
    await type(w.stdin, 'nonsense');
    await press(w.stdin, KEY.enter, KEY.enter);
    f = w.frame();
    expect(f).toContain('✗ "nonsense" is not a network in CIDR form');
    expect(f).toContain('question 2 of 4');
    // remove it with Delete (the cursor is on "done": go up to it)
    await press(w.stdin, KEY.up, KEY.up, KEY.delete);
    f = w.frame();
    expect(f).not.toContain('nonsense');
    expect(f).not.toContain('✗');
    await press(w.stdin, KEY.down, KEY.down, KEY.enter);
    await w.wait('question 3 of 4');
    // the map question: "key value" entries, a bad one refused
    await press(w.stdin, 'a');
    await type(w.stdin, 'example.com');
    await press(w.stdin, KEY.enter, KEY.enter);
    expect(w.frame()).toContain('✗ "example.com" needs a key and a value separated by a space');
    await press(w.stdin, KEY.up, KEY.up, KEY.enter);
    await type(w.stdin, ' relay:[10.0.0.5]');
    await press(w.stdin, KEY.enter, KEY.down, KEY.down, KEY.enter);
    await w.wait('question 4 of 4');
    await press(w.stdin, KEY.enter);
    await w.wait('Plan for role mail-server');
    expect(w.fake.planCalls[0]).toEqual({
      role: 'mail-server',
      myhostname: 'mx1.example.com',
      mynetworks: ['127.0.0.0/8', '10.0.0.0/16'],
      transport: { 'example.com': 'relay:[10.0.0.5]' },
      postmaster: 'root@example.com',
    });
  });

  test('Esc while editing a list entry cancels the edit; Esc in the list goes back', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.down, KEY.enter, KEY.enter);
    await w.wait('question 2 of 4');
    await press(w.stdin, 'a');
    await type(w.stdin, '10.9.9.0/24');
    await press(w.stdin, KEY.esc);
    let f = w.frame();
    expect(f).not.toContain('10.9.9.0/24');
    expect(f).toContain('question 2 of 4');
    await press(w.stdin, KEY.esc);
    f = await w.wait('question 1 of 4');
    expect(f).toContain('> mx1.example.com');
  });
});

describe('preview', () => {
  test('the summary comes first (role, parameters old → new, findings, commands, the files); a key per file shows its diff', async () => {
    const w = start({ padLines: 0 });
    await nullClientDefaults(w);
    let f = w.frame();
    expect(f).toContain('[s summary]  1 main.cf');
    expect(f).toContain('Plan for role null-client');
    expect(f).toContain('Role:    null-client (first configuration: there is no main.cf yet)');
    expect(f).toContain('relayhost: (empty) → [smtp.example.com]:587');
    expect(f).toContain('myorigin: (default: mx1.example.com) → $mydomain (example.com)');
    expect(f).toContain('1. postfix check — check the configuration and file permissions before Postfix uses them');
    expect(f).toContain('2. postfix reload — Postfix reads the changed configuration');
    expect(f).toContain('warning helo-name: the HELO name has no DNS A record');
    expect(f).toContain('  1 /etc/postfix/main.cf — Postfix main configuration (changed)');
    expect(f).toContain('Unchanged: /etc/postfix/master.cf, /etc/aliases, /etc/rsyslog.d/postfix.conf');
    expect(f).toContain('summary · lines 1–17 of 17 · Tab next · s summary · 1 the file');
    expect(f).toContain('⚠ 1 warning: see Findings in the summary (s)');
    expect(f).toContain('Apply these changes? y apply');
    expect(f).not.toContain('--- /etc/postfix/main.cf');
    // The summary names the parameters in order of the sections: parameters, findings, commands, files.
    const order = ['Parameters (old → new', 'Findings', 'Commands to run, in order', 'Files (a key'].map((h) =>
      f.indexOf(h),
    );
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(order[0]).toBeGreaterThan(0);

    await press(w.stdin, '1');
    f = w.frame();
    expect(f).toContain(' s summary  [1 main.cf]');
    expect(f).toContain('/etc/postfix/main.cf — Postfix main configuration (changed)');
    expect(f).toContain('--- /etc/postfix/main.cf');
    expect(f).toContain('@@ -1,6 +1,6 @@');
    expect(f).toContain('-inet_interfaces = all');
    expect(f).toContain('+inet_interfaces = loopback-only');
    expect(f).toContain('+relayhost = [smtp.example.com]:587');
    expect(f).toContain('main.cf · lines 1–12 of 12');
    expect(f).not.toContain('Commands to run');
    expect(f).toContain('Apply these changes? y apply');

    await press(w.stdin, 's');
    expect(w.frame()).toContain('[s summary]');
    expect(w.frame()).toContain('Commands to run, in order');
    // Tab and → go to the next page, Shift-Tab and ← back; past the last, the first again.
    await press(w.stdin, KEY.tab);
    expect(w.frame()).toContain('[1 main.cf]');
    await press(w.stdin, KEY.tab);
    expect(w.frame()).toContain('[s summary]');
    await press(w.stdin, KEY.shiftTab);
    expect(w.frame()).toContain('[1 main.cf]');
    await press(w.stdin, KEY.left);
    expect(w.frame()).toContain('[s summary]');
    await press(w.stdin, KEY.right);
    expect(w.frame()).toContain('[1 main.cf]');
    // A key past the files does nothing.
    await press(w.stdin, '2');
    expect(w.frame()).toContain('[1 main.cf]');
  });

  test('a long page scrolls with arrows and PgUp/PgDn and says which lines are shown; a new page starts at its top', async () => {
    const w = start({ padLines: 60 });
    await nullClientDefaults(w);
    expect(w.frame()).toContain('summary · lines 1–17 of 17');
    await press(w.stdin, '1');
    // 24 rows: 1 header line, the tabs, 18 lines of the page, the position line and a 2-line footer.
    let f = w.frame();
    const total = /main\.cf · lines 1–18 of (\d+)/.exec(f);
    expect(total).not.toBeNull();
    const n = Number(total?.[1]);
    expect(n).toBeGreaterThan(60);
    expect(f.split('\n')).toHaveLength(23);
    expect(f).toContain('/etc/postfix/main.cf — Postfix main configuration (changed)');
    await press(w.stdin, KEY.down);
    f = w.frame();
    expect(f).toContain('lines 2–19 of');
    expect(f).not.toContain('/etc/postfix/main.cf — Postfix main configuration');
    await press(w.stdin, KEY.pageDown);
    expect(w.frame()).toContain('lines 19–36 of');
    await press(w.stdin, KEY.pageUp, KEY.up);
    expect(w.frame()).toContain('lines 1–18 of');
    await press(w.stdin, KEY.up);
    expect(w.frame()).toContain('lines 1–18 of');
    for (let i = 0; i < 10; i++) await press(w.stdin, KEY.pageDown);
    f = w.frame();
    expect(f).toContain(`lines ${n - 17}–${n} of ${n}`);
    expect(f).toContain('+# padding line 60');
    // The summary starts at its top, and so does the file page when it is shown again.
    await press(w.stdin, 's');
    expect(w.frame()).toContain('summary · lines 1–17 of 17');
    await press(w.stdin, '1');
    expect(w.frame()).toContain('main.cf · lines 1–18 of');
  });

  test('an error finding blocks confirmation; o overrides it knowingly and plans again', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.down, KEY.enter, KEY.enter, 'a');
    await type(w.stdin, '0.0.0.0/0');
    await press(w.stdin, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    let f = await w.wait('Blocked');
    expect(f).toContain('✗ Blocked by 1 error: mynetworks-public.');
    expect(f).toContain('o override knowingly (override id: mynetworks-public)');
    expect(f).not.toContain('Apply these changes?');
    await press(w.stdin, KEY.enter, 'y');
    expect(w.frame()).toContain('Blocked by 1 error');
    expect(w.fake.applyCalls).toHaveLength(0);
    // The override names the rule: o asks for its id; a wrong one is refused.
    await press(w.stdin, 'o');
    f = await w.wait('Type the id of the rule to override knowingly (mynetworks-public)');
    expect(w.fake.planCalls).toHaveLength(1);
    await type(w.stdin, 'mynetworks');
    await press(w.stdin, KEY.enter);
    f = await w.wait('is not the id of an error shown above');
    expect(w.fake.planCalls).toHaveLength(1);
    await type(w.stdin, '-public');
    await press(w.stdin, KEY.enter);
    f = await w.wait('Apply these changes?');
    expect(w.fake.planCalls).toHaveLength(2);
    expect(w.fake.planCalls[1].overrides).toEqual(['mynetworks-public']);
    await press(w.stdin, 'y');
    await w.wait('Done');
    expect(w.fake.applyCalls).toHaveLength(1);
  });

  test("hand edits are kept unless h takes mailsetup's values, which plans again", async () => {
    const w = start({ drift: true });
    await w.wait('Role:');
    await press(w.stdin, KEY.down, KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    let f = await w.wait('Apply these changes?');
    expect(f).toContain("h take mailsetup's values over the 1 hand edit");
    await press(w.stdin, 'h');
    for (let i = 0; i < 200 && w.fake.planCalls.length < 2; i++) await tick(10);
    f = await w.wait('Apply these changes?');
    expect(f).not.toContain("h take mailsetup's values");
    expect(w.fake.planCalls).toHaveLength(2);
    expect(w.fake.planCalls[1].overrides).toEqual(['overwrite-hand-edits']);
    expect(f).toContain('Apply these changes?');
    expect(w.fake.applyCalls).toHaveLength(0);
  });

  test('deprecated parameters and value comments are offered in the preview: m and c accept each clean-up, which plans again', async () => {
    const w = start({ cleanups: true });
    await w.wait('Role:');
    await press(w.stdin, KEY.down, KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    // The footer wraps at the terminal's width: read it as one line.
    const flat = (frame: string) => frame.replace(/\s*\n\s*/g, ' ');
    let f = flat(await w.wait('Apply these changes?'));
    expect(f).toContain('m migrate the 2 deprecated parameters');
    expect(f).toContain('c move the 1 # comment out of its value');
    // Not accepted: nothing asks for a clean-up, and h (no hand edits here) does nothing.
    expect(w.fake.planCalls[0].overrides ?? []).toEqual([]);
    await press(w.stdin, 'h');
    expect(w.fake.planCalls).toHaveLength(1);
    await press(w.stdin, 'm');
    for (let i = 0; i < 200 && w.fake.planCalls.length < 2; i++) await tick(10);
    f = flat(await w.wait('Apply these changes?'));
    expect(w.fake.planCalls).toHaveLength(2);
    expect(w.fake.planCalls[1].overrides).toEqual(['migrate-deprecated']);
    expect(f).not.toContain('m migrate');
    expect(f).toContain('c move the 1 # comment out of its value');
    // m again: nothing left to migrate, no new plan.
    await press(w.stdin, 'm');
    await tick(50);
    expect(w.fake.planCalls).toHaveLength(2);
    await press(w.stdin, 'c');
    for (let i = 0; i < 200 && w.fake.planCalls.length < 3; i++) await tick(10);
    f = flat(await w.wait('Apply these changes?'));
    expect(w.fake.planCalls[2].overrides).toEqual(['migrate-deprecated', 'fix-value-comments']);
    expect(f).not.toContain('c move');
    expect(w.fake.applyCalls).toHaveLength(0);
    await press(w.stdin, 'y');
    await w.wait('Done');
    expect(w.fake.applyCalls[0].answers.overrides).toEqual(['migrate-deprecated', 'fix-value-comments']);
  });

  test("TLS settings already in main.cf are shown as kept; t takes mailsetup's TLS settings, which plans again", async () => {
    const w = start({ tlsKept: true });
    await w.wait('Role:');
    await press(w.stdin, KEY.down, KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    let f = await w.wait('Apply these changes?');
    expect(f).toContain("t take mailsetup's TLS settings over your 1 setting");
    await press(w.stdin, 'h');
    expect(w.fake.planCalls).toHaveLength(1);
    await press(w.stdin, 't');
    for (let i = 0; i < 200 && w.fake.planCalls.length < 2; i++) await tick(10);
    f = await w.wait('Apply these changes?');
    expect(f).not.toContain("t take mailsetup's TLS settings");
    expect(w.fake.planCalls).toHaveLength(2);
    expect(w.fake.planCalls[1].overrides).toEqual(['replace-tls-settings']);
    await press(w.stdin, 't');
    await tick(50);
    expect(w.fake.planCalls).toHaveLength(2);
  });

  test('Esc from the preview returns to the last question with its answer', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.down, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    await w.wait('question 4 of 4');
    await press(w.stdin, KEY.backspace, KEY.backspace, KEY.backspace);
    await type(w.stdin, 'net');
    await press(w.stdin, KEY.enter);
    await w.wait('Plan for role mail-server');
    await press(w.stdin, KEY.esc);
    const f = await w.wait('question 4 of 4');
    expect(f).toContain('> root@example.net');
    expect(w.fake.applyCalls).toHaveLength(0);
  });

  test('an empty plan says "No change" and Enter ends without applying', async () => {
    const w = start({ emptyPlan: true });
    await nullClientDefaults(w);
    let f = w.frame();
    expect(f).toContain('No change: the files already match these answers; nothing will run.');
    expect(f).toContain('Nothing to change. Enter/y finish');
    await press(w.stdin, KEY.enter);
    f = await w.wait('Nothing to change: the configuration already matches');
    expect(w.fake.applyCalls).toHaveLength(0);
    expect(w.exits).toEqual([0]);
  });
});

describe('failures before the apply', () => {
  test('a failed host probe ends the wizard with its message and exit 1', async () => {
    const w = start({ hostError: 'ip -j addr: command not found' });
    const f = await w.wait('Could not probe');
    expect(f).toBe('✗ Could not probe the host: ip -j addr: command not found');
    expect(w.exits).toEqual([1]);
  });

  test('a plan that cannot be built shows why; Esc goes back to the questions', async () => {
    const w = start({ planError: 'relayhost: "[x" is not a host' });
    await nullClientDefaults(w, 'Could not build the plan');
    let f = w.frame();
    expect(f).toContain('✗ Could not build the plan: relayhost: "[x" is not a host');
    await press(w.stdin, 'y', KEY.enter);
    expect(w.fake.applyCalls).toHaveLength(0);
    await press(w.stdin, KEY.esc);
    f = await w.wait('question 5 of 5');
    expect(w.exits).toEqual([]);
  });
});

describe('apply and summary', () => {
  test('under --root every screen says sandbox: the header, the compact header, the summary', async () => {
    const fake = fakeBackend({ padLines: 0 });
    const exits: number[] = [];
    const r = render(<App backend={fake} root="/srv/sb" onExit={(c) => exits.push(c)} />);
    let f = plain(await waitFor(r.lastFrame, 'Role:'));
    expect(f).toContain('Sandbox: /srv/sb (--root: only files here are written; no daemon, no network)');
    await press(r.stdin, KEY.enter);
    f = plain(await waitFor(r.lastFrame, 'question 1 of 5'));
    expect(f.split('\n')[0]).toBe(
      'mailsetup · sandbox /srv/sb · mx1.example.com · Postfix 3.7.11, running · now: none',
    );
    await press(r.stdin, KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    await waitFor(r.lastFrame, 'Plan for role null-client');
    await press(r.stdin, 'y');
    f = plain(await waitFor(r.lastFrame, 'Done'));
    expect(f).toContain('✓ Done: the sandbox /srv/sb is now configured as Null client (null-client).');
    expect(f).not.toContain('this host');
    expect(exits).toEqual([0]);
  });

  test('confirm → live steps with a spinner → summary with the backup path, undo and checks', async () => {
    const gate = deferred<void>();
    const w = start({ applyGate: gate });
    await nullClientDefaults(w);
    expect(w.fake.applyCalls).toHaveLength(0);
    await press(w.stdin, 'y');
    let f = await w.wait('Applying…');
    expect(f).toContain('✓ Back up 1 file');
    expect(f).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Write \/etc\/postfix\/main\.cf/);
    expect(w.fake.applyCalls).toHaveLength(1);
    await press(w.stdin, KEY.ctrlC); // ignored while applying
    expect(w.exits).toEqual([]);
    gate.resolve();
    f = await w.wait('Done');
    expect(f).toContain('✓ Done: this host is now configured as Null client (null-client).');
    expect(f).toContain('  /etc/postfix/main.cf (changed)');
    expect(f).toContain('Ran:     postfix check · postfix reload');
    expect(f).toContain('Backup:  /var/backups/mailsetup/20240102T030405');
    expect(f).toContain('Undo:    mailsetup --rollback');
    expect(f).toContain('Check:   postconf -n · mailsetup --verify');
    expect(f).toContain('⚠ libsasl2-modules is not installed');
    expect(w.exits).toEqual([0]);
    expect(w.fake.applyCalls).toHaveLength(1);
  });

  test('a failed apply shows the failure, its detail, the rollback and the backup path; exit 1', async () => {
    const w = start({ applyOutcome: 'failure' });
    await nullClientDefaults(w);
    await press(w.stdin, 'y');
    let f = await w.wait('Apply failed');
    // Back at the preview (planned again), nothing lost: it says what failed and that the files are back.
    f = await w.wait('Apply these changes?');
    expect(f).toContain('✗ Apply failed: postfix check failed');
    expect(f).toContain('✗ postfix check');
    expect(f).toContain('postfix/postfix-script: fatal: bad parameter');
    expect(f).toContain('↺ Write /etc/postfix/main.cf (rolled back)');
    expect(f).toContain('↺ Rolled back: the earlier files are back in place');
    expect(f).toContain('Backup:  /var/backups/mailsetup/20240102T030405');
    expect(w.fake.planCalls).toHaveLength(2);
    expect(w.exits).toEqual([]);
    // Leaving now ends as the failed apply did: exit 1, its report on the screen.
    await press(w.stdin, KEY.ctrlC);
    f = await w.wait('Apply failed');
    expect(f).toContain('↺ Rolled back: the earlier files are back in place');
    expect(w.exits).toEqual([1]);
  });
});

describe('leaving without writing', () => {
  test('Ctrl-C at the preview exits 130 and apply is never called', async () => {
    const w = start();
    await nullClientDefaults(w);
    await press(w.stdin, KEY.ctrlC);
    await tick(50);
    expect(w.frame()).toContain('Cancelled: nothing was written.');
    expect(w.exits).toEqual([130]);
    expect(w.fake.applyCalls).toHaveLength(0);
  });

  test('Ctrl-C on a question exits 130 without planning', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    await w.wait('question 1 of 5');
    await press(w.stdin, KEY.ctrlC);
    expect(w.exits).toEqual([130]);
    expect(w.fake.planCalls).toHaveLength(0);
    expect(w.fake.applyCalls).toHaveLength(0);
  });

  test('no key but y/Enter on the preview applies: every other key leaves apply uncalled', async () => {
    const w = start({ padLines: 30 });
    await nullClientDefaults(w);
    await press(
      w.stdin,
      KEY.down,
      KEY.pageDown,
      KEY.pageUp,
      KEY.up,
      'a',
      'd',
      'n',
      'o',
      ' ',
      KEY.delete,
      KEY.backspace,
    );
    await tick(50);
    expect(w.fake.applyCalls).toHaveLength(0);
    expect(w.exits).toEqual([]);
    expect(w.frame()).toContain('Apply these changes?');
  });
});

/**
 * Keys that arrive in one read (a burst over SSH, a macro, a paste, tmux send-keys): each is
 * honoured, in order, on the screen it reaches; a key that ends a screen is the last one that
 * screen sees. Each write below is one read for the wizard.
 */
describe('keys in one read', () => {
  test('Down Enter chooses the second role', async () => {
    const w = start();
    await w.wait('Role:');
    w.stdin.write(KEY.down + KEY.enter);
    await w.wait('Mail server (mail-server) · question 1 of 4');
  });

  test('Ctrl-U, a host name, Enter, Ctrl-U, a relay host, Enter: each answer on its own question', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    await w.wait('question 1 of 5');
    w.stdin.write('\u0015box.example.org\r\u0015[relay.example.org]:25\r');
    await w.wait('question 3 of 5');
    await press(w.stdin, KEY.esc);
    let f = await w.wait('question 2 of 5');
    expect(f).toContain('> [relay.example.org]:25');
    await press(w.stdin, KEY.esc);
    f = await w.wait('question 1 of 5');
    expect(f).toContain('> box.example.org');
  });

  test('a choice: Up Up Enter picks two rows up; a boolean: Left Left Enter switches twice', async () => {
    const w = start();
    await w.wait('Role:');
    w.stdin.write(KEY.enter + KEY.enter + KEY.enter);
    await w.wait('question 3 of 5');
    w.stdin.write(KEY.up + KEY.up + KEY.enter);
    await w.wait('question 4 of 5');
    w.stdin.write('\u001B[D\u001B[D\r');
    await w.wait('question 5 of 5');
    w.stdin.write('\r');
    await w.wait('Plan for role null-client');
    expect(w.fake.planCalls[0]).toMatchObject({ inet_protocols: 'all', chroot: true });
  });

  test('a list: Up Up Up d d removes both entries; a, text, Enter adds one (its letters are not commands)', async () => {
    const w = start();
    await w.wait('Role:');
    w.stdin.write(KEY.down + KEY.enter + KEY.enter);
    await w.wait('question 2 of 4');
    w.stdin.write(KEY.up + KEY.up + KEY.up + 'dd' + 'a10.0.0.0/8\r');
    const f = await w.wait('1. 10.0.0.0/8');
    expect(f).not.toMatch(/^. \d\. (127\.0\.0\.0\/8|192\.168\.1\.0\/24)$/m);
    expect(f).toContain('❯ ✓ done: accept this list');
  });

  test('SASL: Esc Esc in the password goes back to the user name and then to the question before', async () => {
    const w = start();
    await w.wait('Role:');
    w.stdin.write(KEY.enter + KEY.enter + KEY.enter + KEY.enter + KEY.enter);
    await w.wait('question 5 of 5');
    w.stdin.write('bob\rsecret' + KEY.esc + KEY.esc);
    const f = await w.wait('question 4 of 5');
    expect(f).toContain('Chroot network services');
  });

  test('two Enters on the last question show the preview and apply nothing; a y typed with them neither; y afterwards applies', async () => {
    const w = start();
    await w.wait('Role:');
    w.stdin.write(KEY.enter);
    await w.wait('question 1 of 5');
    w.stdin.write(KEY.enter.repeat(4));
    await w.wait('question 5 of 5');
    w.stdin.write(KEY.enter + KEY.enter + 'y');
    let f = await w.wait('press y again to apply');
    expect(f).toContain('Apply these changes? y apply');
    expect(w.fake.applyCalls).toHaveLength(0);
    await press(w.stdin, KEY.enter);
    f = await w.wait('Enter does not apply');
    expect(w.fake.applyCalls).toHaveLength(0);
    await press(w.stdin, 'y');
    await w.wait('Done');
    expect(w.fake.applyCalls).toHaveLength(1);
  });

  test('keys typed while the host is probed wait for the first question and land in it', async () => {
    const gate = deferred<void>();
    const w = start({ hostGate: gate });
    await tick();
    w.stdin.write(KEY.enter + '\u0015typed.example.net');
    expect(w.frame()).toContain('Probing the host…');
    gate.resolve();
    const f = await w.wait('> typed.example.net');
    expect(f).toContain('question 1 of 5');
  });

  test('a bracketed paste goes into the field as text and never submits', async () => {
    const w = start();
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    await w.wait('question 1 of 5');
    w.stdin.write('\u0015\u001B[200~mx7.example.org\r\u001B[201~');
    const f = await w.wait('> mx7.example.org');
    expect(f).toContain('question 1 of 5');
  });
});

describe('answers that follow, drafts, role changes', () => {
  test('a default derived from an earlier answer follows it until the user edits the field', async () => {
    const w = start();
    await w.wait('Role:');
    w.stdin.write(KEY.down + KEY.enter);
    await w.wait('question 1 of 4');
    w.stdin.write('\u0015mx1.example.net\r\r\r');
    let f = await w.wait('question 4 of 4');
    expect(f).toContain('default: root@example.net');
    expect(f).toContain('> root@example.net');
    // Back to the host name, change it: the postmaster's default follows.
    w.stdin.write(KEY.esc + KEY.esc + KEY.esc);
    await w.wait('question 1 of 4');
    w.stdin.write('\u0015mx1.example.org\r\r\r');
    f = await w.wait('question 4 of 4');
    expect(f).toContain('> root@example.org');
    // Edited, it stays as typed whatever the host name becomes.
    w.stdin.write('\u0015hostmaster@example.org\r');
    await w.wait('Plan for role mail-server');
    expect(w.fake.planCalls.at(-1)).toMatchObject({
      myhostname: 'mx1.example.org',
      postmaster: 'hostmaster@example.org',
    });
    w.stdin.write(KEY.esc + KEY.esc + KEY.esc + KEY.esc);
    await w.wait('question 1 of 4');
    w.stdin.write('\u0015mx2.example.com\r\r\r');
    f = await w.wait('question 4 of 4');
    expect(f).toContain('> hostmaster@example.org');
    expect(f).toContain('default: root@example.com');
  });

  test('Esc keeps what was typed: a text and a list edit come back as they were left', async () => {
    const w = start();
    await w.wait('Role:');
    w.stdin.write(KEY.down + KEY.enter);
    await w.wait('question 1 of 4');
    w.stdin.write('\u0015half-typed' + KEY.esc);
    await w.wait('Which role should this host play?');
    w.stdin.write(KEY.enter);
    let f = await w.wait('question 1 of 4');
    expect(f).toContain('> half-typed');
    w.stdin.write('\u0015mx1.example.com\r');
    await w.wait('question 2 of 4');
    w.stdin.write(KEY.up + KEY.up + KEY.up + 'd' + KEY.esc);
    await w.wait('question 1 of 4');
    w.stdin.write(KEY.enter);
    f = await w.wait('question 2 of 4');
    expect(f).not.toMatch(/^. \d\. 127\.0\.0\.0\/8$/m);
    expect(f).toContain('1. 192.168.1.0/24');
  });

  test('an answer changed under one role is kept for the same question of another; the rest take the new role’s defaults', async () => {
    const w = start();
    await w.wait('Role:');
    w.stdin.write(KEY.enter);
    await w.wait('question 1 of 5');
    w.stdin.write('\u0015kept.example.com\r\u0015[other.example.com]\r');
    await w.wait('question 3 of 5');
    w.stdin.write(KEY.esc + KEY.esc + KEY.esc);
    await w.wait('Which role should this host play?');
    w.stdin.write(KEY.down + KEY.enter);
    let f = await w.wait('Mail server (mail-server) · question 1 of 4');
    expect(f).toContain('> kept.example.com');
    w.stdin.write('\r\r\r');
    f = await w.wait('question 4 of 4');
    expect(f).toContain('> root@example.com');
    w.stdin.write('\r');
    await w.wait('Plan for role mail-server');
    expect(w.fake.planCalls.at(-1)).toEqual({
      role: 'mail-server',
      myhostname: 'kept.example.com',
      mynetworks: ['127.0.0.0/8', '192.168.1.0/24'],
      transport: {},
      postmaster: 'root@example.com',
    });
  });

  test('after a failed apply, y tries again with the same answers', async () => {
    const w = start({ applyOutcome: 'failure' });
    await nullClientDefaults(w);
    await press(w.stdin, 'y');
    await w.wait('Apply failed');
    await w.wait('Apply these changes?');
    await press(w.stdin, 'y');
    for (let i = 0; i < 200 && w.fake.applyCalls.length < 2; i++) await tick(10);
    expect(w.fake.applyCalls).toHaveLength(2);
    expect(w.fake.applyCalls[1].answers).toEqual(w.fake.applyCalls[0].answers);
  });

  test('the slow probes arrive below the role list: the list does not move', async () => {
    const probeGate = deferred<void>();
    const w = start({ probeGate, probeLines: ['Public IPv4 address: 192.0.2.2', 'Map type: hash'] });
    const before = await w.wait('(still probing the host)');
    const row = (f: string) => f.split('\n').findIndex((l) => l.includes('Null client —'));
    probeGate.resolve();
    const after = await w.wait('Map type: hash');
    expect(after).not.toContain('probing');
    expect(row(after)).toBe(row(before));
    expect(after.indexOf('Map type: hash')).toBeGreaterThan(after.indexOf('Enter choose'));
  });
});

describe('the short path and the review of all settings', () => {
  test('only the questions not advanced are asked; the review lists every setting with value and origin; one is changed there', async () => {
    const w = start({ advanced: ['inet_protocols', 'chroot'] });
    await w.wait('Role:');
    await press(w.stdin, KEY.enter);
    // 5 questions, 3 asked: host name, relay host, login.
    await w.wait('Null client (null-client) · question 1 of 3');
    await type(w.stdin, '\u0015mx9.example.com');
    await press(w.stdin, KEY.enter);
    await w.wait('question 2 of 3');
    await press(w.stdin, KEY.enter);
    await w.wait('question 3 of 3');
    await press(w.stdin, KEY.enter);
    let f = await w.wait('Review all settings: Enter on one to change it, or continue');
    expect(f).toContain('Null client (null-client) · review all settings');
    expect(f).toContain('3 asked; the other 2 keep the value shown');
    expect(f).toContain('› Continue: build the plan and show the preview');
    expect(f).toMatch(/^ {2}myhostname +mx9\.example\.com +you set$/m);
    expect(f).toMatch(/^ {2}relayhost +\[smtp\.example\.com\]:587 +asked$/m);
    expect(f).toMatch(/^ {2}inet_protocols +ipv4 only +default$/m);
    expect(f).toMatch(/^ {2}chroot +yes +default$/m);
    expect(w.fake.planCalls).toHaveLength(0);
    // The chroot row: its origin in full below the list; Enter opens its question; n answers it.
    await press(w.stdin, KEY.down, KEY.down, KEY.down, KEY.down);
    f = await w.wait('› chroot');
    expect(f).toContain('Chroot network services (master.cf) (chroot): yes · origin of chroot');
    await press(w.stdin, KEY.enter);
    f = await w.wait('setting from the review');
    expect(f).toContain('Null client (null-client) · setting from the review');
    expect(f).toContain('Chroot network services (master.cf)');
    await type(w.stdin, 'n');
    f = await w.wait('› chroot');
    expect(f).toMatch(/^› chroot +no +you set$/m);
    // Continue: the plan gets every setting, the ones not asked at their values.
    await press(w.stdin, KEY.up, KEY.up, KEY.up, KEY.up, KEY.enter);
    await w.wait('Plan for role null-client');
    expect(w.fake.planCalls.at(-1)).toMatchObject({
      role: 'null-client',
      myhostname: 'mx9.example.com',
      relayhost: '[smtp.example.com]:587',
      inet_protocols: 'ipv4',
      chroot: false,
    });
    // Esc from the preview: the review again; Esc there: the last question asked.
    await press(w.stdin, KEY.esc);
    await w.wait('› Continue: build the plan');
    await press(w.stdin, KEY.esc);
    await w.wait('question 3 of 3');
  });
});
