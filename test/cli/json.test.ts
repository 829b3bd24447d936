/**
 * --json through the built command, for every role in a --root sandbox: exactly one document on
 * stdout (nothing else there; the plain text goes to stderr), valid against
 * schema/mailsetup-output.schema.json, saying what the run did: the plan of a --dry-run (nothing
 * written), the apply (files, parameters, commands with their results, the backup), the re-run
 * with nothing to do, --verify's checks, and --rollback --only-last with and without --dry-run.
 * Also `--answers -`, the exit codes (the same as without --json), a blocking finding, invalid
 * answers, a failed apply rolled back, a refused command line, and a password that never appears.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ROLE_IDS } from '../../src/roles/index.js';
import {
  contentOf,
  ensureBuilt,
  makeSandbox,
  postconfN,
  removeTree,
  runCli,
  snapshotTree,
  writeTemp,
  type CliResult,
  type Via,
  said,
} from '../helpers/cli.js';
import { expectSchema, onlyDocument } from '../helpers/jsonSchema.js';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix } from '../helpers/postfix.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 240_000 };

const AS_ROOT = needsRoot('the applies through the CLI with --json', 'postfix check refuses other users');
const POSTMASTER = 'admin@example.com';

/** Answers for each role: the test fails when a role has none (every role's output is checked). */
const ANSWERS: Record<string, { yaml: string; myhostname: string }> = {
  'null-client': {
    myhostname: 'client.example.com',
    yaml: `role: null-client\nmyhostname: client.example.com\nrelayhost: "[127.0.0.1]:2525"\npostmaster: ${POSTMASTER}\n`,
  },
  'mail-server': {
    myhostname: 'mail.example.com',
    yaml: `role: mail-server\nmyhostname: mail.example.com\nmynetworks: [127.0.0.0/8, "[::1]/128"]\npostmaster: ${POSTMASTER}\n`,
  },
  'backup-mx': {
    myhostname: 'mx2.example.com',
    yaml:
      'role: backup-mx\nmyhostname: mx2.example.com\nrelay_domains: [example.net]\n' +
      'transport: {example.net: "relay:[10.0.0.5]"}\nrelay_recipients: ["@example.net"]\n' +
      `proxy_interfaces: [203.0.113.7]\nmynetworks: [127.0.0.0/8]\npostmaster: ${POSTMASTER}\n`,
  },
  'firewall-relay': {
    myhostname: 'gw.example.com',
    yaml:
      'role: firewall-relay\nmyhostname: gw.example.com\nrelay_domains: [example.com]\n' +
      'transport: {example.com: "relay:[10.0.0.5]"}\nrelay_recipients: ["@example.com"]\n' +
      `mynetworks: [127.0.0.0/8]\npostmaster: ${POSTMASTER}\n`,
  },
};

const made: string[] = [];
function sandbox(): string {
  const d = makeSandbox('mailsetup-json-');
  made.push(d);
  return d;
}
function answersFile(text: string): string {
  return writeTemp('answers.yaml', text, made);
}
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => made.forEach(removeTree));

interface Doc {
  [k: string]: unknown;
  exitCode: number;
  ok: boolean;
  changed: boolean;
  role: { before: string | null; after: string | null };
  files: Array<{
    path: string;
    change: string;
    diff: string | null;
    secret: boolean;
    before: string | null;
    after: string | null;
  }>;
  params: Array<{ name: string; old: string | null; new: string | null }>;
  findings: Array<{ id: string; level: string; message: string; override: string | null }>;
  commands: Array<{ id: string; status: string; runs: Array<{ command: string; exitCode: number; output: string }> }>;
  steps: Array<{ id: string; status: string; detail: string | null }>;
  checks: Array<{ id: string; status: string }>;
  rollback: { backupDir: string; kind: string } | null;
  backupDir: string | null;
  error: { message: string; details: string[] } | null;
  tls: { outbound: string; inbound: string; certificate: string[]; kept: unknown[]; notes: string[] } | null;
}

/** Run with --json: the exit code, and the one valid document on stdout (same exit code inside). */
async function runJson(
  args: string[],
  code: number,
  opts: { via?: Via; input?: string; env?: Record<string, string> } = {},
): Promise<{ doc: Doc; r: CliResult }> {
  const r = await runCli(['--json', ...args], { via: opts.via ?? 'bundle', input: opts.input, env: opts.env });
  expect(r.status, said(r)).toBe(code);
  const doc = onlyDocument(r.stdout) as Doc;
  expectSchema(doc);
  expect(doc.exitCode).toBe(code);
  return { doc, r };
}

