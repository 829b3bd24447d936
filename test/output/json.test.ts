/**
 * The --json document's parts (src/output/json.ts) and its builder (src/commands/json.ts), held
 * to the schema in schema/mailsetup-output.schema.json; and the schema itself refuses what it
 * must (a schema that accepts everything would make every schema test pass).
 */
import { describe, expect, it } from 'vitest';
import { JsonRun } from '../../src/commands/json.js';
import type { CliOptions } from '../../src/model/options.js';
import type { FileChange, Plan } from '../../src/model/plan.js';
import {
  commandsJson,
  emptyDocument,
  errorDocument,
  fileJson,
  JSON_VERSION,
  scrubDocument,
  stepJson,
  type JsonDocument,
} from '../../src/output/json.js';
import { expectSchema, onlyDocument, schemaErrors, SCHEMA } from '../helpers/jsonSchema.js';
import { cliOptions } from '../helpers/options.js';

const OPTS: CliOptions = cliOptions({ yes: true, json: true });

const MAIN: FileChange = {
  path: '/etc/postfix/main.cf',
  before: 'myhostname = a.example.com\n',
  after: 'myhostname = b.example.com\n',
  description: 'Postfix main configuration',
};
const SASL: FileChange = {
  path: '/etc/postfix/sasl_passwd',
  before: null,
  after: '[smtp.example.net]:587 me@example.net:Sekr1t-pw\n',
  mode: 0o600,
  secret: true,
  description: 'smart-host login',
};

function plan(over: Partial<Plan> = {}): Plan {
  return {
    role: 'r',
    answers: { role: 'r', smtp_sasl: { username: 'me@example.net', password: 'Sekr1t-pw' } },
    files: [MAIN, SASL],
    actions: [
      { kind: 'postmap', map: 'hash:/etc/postfix/sasl_passwd', path: '/etc/postfix/sasl_passwd' },
      { kind: 'reload' },
    ],
    params: [
      {
        name: 'myhostname',
        before: 'a.example.com',
        after: 'b.example.com',
        beforeExpanded: 'a.example.com',
        afterExpanded: 'b.example.com',
      },
      { name: 'relayhost', before: undefined, after: '', beforeExpanded: '', afterExpanded: '' },
    ],
    findings: [
      { id: 'mynetworks-public', level: 'error', message: 'open relay', override: 'mynetworks-public' },
      { id: 'hand-edit', level: 'warning', message: 'edited by hand' },
    ],
    drift: [{ name: 'mydestination', ours: '$myhostname', now: undefined }],
    tls: {
      outbound: 'opportunistic TLS (may): encrypted when the receiver offers STARTTLS, else plain',
      inbound: 'STARTTLS offered on port 25 (may), never required; TLS logged at level 1',
      certificate: ["Let's Encrypt: /etc/letsencrypt/live/b.example.com/ (privkey.pem, fullchain.pem)"],
      kept: [{ name: 'smtpd_tls_ciphers', value: 'high' }],
      notes: ['certbot deploy hook: /etc/letsencrypt/renewal-hooks/deploy/mailsetup-postfix-reload'],
    },
    ...over,
  };
}

