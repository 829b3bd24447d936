/**
 * Hostile input (security audit H5, M3, L4, L5, L11, L12): alias targets are never commands,
 * files or includes whatever the quoting; a tampered state file stops the run (exit 2, naming
 * the problem) and --fresh-start sets it aside; input errors are one line and exit 2, never a
 * stack trace; control characters are shown, not obeyed; huge values are cut in messages;
 * inet_interfaces cannot be emptied.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ensureBuilt } from '../helpers/cli.js';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix } from '../helpers/postfix.js';
import { ANSWERS, Lab, mailsetup } from './helpers.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 180_000 };
const AS_ROOT = needsRoot('the applies that write a state file to tamper with', 'postfix check refuses other users');
const lab = new Lab('mailsetup-sec-input-');
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => lab.remove());

const STACK = /\n\s+at /;
const ms = (postmaster: string) => JSON.stringify({ ...parse(ANSWERS.ms), postmaster, chroot: false });

describePostfix('H5: postmaster values that aliases(5) would run, append to or include', TIMEOUT, () => {
  const attacks = [
    ['"|id > /tmp/audit-pwned-by-alias #"@example.com', 'would run it as a command'],
    ['|/bin/sh@example.com', 'would run it as a command'],
    ['/tmp/file@example.com', 'would append mail to it as a file'],
    ['"/tmp/audit/mbox"@example.com', 'would append mail to it as a file'],
    ['":include:/etc/shadow"@example.com', 'would read it as an include file'],
    ['" |cmd"@example.com', 'would run it as a command'],
    ['evil!example.org@example.com', 'routes mail onwards'],
    ['a%evil.org@example.com', 'routes mail onwards'],
  ] as const;
  it('each is refused with exit 2 and /etc/aliases is left alone', async () => {
    const d = lab.sandbox();
    const before = readFileSync(join(d, 'etc/aliases'), 'utf8');
    for (const [postmaster, why] of attacks) {
      const r = await mailsetup(['--root', d, '--answers', lab.answers(ms(postmaster)), '--yes']);
      expect(r.status, postmaster).toBe(2);
      expect(r.stderr, postmaster).toContain(why);
      expect(readFileSync(join(d, 'etc/aliases'), 'utf8')).toBe(before);
    }
  });
});

describePostfix('M3: a tampered state file is refused, never written through', TIMEOUT, () => {
  let base = '';
  beforeAll(async () => {
    base = lab.sandbox();
    const r = await mailsetup(['--root', base, '--answers', lab.answers(ANSWERS.nc), '--yes']);
    if (r.status !== 0) throw new Error(`the base apply failed: ${r.stderr}`);
  }, 180_000);

  /** A copy of the applied sandbox with its state file edited by `edit`. */
  function tampered(edit: (state: Record<string, Record<string, unknown>>) => void): string {
    const d = lab.sandbox();
    cpSync(base, d, { recursive: true });
    const p = join(d, 'etc/postfix/mailsetup.yaml');
    const state = parse(readFileSync(p, 'utf8')) as Record<string, Record<string, unknown>>;
    edit(state);
    writeFileSync(p, stringify(state));
    return d;
  }

  const cases: Array<[string, (s: Record<string, Record<string, unknown>>) => void, string]> = [
    [
      'maps naming /etc/nologin and authorized_keys',
      (s) => {
        s.maps = { ...(s.maps ?? {}), '/etc/nologin': { created: false, keys: {} } };
      },
      'maps: "/etc/nologin" is not a table mailsetup writes',
    ],
    [
      'daemon_directory pointing at another program',
      (s) => {
        s.main = { owned: { daemon_directory: '/usr/lib/postfix/sbin' }, previous: { daemon_directory: '/tmp/evil' } };
      },
      'main.owned: "daemon_directory" is not a parameter mailsetup sets',
    ],
    [
      'a service injected into master.cf',
      (s) => {
        s.master = {
          previous: {
            'smtp/inet':
              'smtp inet n - n - - smtpd -o smtpd_relay_restrictions=permit\npipeevil unix - n n - - pipe user=nobody argv=/bin/sh -c id\n',
          },
        };
      },
      'master.previous.smtp/inet must be the one master.cf entry smtp/inet, and is not',
    ],
    [
      'a newline in a previous value',
      (s) => {
        s.main = { owned: {}, previous: { myhostname: 'a.example.com\nmynetworks = 0.0.0.0/0' } };
      },
      'main.previous.myhostname',
    ],
    [
      'a command as a previous alias target',
      (s) => {
        s.aliases = { owned: {}, previous: { postmaster: '"|id"@example.com' } };
      },
      'would run it as a command',
    ],
    [
      'a role that is none',
      (s) => {
        s.answers = { ...(s.answers ?? {}), role: 'root-kit' };
      },
      'answers: role: "root-kit" is not a role',
    ],
  ];

  for (const [what, edit, message] of cases) {
    it.skipIf(!AS_ROOT)(`${what}: exit 2, the problem named, nothing written`, async () => {
      const d = tampered(edit);
      const main = readFileSync(join(d, 'etc/postfix/main.cf'), 'utf8');
      const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--yes']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${d}/etc/postfix/mailsetup.yaml`);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('--fresh-start');
      expect(r.stderr).not.toMatch(STACK);
      expect(readFileSync(join(d, 'etc/postfix/main.cf'), 'utf8')).toBe(main);
    });
  }

  it.skipIf(!AS_ROOT)(
    'corrupt state files (alias bomb, version 2, not a mapping) are one line and exit 2',
    async () => {
      const bomb =
        'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
        'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
      for (const [text, message] of [
        [bomb, 'mailsetup.yaml'],
        ['version: 2\n', 'unknown version 2'],
        ['- a list\n', 'mailsetup.yaml'],
      ] as const) {
        const d = lab.sandbox();
        cpSync(base, d, { recursive: true });
        writeFileSync(join(d, 'etc/postfix/mailsetup.yaml'), text);
        const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--dry-run']);
        expect(r.status).toBe(2);
        expect(r.stderr).toContain(message);
        expect(r.stderr).not.toMatch(STACK);
      }
    },
  );

  it.skipIf(!AS_ROOT)('--fresh-start sets the invalid file aside (kept in the backup) and applies', async () => {
    const d = tampered((s) => {
      s.maps = { '/root/.ssh/authorized_keys': { created: false, keys: {} } };
    });
    const bad = readFileSync(join(d, 'etc/postfix/mailsetup.yaml'), 'utf8');
    const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--yes', '--fresh-start']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('mailsetup: --fresh-start:');
    expect(r.stderr).toContain("it is set aside (the apply's backup keeps it)");
    expect(readFileSync(join(d, 'etc/postfix/mailsetup.yaml'), 'utf8')).not.toContain('authorized_keys');
    const backup = /Backup: (\S+)\n/.exec(r.stdout)?.[1] ?? '';
    expect(readFileSync(join(backup, 'files/etc/postfix/mailsetup.yaml'), 'utf8')).toBe(bad);
  });
});

