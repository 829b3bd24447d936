/**
 * Encryption in transit on real Postfix instances configured by the CLI (the harness of
 * test/helpers/instance.ts). Each receiving role finds a Let's Encrypt lineage for its
 * myhostname in the sandbox (a certificate a test CA signed, laid out as certbot lays it out) and
 * offers STARTTLS with it: `swaks --tls` and `openssl s_client -starttls smtp` complete the
 * handshake and verify the certificate against the test CA, which is the one configured (same
 * SHA-256 fingerprint); --verify reports its subject and expiry. Outbound: a null client sends
 * through a TLS-capable stand-in upstream (smtp-server with STARTTLS) and the log shows the TLS
 * connection.
 */
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoleId } from '../../src/model/answers.js';
import type { HostFacts } from '../../src/model/host.js';
import { readHostFacts } from '../../src/system/hostFacts.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { describeRealPostfix, hostPort, run } from '../helpers/instance.js';
import { slotOf } from '../helpers/slots.js';
import { Lab, NAMES, labAddrs, matrixAnswers, OUTSIDE, verifyLab } from '../helpers/smtp-lab.js';
import { makeCertificate, makeTestPki, type TestPki } from '../helpers/testCa.js';

const fx = createRealEffects('/');

/** A certbot lineage for `name` in the sandbox: live/NAME/{privkey,fullchain}.pem → ../../archive/NAME/…1.pem. */
function installLineage(sandboxRoot: string, name: string, pki: TestPki, dir: string): { leaf: string } {
  const made = makeCertificate(dir, name, {
    cn: name,
    dns: [name],
    days: 60,
    ca: { keyFile: join(pki.dir, 'ca.key'), certFile: pki.caFile },
  });
  const le = join(sandboxRoot, 'etc', 'letsencrypt');
  const archive = join(le, 'archive', name);
  const live = join(le, 'live', name);
  mkdirSync(archive, { recursive: true });
  mkdirSync(live, { recursive: true });
  chmodSync(join(le, 'archive'), 0o700);
  chmodSync(join(le, 'live'), 0o700);
  writeFileSync(join(archive, 'privkey1.pem'), made.key, { mode: 0o600 });
  writeFileSync(join(archive, 'fullchain1.pem'), made.cert + pki.ca, { mode: 0o644 });
  symlinkSync(`../../archive/${name}/privkey1.pem`, join(live, 'privkey.pem'));
  symlinkSync(`../../archive/${name}/fullchain1.pem`, join(live, 'fullchain.pem'));
  return { leaf: made.cert };
}

/**
 * certbot's renewal of `name`'s lineage in the sandbox: a new key and certificate in
 * archive/NAME/…2.pem, and live/NAME/ pointed at them, as certbot does before its deploy hooks run.
 */
function renewLineage(sandboxRoot: string, name: string, pki: TestPki, dir: string): { leaf: string } {
  const made = makeCertificate(dir, name, {
    cn: name,
    dns: [name],
    days: 90,
    ca: { keyFile: join(pki.dir, 'ca.key'), certFile: pki.caFile },
  });
  const archive = join(sandboxRoot, 'etc', 'letsencrypt', 'archive', name);
  const live = join(sandboxRoot, 'etc', 'letsencrypt', 'live', name);
  writeFileSync(join(archive, 'privkey2.pem'), made.key, { mode: 0o600 });
  writeFileSync(join(archive, 'fullchain2.pem'), made.cert + pki.ca, { mode: 0o644 });
  for (const f of ['privkey', 'fullchain']) {
    rmSync(join(live, `${f}.pem`));
    symlinkSync(`../../archive/${name}/${f}2.pem`, join(live, `${f}.pem`));
  }
  return { leaf: made.cert };
}

/** The outbound lab's slot (the receiving roles' labs take the first three). */
const OUTBOUND = slotOf('tls', 3);
const RECEIVING: Array<[RoleId, number]> = [
  ['mail-server', slotOf('tls', 0)],
  ['backup-mx', slotOf('tls', 1)],
  ['firewall-relay', slotOf('tls', 2)],
];

