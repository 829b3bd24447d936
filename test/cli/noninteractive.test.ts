/**
 * The command without a terminal: --help/--version, usage errors, --answers/--yes for every role
 * in a --root sandbox (checked with the real postconf, postmap and postalias), idempotence,
 * --dry-run/--check, invalid answers, error findings and their override, --rollback, a role
 * change that keeps a hand-added parameter, the root check, and colour. Every test runs twice:
 * against the bundle (node bin/mailsetup.cjs) and against the sources (each module of src/
 * compiled alone, helpers/source-tree.mjs). Each role is applied to a fresh box once per via
 * (helpers/cli.ts, Sandboxes); the tests that go on from there (a second run, --rollback, a role change) each
 * take a copy of that sandbox.
 */
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix } from '../helpers/postfix.js';
import {
  DEBIAN_ALIASES,
  DEBIAN_MASTER_CF,
  ROOT,
  Sandboxes,
  VIAS,
  cliArgv,
  cliEnv,
  contentOf,
  ensureBuilt,
  lookup,
  postconfN,
  removeTree,
  runCli,
  snapshotTree,
  writeTemp,
  type CliResult,
  type Via,
  said,
} from '../helpers/cli.js';
import { settledCopy } from '../helpers/settled.js';

// Applies run a dozen Postfix tools each; on a loaded 2-core machine a test may need more than the default minute.
/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 150_000 };

const ESC = '\u001b';
/** The applies: postfix check (run by every apply, also under --root) refuses users other than root. */
const AS_ROOT = needsRoot('the applies through the CLI', 'postfix check refuses other users');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const made: string[] = [];
/** A fresh sandbox, removed after the file. */
function sandbox(): string {
  return boxes.fresh();
}
/** An answers file, removed after the file. */
function answers(text: string): string {
  return writeTemp('answers.yaml', text, made);
}
/** Each role applied to a fresh box once per via; the tests that go on from there take copies. */
const boxes = new Sandboxes(made);

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => {
  for (const d of made) removeTree(d);
});

/** The exit code, with the output in the failure message. */
function expectExit(r: CliResult, code: number): void {
  expect(r.status, said(r)).toBe(code);
}

