/**
 * The server certificate through the CLI (`--answers --yes --root`): every bad input stops the
 * run before anything is written, with a clear error (a key that does not match its certificate,
 * an expired certificate, a file that cannot be read or is not there, a key others may read), and
 * the sandbox is byte for byte as it was. A good Let's Encrypt lineage is found and applied, with
 * certbot's deploy hook, and `--rollback` takes the hook away again with the rest.
 */
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentOf, makeSandbox, removeTree, runCli, snapshotTree, writeTemp } from '../helpers/cli.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { makeCertificate, makeTestPki, type TestPki } from '../helpers/testCa.js';

const AS_ROOT = needsRoot('the apply of a found certificate', 'postfix check refuses other users');
const HOOK = 'etc/letsencrypt/renewal-hooks/deploy/mailsetup-postfix-reload';
const BASE = 'role: mail-server\nmyhostname: mx.example.com\npostmaster: admin@example.org\ninet_protocols: ipv4\n';

describePostfix('the server certificate through the CLI', () => {
  let tmp = '';
  let pki: TestPki;
  const made: string[] = [];

  beforeAll(() => {
    tmp = tempDir();
    pki = makeTestPki(tmp);
  }, 60_000);
  afterAll(() => {
    for (const d of made) removeTree(d);
    cleanup(tmp);
  });

  /** A temporary answers file holding BASE + `more`, removed with the sandboxes. */
  function answersFile(more = ''): string {
    return writeTemp('answers.yaml', BASE + more, made);
  }

  /** A sandbox of a fresh box; `lineage` days of validity for a certbot lineage of mx.example.com (none: no lineage). */
  function sandbox(lineage?: number): string {
    const root = makeSandbox('mailsetup-cli-tls-');
    made.push(root);
    if (lineage !== undefined) {
      const c = makeCertificate(tmp, `le-${made.length}`, {
        cn: 'mx.example.com',
        dns: ['mx.example.com'],
        days: lineage,
        ca: { keyFile: join(pki.dir, 'ca.key'), certFile: pki.caFile },
      });
      const archive = join(root, 'etc/letsencrypt/archive/mx.example.com');
      const live = join(root, 'etc/letsencrypt/live/mx.example.com');
      mkdirSync(archive, { recursive: true, mode: 0o700 });
      mkdirSync(live, { recursive: true, mode: 0o700 });
      writeFileSync(join(archive, 'privkey1.pem'), c.key, { mode: 0o600 });
      writeFileSync(join(archive, 'fullchain1.pem'), c.cert + pki.ca, { mode: 0o644 });
      symlinkSync('../../archive/mx.example.com/privkey1.pem', join(live, 'privkey.pem'));
      symlinkSync('../../archive/mx.example.com/fullchain1.pem', join(live, 'fullchain.pem'));
    }
    return root;
  }

  /** Key and certificate files in the sandbox's /etc/ssl (system paths returned). */
  function certIn(root: string, name: string, o: { keyMode?: number; days?: number; keyOf?: string } = {}) {
    mkdirSync(join(root, 'etc/ssl/private'), { recursive: true });
    mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
    const c = makeCertificate(tmp, `${name}-${made.length}`, {
      cn: 'mx.example.com',
      dns: ['mx.example.com'],
      days: o.days ?? 60,
    });
    const k = o.keyOf ? makeCertificate(tmp, `${o.keyOf}-${made.length}`, { cn: 'other', days: 60 }).key : c.key;
    writeFileSync(join(root, `etc/ssl/private/${name}.key`), k, { mode: o.keyMode ?? 0o600 });
    writeFileSync(join(root, `etc/ssl/certs/${name}.pem`), c.cert, { mode: 0o644 });
    return { cert: `/etc/ssl/certs/${name}.pem`, key: `/etc/ssl/private/${name}.key` };
  }

  /** Run the answers with --yes; the sandbox must be unchanged and the run must exit 2 with `error` among the findings. */
  async function refused(root: string, answers: string, error: string): Promise<string> {
    const before = snapshotTree(root);
    const r = await runCli(['--answers', answersFile(answers), '--yes', '--root', root, '--no-color'], {
      via: 'bundle',
      timeoutMs: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain(`  error   tls-certificate: ${error}`);
    expect(r.stderr).toMatch(/^mailsetup: refusing to apply: \d errors? above\n$/);
    expect(snapshotTree(root)).toEqual(before);
    expect(existsSync(join(root, 'etc/postfix/main.cf'))).toBe(false);
    expect(existsSync(join(root, 'var/backups'))).toBe(false);
    return r.stdout;
  }

  describe('bad inputs: a clear error, and nothing is written', () => {
    it('a key that does not match its certificate', async () => {
      const root = sandbox();
      const f = certIn(root, 'mail', { keyOf: 'stranger' });
      await refused(
        root,
        `smtpd_tls_cert_file: ${f.cert}\nsmtpd_tls_key_file: ${f.key}\n`,
        `the certificate named in the answers: the private key in ${f.key} does not match the certificate in ${f.cert} ` +
          '(CN=mx.example.com): name the key that belongs to it',
      );
    });

    it("an expired certificate (the Let's Encrypt lineage mailsetup found)", async () => {
      const root = sandbox(-1);
      const out = await refused(
        root,
        '',
        "the Let's Encrypt certificate: the certificate in /etc/letsencrypt/live/mx.example.com/fullchain.pem",
      );
      expect(out).toMatch(/\(CN=mx\.example\.com\) expired on \d{4}-\d\d-\d\d: renew it\n/);
    });

    it('a file that cannot be read (a directory), and one that is not there', async () => {
      const root = sandbox();
      mkdirSync(join(root, 'etc/ssl/private/mail.pem'), { recursive: true });
      await refused(
        root,
        'smtpd_tls_chain_files: [/etc/ssl/private/mail.pem]\n',
        // Under --root the reader names the file where it is on this machine.
        'the certificate named in the answers: /etc/ssl/private/mail.pem: cannot read it: ' +
          `${join(root, 'etc/ssl/private/mail.pem')} is a directory, not a file`,
      );
      await refused(
        root,
        'smtpd_tls_chain_files: [/etc/ssl/private/nowhere.pem]\n',
        'the certificate named in the answers: /etc/ssl/private/nowhere.pem: no such file',
      );
    });

    it('a key every user may read', async () => {
      const root = sandbox();
      const f = certIn(root, 'open', { keyMode: 0o644 });
      await refused(
        root,
        `smtpd_tls_cert_file: ${f.cert}\nsmtpd_tls_key_file: ${f.key}\n`,
        `the certificate named in the answers: ${f.key} holds a private key and other users may read or change it ` +
          `(mode 0644): chmod o-rwx ${f.key} (root only, or root and the ssl-cert group)`,
      );
    });
  });

  it.skipIf(!AS_ROOT)(
    "a good Let's Encrypt lineage: found, applied with certbot's deploy hook; --rollback removes the hook with the rest",
    async () => {
      const root = sandbox(60);
      const before = contentOf(snapshotTree(root));
      const r = await runCli(['--answers', answersFile(), '--yes', '--root', root, '--no-color'], {
        via: 'bundle',
        timeoutMs: 120_000,
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(
        '  Inbound:  STARTTLS offered on port 25 (may), never required; TLS logged at level 1\n',
      );
      expect(r.stdout).toContain(`✓ Write /${HOOK}\n`);
      const main = readFileSync(join(root, 'etc/postfix/main.cf'), 'utf8');
      expect(main).toContain(
        'smtpd_tls_chain_files = /etc/letsencrypt/live/mx.example.com/privkey.pem, /etc/letsencrypt/live/mx.example.com/fullchain.pem\n',
      );
      expect(statSync(join(root, HOOK)).mode & 0o777).toBe(0o755);
      const back = await runCli(['--rollback', '--root', root, '--no-color'], { via: 'bundle', timeoutMs: 120_000 });
      expect(back.status, back.stdout + back.stderr).toBe(0);
      expect(existsSync(join(root, HOOK))).toBe(false);
      const after = contentOf(snapshotTree(root));
      // What was there before is back; the rollback leaves only its backups (the directories made
      // for the hook are removed with it).
      for (const [p, e] of Object.entries(before)) expect(after[p], p).toEqual(e);
      expect(
        Object.keys(after).filter(
          (p) => !(p in before) && p !== 'var' && !p.startsWith('var/backups') && !p.startsWith('run'),
        ),
      ).toEqual([]);
    },
  );
});
