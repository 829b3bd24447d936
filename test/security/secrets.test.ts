/**
 * Secrets (security audit H3, H4, M7, M8, L1, L2, L3, L6, L13): a re-run keeps the stored
 * smart-host password byte for byte and never gives it to another relay host; sasl_passwd and its
 * database are root-only whatever they were; passwords are YAML strings, never echoed in an
 * error; password files are checked (type, size, lines, owner, mode) before they are read; a role
 * switch leaves no database holding the password; a password echoed by a server is hidden in
 * every encoding.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSmartHostLogin } from '../../src/system/smtpLogin.js';
import { ensureBuilt } from '../helpers/cli.js';
import { closedPort } from '../helpers/ports.js';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix } from '../helpers/postfix.js';
import { makeTestPki } from '../helpers/testCa.js';
import { Lab, mailsetup } from './helpers.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 180_000 };
const AS_ROOT = needsRoot('the sandbox applies that write sasl_passwd', 'postfix check refuses other users');
const lab = new Lab('mailsetup-sec-secrets-');
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => lab.remove());

const SASL = 'etc/postfix/sasl_passwd';
const mode = (p: string) => statSync(p).mode & 0o7777;
const lastLine = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n').pop();

/** A null-client answers file with a smart-host login (the login test overridden: nothing listens there). */
function nullClient(relayhost: string, sasl: string | null): string {
  return (
    `role: null-client\nmyhostname: mail.example.com\nrelayhost: "${relayhost}"\npostmaster: admin@example.com\n` +
    (sasl === null ? '' : `smtp_sasl: ${sasl}\n`) +
    'overrides: [smarthost-login]\n'
  );
}

describePostfix('H3: a re-run keeps the stored smart-host password', TIMEOUT, () => {
  it.skipIf(!AS_ROOT)('--role null-client --yes alone keeps the bytes read from password_file', async () => {
    const port = await closedPort();
    const pw = lab.file('h3a/pwfile', 'S3cr3t-pw\n', 0o600);
    const d = lab.sandbox();
    const first = lab.answers(nullClient(`[127.0.0.1]:${port}`, `{username: me@example.net, password_file: ${pw}}`));
    expect((await mailsetup(['--root', d, '--answers', first, '--yes'])).status).toBe(0);
    expect(lastLine(join(d, SASL))).toBe(`[127.0.0.1]:${port} me@example.net:S3cr3t-pw`);
    const again = await mailsetup(['--root', d, '--role', 'null-client', '--yes']);
    expect(again.status, again.stderr).toBe(0);
    expect(lastLine(join(d, SASL))).toBe(`[127.0.0.1]:${port} me@example.net:S3cr3t-pw`);
    expect(again.stdout).not.toContain('S3cr3t-pw');
    // What the wizard submits on Enter at "leave empty to keep the current password": the state's
    // placeholder (the wizard's own screen test covers the key press).
    const kept = lab.answers(nullClient(`[127.0.0.1]:${port}`, '{username: me@example.net, password: "(secret)"}'));
    const wizardLike = await mailsetup(['--root', d, '--answers', kept, '--yes']);
    expect(wizardLike.status, wizardLike.stderr).toBe(0);
    expect(lastLine(join(d, SASL))).toBe(`[127.0.0.1]:${port} me@example.net:S3cr3t-pw`);
  });

  it.skipIf(!AS_ROOT)(
    'a new port on the same relay host keeps the password; another host never receives it',
    async () => {
      const [p1, p2] = [await closedPort(), await closedPort()];
      const d = lab.sandbox();
      const first = lab.answers(
        nullClient(`[127.0.0.1]:${p1}`, '{username: me@example.net, password: "Hunter2-real"}'),
      );
      expect((await mailsetup(['--root', d, '--answers', first, '--yes'])).status).toBe(0);
      // The audit: smtp_sasl left out, the relay host's port changed: "(secret)" was written as the password.
      const moved = await mailsetup([
        '--root',
        d,
        '--answers',
        lab.answers(nullClient(`[127.0.0.1]:${p2}`, null)),
        '--yes',
      ]);
      expect(moved.status, moved.stderr).toBe(0);
      const text = readFileSync(join(d, SASL), 'utf8');
      expect(text).not.toContain('(secret)');
      expect(lastLine(join(d, SASL))).toBe(`[127.0.0.1]:${p2} me@example.net:Hunter2-real`);
      // Another host: refused, nothing written.
      const before = readFileSync(join(d, SASL), 'utf8');
      const other = await mailsetup([
        '--root',
        d,
        '--answers',
        lab.answers(nullClient('[127.0.0.2]:2599', null)),
        '--yes',
      ]);
      expect(other.status).toBe(2);
      expect(other.stderr).toContain('is not sent to another host; give the password for 127.0.0.2');
      expect(other.stderr).toContain('smarthost-password-reuse');
      expect(readFileSync(join(d, SASL), 'utf8')).toBe(before);
    },
  );
});