test('every role has answers here', TIMEOUT, () => {
  expect(Object.keys(ANSWERS).sort()).toEqual([...ROLE_IDS].sort());
});

describePostfix('--json for every role (bundle)', TIMEOUT, () => {
  test.skipIf(!AS_ROOT).concurrent.each([...ROLE_IDS])(
    '%s: dry run, apply, re-apply, verify, rollback --only-last (dry run, run, run again)',
    async (role) => {
      const a = ANSWERS[role];
      const root = sandbox();
      const fresh = contentOf(snapshotTree(root));

      // --dry-run, answers on stdin: the plan, nothing written.
      const dry = (await runJson(['--answers', '-', '--dry-run', '--root', root], 0, { input: a.yaml })).doc;
      expect(dry).toMatchObject({
        mode: 'apply',
        dryRun: true,
        root,
        ok: true,
        changed: true,
        role: { before: null, after: role },
      });
      const main = dry.files.find((f) => f.path === '/etc/postfix/main.cf');
      expect(main).toMatchObject({ change: 'created', secret: false, before: null });
      expect(main?.diff).toContain(`\n+myhostname = ${a.myhostname}\n`);
      expect(main?.after).toContain(`myhostname = ${a.myhostname}\n`);
      expect(dry.params).toContainEqual(expect.objectContaining({ name: 'myhostname', old: null, new: a.myhostname }));
      expect(dry.commands.length).toBeGreaterThan(0);
      expect(dry.commands.every((c) => c.status === 'planned' && c.runs.length === 0)).toBe(true);
      expect(dry.steps).toEqual([]);
      // What TLS each direction gets (the preview's TLS section): STARTTLS only where mail is received.
      expect(dry.tls?.outbound).toMatch(/^opportunistic TLS \(may\)/);
      if (role === 'null-client') expect(dry.tls?.inbound).toMatch(/^none: this role receives no mail/);
      else expect(dry.tls?.inbound).toMatch(/^STARTTLS offered on port 25 \(may\), never required/);
      expect(contentOf(snapshotTree(root))).toEqual(fresh);

      // --yes: applied; the document says what ran and where the backup is.
      const file = answersFile(a.yaml);
      const { doc: done, r } = await runJson(['--answers', file, '--yes', '--root', root], 0);
      expect(done).toMatchObject({
        dryRun: false,
        ok: true,
        changed: true,
        role: { before: null, after: role },
        error: null,
      });
      expect(r.stderr).toContain(`Plan for role ${role}\n`); // the text goes to stderr
      expect(done.backupDir).toMatch(new RegExp(`^${root}/var/backups/mailsetup/\\d{8}T\\d{6}Z$`));
      expect(existsSync(join(done.backupDir as string, 'manifest.json'))).toBe(true);
      expect(done.files.map((f) => f.path)).toEqual(dry.files.map((f) => f.path));
      const check = done.commands.find((c) => c.id === 'action:postfix-check');
      expect(check).toMatchObject({
        status: 'ok',
        runs: [{ command: `postfix -c ${root}/etc/postfix check`, exitCode: 0 }],
      });
      for (const c of done.commands) expect(['ok', 'skipped']).toContain(c.status);
      expect(done.steps.find((s) => s.id === 'manifest')).toMatchObject({ status: 'ok' });
      expect(postconfN(root).myhostname).toBe(a.myhostname);

      // The same answers again: nothing to do.
      const before = snapshotTree(root);
      const again = (await runJson(['--answers', file, '--yes', '--root', root], 0)).doc;
      expect(again).toMatchObject({
        changed: false,
        files: [],
        commands: [],
        role: { before: role, after: role },
        backupDir: null,
      });
      expect(snapshotTree(root)).toEqual(before);

      // --verify: each check.
      const v = (await runJson(['--verify', '--root', root], 0)).doc;
      expect(v).toMatchObject({ mode: 'verify', ok: true, changed: false, role: { before: role, after: role } });
      expect(v.checks.find((c) => c.id === 'state')).toMatchObject({ status: 'ok' });
      expect(v.checks.find((c) => c.id === 'postfix-check')).toMatchObject({ status: 'ok' });
      expect(v.steps).toEqual([]);

      // --rollback --only-last --dry-run: what it would restore; nothing written.
      const rbDry = (await runJson(['--rollback', '--only-last', '--dry-run', '--root', root], 0)).doc;
      expect(rbDry).toMatchObject({
        mode: 'rollback',
        dryRun: true,
        changed: true,
        rollback: { kind: 'apply', backupDir: done.backupDir },
      });
      expect(rbDry.files.find((f) => f.path === '/etc/postfix/main.cf')).toMatchObject({
        change: 'removed',
        after: null,
      });
      expect(snapshotTree(root)).toEqual(before);

      const rb = (await runJson(['--rollback', '--only-last', '--root', root], 0)).doc;
      expect(rb).toMatchObject({
        changed: true,
        ok: true,
        role: { before: role, after: null },
        backupDir: done.backupDir,
      });
      expect(existsSync(join(root, 'etc/postfix/main.cf'))).toBe(false);

      const rb2 = (await runJson(['--rollback', '--only-last', '--root', root], 0)).doc;
      expect(rb2).toMatchObject({ changed: false, ok: true, rollback: null, backupDir: null, files: [] });
      expect(rb2.steps.find((s) => s.id === 'rollback')).toMatchObject({ status: 'skipped' });
    },
  );
});

