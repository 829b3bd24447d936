/** The plan preview text: unified diffs, secrets, the parameter table, commands, findings, colours. */
import { describe, expect, test } from 'vitest';
import { describeAction } from '../../src/model/plan.js';
import { countLines, fileDiff, planLines, previewOf, renderPlanText } from '../../src/output/preview.js';
import { foldLine, renderLines } from '../../src/output/styled.js';
import type { FileChange, Plan } from '../../src/model/plan.js';

const MAIN = '/etc/postfix/main.cf';

function change(before: string | null, after: string | null, extra: Partial<FileChange> = {}): FileChange {
  return { path: MAIN, before, after, description: 'Postfix main configuration', ...extra };
}

function plan(extra: Partial<Plan> = {}): Plan {
  return {
    role: 'null-client',
    answers: { role: 'null-client' },
    files: [],
    actions: [],
    params: [],
    findings: [],
    drift: [],
    ...extra,
  };
}

describe('fileDiff', () => {
  test('a changed line with its context, exactly', () => {
    const before = 'a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\ng = 7\nh = 8\n';
    const after = 'a = 1\nb = 2\nc = 3\nd = 4\ne = 50\nf = 6\ng = 7\nh = 8\n';
    expect(fileDiff(change(before, after))).toBe(
      [
        '--- /etc/postfix/main.cf',
        '+++ /etc/postfix/main.cf',
        '@@ -2,7 +2,7 @@',
        ' b = 2',
        ' c = 3',
        ' d = 4',
        '-e = 5',
        '+e = 50',
        ' f = 6',
        ' g = 7',
        ' h = 8',
        '',
      ].join('\n'),
    );
  });

  test('two distant changes make two hunks', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `p${i} = ${i}`);
    const after = [...lines];
    after[1] = 'p1 = one';
    after[18] = 'p18 = eighteen';
    const d = fileDiff(change(`${lines.join('\n')}\n`, `${after.join('\n')}\n`));
    expect(d.split('\n').filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,5 +1,5 @@', '@@ -16,5 +16,5 @@']);
  });

  test('a new file diffs against /dev/null', () => {
    expect(fileDiff(change(null, 'x = 1\ny = 2\n'))).toBe(
      '--- /dev/null\n+++ /etc/postfix/main.cf\n@@ -0,0 +1,2 @@\n+x = 1\n+y = 2\n',
    );
  });

  test('a removed file diffs to /dev/null', () => {
    expect(fileDiff(change('x = 1\n', null))).toBe(
      '--- /etc/postfix/main.cf\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x = 1\n',
    );
  });

  test('a missing final newline is marked', () => {
    expect(fileDiff(change('x = 1', 'x = 1\n'))).toBe(
      '--- /etc/postfix/main.cf\n+++ /etc/postfix/main.cf\n@@ -1,1 +1,1 @@\n-x = 1\n\\ No newline at end of file\n+x = 1\n',
    );
  });

  test('a secret file never shows its contents, only their length', () => {
    const secret = { path: '/etc/postfix/sasl_passwd', secret: true, description: 'SMTP login' };
    const created = fileDiff(change(null, '[smtp.example.com]:587 user:hunter2\n', secret));
    expect(created).toBe('--- /dev/null\n+++ /etc/postfix/sasl_passwd\n(secret: contents hidden, 1 line)\n');
    const changed = fileDiff(change('a b:c\n', 'a b:d\nx y:z\n', secret));
    expect(changed).toBe(
      '--- /etc/postfix/sasl_passwd\n+++ /etc/postfix/sasl_passwd\n(secret: contents hidden, 2 lines)\n',
    );
    expect(changed).not.toContain('b:d');
    expect(fileDiff(change('a b:c\n', null, secret))).toBe(
      '--- /etc/postfix/sasl_passwd\n+++ /dev/null\n(secret: contents hidden, 1 line)\n',
    );
  });

  test('an unchanged file says "no change"', () => {
    expect(fileDiff(change('x\n', 'x\n'))).toBe('no change\n');
  });

  test('countLines', () => {
    expect([countLines(''), countLines('a'), countLines('a\n'), countLines('a\nb'), countLines('a\n\n')]).toEqual([
      0, 1, 1, 2, 2,
    ]);
  });
});