describePostfix('H4 and L3: secrets are root-only and leave with the role', TIMEOUT, () => {
  it.skipIf(!AS_ROOT)(
    'a sasl_passwd that was 0644 becomes 0600 (and its .db), the output says so, a rollback keeps it 0600',
    async () => {
      const port = await closedPort();
      const d = lab.sandbox();
      writeFileSync(join(d, SASL), '# my old creds\n[old.example.net]:587 olduser:oldpass\n', { mode: 0o644 });
      execFileSync('chmod', ['644', join(d, SASL)]);
      const r = await mailsetup([
        '--root',
        d,
        '--answers',
        lab.answers(nullClient(`[127.0.0.1]:${port}`, '{username: me@example.net, password: "Hunter2-real"}')),
        '--yes',
      ]);
      expect(r.status, r.stderr).toBe(0);
      expect(mode(join(d, SASL))).toBe(0o600);
      expect(mode(join(d, `${SASL}.db`))).toBe(0o600);
      expect(`${r.stdout}${r.stderr}`).toContain('it holds a secret, so mailsetup');
      // nobody reads neither
      const nobody = spawnSync('setpriv', [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        'cat',
        join(d, SASL),
      ]);
      expect(nobody.status).not.toBe(0);
      // A rollback restores the old content exactly, never with the old (wider) mode.
      const back = await mailsetup(['--root', d, '--rollback']);
      expect(back.status, back.stderr).toBe(0);
      expect(readFileSync(join(d, SASL), 'utf8')).toBe('# my old creds\n[old.example.net]:587 olduser:oldpass\n');
      expect(mode(join(d, SASL))).toBe(0o600);
    },
  );

  it.skipIf(!AS_ROOT)('null-client with a login, then backup-mx: no sasl_passwd.db holds the password', async () => {
    const port = await closedPort();
    const d = lab.sandbox();
    const nc = nullClient(`[127.0.0.1]:${port}`, '{username: me@example.net, password: "Hunter2-real"}');
    expect((await mailsetup(['--root', d, '--answers', lab.answers(nc), '--yes'])).status).toBe(0);
    expect(existsSync(join(d, `${SASL}.db`))).toBe(true);
    const bm =
      'role: backup-mx\nmyhostname: mail.example.com\npostmaster: admin@example.com\nrelay_domains: [example.org]\n' +
      'proxy_interfaces: [203.0.113.5]\nrelay_recipients: [a@example.org]\n';
    const r = await mailsetup(['--root', d, '--answers', lab.answers(bm), '--yes']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(d, SASL))).toBe(false);
    expect(existsSync(join(d, `${SASL}.db`))).toBe(false);
  });
});