describe('the document parts', () => {
  it('a changed file: its unified diff and both texts', () => {
    expect(fileJson(MAIN)).toEqual({
      path: '/etc/postfix/main.cf',
      description: 'Postfix main configuration',
      change: 'changed',
      mode: null,
      secret: false,
      bookkeeping: false,
      diff:
        '--- /etc/postfix/main.cf\n+++ /etc/postfix/main.cf\n@@ -1,1 +1,1 @@\n' +
        '-myhostname = a.example.com\n+myhostname = b.example.com\n',
      before: MAIN.before,
      after: MAIN.after,
    });
  });

  it('a secret file: no diff, no content; a created file has its mode; a removed one none', () => {
    expect(fileJson(SASL)).toMatchObject({
      change: 'created',
      mode: '0600',
      secret: true,
      diff: null,
      before: null,
      after: null,
    });
    expect(fileJson({ ...MAIN, after: null })).toMatchObject({ change: 'removed', mode: null, after: null });
  });

  it("mailsetup's own record is marked, and its diff is shown (it holds no secret)", () => {
    const f = fileJson({
      path: '/etc/postfix/mailsetup.yaml',
      before: null,
      after: 'a: 1\n',
      quiet: true,
      description: 's',
    });
    expect(f).toMatchObject({
      bookkeeping: true,
      diff: '--- /dev/null\n+++ /etc/postfix/mailsetup.yaml\n@@ -0,0 +1,1 @@\n+a: 1\n',
    });
  });

  it('commands: planned for a dry run; else each with its step outcome, not-run when the run stopped before it', () => {
    const actions = plan().actions;
    expect(commandsJson(actions, null).map((c) => c.status)).toEqual(['planned', 'planned']);
    const steps = [
      stepJson({
        id: 'action:postmap:/etc/postfix/sasl_passwd',
        label: 'x',
        status: 'failed',
        detail: 'postmap exited 1',
        commands: [{ command: 'postmap hash:/etc/postfix/sasl_passwd', exitCode: 1, timedOut: false, output: 'fatal' }],
      }),
    ];
    expect(commandsJson(actions, steps)).toEqual([
      {
        id: 'action:postmap:/etc/postfix/sasl_passwd',
        command: 'postmap hash:/etc/postfix/sasl_passwd',
        reason: '/etc/postfix/sasl_passwd changed: rebuild the lookup table',
        status: 'failed',
        detail: 'postmap exited 1',
        runs: [{ command: 'postmap hash:/etc/postfix/sasl_passwd', exitCode: 1, timedOut: false, output: 'fatal' }],
      },
      {
        id: 'action:reload',
        command: 'postfix reload',
        reason: 'Postfix reads the changed configuration',
        status: 'not-run',
        detail: null,
        runs: [],
      },
    ]);
  });

  it('scrubbing replaces a secret wherever it is, in every string', () => {
    const doc: JsonDocument = { ...emptyDocument('1.0.0', 'apply', false, '/'), warnings: ['pw Sekr1t-pw here'] };
    doc.steps = [stepJson({ id: 'x', label: 'l', status: 'ok', explain: ['a Sekr1t-pw b Sekr1t-pw'] })];
    const s = scrubDocument(doc, ['Sekr1t-pw']);
    expect(JSON.stringify(s)).not.toContain('Sekr1t-pw');
    expect(s.warnings).toEqual(['pw ******** here']);
    expect(s.steps[0].explain).toEqual(['a ******** b ********']);
  });
});

describe('the builder (one run)', () => {
  it('a dry run: the plan, planned commands, changed = would change; the password nowhere', () => {
    const run = new JsonRun('1.2.3', { ...OPTS, dryRun: true, yes: false }, '/srv/x');
    run.role(null, 'r');
    run.plan(plan());
    run.changed(true);
    const text = run.finish(0, null);
    expect(text).not.toContain('Sekr1t-pw');
    const doc = onlyDocument(text);
    expectSchema(doc);
    expect(doc).toMatchObject({
      version: JSON_VERSION,
      mailsetup: '1.2.3',
      mode: 'apply',
      dryRun: true,
      root: '/srv/x',
      exitCode: 0,
      ok: true,
      changed: true,
      role: { before: null, after: 'r' },
      params: [
        { name: 'myhostname', old: 'a.example.com', new: 'b.example.com' },
        { name: 'relayhost', old: null, new: '', oldExpanded: '', newExpanded: '' },
      ],
      drift: [{ name: 'mydestination', ours: '$myhostname', now: null }],
      findings: [
        { id: 'mynetworks-public', level: 'error', message: 'open relay', override: 'mynetworks-public' },
        { id: 'hand-edit', level: 'warning', message: 'edited by hand', override: null },
      ],
      tls: {
        outbound: 'opportunistic TLS (may): encrypted when the receiver offers STARTTLS, else plain',
        inbound: 'STARTTLS offered on port 25 (may), never required; TLS logged at level 1',
        certificate: ["Let's Encrypt: /etc/letsencrypt/live/b.example.com/ (privkey.pem, fullchain.pem)"],
        kept: [{ name: 'smtpd_tls_ciphers', value: 'high' }],
        notes: ['certbot deploy hook: /etc/letsencrypt/renewal-hooks/deploy/mailsetup-postfix-reload'],
      },
      error: null,
    });
    expect((doc.commands as Array<{ status: string }>).map((c) => c.status)).toEqual(['planned', 'planned']);
  });

  it('a plan without a TLS summary (a hand-made plan), and a run without a plan: tls is null', () => {
    const run = new JsonRun('1.2.3', { ...OPTS, dryRun: true }, '/');
    run.plan(plan({ tls: undefined }));
    const doc = onlyDocument(run.finish(0, null));
    expectSchema(doc);
    expect(doc.tls).toBeNull();
    const verify = onlyDocument(new JsonRun('1.2.3', { ...OPTS, verify: true }, '/').finish(0, null));
    expectSchema(verify);
    expect(verify.tls).toBeNull();
  });

  it('a refused run keeps the role it found, carries the error, and is not ok', () => {
    const run = new JsonRun('1.2.3', OPTS, '/');
    run.role('a', 'b');
    run.plan(plan());
    const doc = onlyDocument(
      run.finish(2, { message: 'refusing to apply: 1 error', details: ['mynetworks-public: open relay'] }),
    );
    expectSchema(doc);
    expect(doc).toMatchObject({ exitCode: 2, ok: false, role: { before: 'a', after: 'a' } });
    expect((doc.commands as Array<{ status: string }>).map((c) => c.status)).toEqual(['not-run', 'not-run']);
  });

  it('--dry-run --check: exit 1 says "would change" and is still ok', () => {
    const run = new JsonRun('1.2.3', { ...OPTS, dryRun: true, check: true }, '/');
    run.changed(true);
    expect(onlyDocument(run.finish(1, null, true))).toMatchObject({ exitCode: 1, ok: true, changed: true });
  });

  it('steps keep the place they first took and their last status; --verify checks go to checks', () => {
    const run = new JsonRun('1.2.3', { ...OPTS, verify: true }, '/');
    run.event({ id: 'lock', label: 'Lock', status: 'running' });
    run.event({ id: 'write:/a', label: 'Write /a', status: 'running' });
    run.event({ id: 'lock', label: 'Lock', status: 'ok' });
    run.event({ id: 'write:/a', label: 'Write /a', status: 'ok' });
    run.event({ id: 'write:/a', label: 'Restore /a', status: 'rolled-back', detail: 'restored from the backup' });
    run.check({ id: 'postfix-runs', label: 'Postfix runs', status: 'failed', detail: 'not running', explain: ['log'] });
    run.failure('Apply failed');
    const doc = onlyDocument(run.finish(1, null));
    expectSchema(doc);
    expect(doc.mode).toBe('verify');
    expect(doc.steps).toEqual([
      { id: 'lock', label: 'Lock', status: 'ok', detail: null, explain: [], runs: [] },
      {
        id: 'write:/a',
        label: 'Restore /a',
        status: 'rolled-back',
        detail: 'restored from the backup',
        explain: [],
        runs: [],
      },
    ]);
    expect(doc.checks).toEqual([
      {
        id: 'postfix-runs',
        label: 'Postfix runs',
        status: 'failed',
        detail: 'not running',
        explain: ['log'],
        runs: [],
      },
    ]);
    expect(doc.error).toEqual({ message: 'Apply failed', details: [] });
  });

  it('a command line refused before any mode: the error document', () => {
    const doc = onlyDocument(`${JSON.stringify(errorDocument('1.2.3', 2, "Unknown option '--x'"))}\n`);
    expectSchema(doc);
    expect(doc).toMatchObject({
      mode: null,
      root: null,
      exitCode: 2,
      ok: false,
      error: { message: "Unknown option '--x'" },
    });
  });
});