/** The backup directories under the sandbox. */
function backups(root: string): string[] {
  const dir = join(root, 'var', 'backups', 'mailsetup');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

interface RoleCase {
  role: string;
  yaml: string;
  /** postconf -n values the role must set. */
  params: Record<string, string>;
  /** Parameters it must leave unset. */
  unset: string[];
  /** Lookup tables (relative to the root) it writes with their entries. */
  maps: Record<string, Record<string, string>>;
  /** master.cf keeps Debian's `local` service. */
  localService: boolean;
}

const POSTMASTER = 'admin@example.com';
const RELAY_RESTRICTIONS = 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination';

const ROLES: RoleCase[] = [
  {
    role: 'null-client',
    yaml: `role: null-client\nmyhostname: client.example.com\nrelayhost: "[127.0.0.1]:2525"\npostmaster: ${POSTMASTER}\n`,
    params: {
      myhostname: 'client.example.com',
      mydomain: 'example.com',
      myorigin: '$mydomain',
      relayhost: '[127.0.0.1]:2525',
      inet_interfaces: 'loopback-only',
      mydestination: '',
      relay_domains: '',
      virtual_alias_maps: 'hash:/etc/postfix/virtual',
    },
    unset: ['transport_maps', 'relay_recipient_maps', 'smtpd_relay_restrictions'],
    maps: { 'etc/postfix/virtual': { postmaster: POSTMASTER, root: POSTMASTER } },
    localService: true,
  },
  {
    role: 'mail-server',
    yaml: `role: mail-server\nmyhostname: mail.example.com\nmynetworks: [127.0.0.0/8, "[::1]/128"]\npostmaster: ${POSTMASTER}\n`,
    params: {
      myhostname: 'mail.example.com',
      mydomain: 'example.com',
      mydestination: '$myhostname, localhost.$mydomain, localhost, $mydomain',
      mynetworks: '127.0.0.0/8, [::1]/128',
      relay_domains: '',
      relayhost: '',
      inet_interfaces: 'all',
      smtpd_relay_restrictions: RELAY_RESTRICTIONS,
    },
    unset: ['virtual_alias_maps', 'transport_maps', 'relay_recipient_maps', 'local_transport'],
    maps: {},
    localService: true,
  },
  {
    role: 'backup-mx',
    yaml: [
      'role: backup-mx',
      'myhostname: mx2.example.com',
      'relay_domains: [example.net]',
      'transport:',
      '  example.net: "relay:[10.0.0.5]"',
      'relay_recipients: ["@example.net", "info@example.net"]',
      'proxy_interfaces: [203.0.113.7]',
      'mynetworks: [127.0.0.0/8]',
      `postmaster: ${POSTMASTER}`,
      '',
    ].join('\n'),
    params: {
      myhostname: 'mx2.example.com',
      mydestination: '$myhostname, localhost.$mydomain, localhost',
      relay_domains: 'example.net',
      transport_maps: 'hash:/etc/postfix/transport',
      relay_recipient_maps: 'hash:/etc/postfix/relay_recipients',
      proxy_interfaces: '203.0.113.7',
      mynetworks: '127.0.0.0/8',
      relayhost: '',
      smtpd_relay_restrictions: RELAY_RESTRICTIONS,
    },
    unset: ['virtual_alias_maps', 'local_transport'],
    maps: {
      'etc/postfix/transport': { 'example.net': 'relay:[10.0.0.5]' },
      'etc/postfix/relay_recipients': { '@example.net': 'x', 'info@example.net': 'x' },
    },
    localService: true,
  },
  {
    role: 'firewall-relay',
    yaml: [
      'role: firewall-relay',
      'myhostname: gw.example.com',
      'relay_domains: [example.com]',
      'transport:',
      '  example.com: "relay:[10.0.0.5]"',
      'relay_recipients: ["@example.com"]',
      'mynetworks: [127.0.0.0/8]',
      `postmaster: ${POSTMASTER}`,
      '',
    ].join('\n'),
    params: {
      myhostname: 'gw.example.com',
      mydestination: '',
      local_recipient_maps: '',
      local_transport: 'error:local mail delivery is disabled',
      relay_domains: 'example.com',
      parent_domain_matches_subdomains: 'debug_peer_list smtpd_access_maps',
      transport_maps: 'hash:/etc/postfix/transport',
      relay_recipient_maps: 'hash:/etc/postfix/relay_recipients',
      virtual_alias_maps: 'hash:/etc/postfix/virtual',
      smtpd_relay_restrictions: RELAY_RESTRICTIONS,
    },
    unset: ['proxy_interfaces'],
    maps: {
      'etc/postfix/transport': { 'example.com': 'relay:[10.0.0.5]' },
      'etc/postfix/relay_recipients': { '@example.com': 'x' },
      'etc/postfix/virtual': { postmaster: POSTMASTER, abuse: POSTMASTER, root: POSTMASTER },
    },
    localService: false,
  },
];

/** The keys of a lookup table's source file (comments and blank lines skipped). */
function tableKeys(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(/\s+/)[0]);
}

/**
 * `postconf -M local/unix` prints the service (empty when it is commented out); run on a settled
 * copy of etc/postfix (helpers/settled.ts), so that it does not wait for the main.cf just written.
 */
function localService(root: string): string {
  const conf = settledCopy(join(root, 'etc', 'postfix'));
  const out = spawnSync('postconf', ['-c', conf, '-M', 'local/unix'], { encoding: 'utf8' }).stdout.trim();
  removeTree(conf);
  return out;
}

/**
 * `postfix check` of the sandbox itself (its files, owners and modes), run without blocking this
 * worker: its postconf waits up to 2 s for the main.cf mailsetup has just written, while the
 * other tests of the file go on.
 */
function postfixCheck(root: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile('postfix', ['-c', join(root, 'etc', 'postfix'), 'check'], { encoding: 'utf8' }, (error, _out, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
    );
  });
}