describePostfix('M7, M8, L1, L13: the password as written, never echoed', TIMEOUT, () => {
  it('unquoted numeric-looking passwords and user names are refused (they would be stored changed)', async () => {
    for (const [key, value] of [
      ['password', '012345'],
      ['password', '0x1F'],
      ['password', '1e3'],
      ['password', '.inf'],
      ['username', '0012345'],
    ] as const) {
      const sasl =
        key === 'password'
          ? `{username: me@example.net, password: ${value}}`
          : `{username: ${value}, password: "x-y-z"}`;
      const r = await mailsetup([
        '--root',
        lab.sandbox(),
        '--answers',
        lab.answers(nullClient('[smtp.example.net]:587', sasl)),
        '--dry-run',
      ]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`smtp_sasl.${key}: YAML reads this unquoted value as a number`);
      expect(r.stderr).toContain(`write it in quotes, e.g. ${key}: "…"`);
    }
  });

  it('a YAML error names the line, never the text around it', async () => {
    const texts = [
      'role: null-client\nsmtp_sasl: {username: me@example.net, password: "LeakMe-9876}\n',
      'role: null-client\nsmtp_sasl:\n  password: LeakMe-9876\n  password: LeakMe-9876\n',
      'role: null-client\nsmtp_sasl:\n  password: LeakMe-9876\n    username: x\n',
    ];
    for (const text of texts) {
      const r = await mailsetup(['--root', lab.sandbox(), '--answers', lab.answers(text), '--dry-run']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/answers file is not valid YAML: .* at line \d+, column \d+\n/);
      expect(`${r.stdout}${r.stderr}`).not.toContain('LeakMe');
    }
  });

  it('bytes that are not UTF-8 in the answers or the password file are refused, not replaced', async () => {
    const d = lab.sandbox();
    const bad = Buffer.concat([
      Buffer.from(nullClient('[smtp.example.net]:587', '{username: me@example.net, password: "p').replace(/\n$/, '')),
      Buffer.from([0xff]),
      Buffer.from('ss"}\n'),
    ]);
    const answers = lab.path('l1/answers.yaml');
    lab.file('l1/answers.yaml', '');
    writeFileSync(answers, bad);
    const r1 = await mailsetup(['--root', d, '--answers', answers, '--dry-run']);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toContain('not UTF-8 text (byte 0xff');
    expect(r1.stderr).not.toContain('\uFFFD');
    const pw = lab.file('l1/pw', '');
    writeFileSync(pw, Buffer.from([0x70, 0xff, 0x73, 0x73, 0x0a]));
    const r2 = await mailsetup([
      '--root',
      d,
      '--answers',
      lab.answers(nullClient('[smtp.example.net]:587', `{username: me@example.net, password_file: ${pw}}`)),
      '--dry-run',
    ]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain('not UTF-8 text (byte 0xff');
  });

  it('a password with trailing whitespace (which postmap would strip) is refused', async () => {
    const pw = lab.file('l13/pw', ' lead and trail \n', 0o600);
    const r = await mailsetup([
      '--root',
      lab.sandbox(),
      '--answers',
      lab.answers(nullClient('[smtp.example.net]:587', `{username: me@example.net, password_file: ${pw}}`)),
      '--dry-run',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('smtp_sasl.password ends with whitespace, which postmap strips from the map');
    expect(r.stderr).not.toContain('lead and trail');
  });
});

describePostfix('L2: password files and answers files are checked before they are read', TIMEOUT, () => {
  const run = (pwPath: string) =>
    mailsetup([
      '--root',
      lab.sandbox(),
      '--answers',
      lab.answers(nullClient('[smtp.example.net]:587', `{username: me@example.net, password_file: ${pwPath}}`)),
      '--dry-run',
    ]);

  it('a FIFO, /dev/zero and /etc/shadow are refused at once (no hang, no memory eaten, no shadow line sent)', async () => {
    const fifo = lab.path('l2/fifo');
    lab.file('l2/.keep', '');
    execFileSync('mkfifo', [fifo]);
    const r1 = await run(fifo);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toContain('not a regular file');
    const r2 = await run('/dev/zero'); // refused by its mode (0666) before its type is even looked at
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/"\/dev\/zero" is writable by others|not a regular file/);
    if (existsSync('/etc/shadow')) {
      const r3 = await run('/etc/shadow');
      expect(r3.status).toBe(2);
      expect(r3.stderr).toMatch(/a password file holds the password alone on one line|belongs to uid|cannot read it/);
      expect(r3.stderr).not.toContain('root:');
    }
    const r4 = await mailsetup(['--root', lab.sandbox(), '--answers', fifo, '--dry-run']);
    expect(r4.status).toBe(2);
    expect(r4.stderr).toContain('not a regular file');
  });

  it('a main.cf that is a FIFO is refused, not waited on', async () => {
    const d = lab.sandbox();
    execFileSync('mkfifo', [join(d, 'etc/postfix/main.cf')]);
    const r = await mailsetup(['--root', d, '--role', 'null-client', '--dry-run']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${d}/etc/postfix/main.cf`);
    expect(r.stderr).toContain('not a regular file');
  });

  it('a world-readable password file is warned about; one others may write is refused; a relative path is the answers file’s', async () => {
    lab.file('l2b/pw', 'Rel-pass-1\n', 0o644);
    const answers = lab.file(
      'l2b/answers.yaml',
      nullClient('[smtp.example.net]:587', '{username: me@example.net, password_file: pw}'),
    );
    const r = await mailsetup(['--root', lab.sandbox(), '--answers', answers, '--dry-run'], {});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `mailsetup: warning: ${lab.path('l2b/pw')} is readable by others (mode 0644): chmod 600 it`,
    );
    const w = lab.file('l2c/pw', 'x\n', 0o666);
    const r2 = await run(w);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain('is writable by others (mode 0666): chmod 600 it');
  });
});

describe('L6: a password a server echoes back is hidden in every encoding', TIMEOUT, () => {
  it('a non-ASCII password echoed in a 535 reply never appears, neither as UTF-8 nor as its bytes read as latin1', async () => {
    lab.file('l6/.keep', '');
    const pki = makeTestPki(lab.path('l6'));
    const password = 'pässwörd-Sécret';
    const server = new SMTPServer({
      logger: false,
      key: pki.key,
      cert: pki.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _s, cb) {
        cb(
          Object.assign(new Error(`Authentication failed for ${auth.username} with password ${auth.password ?? ''}`), {
            responseCode: 535,
          }),
        );
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (server.server.address() as { port: number }).port;
      const r = await testSmartHostLogin({
        relayhost: '[localhost]:587',
        username: 'me@example.net',
        password,
        ca: pki.ca,
        connectHost: '127.0.0.1',
        connectPort: port,
        ehloName: 'client.example.com',
        timeoutMs: 5_000,
      });
      expect(r.ok).toBe(false);
      const text = JSON.stringify(r);
      expect(text).toContain('with password ********');
      expect(text).not.toContain(password);
      expect(text).not.toContain(Buffer.from(password, 'utf8').toString('latin1'));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describePostfix('L5, L6, L14: the login test under --root, with a hostile smart host', TIMEOUT, () => {
  const USER = 'relay-user@example.net';
  const GOOD = 'Gööd-pässword 1';
  let server: SMTPServer;
  let port = 0;
  let caFile = '';

  beforeAll(async () => {
    lab.file('l14/.keep', '');
    const pki = makeTestPki(lab.path('l14'));
    caFile = pki.caFile;
    server = new SMTPServer({
      logger: false,
      key: pki.key,
      cert: pki.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      closeTimeout: 1000,
      onAuth(auth, _s, cb) {
        if (auth.username === USER && auth.password === GOOD) return cb(null, { user: USER });
        // A hostile reply: the password echoed back (smtp-server itself blanks control characters).
        const msg = `denied for password ${auth.password ?? ''}`;
        return cb(Object.assign(new Error(msg), { responseCode: 535 }));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      server.close(() => {
        clearTimeout(t);
        resolve();
      });
    });
  });

  const answers = (password: string) =>
    lab.answers(
      `role: null-client\nmyhostname: client.example.com\nrelayhost: "[127.0.0.1]:${port}"\npostmaster: admin@example.net\n` +
        `smtp_sasl: {username: "${USER}", password: ${JSON.stringify(password)}}\n`,
    );

  it.skipIf(!AS_ROOT)('the login is tested under --root too, and the output says why', async () => {
    const r = await mailsetup(['--root', lab.sandbox(), '--answers', answers(GOOD), '--yes'], {
      env: { NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('(run under --root too: it tests the credentials, not this box)');
    expect(r.stdout).not.toContain(GOOD);
  });

  it.skipIf(!AS_ROOT)('a 554 greeting with escape sequences reaches the terminal made visible', async () => {
    const socks = new Set<Socket>();
    const raw = createServer((sock) => {
      socks.add(sock);
      sock.on('error', () => undefined);
      sock.end('554 \x1b]0;PWNED-TITLE\x07\x1b[2J go away\r\n');
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', () => resolve()));
    try {
      const rawPort = (raw.address() as { port: number }).port;
      const text =
        `role: null-client\nmyhostname: client.example.com\nrelayhost: "[127.0.0.1]:${rawPort}"\n` +
        `postmaster: admin@example.net\nsmtp_sasl: {username: "${USER}", password: "x-y-z"}\n`;
      const r = await mailsetup(['--root', lab.sandbox(), '--answers', lab.answers(text), '--yes']);
      expect(r.status).toBe(2);
      const all = `${r.stdout}${r.stderr}`;
      expect(all).toContain('554 \\x1b]0;PWNED-TITLE\\x07\\x1b[2J go away');
      expect(all).not.toContain('\x1b');
      expect(all).not.toContain('\x07');
    } finally {
      for (const k of socks) k.destroy(); // the client may keep its end open: close() would wait for it
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it.skipIf(!AS_ROOT)('the echoed non-ASCII password is hidden, in UTF-8 and as its bytes read as latin1', async () => {
    const wrong = 'pässwörd-Sécret';
    const r = await mailsetup(['--root', lab.sandbox(), '--answers', answers(wrong), '--yes'], {
      env: { NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(r.status).toBe(2);
    const all = `${r.stdout}${r.stderr}`;
    expect(all).toContain('denied for password ********');
    expect(all).not.toContain(wrong);
    expect(all).not.toContain(Buffer.from(wrong, 'utf8').toString('latin1'));
  });
});
