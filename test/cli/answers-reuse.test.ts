/**
 * Answers to reuse, through the CLI in --root sandboxes checked with the real Postfix tools: for
 * every role, `--answers A --yes --save-answers S` on one sandbox, then `--answers S --yes` on
 * another gives byte-identical files; the saved file holds no password; the state file of one
 * sandbox is accepted by --answers on another; and the plain text leads with the summary and ends
 * with the next steps (which a sandbox never looks up).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix } from '../helpers/postfix.js';
import { closedPort } from '../helpers/ports.js';
import { ensureBuilt, makeSandbox, postconfN, removeTree, runCli, said, writeTemp } from '../helpers/cli.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 150_000 };

const AS_ROOT = needsRoot('the applies through the CLI', 'postfix check refuses other users');
const POSTMASTER = 'admin@example.com';

const made: string[] = [];
function sandbox(): string {
  const d = makeSandbox();
  made.push(d);
  return d;
}
function temp(name: string, text: string): string {
  return writeTemp(name, text, made);
}

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => {
  for (const d of made) removeTree(d);
});

/** The files every role may write, relative to the sandbox. */
const FILES = [
  'etc/postfix/main.cf',
  'etc/postfix/master.cf',
  'etc/aliases',
  'etc/mailname',
  'etc/postfix/virtual',
  'etc/postfix/transport',
  'etc/postfix/relay_recipients',
  'etc/postfix/sasl_passwd',
];

function contents(root: string): Record<string, string | null> {
  return Object.fromEntries(
    FILES.map((f) => {
      try {
        return [f, readFileSync(join(root, f), 'utf8')];
      } catch {
        return [f, null];
      }
    }),
  );
}

// Concurrently: every test has sandboxes and answers files of its own.
describePostfix.concurrent('answers saved on one host, replayed on another', TIMEOUT, () => {
  let passwordFile: string;
  let relayPort: number;
  beforeAll(async () => {
    passwordFile = temp('relay-password', 'S3cret pass:word\n');
    relayPort = await closedPort();
  });

  const roles = (): Array<{ role: string; yaml: string }> => [
    {
      role: 'null-client',
      yaml: [
        'role: null-client',
        'myhostname: client.example.com',
        `relayhost: "[127.0.0.1]:${relayPort}"`,
        `smtp_sasl: {username: me@example.net, password_file: ${passwordFile}}`,
        // The stand-in relay is not listening: the login test fails and is overridden knowingly.
        'overrides: [smarthost-login]',
        `postmaster: ${POSTMASTER}`,
        'chroot: false',
        '',
      ].join('\n'),
    },
    {
      role: 'mail-server',
      yaml: `role: mail-server\nmyhostname: mail.example.com\nnotify_classes: [resource, software, bounce]\npostmaster: ${POSTMASTER}\n`,
    },
    {
      role: 'backup-mx',
      yaml: [
        'role: backup-mx',
        'myhostname: mx2.example.com',
        'relay_domains: [example.net]',
        'transport: {example.net: "relay:[10.0.0.5]"}',
        'relay_recipients: ["@example.net"]',
        'proxy_interfaces: [203.0.113.7]',
        `postmaster: ${POSTMASTER}`,
        '',
      ].join('\n'),
    },
    {
      role: 'firewall-relay',
      yaml: [
        'role: firewall-relay',
        'myhostname: gw.example.com',
        'transport: {example.com: "relay:[10.0.0.5]"}',
        'relay_recipients: ["@example.com"]',
        'mynetworks: [127.0.0.0/8, 10.0.0.0/24]',
        `postmaster: ${POSTMASTER}`,
        '',
      ].join('\n'),
    },
  ];

  test.skipIf(!AS_ROOT).each(['null-client', 'mail-server', 'backup-mx', 'firewall-relay'])(
    '%s: --save-answers, then --answers FILE --yes on a fresh sandbox: byte-identical files',
    async (role) => {
      const c = roles().find((r) => r.role === role);
      if (c === undefined) throw new Error(role);
      const first = sandbox();
      const saved = join(temp('placeholder', ''), '..', `${role}-answers.yaml`);
      const r1 = await runCli(
        ['--answers', temp('answers.yaml', c.yaml), '--yes', '--save-answers', saved, '--root', first],
        {
          via: 'bundle',
        },
      );
      expect(r1.status, said(r1)).toBe(0);
      expect(r1.stdout).toContain(`Answers saved to ${saved}; on another host: mailsetup --answers ${saved} --yes\n`);
      const text = readFileSync(saved, 'utf8');
      expect(text).toMatch(new RegExp(`^# mailsetup answers for the role ${role}, saved on `));
      expect(text).not.toContain('S3cret');
      expect(statSync(saved).mode & 0o777).toBe(0o600);

      const second = sandbox();
      const r2 = await runCli(['--answers', saved, '--yes', '--root', second], { via: 'bundle' });
      expect(r2.status, said(r2)).toBe(0);
      const a = contents(first);
      const b = contents(second);
      expect(a['etc/postfix/main.cf']).not.toBeNull();
      for (const f of FILES) expect(b[f], f).toBe(a[f]);
      expect(postconfN(second)).toEqual(postconfN(first));
    },
  );

  test.skipIf(!AS_ROOT)('the state file of one sandbox is an answers file for another: the same main.cf', async () => {
    const c = roles()[2];
    const first = sandbox();
    const r1 = await runCli(['--answers', temp('answers.yaml', c.yaml), '--yes', '--root', first], { via: 'bundle' });
    expect(r1.status, said(r1)).toBe(0);
    const second = sandbox();
    const r2 = await runCli(['--answers', join(first, 'etc/postfix/mailsetup.yaml'), '--yes', '--root', second], {
      via: 'bundle',
    });
    expect(r2.status, said(r2)).toBe(0);
    expect(readFileSync(join(second, 'etc/postfix/main.cf'), 'utf8')).toBe(
      readFileSync(join(first, 'etc/postfix/main.cf'), 'utf8'),
    );
  });

  test('a state file whose password was typed: another sandbox has no login for it, and is told so', async () => {
    const state = temp(
      'mailsetup.yaml',
      [
        'version: 1',
        'answers:',
        '  role: null-client',
        '  myhostname: client.example.com',
        '  relayhost: "[smtp.example.net]:587"',
        '  postmaster: admin@example.com',
        '  smtp_sasl: {username: me@example.net, password: (secret)}',
        'main: {}',
        '',
      ].join('\n'),
    );
    const r = await runCli(['--answers', state, '--dry-run', '--root', sandbox()], { via: 'bundle' });
    expect(r.status, said(r)).toBe(2);
    expect(r.stderr).toBe(
      'mailsetup: invalid answers:\n' +
        '  smtp_sasl: no password for [smtp.example.net]:587 here: a state file never holds one ("(secret)"); ' +
        'give smtp_sasl.password_file, or type it in the wizard\n',
    );
  });
});

