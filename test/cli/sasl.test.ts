/**
 * A null client with a smart-host login, configured in one CLI run: the login is tried for real
 * at a stand-in provider (smtp-server on loopback: STARTTLS, a certificate from a test CA trusted
 * through NODE_EXTRA_CA_CERTS, AUTH PLAIN/LOGIN) before anything is written; a refused login stops
 * the apply with the server's words unless overridden; the password lands only in the 0600 map.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeSandbox, removeTree, runCli, snapshotTree } from '../helpers/cli.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { makeTestPki, type TestPki } from '../helpers/testCa.js';

const AS_ROOT = needsRoot('the applies after a smart-host login', 'postfix check refuses other users');
const USER = 'relay-user@example.net';
const PASSWORD = 'Corr3ct horse:battery';

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) out.push(p.slice(dir.length));
    }
  };
  walk(dir);
  return out.sort();
}

describePostfix('smart host login through the CLI', () => {
  let pki: TestPki;
  let tmp: string;
  let server: SMTPServer;
  let port = 0;
  const made: string[] = [];
  const auths: string[] = [];

  beforeAll(async () => {
    tmp = tempDir();
    pki = makeTestPki(tmp);
    server = new SMTPServer({
      logger: false,
      key: pki.key,
      cert: pki.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      closeTimeout: 1000,
      onAuth(auth, _s, cb) {
        auths.push(auth.username ?? '');
        if (auth.username === USER && auth.password === PASSWORD) cb(null, { user: USER });
        else cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    port = (server.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      server.close(() => {
        clearTimeout(t);
        resolve();
      });
    });
    for (const d of made) removeTree(d);
    cleanup(tmp);
  });

  function answers(password: string, extra = ''): string {
    const pw = join(tmp, `pw-${made.length}`);
    writeFileSync(pw, `${password}\n`, { mode: 0o600 });
    const f = join(tmp, `answers-${made.length}.yaml`);
    writeFileSync(
      f,
      `role: null-client\nmyhostname: client.example.com\nrelayhost: "[127.0.0.1]:${port}"\npostmaster: admin@example.net\n` +
        `smtp_sasl: {username: "${USER}", password_file: "${pw}"}\n${extra}`,
    );
    return f;
  }

  const env = () => ({ NODE_EXTRA_CA_CERTS: pki.caFile });

  it.skipIf(!AS_ROOT)('a good login: tested, applied, the password only in the root-only map', async () => {
    const root = makeSandbox();
    made.push(root);
    const r = await runCli(['--answers', answers(PASSWORD), '--yes', '--root', root, '--no-color'], {
      via: 'bundle',
      env: env(),
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`✓ Test the login at \\[127\\.0\\.0\\.1\\]:${port}: 235`));
    expect(auths).toContain(USER);
    const map = join(root, 'etc/postfix/sasl_passwd');
    expect(readFileSync(map, 'utf8')).toContain(`[127.0.0.1]:${port} ${USER}:${PASSWORD}\n`);
    expect(statSync(map).mode & 0o777).toBe(0o600);
    expect(statSync(`${map}.db`).mode & 0o777).toBe(0o600);
    const main = readFileSync(join(root, 'etc/postfix/main.cf'), 'utf8');
    expect(main).toContain('smtp_sasl_auth_enable = yes\n');
    expect(main).toContain('smtp_tls_security_level = encrypt\n');
    expect(main).toContain('smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n');
    // Nowhere else: not the preview, the state file, the backups.
    expect(r.stdout).not.toContain(PASSWORD);
    expect(filesContaining(root, PASSWORD)).toEqual(['/etc/postfix/sasl_passwd', '/etc/postfix/sasl_passwd.db']);
  });

  it.skipIf(!AS_ROOT)(
    "a refused login stops the apply with the server's words, writes nothing; the override applies anyway",
    async () => {
      const root = makeSandbox();
      made.push(root);
      const before = snapshotTree(root);
      // The check of the planned configuration started on a private copy before the login test
      // (src/commands/apply/index.ts): ended, and the copy removed, when nothing is applied.
      const privateTmp = tempDir('mailsetup-sasl-tmp-');
      made.push(privateTmp);
      const r = await runCli(['--answers', answers('wrong password'), '--yes', '--root', root, '--no-color'], {
        via: 'bundle',
        env: { ...env(), TMPDIR: privateTmp },
        timeoutMs: 120_000,
      });
      expect(readdirSync(privateTmp)).toEqual([]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        'mailsetup: nothing applied: the smart host refused the login at the auth step: 535 Authentication credentials invalid',
      );
      expect(r.stderr).toContain('override knowingly with "overrides: [smarthost-login]"');
      expect(r.stdout + r.stderr).not.toContain('wrong password');
      expect(snapshotTree(root)).toEqual(before);

      const o = await runCli(
        [
          '--answers',
          answers('wrong password', 'overrides: [smarthost-login]\n'),
          '--yes',
          '--root',
          root,
          '--no-color',
        ],
        {
          via: 'bundle',
          env: env(),
          timeoutMs: 120_000,
        },
      );
      expect(o.status).toBe(0);
      expect(o.stdout).toContain('(overridden: smarthost-login)');
    },
  );

  it('a certificate no trusted CA signed stops the login at the TLS step', async () => {
    const root = makeSandbox();
    made.push(root);
    const r = await runCli(['--answers', answers(PASSWORD), '--yes', '--root', root, '--no-color'], {
      via: 'bundle',
      env: { NODE_EXTRA_CA_CERTS: undefined },
      timeoutMs: 120_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refused the login at the (tls|starttls) step/);
  });
});