/** Everything a role's apply must leave in the sandbox. */
async function checkApplied(root: string, c: RoleCase): Promise<void> {
  const n = postconfN(root);
  for (const [k, v] of Object.entries(c.params)) expect(n[k], `postconf -n ${k}`).toBe(v);
  for (const k of c.unset) expect(n[k], `postconf -n ${k} must be unset`).toBeUndefined();
  const check = await postfixCheck(root);
  expect(check.status, check.stderr).toBe(0);

  for (const [table, entries] of Object.entries(c.maps)) {
    expect(tableKeys(join(root, table)).sort()).toEqual(Object.keys(entries).sort());
    expect(existsSync(join(root, `${table}.db`)), `${table}.db`).toBe(true);
    for (const [k, v] of Object.entries(entries)) expect(lookup(root, table, k), `${table}: ${k}`).toBe(v);
  }
  expect(existsSync(join(root, 'etc/aliases.db'))).toBe(true);
  expect(lookup(root, 'etc/aliases', 'postmaster')).toBe(POSTMASTER);
  expect(lookup(root, 'etc/aliases', 'root')).toBe(POSTMASTER);
  expect(readFileSync(join(root, 'etc/mailname'), 'utf8')).toBe('example.com\n');
  expect(localService(root) !== '').toBe(c.localService);

  const state = parseYaml(readFileSync(join(root, 'etc/postfix/mailsetup.yaml'), 'utf8')) as {
    answers: Record<string, unknown>;
  };
  expect(state.answers.role).toBe(c.role);
  expect(state.answers.myhostname).toBe(c.params.myhostname);

  const [dir, ...more] = backups(root);
  expect(more).toEqual([]);
  const manifest = JSON.parse(readFileSync(join(root, 'var/backups/mailsetup', dir, 'manifest.json'), 'utf8')) as {
    status: string;
    files: Array<{ path: string; absent: boolean; copy: string | null }>;
  };
  expect(manifest.status).toBe('applied');
  const mainCf = manifest.files.find((f) => f.path === '/etc/postfix/main.cf');
  expect(mainCf?.absent).toBe(true);
  const aliases = manifest.files.find((f) => f.path === '/etc/aliases');
  expect(aliases?.copy).toBe('files/etc/aliases');
  expect(readFileSync(join(root, 'var/backups/mailsetup', dir, 'files/etc/aliases'), 'utf8')).toBe(DEBIAN_ALIASES);
}