describe('renderPlanText', () => {
  const small = plan({
    files: [
      change(
        'myhostname = a.example.com\nrelayhost =\n',
        'myhostname = a.example.com\nrelayhost = [smtp.example.com]:587\n',
      ),
      {
        path: '/etc/postfix/sasl_passwd',
        before: null,
        after: 'k u:p\n',
        mode: 0o600,
        secret: true,
        description: 'SMTP login',
      },
    ],
    actions: [
      { kind: 'postmap', map: 'hash:/etc/postfix/sasl_passwd', path: '/etc/postfix/sasl_passwd' },
      { kind: 'postfix-check' },
      { kind: 'restart', reason: 'inet_interfaces changed' },
    ],
    params: [
      {
        name: 'relayhost',
        before: '',
        after: '[smtp.example.com]:587',
        beforeExpanded: '',
        afterExpanded: '[smtp.example.com]:587',
      },
      {
        name: 'myorigin',
        before: undefined,
        after: '$mydomain',
        beforeExpanded: 'a.example.com',
        afterExpanded: 'example.com',
      },
    ],
    findings: [
      {
        id: 'mynetworks-public',
        level: 'error',
        message: 'mynetworks includes 0.0.0.0/0',
        override: 'mynetworks-public',
      },
      { id: 'sasl-modules', level: 'warning', message: 'libsasl2-modules is missing' },
      { id: 'note', level: 'info', message: 'relayhost in brackets: no MX lookup' },
    ],
    drift: [{ name: 'mynetworks', ours: '127.0.0.0/8', now: '127.0.0.0/8 10.0.0.0/8' }],
  });

  // What matters first: the summary (role, parameters, findings, hand edits, commands), then the files.
  const expected = [
    'Plan for role null-client',
    'Role:    mail-server → null-client (what mail-server set and null-client does not is put back as it was)',
    '',
    'Parameters (old → new, $names expanded)',
    '  relayhost: (empty) → [smtp.example.com]:587',
    '  myorigin: (default: a.example.com) → $mydomain (example.com)',
    '',
    'Findings',
    '  error   mynetworks-public: mynetworks includes 0.0.0.0/0',
    '          override id: mynetworks-public',
    '  warning sasl-modules: libsasl2-modules is missing',
    '  info    note: relayhost in brackets: no MX lookup',
    '',
    'Changed by hand since mailsetup set them',
    '  mynetworks: mailsetup set 127.0.0.0/8, main.cf now has 127.0.0.0/8 10.0.0.0/8',
    '',
    'Commands to run, in order',
    '  1. postmap hash:/etc/postfix/sasl_passwd — /etc/postfix/sasl_passwd changed: rebuild the lookup table',
    '  2. postfix check — check the configuration and file permissions before Postfix uses them',
    '  3. restart Postfix — inet_interfaces changed',
    '',
    'Files',
    '/etc/postfix/main.cf — Postfix main configuration (changed)',
    '--- /etc/postfix/main.cf',
    '+++ /etc/postfix/main.cf',
    '@@ -1,2 +1,2 @@',
    ' myhostname = a.example.com',
    '-relayhost =',
    '+relayhost = [smtp.example.com]:587',
    '',
    '/etc/postfix/sasl_passwd — SMTP login (new file, mode 0600)',
    '--- /dev/null',
    '+++ /etc/postfix/sasl_passwd',
    '(secret: contents hidden, 1 line)',
    '',
    'Unchanged: /etc/postfix/master.cf, /etc/aliases, /etc/rsyslog.d/postfix.conf',
    '',
  ].join('\n');

  test('the whole text without colour, exactly', () => {
    expect(renderPlanText(small, { color: false, current: 'mail-server' })).toBe(expected);
  });

  test('with colour: the same text once the escapes are removed, and each part in its colour', () => {
    const coloured = renderPlanText(small, { color: true, current: 'mail-server' });
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(expected);
    expect(coloured).toContain('\x1b[31m-relayhost =\x1b[0m\n');
    expect(coloured).toContain('\x1b[32m+relayhost = [smtp.example.com]:587\x1b[0m\n');
    expect(coloured).toContain('\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n');
    expect(coloured).toContain('\x1b[1;31m  error   mynetworks-public: \x1b[0mmynetworks includes 0.0.0.0/0\n');
    expect(coloured).toContain('\x1b[33m  warning sasl-modules: \x1b[0m');
    expect(coloured).toContain('\x1b[36m  info    note: \x1b[0m');
    expect(coloured).toContain('  relayhost: \x1b[31m(empty)\x1b[0m → \x1b[32m[smtp.example.com]:587\x1b[0m\n');
    expect(coloured).toContain('\x1b[1;4mFiles\x1b[0m\n');
    expect(renderPlanText(small, { color: false, current: 'mail-server' })).not.toContain('\x1b');
  });

  test('an empty plan says "No change"; its findings still show', () => {
    expect(renderPlanText(plan(), { color: false })).toBe(
      'Plan for role null-client\n\nNo change: the files already match these answers; nothing will run.\n',
    );
    expect(renderPlanText(plan({ findings: [{ id: 'i', level: 'info', message: 'm' }] }), { color: false })).toBe(
      'Plan for role null-client\n\nNo change: the files already match these answers; nothing will run.\n\nFindings\n  info    i: m\n',
    );
  });

  test('actions alone (no file changes): the commands, then "no change" under Files', () => {
    const text = renderPlanText(
      plan({ actions: [{ kind: 'reload' }, { kind: 'syslog-restart', reason: 'the rsyslog drop-in changed' }] }),
      {
        color: false,
      },
    );
    expect(text).toBe(
      [
        'Plan for role null-client',
        '',
        'Commands to run, in order',
        '  1. postfix reload — Postfix reads the changed configuration',
        '  2. restart rsyslog — the rsyslog drop-in changed',
        '',
        'Files',
        'no change',
        '',
      ].join('\n'),
    );
  });

  test('every action has a command and a reason', () => {
    expect(describeAction({ kind: 'newaliases', path: '/etc/aliases' })).toMatchObject({
      command: 'newaliases',
      reason: '/etc/aliases changed: rebuild the alias database',
    });
    expect(describeAction({ kind: 'reload' }).command).toBe('postfix reload');
  });

  test('renderLines colours only styled, non-empty spans', () => {
    expect(
      renderLines([[{ text: 'a', style: 'add' }, { text: '', style: 'del' }, { text: 'b' }], []], { color: true }),
    ).toBe('\x1b[32ma\x1b[0mb\n\n');
    expect(planLines(plan())[0]).toEqual([{ text: 'Plan for role null-client', style: 'title' }]);
  });
});