// The roles' labs (and the outbound one below) run concurrently, each on loopback addresses of its
// own; the tests of one lab follow each other (it.sequential).
describeRealPostfix(
  "STARTTLS on port 25 of each receiving role, with the Let's Encrypt certificate it found",
  { concurrent: true },
  () => {
    let work = '';
    let pki: TestPki;
    let host: HostFacts;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'mailsetup-tls-'));
      mkdirSync(join(work, 'pki'));
      pki = makeTestPki(join(work, 'pki'));
      host = await readHostFacts(fx);
    }, 60_000);
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    for (const [role, slot] of RECEIVING) {
      describe(`${role} (127.0.${slot}.25:${2400 + slot})`, () => {
        const name = NAMES[role as keyof typeof NAMES].myhostname;
        let lab: Lab;
        let leaf: X509Certificate;

        beforeAll(async () => {
          lab = await Lab.start(slot, matrixAnswers(role, labAddrs(slot)), (l) => {
            leaf = new X509Certificate(installLineage(l.sandbox.root, name, pki, work).leaf);
          });
        }, 120_000);
        afterAll(async () => lab?.dispose(), 60_000);

        it.sequential(
          "main.cf names the lineage's key and full chain, and certbot's deploy hook is written (0755)",
          () => {
            const main = lab.sandbox.read('/etc/postfix/main.cf') ?? '';
            expect(main).toContain(
              `smtpd_tls_chain_files = /etc/letsencrypt/live/${name}/privkey.pem, /etc/letsencrypt/live/${name}/fullchain.pem\n`,
            );
            expect(main).toMatch(/^smtpd_tls_security_level = may$/m);
            expect(main).toMatch(/^smtp_tls_security_level = may$/m);
            const hook = join(lab.sandbox.root, 'etc/letsencrypt/renewal-hooks/deploy/mailsetup-postfix-reload');
            expect(statSync(hook).mode & 0o777).toBe(0o755);
            expect(readFileSync(hook, 'utf8')).toContain(`  /etc/letsencrypt/live/${name}) ;;\n`);
            const r = run('sh', ['-n', hook]);
            expect(r.status, r.stderr).toBe(0);
          },
        );

        it.sequential(
          'swaks --tls: STARTTLS, a handshake that verifies against the test CA, and the session goes on',
          () => {
            const peer = join(work, `${role}-peer.pem`);
            const r = run('swaks', [
              '--server',
              lab.addrs.smtp.host,
              '--port',
              String(lab.addrs.smtp.port),
              '--local-interface',
              OUTSIDE,
              '--ehlo',
              'client.outside.example',
              '--from',
              'sender@outside.example',
              '--to',
              `postmaster@${name}`,
              '--tls',
              '--tls-verify',
              '--tls-ca-path',
              pki.caFile,
              '--tls-sni',
              name,
              '--tls-get-peer-cert',
              peer,
              '--quit-after',
              'MAIL',
            ]);
            expect(r.status, r.stdout + r.stderr).toBe(0);
            expect(r.stdout).toMatch(/<- +220 2\.0\.0 Ready to start TLS/);
            expect(r.stdout).toMatch(/=== TLS started with cipher TLSv1\.[23]/);
            expect(new X509Certificate(readFileSync(peer)).fingerprint256).toBe(leaf.fingerprint256);
          },
        );

        it.sequential(
          'openssl s_client -starttls smtp: verify return code 0, and the certificate is the one configured',
          () => {
            const r = run(
              'openssl',
              [
                's_client',
                '-starttls',
                'smtp',
                '-connect',
                hostPort(lab.addrs.smtp),
                '-servername',
                name,
                '-verify_hostname',
                name,
                '-CAfile',
                pki.caFile,
                '-verify_return_error',
              ],
              { input: 'QUIT\r\n', timeoutMs: 30_000 },
            );
            expect(r.stdout, r.stderr).toMatch(/Verify return code: 0 \(ok\)/);
            const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(r.stdout)?.[0];
            expect(pem, r.stdout).toBeDefined();
            expect(new X509Certificate(`${pem}\n`).fingerprint256).toBe(leaf.fingerprint256);
            const log = lab.instance.log();
            expect(log).toMatch(/postfix\/smtpd\[\d+\]: Anonymous TLS connection established from /);
          },
        );

        it.sequential("--verify: the STARTTLS check names the certificate's subject and expiry", async () => {
          const { code, out } = await verifyLab(lab, host);
          const line = out.split('\n').find((l) => l.slice(2).startsWith('STARTTLS on port 25:')) ?? out;
          expect(line).toMatch(
            new RegExp(
              `^✓ STARTTLS on port 25: ${hostPort(lab.addrs.smtp).replace(/\./g, '\\.')}: TLSv1\\.[23] \\S+; ` +
                `certificate CN=${name.replace(/\./g, '\\.')}, issued by CN=mailsetup test CA; ` +
                `expires ${new Date(leaf.validTo).toISOString().slice(0, 10)} \\(in (59|60) days\\)$`,
            ),
          );
          expect(out).toContain(`    SHA-256 ${leaf.fingerprint256}`);
          expect(out).toMatch(
            /^✓ Outbound TLS: smtp_tls_security_level = may; CA store \/etc\/ssl\/certs\/ca-certificates\.crt$/m,
          );
          expect(code, out).toBe(0);
        });

        it.sequential(
          "certbot's deploy hook: another lineage's renewal leaves Postfix alone; this one's reloads it, and STARTTLS serves the new certificate",
          async () => {
            const hook = join(lab.sandbox.root, 'etc/letsencrypt/renewal-hooks/deploy/mailsetup-postfix-reload');
            // The hook runs /usr/sbin/postfix as certbot would; MAIL_CONFIG points it at this instance.
            const env = { MAIL_CONFIG: lab.instance.conf };
            const reloaded = /postfix\/master\[\d+\]: reload -- version /;
            const from = lab.instance.log().length;
            const other = run(hook, [], {
              env: { ...env, RENEWED_LINEAGE: '/etc/letsencrypt/live/other.example.org' },
            });
            expect(other.status, other.stderr).toBe(0);
            expect(lab.instance.log().slice(from)).not.toMatch(reloaded);

            const renewedDir = join(work, `${role}-renewed`);
            mkdirSync(renewedDir);
            const renewed = new X509Certificate(renewLineage(lab.sandbox.root, name, pki, renewedDir).leaf);
            expect(renewed.fingerprint256).not.toBe(leaf.fingerprint256);
            const r = run(hook, [], { env: { ...env, RENEWED_LINEAGE: `/etc/letsencrypt/live/${name}` } });
            expect(r.status, r.stdout + r.stderr).toBe(0);
            await lab.instance.waitForLog(reloaded, 'the reload the deploy hook asked for', from, 15_000);

            const s = run(
              'openssl',
              ['s_client', '-starttls', 'smtp', '-connect', hostPort(lab.addrs.smtp), '-servername', name],
              { input: 'QUIT\r\n', timeoutMs: 30_000 },
            );
            const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(s.stdout)?.[0];
            expect(pem, s.stdout + s.stderr).toBeDefined();
            expect(new X509Certificate(`${pem}\n`).fingerprint256).toBe(renewed.fingerprint256);
          },
        );
      });
    }
  },
);