describePostfix('L4, L5, L11, L12: input errors, escapes, huge values, empty interfaces', TIMEOUT, () => {
  it('NUL and BOM in main.cf, a directory as main.cf, a UTF-16 answers file: one line, exit 2', async () => {
    const nul = lab.sandbox();
    writeFileSync(join(nul, 'etc/postfix/main.cf'), 'myhostname = a\n\0x = y\n');
    const bom = lab.sandbox();
    writeFileSync(join(bom, 'etc/postfix/main.cf'), '\uFEFFmyhostname = a\n');
    const dir = lab.sandbox();
    cpSync(join(dir, 'etc/postfix/master.cf'), join(dir, 'etc/postfix/main.cf/x'), { recursive: true });
    for (const d of [nul, bom, dir]) {
      const r = await mailsetup(['--root', d, '--answers', lab.answers(ANSWERS.nc), '--dry-run']);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${d}/etc/postfix/main.cf`);
      expect(r.stderr).not.toMatch(STACK);
    }
    const utf16 = lab.path('utf16.yaml');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ANSWERS.nc, 'utf16le')]));
    const r = await mailsetup(['--root', lab.sandbox(), '--answers', utf16, '--dry-run']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(': UTF-16 text; mailsetup reads only UTF-8: convert it (iconv -f UTF-16 -t UTF-8)');
  });

  it('relay_recipients the lookup table cannot hold are answer errors, not crashes', async () => {
    for (const rcpt of ['#x@example.org', '"a b"@example.org']) {
      const text = ANSWERS.bm.replace('relay_recipients: [a@example.org', `relay_recipients: [${JSON.stringify(rcpt)}`);
      const r = await mailsetup(['--root', lab.sandbox(), '--answers', lab.answers(text), '--dry-run']);
      expect(r.status, rcpt).toBe(2);
      expect(r.stderr).toContain('relay_recipients');
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('escape sequences in answers reach the terminal made visible', async () => {
    const text = 'role: "null\\e]0;PWNED-TITLE\\a\\e[2J"\nmyhostname: mail.example.com\n';
    const r = await mailsetup(['--root', lab.sandbox(), '--answers', lab.answers(text), '--dry-run']);
    expect(r.status).toBe(2);
    expect(`${r.stdout}${r.stderr}`).not.toContain('\x1b');
    expect(`${r.stdout}${r.stderr}`).not.toContain('\x07');
    expect(r.stderr).toContain('\\u001b]0;PWNED-TITLE');
  });

  it('a 5 MB postmaster is not echoed: the message says its length', async () => {
    const huge = `${'a'.repeat(5 * 1024 * 1024)}@example.com`;
    const r = await mailsetup(['--root', lab.sandbox(), '--answers', lab.answers(ms(huge)), '--dry-run']);
    expect(r.status).toBe(2);
    expect(r.stderr.length).toBeLessThan(4096);
    expect(r.stderr).toBe(`mailsetup: postmaster: the value is ${huge.length} characters long (at most 4096)\n`);
  });

  it('inet_interfaces: null (or ~) is refused, not written empty', async () => {
    for (const v of ['null', '~', '""']) {
      const r = await mailsetup([
        '--root',
        lab.sandbox(),
        '--answers',
        lab.answers(`${ANSWERS.ms}inet_interfaces: ${v}\n`),
        '--dry-run',
      ]);
      expect(r.status, v).toBe(2);
      expect(r.stderr).toContain('inet_interfaces');
    }
  });
});