describe('quiet files', () => {
  test("names mailsetup's own record without its diff", () => {
    const text = fileDiff({
      path: '/etc/postfix/mailsetup.yaml',
      before: null,
      after: 'a: 1\nb: 2\n',
      description: 'ledger',
      quiet: true,
    });
    expect(text).toBe("--- /dev/null\n+++ /etc/postfix/mailsetup.yaml\n(mailsetup's own record, 2 lines: not shown)\n");
  });
});

describe('the summary leads', () => {
  const text = (p: Plan, ctx: Parameters<typeof planLines>[1] = {}) =>
    renderLines(planLines(p, ctx), { color: false }).split('\n');
  const one = plan({
    role: 'backup-mx',
    files: [change('a = 1\n', 'a = 2\n')],
    actions: [{ kind: 'reload' }],
    params: [
      { name: 'a', before: '1', after: '2', beforeExpanded: '1', afterExpanded: '2' },
      {
        name: 'mydestination',
        before: '$myhostname, localhost',
        after: '$myhostname',
        beforeExpanded: 'mx.example.com, localhost',
        afterExpanded: 'mx.example.com',
      },
      {
        name: 'proxy_interfaces',
        before: '203.0.113.5',
        after: undefined,
        beforeExpanded: '203.0.113.5',
        afterExpanded: '',
      },
      { name: 'relay_domains', before: undefined, after: '', beforeExpanded: '', afterExpanded: '' },
    ],
  });

  test('the role line says what changes: a first configuration, the same role, a custom one, another role', () => {
    expect(text(one, { current: null })[1]).toBe('Role:    backup-mx (first configuration: there is no main.cf yet)');
    expect(text(one, { current: 'backup-mx' })[1]).toBe('Role:    backup-mx (as now; only what differs changes)');
    expect(text(one, { current: 'custom' })[1]).toBe(
      'Role:    a custom configuration → backup-mx (only what this role needs changes)',
    );
    expect(text(one, { current: 'mail-server' })[1]).toBe(
      'Role:    mail-server → backup-mx (what mail-server set and backup-mx does not is put back as it was)',
    );
    expect(text(one)[1]).toBe('');
    expect(text(one, { current: null, sandbox: '/tmp/box' })[2]).toBe(
      'Sandbox: /tmp/box (--root: files only; no daemon is touched, nothing reaches the network)',
    );
  });

  test('each parameter on one line, $names expanded only where they say more; no line for what keeps its value', () => {
    const t = text(one);
    expect(
      t.slice(t.indexOf('Parameters (old → new, $names expanded)') + 1, t.indexOf('Commands to run, in order') - 1),
    ).toEqual([
      '  a: 1 → 2',
      '  mydestination: $myhostname, localhost (mx.example.com, localhost) → $myhostname (mx.example.com)',
      '  proxy_interfaces: 203.0.113.5 → (removed: Postfix default)',
      '  Same value as before, now written out: relay_domains',
    ]);
    expect(t.join('\n')).not.toContain('expands to');
  });

  test('previewOf: the summary, then one section per file; planLines is the same text in that order', () => {
    const p = previewOf(one, { current: 'mail-server' });
    expect(p.summary[0]).toEqual([{ text: 'Plan for role backup-mx', style: 'title' }]);
    expect(p.files.map((f) => f.path)).toEqual([MAIN]);
    expect(p.files[0].heading.map((s) => s.text).join('')).toBe(
      '/etc/postfix/main.cf — Postfix main configuration (changed)',
    );
    expect(p.files[0].diff.map((l) => l.map((s) => s.text).join(''))).toEqual([
      '--- /etc/postfix/main.cf',
      '+++ /etc/postfix/main.cf',
      '@@ -1,1 +1,1 @@',
      '-a = 1',
      '+a = 2',
    ]);
    expect(p.unchanged).toEqual(['/etc/postfix/master.cf', '/etc/aliases', '/etc/rsyslog.d/postfix.conf']);
    expect(planLines(one, { current: 'mail-server' })).toEqual([
      ...p.summary,
      [],
      [{ text: 'Files', style: 'heading' }],
      p.files[0].heading,
      ...p.files[0].diff,
      [],
      [{ text: `Unchanged: ${p.unchanged.join(', ')}`, style: 'dim' }],
    ]);
  });

  test('no diff line comes before the last line of the summary', () => {
    const t = text(one, { current: 'mail-server' });
    expect(t.indexOf('Commands to run, in order')).toBeLessThan(t.indexOf('--- /etc/postfix/main.cf'));
    expect(t.indexOf('Parameters (old → new, $names expanded)')).toBeLessThan(t.indexOf('Files'));
  });
});