describe.concurrent.each(VIAS)('mailsetup via the %s: usage', TIMEOUT, (via: Via) => {
  test('--help prints the usage and exits 0; -h too', async () => {
    for (const r of await Promise.all(['--help', '-h'].map((flag) => runCli([flag], { via })))) {
      expectExit(r, 0);
      expect(
        r.stdout.startsWith(
          `mailsetup ${VERSION}: configure Postfix for a standard role\n\nUsage: mailsetup [options]\n`,
        ),
      ).toBe(true);
      for (const opt of [
        '--answers FILE',
        '--yes',
        '--dry-run',
        '--check',
        '--root DIR',
        '--rollback',
        '--verify',
        '--only-last',
        '--json',
        '--no-color',
      ])
        expect(r.stdout).toContain(opt);
      expect(r.stdout).toContain('Exit codes: 0 success or nothing to do');
      expect(r.stdout).not.toContain(ESC);
      expect(r.stderr).toBe('');
    }
  });

  test('--version prints the package version and exits 0', async () => {
    const r = await runCli(['--version'], { via });
    expectExit(r, 0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    expect(r.stderr).toBe('');
  });

  test('a bad flag, a stray argument or --check without --dry-run exits 2 with the reason', async () => {
    const [bad, stray, check] = await Promise.all([
      runCli(['--bogus'], { via }),
      runCli(['apply'], { via }),
      runCli(['--check'], { via }),
    ]);
    expectExit(bad, 2);
    expect(bad.stderr).toBe("mailsetup: Unknown option '--bogus'\nTry 'mailsetup --help'.\n");
    expect(bad.stdout).toBe('');
    expectExit(stray, 2);
    expect(stray.stderr).toBe(
      "mailsetup: Unexpected argument 'apply'. This command does not take positional arguments\nTry 'mailsetup --help'.\n",
    );
    expectExit(check, 2);
    expect(check.stderr).toBe("mailsetup: --check goes with --dry-run\nTry 'mailsetup --help'.\n");
  });
});

describePostfix.concurrent.each(VIAS)('mailsetup via the %s: answers file, no terminal', TIMEOUT, (via: Via) => {
  test.skipIf(!AS_ROOT).concurrent.each(ROLES)(
    '--answers --yes --root applies $role, checked with postconf; a second run has nothing to do',
    async (c) => {
      const { root, run: r } = await boxes.applied(c.yaml, via);
      expectExit(r, 0);
      expect(r.stdout).toContain(`Plan for role ${c.role}\n`);
      expect(r.stdout).toContain(`Applied. Backup: ${join(root, 'var/backups/mailsetup', backups(root)[0])}\n`);
      expect(r.stdout).toContain(
        `Undo with: mailsetup --rollback --root ${root}    Check with: postconf -c ${root}/etc/postfix -n\n`,
      );
      expect(r.stdout).toContain('- Restart Postfix');
      expect(r.stdout).toContain('--root: daemons are not touched');
      expect(r.stderr).toBe('');
      await checkApplied(root, c);

      const copy = boxes.copy(root);
      const before = snapshotTree(copy);
      const again = await runCli(['--answers', answers(c.yaml), '--yes', '--root', copy], { via });
      expectExit(again, 0);
      expect(again.stdout).toContain('Nothing to do: the configuration is already as asked.\n');
      expect(again.stdout).not.toContain('✓ Write');
      expect(snapshotTree(copy)).toEqual(before);
    },
  );

  test
    .skipIf(!AS_ROOT)
    .concurrent('--dry-run writes nothing; --check exits 1 while changes are due and 0 after the apply', async () => {
      const root = sandbox();
      const file = answers(ROLES[0].yaml);
      const fresh = snapshotTree(root);
      const dry = await runCli(['--answers', file, '--dry-run', '--root', root], { via });
      expectExit(dry, 0);
      expect(dry.stdout).toContain('+relayhost = [127.0.0.1]:2525\n');
      expect(dry.stdout).toContain('Commands to run, in order');
      expect(snapshotTree(root)).toEqual(fresh);

      const check = await runCli(['--answers', file, '--dry-run', '--check', '--root', root], { via });
      expectExit(check, 1);
      expect(check.stdout).toBe(dry.stdout);
      expect(snapshotTree(root)).toEqual(fresh);

      expectExit(await runCli(['--answers', file, '--yes', '--root', root], { via }), 0);
      const applied = snapshotTree(root);
      const after = await runCli(['--answers', file, '--dry-run', '--check', '--root', root], { via });
      expectExit(after, 0);
      expect(after.stdout).toBe(
        [
          'Plan for role null-client',
          '',
          'No change: the files already match these answers; nothing will run.',
          '',
          // What TLS each direction gets, also when nothing changes (issue 17).
          'TLS (encryption in transit)',
          '  Outbound: opportunistic TLS (may): encrypted when the receiver offers STARTTLS, else plain; ' +
            'CA store /etc/ssl/certs/ca-certificates.crt; protocols >=TLSv1, mandatory >=TLSv1.2',
          '  Inbound:  none: this role receives no mail (smtpd listens on loopback only)',
          '',
        ].join('\n'),
      );
      expect(snapshotTree(root)).toEqual(applied);
    });

  test.concurrent(
    'no terminal and no answers exits 2 and says how to run it; an answers file without --yes applies nothing',
    async () => {
      const root = sandbox();
      const fresh = snapshotTree(root);
      const r = await runCli(['--root', root], { via });
      expectExit(r, 2);
      expect(r.stderr).toBe(
        'mailsetup: no terminal to ask questions on: pass --answers FILE (and --yes to apply), or run it in a terminal\n',
      );
      expect(r.stdout).toBe('');
      const noYes = await runCli(['--answers', answers(ROLES[1].yaml), '--root', root], { via });
      expectExit(noYes, 2);
      expect(noYes.stdout).toContain('Plan for role mail-server');
      expect(noYes.stderr).toBe('mailsetup: nothing applied: pass --yes to apply these answers without questions\n');
      expect(snapshotTree(root)).toEqual(fresh);
    },
  );

  test.concurrent('invalid answers exit 2 naming each key and the reason; nothing is written', async () => {
    const root = sandbox();
    const fresh = snapshotTree(root);
    const values = await runCli(
      [
        '--answers',
        answers('role: mail-server\nmyhostname: mail.example.com\nmynetworks: [10.0.0.0/33]\npostmaster: "a b"\n'),
        '--yes',
        '--root',
        root,
      ],
      { via },
    );
    expectExit(values, 2);
    expect(values.stderr).toBe(
      'mailsetup: invalid answers:\n' +
        '  mynetworks: "10.0.0.0/33" is not a valid network address: the prefix length 33 is out of range (0-32)\n' +
        '  postmaster: "a b" is neither an address (user@domain) nor a local user name\n',
    );
    expect(values.stdout).toBe('');

    const cases: Array<[string[], string | RegExp]> = [
      [['--answers', answers('role: mail-server\nbogus: 1\n')], 'mailsetup: bogus: unknown key\n'],
      [
        ['--answers', answers('role: web-server\n')],
        'mailsetup: role: "web-server" is not a role (null-client, mail-server, backup-mx, firewall-relay)\n',
      ],
      [
        ['--answers', answers('role: mail-server\nmynetworks: {a: 1}\n')],
        'mailsetup: mynetworks: expected a list, got a mapping\n',
      ],
      [
        ['--answers', answers('role: [\n')],
        // Line and column only: the text around it (which may hold a password) is never echoed.
        'mailsetup: answers file is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1\n',
      ],
      [
        ['--answers', join(root, 'no-such.yaml')],
        `mailsetup: cannot read answers file ${join(root, 'no-such.yaml')}: ENOENT\n`,
      ],
      [
        ['--role', 'mailserver'],
        'mailsetup: --role: "mailserver" is not a role (null-client, mail-server, backup-mx, firewall-relay)\n',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli([...args, '--yes', '--root', root], { via })));
    results.forEach((r, i) => {
      expectExit(r, 2);
      const message = cases[i][1];
      if (typeof message === 'string') expect(r.stderr).toBe(message);
      else expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
    expect(snapshotTree(root)).toEqual(fresh);
  });

  test
    .skipIf(!AS_ROOT)
    .concurrent(
      'an error finding (mynetworks 0.0.0.0/0) exits 2 with the override hint; the override in the answers applies it',
      async () => {
        const root = sandbox();
        const fresh = snapshotTree(root);
        const open =
          'role: mail-server\nmyhostname: mail.example.com\nmynetworks: [0.0.0.0/0]\npostmaster: admin@example.com\n';
        const [refused, dry] = await Promise.all([
          runCli(['--answers', answers(open), '--yes', '--root', root], { via }),
          runCli(['--answers', answers(open), '--dry-run', '--root', root], { via }),
        ]);
        expectExit(refused, 2);
        expectExit(dry, 2);
        expect(refused.stdout).toContain(
          '  error   mynetworks-public: mynetworks contains 0.0.0.0/0: every client on the Internet could relay through this host (open relay)' +
            ' (BASIC_CONFIGURATION_README, "What clients to relay mail from": "IMPORTANT: If your machine is connected to a wide area ' +
            'network then your default mynetworks setting may be too friendly.")\n' +
            '          override id: mynetworks-public\n',
        );
        expect(refused.stderr).toBe(
          'mailsetup: refusing to apply: 1 error above (override knowingly with "overrides: [mynetworks-public]" in the answers file)\n',
        );
        expect(snapshotTree(root)).toEqual(fresh);

        const overridden = await runCli(
          ['--answers', answers(`${open}overrides: [mynetworks-public]\n`), '--yes', '--root', root],
          { via },
        );
        expectExit(overridden, 0);
        expect(overridden.stdout).toContain(
          'mynetworks contains 0.0.0.0/0: every client on the Internet could relay through this host (open relay)' +
            ' (BASIC_CONFIGURATION_README, "What clients to relay mail from": "IMPORTANT: If your machine is connected to a wide area ' +
            'network then your default mynetworks setting may be too friendly.") (overridden: mynetworks-public)',
        );
        expect(postconfN(root).mynetworks).toBe('0.0.0.0/0');
      },
    );

  test.skipIf(!AS_ROOT).concurrent.each(ROLES)(
    '--rollback after $role on a fresh box removes every file the apply created and restores /etc/aliases exactly',
    async (c) => {
      const fresh = contentOf(snapshotTree(sandbox()));
      const applied = await boxes.applied(c.yaml, via);
      expectExit(applied.run, 0);
      const root = boxes.copy(applied.root);
      const [backup] = backups(root);
      const r = await runCli(['--rollback', '--root', root], { via });
      expectExit(r, 0);
      expect(r.stdout).toContain('↺ Restore /etc/postfix/main.cf: removed (it did not exist before)\n');
      expect(r.stdout).toContain('↺ Restore /etc/aliases: restored from the backup\n');
      expect(r.stdout).toContain('↺ Remove /etc/aliases.db: it did not exist before\n');
      expect(r.stdout).toContain(
        `Rolled back. The files are as they were before the apply of ${join(root, 'var/backups/mailsetup', backup)}\n`,
      );
      expect(r.stdout).not.toContain('Applied.');
      const etc = (s: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(s).filter(([k]) => k.startsWith('etc')));
      expect(etc(contentOf(snapshotTree(root)))).toEqual(etc(fresh));
      expect(readFileSync(join(root, 'etc/aliases'), 'utf8')).toBe(DEBIAN_ALIASES);

      const twice = await runCli(['--rollback', '--root', root], { via });
      expectExit(twice, 1);
      expect(twice.stderr).toBe(
        `Rollback failed: no applied mailsetup backup in ${join(root, 'var/backups/mailsetup')} to roll back to\n`,
      );
    },
  );

  test
    .skipIf(!AS_ROOT)
    .concurrent(
      'a role change (firewall-relay → mail-server) updates only what it must; a hand-added parameter stays; --rollback undoes it',
      async () => {
        const fw = ROLES[3];
        const applied = await boxes.applied(fw.yaml, via);
        expectExit(applied.run, 0);
        const root = boxes.copy(applied.root);
        const handLines = '# raised by hand for large attachments\nmessage_size_limit  =  52428800\n';
        appendFileSync(join(root, 'etc/postfix/main.cf'), handLines);
        const asFirewall = snapshotTree(root);

        const ms = ROLES[1];
        const r = await runCli(['--answers', answers(ms.yaml), '--yes', '--root', root], { via });
        expectExit(r, 0);
        const n = postconfN(root);
        for (const [k, v] of Object.entries(ms.params)) expect(n[k], `postconf -n ${k}`).toBe(v);
        for (const k of [
          'local_recipient_maps',
          'local_transport',
          'parent_domain_matches_subdomains',
          'transport_maps',
          'relay_recipient_maps',
          'virtual_alias_maps',
        ]) {
          expect(n[k], `${k} must be gone`).toBeUndefined();
        }
        expect(n.message_size_limit).toBe('52428800');
        const mainCf = readFileSync(join(root, 'etc/postfix/main.cf'), 'utf8');
        expect(mainCf).toContain(`\n${handLines}`);
        expect(mainCf.split('message_size_limit').length).toBe(2);
        // Debian's master.cf again, byte for byte: the `local` service is back.
        expect(readFileSync(join(root, 'etc/postfix/master.cf'), 'utf8')).toBe(DEBIAN_MASTER_CF);
        for (const t of ['transport', 'relay_recipients', 'virtual'])
          expect(existsSync(join(root, 'etc/postfix', t)), t).toBe(false);
        // Files the change does not concern are not touched (same bytes, same mtime).
        const now = snapshotTree(root);
        for (const p of ['etc/aliases', 'etc/aliases.db', 'etc/mailname', 'etc/rsyslog.d/postfix.conf'])
          expect(now[p], p).toEqual(asFirewall[p]);
        expect(backups(root)).toHaveLength(2);

        const back = await runCli(['--rollback', '--root', root], { via });
        expectExit(back, 0);
        const restored = contentOf(snapshotTree(root));
        const expected = contentOf(asFirewall);
        for (const [p, e] of Object.entries(expected)) {
          if (!p.startsWith('etc/') || p.endsWith('.db')) continue;
          expect(restored[p], p).toEqual(e);
        }
        for (const [table, entries] of Object.entries(fw.maps)) {
          for (const [k, v] of Object.entries(entries)) expect(lookup(root, table, k), `${table}: ${k}`).toBe(v);
        }
        expect(localService(root)).toBe('');
      },
    );

  test
    .skipIf(!AS_ROOT)
    .concurrent('a closed stdout (mailsetup … | head -1) does not stop an apply half way', async () => {
      const root = sandbox();
      const argv = cliArgv(['--answers', answers(ROLES[2].yaml), '--yes', '--root', root], via);
      const r = spawnSync('bash', ['-c', '"$@" | head -1; exit "${PIPESTATUS[0]}"', 'bash', ...argv], {
        cwd: ROOT,
        env: cliEnv(),
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('Plan for role backup-mx\n');
      expect(r.stderr).toBe('');
      await checkApplied(root, ROLES[2]);
    });

  test.concurrent(
    'as a user other than root, without --root or --dry-run, it says root is needed before anything else',
    async () => {
      const runs = [[], ['--answers', answers(ROLES[0].yaml), '--yes'], ['--rollback']].map((args) =>
        runCli(args, { via, user: 'nobody', cwd: tmpdir() }),
      );
      for (const r of await Promise.all(runs)) {
        expectExit(r, 2);
        expect(r.stderr).toBe(
          'mailsetup: root is needed to configure Postfix: run it with sudo (or use --dry-run, or --root DIR for a sandbox)\n',
        );
        expect(r.stdout).toBe('');
      }
    },
  );

  test.concurrent(
    'colour: none in a pipe by default, with --no-color or NO_COLOR; FORCE_COLOR=1 turns it on',
    async () => {
      const root = sandbox();
      const file = answers(ROLES[0].yaml);
      const dry = ['--answers', file, '--dry-run', '--root', root];
      const [plain, forced] = await Promise.all([
        runCli(dry, { via }),
        runCli(dry, { via, env: { FORCE_COLOR: '1' } }),
      ]);
      expectExit(plain, 0);
      expect(plain.stdout).not.toContain(ESC);
      expect(plain.stdout).toContain('\n+relayhost = [127.0.0.1]:2525\n');

      expectExit(forced, 0);
      expect(forced.stdout).toContain(`${ESC}[32m+relayhost = [127.0.0.1]:2525${ESC}[0m\n`);
      expect(forced.stdout).toContain(`${ESC}[1mPlan for role null-client${ESC}[0m\n`);
      // Without the escapes it is the same text.
      expect(forced.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain.stdout);

      const off = [
        { args: ['--no-color'], env: { FORCE_COLOR: '1' } },
        { args: [], env: { FORCE_COLOR: '1', NO_COLOR: '1' } },
        { args: [], env: { FORCE_COLOR: '0' } },
      ];
      const [errors, ...offRuns] = await Promise.all([
        runCli(['--bogus'], { via, env: { FORCE_COLOR: '1' } }),
        ...off.map((o) => runCli([...dry, ...o.args], { via, env: o.env })),
      ]);
      offRuns.forEach((r, i) => {
        expectExit(r, 0);
        expect(r.stdout, JSON.stringify(off[i])).toBe(plain.stdout);
      });
      expect(errors.stderr).not.toContain(ESC);
    },
  );
});

describePostfix('the bundle and the sources', TIMEOUT, () => {
  test('print the same plan for every role', async () => {
    const root = sandbox();
    for (const c of ROLES) {
      const file = answers(c.yaml);
      const [bundle, source] = await Promise.all(
        VIAS.map((via) => runCli(['--answers', file, '--dry-run', '--root', root, '--no-color'], { via })),
      );
      expectExit(bundle, 0);
      expectExit(source, 0);
      expect(bundle.stdout).toBe(source.stdout);
      expect(bundle.stdout).toContain(`Plan for role ${c.role}\n`);
    }
  });
});