describePostfix('--json: exit codes, errors and secrets', TIMEOUT, () => {
  test.skipIf(!AS_ROOT)(
    'a blocking finding: exit 2 as without --json, its message in the error; nothing written',
    async () => {
      const root = sandbox();
      const yaml = `${ANSWERS['mail-server'].yaml}`.replace(
        'mynetworks: [127.0.0.0/8, "[::1]/128"]',
        'mynetworks: [0.0.0.0/0]',
      );
      const fresh = contentOf(snapshotTree(root));
      const { doc, r } = await runJson(['--answers', '-', '--yes', '--root', root], 2, { input: yaml });
      const finding = doc.findings.find((f) => f.id === 'mynetworks-public');
      expect(finding).toMatchObject({ level: 'error', override: 'mynetworks-public' });
      expect(doc.ok).toBe(false);
      expect(doc.changed).toBe(false);
      expect(doc.error?.message).toBe(
        'refusing to apply: 1 error (override knowingly with "overrides: [mynetworks-public]" in the answers file)',
      );
      expect(doc.error?.details).toEqual([`mynetworks-public: ${finding?.message}`]);
      expect(doc.commands.every((c) => c.status === 'not-run')).toBe(true);
      expect(r.stderr).toContain('mailsetup: refusing to apply');
      expect(contentOf(snapshotTree(root))).toEqual(fresh);
      const plain = await runCli(['--answers', answersFile(yaml), '--yes', '--root', root], { via: 'bundle' });
      expect(plain.status).toBe(2);
    },
  );

  test('invalid answers: exit 2, each problem in the details', async () => {
    const root = sandbox();
    const { doc } = await runJson(['--answers', '-', '--dry-run', '--root', root], 2, {
      input: 'role: null-client\nmyhostname: "bad host"\nrelayhost: "[127.0.0.1]:2525"\n',
    });
    expect(doc.error?.message).toBe('invalid answers:');
    expect(doc.error?.details.some((d) => d.startsWith('  myhostname: '))).toBe(true);
  });

  test('--answers - with nothing on stdin, or a file that is not there: exit 2 with the reason', async () => {
    const root = sandbox();
    const empty = (await runJson(['--answers', '-', '--dry-run', '--root', root], 2, { input: '' })).doc;
    expect(empty.error?.message).toMatch(/role/);
    const missing = (await runJson(['--answers', '/nonexistent/answers.yaml', '--dry-run', '--root', root], 2)).doc;
    expect(missing.error?.message).toBe('cannot read answers file /nonexistent/answers.yaml: ENOENT');
  });

  test('a refused command line is a document too; --only-last needs --rollback; --json needs a mode', async () => {
    const bogus = (await runJson(['--bogus'], 2)).doc;
    expect(bogus).toMatchObject({
      mode: null,
      root: null,
      ok: false,
      error: { message: "Unknown option '--bogus'", details: [] },
    });
    const alone = (await runJson([], 2)).doc;
    expect(alone.error?.message).toBe(
      '--json goes with --answers, --dry-run, --yes, --verify or --rollback (not with the wizard)',
    );
    const r = await runCli(['--only-last'], { via: 'bundle' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mailsetup: --only-last goes with --rollback\nTry 'mailsetup --help'.\n");
    expect(r.stdout).toBe('');
  });

  test.skipIf(!AS_ROOT)('--dry-run --check: exit 1 when it would change, and the document is still ok', async () => {
    const root = sandbox();
    const { doc } = await runJson(['--answers', '-', '--dry-run', '--check', '--root', root], 1, {
      input: ANSWERS['null-client'].yaml,
    });
    expect(doc).toMatchObject({ ok: true, changed: true, error: null });
  });

  test.skipIf(!AS_ROOT)('a failed apply: exit 1, rolled back, the failing command with its output', async () => {
    const root = sandbox();
    // A stand-in `postfix` first on PATH whose check fails (the real one does everything else).
    const bin = join(root, '..', `${root.split('/').pop()}-bin`);
    made.push(bin);
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'postfix'),
      '#!/bin/sh\nfor a in "$@"; do [ "$a" = check ] && { echo "postfix: fatal: stand-in check failure" >&2; exit 1; }; done\nexec /usr/sbin/postfix "$@"\n',
      { mode: 0o755 },
    );
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
    const fresh = contentOf(snapshotTree(root));
    const { doc } = await runJson(['--answers', '-', '--yes', '--root', root], 1, {
      input: ANSWERS['mail-server'].yaml,
      env,
    });
    expect(doc).toMatchObject({ ok: false, changed: false, role: { before: null, after: null } });
    expect(doc.error?.message).toContain('postfix check');
    const check = doc.commands.find((c) => c.id === 'action:postfix-check');
    expect(check?.status).toBe('failed');
    expect(check?.runs).toEqual([
      expect.objectContaining({ exitCode: 1, output: 'postfix: fatal: stand-in check failure' }),
    ]);
    expect(doc.steps.find((s) => s.id === 'rollback')).toMatchObject({ status: 'rolled-back' });
    expect(doc.steps.find((s) => s.id === 'write:/etc/postfix/main.cf')).toMatchObject({ status: 'rolled-back' });
    const after = contentOf(snapshotTree(root));
    for (const [k, v] of Object.entries(fresh)) expect(after[k], k).toEqual(v);
    const plain = await runCli(['--answers', answersFile(ANSWERS['mail-server'].yaml), '--yes', '--root', root], {
      via: 'bundle',
      env,
    });
    expect(plain.status).toBe(1);
  });

  test.skipIf(!AS_ROOT)(
    '--verify of a sandbox mailsetup never configured: exit 1 as without --json, the failed check',
    async () => {
      const root = sandbox();
      const { doc } = await runJson(['--verify', '--root', root], 1);
      expect(doc.ok).toBe(false);
      expect(doc.checks.some((c) => c.status === 'failed')).toBe(true);
      expect((await runCli(['--verify', '--root', root], { via: 'bundle' })).status).toBe(1);
    },
  );

  test('the smart-host password appears nowhere: not in the document, not on stderr', async () => {
    const root = sandbox();
    const password = 'Tr0ub4dor&3-json';
    const yaml =
      'role: null-client\nmyhostname: client.example.com\nrelayhost: "[smtp.example.net]:587"\n' +
      `postmaster: ${POSTMASTER}\nsmtp_sasl: {username: me@example.net, password: "${password}"}\n`;
    const { doc, r } = await runJson(['--answers', '-', '--dry-run', '--root', root], 0, { input: yaml });
    expect(r.stdout).not.toContain(password);
    expect(r.stderr).not.toContain(password);
    expect(doc.files.find((f) => f.path === '/etc/postfix/sasl_passwd')).toMatchObject({
      secret: true,
      diff: null,
      before: null,
      after: null,
    });
  });

  test('the sources give the same document as the bundle', async () => {
    const root = sandbox();
    const input = ANSWERS['backup-mx'].yaml;
    const [bundle, source] = await Promise.all(
      (['bundle', 'source'] as const).map(
        async (via) => (await runJson(['--answers', '-', '--dry-run', '--root', root], 0, { via, input })).doc,
      ),
    );
    expect(source).toEqual(bundle);
  });
});

test('the schema file is the one the README names', TIMEOUT, () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  expect(readme.includes('schema/mailsetup-output.schema.json')).toBe(true);
});