describe('foldLine', () => {
  const plain = (ls: ReturnType<typeof foldLine>) => ls.map((l) => l.map((s) => s.text).join(''));

  test('folds at spaces, continuations under the text with a hanging indent, styles kept', () => {
    const line = [
      { text: '  warning submission-without-login: ', style: 'warning' as const },
      { text: 'relayhost [smtp.example.net]:587 is a submission port, which usually needs a login (smtp_sasl)' },
    ];
    const folded = foldLine(line, 60);
    expect(plain(folded)).toEqual([
      '  warning submission-without-login: relayhost',
      '    [smtp.example.net]:587 is a submission port, which',
      '    usually needs a login (smtp_sasl)',
    ]);
    for (const l of plain(folded)) expect(l.length).toBeLessThanOrEqual(60);
    expect(folded[0][0]).toEqual({ text: '  warning submission-without-login: ', style: 'warning' });
    expect(folded[0][1]).toEqual({ text: 'relayhost' });
    expect(folded[1][0]).toEqual({ text: '    ' });
  });

  test('a short line stays as it is; a word longer than the room is cut; no text is lost', () => {
    const short = [{ text: 'Plan for role null-client', style: 'title' as const }];
    expect(foldLine(short, 80)).toEqual([short]);
    const long = [{ text: `x ${'a'.repeat(30)} y` }];
    expect(plain(foldLine(long, 12))).toEqual(['x', '  aaaaaaaaaa', '  aaaaaaaaaa', '  aaaaaaaaaa', '  y']);
    const text = 'one two three four five six seven eight nine ten';
    expect(
      plain(foldLine([{ text }], 9))
        .map((l) => l.trim())
        .join(' '),
    ).toBe(text);
  });
});