describeRealPostfix(
  `outbound TLS: a null client sends through a STARTTLS stand-in upstream (127.0.${OUTBOUND}.25:${2400 + OUTBOUND})`,
  { concurrent: true },
  () => {
    let work = '';
    let lab: Lab;
    let server: SMTPServer | null = null;
    const received: Array<{ secure: boolean; to: string[]; data: string }> = [];
    const UPSTREAM = `127.0.${OUTBOUND}.35`;
    let port = 0;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'mailsetup-tls-out-'));
      const pki = makeTestPki(work);
      server = new SMTPServer({
        logger: false,
        key: pki.key,
        cert: pki.cert,
        authOptional: true,
        closeTimeout: 1_000,
        onData(stream, session, cb) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            received.push({
              secure: session.secure,
              to: session.envelope.rcptTo.map((r) => r.address),
              data: Buffer.concat(chunks).toString('utf8'),
            });
            cb();
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject);
        server?.listen(0, UPSTREAM, () => resolve());
      });
      port = (server.server.address() as AddressInfo).port;
      lab = await Lab.start(
        OUTBOUND,
        matrixAnswers('null-client', labAddrs(OUTBOUND), { relayhost: `[${UPSTREAM}]:${port}` }),
      );
    }, 120_000);
    afterAll(async () => {
      await lab?.dispose();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      rmSync(work, { recursive: true, force: true });
    }, 60_000);

    it('the message leaves over TLS: the upstream session is secure and the log says "TLS connection established to"', async () => {
      const r = lab.instance.sendmail(
        ['-f', 'root@example.com', 'friend@other.example'],
        'Subject: mailsetup test tls-out\n\nmailsetup test tls-out\n',
      );
      expect(r.status, r.stderr).toBe(0);
      const up = UPSTREAM.replace(/\./g, '\\.');
      const line = await lab.instance.waitForLog(
        new RegExp(
          `postfix/smtp\\[\\d+\\]: (Untrusted|Trusted|Verified) TLS connection established to ${up}\\[${up}\\]:${port}: ` +
            'TLSv1\\.[23] with cipher',
        ),
        'the TLS connection to the upstream',
        0,
        30_000,
      );
      expect(line).toContain('TLS connection established');
      await lab.instance.waitForLog(/status=sent/, 'the delivery to the upstream', 0, 30_000);
      const m = received.find((x) => x.data.includes('mailsetup test tls-out'));
      expect(m, lab.instance.log()).toBeDefined();
      expect(m?.secure).toBe(true);
      expect(m?.to).toEqual(['friend@other.example']);
    });
  },
);