describe('the schema refuses what it must', () => {
  const good = (): Record<string, unknown> =>
    JSON.parse(new JsonRun('1.2.3', OPTS, '/').finish(0, null)) as Record<string, unknown>;

  it('is draft-07, and a good document passes', () => {
    expect(SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schemaErrors(good())).toEqual([]);
  });

  it.each<[string, (d: Record<string, unknown>) => void]>([
    ['an unknown key', (d) => (d.extra = 1)],
    ['a missing key', (d) => delete d.changed],
    ['another version', (d) => (d.version = 2)],
    ['an exit code mailsetup never uses', (d) => (d.exitCode = 3)],
    ['a finding without override', (d) => (d.findings = [{ id: 'x', level: 'error', message: 'm' }])],
    [
      'a finding of an unknown level',
      (d) => (d.findings = [{ id: 'x', level: 'fatal', message: 'm', override: null }]),
    ],
    ['a secret file with a diff', (d) => (d.files = [{ ...fileJson(SASL), diff: '--- a\n+++ b\n' }])],
    ['a secret file with its content', (d) => (d.files = [{ ...fileJson(SASL), after: 'pw' }])],
    ['a created file with a before', (d) => (d.files = [{ ...fileJson(SASL), secret: false, diff: '', before: 'x' }])],
    ['a relative path', (d) => (d.files = [{ ...fileJson(MAIN), path: 'etc/postfix/main.cf' }])],
    [
      'a step of an unknown status',
      (d) => (d.steps = [{ id: 'a', label: 'b', status: 'done', detail: null, explain: [], runs: [] }]),
    ],
    [
      'a run without its exit code',
      (d) =>
        (d.steps = [
          {
            id: 'a',
            label: 'b',
            status: 'ok',
            detail: null,
            explain: [],
            runs: [{ command: 'x', timedOut: false, output: '' }],
          },
        ]),
    ],
    ['an error without details', (d) => (d.error = { message: 'x' })],
    ['a missing tls', (d) => delete d.tls],
    [
      'tls without what the inbound direction gets',
      (d) => (d.tls = { outbound: 'may', certificate: [], kept: [], notes: [] }),
    ],
    [
      'a kept TLS setting without its value',
      (d) => (d.tls = { outbound: 'may', inbound: 'none', certificate: [], kept: [{ name: 'x' }], notes: [] }),
    ],
  ])('%s', (_what, spoil) => {
    const d = good();
    spoil(d);
    expect(schemaErrors(d)).not.toEqual([]);
  });
});