describe('the TLS section', () => {
  const tls = {
    outbound: 'opportunistic TLS (may): encrypted when the receiver offers STARTTLS, else plain',
    inbound: 'STARTTLS offered on port 25 (may), never required; TLS logged at level 1',
    certificate: [
      "the Let's Encrypt certificate: /etc/letsencrypt/live/mx.example.com/privkey.pem, /etc/letsencrypt/live/mx.example.com/fullchain.pem",
      '  CN=mx.example.com, issued by CN=R11',
    ],
    kept: [{ name: 'smtp_tls_CApath', value: '/etc/ssl/certs' }],
    notes: ["certbot's deploy hook reloads Postfix after each renewal"],
  };

  test("what each direction gets, the certificate, the settings kept as the user's with the override, the notes", () => {
    const text = renderPlanText(plan({ tls }), { color: false });
    expect(text).toContain(
      [
        'TLS (encryption in transit)',
        `  Outbound: ${tls.outbound}`,
        `  Inbound:  ${tls.inbound}`,
        `    ${tls.certificate[0]}`,
        `      CN=mx.example.com, issued by CN=R11`,
        '  Kept as yours (already in main.cf, not set by mailsetup):',
        '    smtp_tls_CApath = /etc/ssl/certs',
        "    to take mailsetup's values instead: override replace-tls-settings (the wizard: t)",
        "  certbot's deploy hook reloads Postfix after each renewal",
      ].join('\n'),
    );
  });

  test('shown for a plan that changes nothing too; absent from plans without it', () => {
    expect(renderPlanText(plan({ tls: { ...tls, kept: [], notes: [] } }), { color: false })).toBe(
      [
        'Plan for role null-client',
        '',
        'No change: the files already match these answers; nothing will run.',
        '',
        'TLS (encryption in transit)',
        `  Outbound: ${tls.outbound}`,
        `  Inbound:  ${tls.inbound}`,
        `    ${tls.certificate[0]}`,
        `      CN=mx.example.com, issued by CN=R11`,
        '',
      ].join('\n'),
    );
    expect(planLines(plan()).some((l) => l.some((s) => s.text.startsWith('TLS')))).toBe(false);
  });
});