describe('--all-questions', TIMEOUT, () => {
  test('goes with the wizard only: with --yes or --dry-run it is a usage error (exit 2), nothing planned', async () => {
    for (const other of ['--yes', '--dry-run']) {
      const r = await runCli(['--all-questions', other, '--role', 'null-client', '--root', sandbox()], {
        via: 'bundle',
      });
      expect(r.status, said(r)).toBe(2);
      expect(r.stderr).toBe(
        'mailsetup: --all-questions goes with the wizard (it asks questions), not with --yes, --dry-run or a mode\n' +
          "Try 'mailsetup --help'.\n",
      );
      expect(r.stdout).toBe('');
    }
  });
});

describe('the plain text: summary first, next steps last', TIMEOUT, () => {
  test('--dry-run on a fresh sandbox: role, parameters, findings, commands, then the diffs, then the next steps', async () => {
    const root = sandbox();
    const file = temp('answers.yaml', `role: mail-server\nmyhostname: mail.example.com\npostmaster: ${POSTMASTER}\n`);
    const r = await runCli(['--answers', file, '--dry-run', '--root', root], { via: 'bundle' });
    expect(r.status, said(r)).toBe(0);
    const lines = r.stdout.split('\n');
    const at = (s: string) => {
      const i = lines.findIndex((l) => l.startsWith(s));
      expect(i, `${s}\n${r.stdout}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(lines.slice(0, 3)).toEqual([
      'Plan for role mail-server',
      'Role:    mail-server (first configuration: there is no main.cf yet)',
      '',
    ]);
    const order = [
      at('Parameters (old → new, $names expanded)'),
      at(
        '  mydestination: (default: mail.example.com, localhost.example.com, localhost) → ' +
          '$myhostname, localhost.$mydomain, localhost, $mydomain (mail.example.com, localhost.example.com, localhost, example.com)',
      ),
      at('Commands to run, in order'),
      at('Files'),
      at('--- /dev/null'),
      at('Next steps, outside this host'),
      at('  DNS (not looked up: a --root sandbox does not reach the network)'),
      at('    mail.example.com. IN A '),
      at('    example.com. IN MX 10 mail.example.com.'),
      at('  Send a test message:'),
    ];
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(lines.slice(0, order[2]).join('\n')).not.toContain('Debian specific');
  });
});
