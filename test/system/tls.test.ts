/**
 * The certificate check before mailsetup names a certificate in main.cf (src/system/tls.ts), on
 * keys and certificates made by openssl: each problem gives its own clear message (missing or
 * unreadable file, no PEM, key after the certificate, key readable by others or another group or
 * owned by someone else, a passphrase, a key that does not match, expired, not yet valid) and
 * each warning its own (expires within 14 days, names that do not cover myhostname, a chain out
 * of order). Then what the host offers: certbot's lineages, the resolver (DANE only with a
 * validating resolver on loopback), the ssl-cert group.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CertFiles } from '../../src/model/tls.js';
import { createMemoryEffects, type MemoryFile } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { groupId, userId } from '../../src/system/accounts.js';
import {
  inspectCertificate,
  nameserversOf,
  pemBlocks,
  readLineages,
  readResolver,
  readTlsHostFacts,
} from '../../src/system/tls.js';
import { makeCertificate, makeTestPki, type TestCert, type TestPki } from '../helpers/testCa.js';

const SSL_CERT_GID = 103;
/** The time of the checks: taken once the certificates exist (a certificate is valid from the second it is made). */
let NOW = new Date();
let OPTS = { myhostname: 'mx.example.com', now: NOW, sslCertGid: SSL_CERT_GID };

let dir = '';
let pki: TestPki;
let good: TestCert; // CA-signed, mx.example.com, 60 days
let other: TestCert; // self-signed, other.example.com
let expired: TestCert;
let soon: TestCert; // 5 days left
let wildcard: TestCert; // *.example.com

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailsetup-tls-unit-'));
  mkdirSync(join(dir, 'pki'));
  pki = makeTestPki(join(dir, 'pki'));
  const ca = { keyFile: join(pki.dir, 'ca.key'), certFile: pki.caFile };
  good = makeCertificate(dir, 'good', { cn: 'mx.example.com', dns: ['mx.example.com'], days: 60, ca });
  other = makeCertificate(dir, 'other', { cn: 'other.example.com', dns: ['other.example.com'], days: 60 });
  expired = makeCertificate(dir, 'expired', { cn: 'mx.example.com', dns: ['mx.example.com'], days: -1 });
  soon = makeCertificate(dir, 'soon', { cn: 'mx.example.com', dns: ['mx.example.com'], days: 5 });
  wildcard = makeCertificate(dir, 'wild', { cn: 'example.com', dns: ['*.example.com'], days: 60 });
  NOW = new Date(Date.now() + 1_000);
  OPTS = { ...OPTS, now: NOW };
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = (content: string, over: Partial<MemoryFile> = {}): MemoryFile => ({
  content,
  mode: 0o600,
  uid: 0,
  gid: 0,
  ...over,
});
const pub = (content: string): MemoryFile => ({ content, mode: 0o644, uid: 0, gid: 0 });

/** Check `files` on a memory Effects holding `contents`. */
async function check(contents: Record<string, string | MemoryFile>, files: CertFiles, opts?: typeof OPTS) {
  return inspectCertificate(createMemoryEffects({ files: contents }), files, opts ?? OPTS);
}

const LIVE = '/etc/letsencrypt/live/mx.example.com';
const CHAIN: CertFiles = { chain: [`${LIVE}/privkey.pem`, `${LIVE}/fullchain.pem`] };

describe('inspectCertificate: a usable certificate', () => {
  it("a Let's Encrypt-style lineage (key file, then the full chain): no problem; the leaf's subject, issuer, names, dates", async () => {
    const c = await check(
      { [`${LIVE}/privkey.pem`]: key(good.key), [`${LIVE}/fullchain.pem`]: pub(good.cert + pki.ca) },
      CHAIN,
    );
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([]);
    expect(c.exists).toBe(true);
    expect(c.certificate).toMatchObject({
      subject: 'CN=mx.example.com',
      issuer: 'CN=mailsetup test CA',
      names: ['mx.example.com'],
      selfSigned: false,
    });
    const days = (Date.parse(c.certificate?.notAfter ?? '') - NOW.getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(59);
    expect(days).toBeLessThanOrEqual(60);
    expect(c.certificate?.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("one combined file (key and chain), the older pair form, and Debian's snakeoil key (root:ssl-cert 0640)", async () => {
    const both = await check(
      { '/etc/ssl/private/mail.pem': key(good.key + good.cert + pki.ca) },
      {
        chain: ['/etc/ssl/private/mail.pem'],
      },
    );
    expect(both.errors).toEqual([]);
    const pair = await check(
      { '/etc/ssl/certs/mail.pem': pub(good.cert), '/etc/ssl/private/mail.key': key(good.key) },
      { cert: '/etc/ssl/certs/mail.pem', key: '/etc/ssl/private/mail.key' },
    );
    expect(pair.errors).toEqual([]);
    const snakeoil = await check(
      {
        '/etc/ssl/certs/ssl-cert-snakeoil.pem': pub(good.cert),
        '/etc/ssl/private/ssl-cert-snakeoil.key': key(good.key, { mode: 0o640, gid: SSL_CERT_GID }),
      },
      { cert: '/etc/ssl/certs/ssl-cert-snakeoil.pem', key: '/etc/ssl/private/ssl-cert-snakeoil.key' },
    );
    expect(snakeoil.errors).toEqual([]);
  });

  it('a wildcard certificate covers the host name one level down; a self-signed one is said to be', async () => {
    const c = await check({ '/k': key(wildcard.key), '/c': pub(wildcard.cert) }, { cert: '/c', key: '/k' });
    expect(c.warnings).toEqual([]);
    expect(c.certificate?.names).toEqual(['*.example.com']);
    expect(c.certificate?.selfSigned).toBe(true);
    const deeper = await check(
      { '/k': key(wildcard.key), '/c': pub(wildcard.cert) },
      { cert: '/c', key: '/k' },
      {
        ...OPTS,
        myhostname: 'a.mx.example.com',
      },
    );
    expect(deeper.warnings).toEqual([
      "the certificate's names (*.example.com) do not cover myhostname a.mx.example.com: senders that check names " +
        'will not trust it (opportunistic senders still encrypt)',
    ]);
  });
});

describe('inspectCertificate: every problem has its own clear message', () => {
  it('a file that does not exist: exists is false, and the path is named', async () => {
    const c = await check({ [`${LIVE}/fullchain.pem`]: pub(good.cert) }, CHAIN);
    expect(c.exists).toBe(false);
    expect(c.errors).toEqual([`${LIVE}/privkey.pem: no such file`]);
  });

  it('an unreadable file: a directory, bytes that are not text (DER), text without PEM', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mailsetup-tls-root-'));
    try {
      mkdirSync(join(root, 'etc/ssl/private/dir.pem'), { recursive: true });
      writeFileSync(
        join(root, 'etc/ssl/private/der.pem'),
        execFileSync('openssl', ['x509', '-in', good.certFile, '-outform', 'DER']),
      );
      writeFileSync(join(root, 'etc/ssl/private/key.pem'), good.key, { mode: 0o600 });
      writeFileSync(join(root, 'etc/ssl/private/notes.txt'), 'just some text\n');
      const fx = createRealEffects(root);
      const a = await inspectCertificate(
        fx,
        { cert: '/etc/ssl/private/dir.pem', key: '/etc/ssl/private/key.pem' },
        OPTS,
      );
      expect(a.errors).toEqual([
        // Under --root the reader names the file where it is on this machine (src/system/realEffects.ts).
        `/etc/ssl/private/dir.pem: cannot read it: ${join(root, 'etc/ssl/private/dir.pem')} is a directory, not a file`,
      ]);
      const b = await inspectCertificate(
        fx,
        { cert: '/etc/ssl/private/der.pem', key: '/etc/ssl/private/key.pem' },
        OPTS,
      );
      expect(b.errors).toHaveLength(1);
      expect(b.errors[0]).toMatch(
        /^\/etc\/ssl\/private\/der\.pem: cannot read it: \/etc\/ssl\/private\/der\.pem is not UTF-8 text/,
      );
      const c = await inspectCertificate(
        fx,
        { cert: '/etc/ssl/private/notes.txt', key: '/etc/ssl/private/key.pem' },
        OPTS,
      );
      expect(c.errors).toEqual(['smtpd_tls_cert_file: /etc/ssl/private/notes.txt holds no PEM certificate']);
      const d = await inspectCertificate(fx, { chain: ['/etc/ssl/private/notes.txt'] }, OPTS);
      expect(d.errors).toEqual(['smtpd_tls_chain_files: /etc/ssl/private/notes.txt holds no PEM key or certificate']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a key this user may not read (a --dry-run as a user): a warning, not an error; as root it is an error', async () => {
    const fx = createMemoryEffects({ files: { '/c.pem': pub(good.cert), '/k.pem': key(good.key) } });
    const denied = {
      ...fx,
      async readFile(p: string) {
        if (p === '/k.pem') throw new Error("cannot read /k.pem: EACCES: permission denied, open '/k.pem'");
        return fx.readFile(p);
      },
    };
    const uid = vi.spyOn(process as unknown as { getuid: () => number }, 'getuid').mockReturnValue(1000);
    try {
      const asUser = await inspectCertificate(denied, { cert: '/c.pem', key: '/k.pem' }, OPTS);
      expect(asUser.errors).toEqual([]);
      expect(asUser.warnings).toEqual([
        '/k.pem: this user may not read it; run mailsetup as root to check the certificate',
      ]);
      uid.mockReturnValue(0);
      const asRoot = await inspectCertificate(denied, { cert: '/c.pem', key: '/k.pem' }, OPTS);
      expect(asRoot.errors).toEqual([
        "/k.pem: cannot read it: cannot read /k.pem: EACCES: permission denied, open '/k.pem'",
      ]);
    } finally {
      uid.mockRestore();
    }
  });

  it('the certificate before its key in smtpd_tls_chain_files; a key followed by no certificate', async () => {
    const c = await check(
      { [`${LIVE}/privkey.pem`]: key(good.key), [`${LIVE}/fullchain.pem`]: pub(good.cert) },
      { chain: [`${LIVE}/fullchain.pem`, `${LIVE}/privkey.pem`] },
    );
    expect(c.errors).toEqual([
      `smtpd_tls_chain_files: ${LIVE}/fullchain.pem starts with a certificate: Postfix wants each private key ` +
        'before its certificate chain (name the key file first, then the certificate chain)',
    ]);
    const lone = await check({ '/k.pem': key(good.key) }, { chain: ['/k.pem'] });
    expect(lone.errors).toEqual(['smtpd_tls_chain_files: the private key in /k.pem is followed by no certificate']);
  });

  it('a key that does not match its certificate', async () => {
    const c = await check({ '/c.pem': pub(good.cert), '/k.pem': key(other.key) }, { cert: '/c.pem', key: '/k.pem' });
    expect(c.errors).toEqual([
      'the private key in /k.pem does not match the certificate in /c.pem (CN=mx.example.com): name the key that belongs to it',
    ]);
  });

  it('a key readable by others, by a group other than root and ssl-cert, or owned by another user', async () => {
    const files = (meta: Partial<MemoryFile>) => ({ '/c.pem': pub(good.cert), '/k.pem': key(good.key, meta) });
    const pair = { cert: '/c.pem', key: '/k.pem' };
    expect((await check(files({ mode: 0o644 }), pair)).errors).toEqual([
      '/k.pem holds a private key and other users may read or change it (mode 0644): chmod o-rwx /k.pem ' +
        '(root only, or root and the ssl-cert group)',
    ]);
    expect((await check(files({ mode: 0o640, gid: 50 }), pair)).errors).toEqual([
      '/k.pem holds a private key and group 50 may read it (mode 0640): chgrp root /k.pem (or ssl-cert), or chmod g-rwx /k.pem',
    ]);
    expect((await check(files({ uid: 1000 }), pair)).errors).toEqual([
      '/k.pem holds a private key and belongs to uid 1000, not root: chown root /k.pem',
    ]);
    // The group may read where it is root's own or ssl-cert.
    expect((await check(files({ mode: 0o640, gid: 0 }), pair)).errors).toEqual([]);
    // Without an ssl-cert group on the host, a key of another group is refused.
    expect(
      (
        await check(files({ mode: 0o640, gid: SSL_CERT_GID }), pair, {
          ...OPTS,
          sslCertGid: undefined as unknown as number,
        })
      ).errors,
    ).toHaveLength(1);
  });

  it('a key protected by a passphrase', async () => {
    const encrypted = execFileSync('openssl', ['pkey', '-in', good.keyFile, '-aes256', '-passout', 'pass:secret'], {
      encoding: 'utf8',
    });
    const c = await check({ '/c.pem': pub(good.cert), '/k.pem': key(encrypted) }, { cert: '/c.pem', key: '/k.pem' });
    expect(c.errors).toEqual(['/k.pem: the private key is protected by a passphrase: Postfix needs it without one']);
  });

  it('an expired certificate is an error; one not valid yet too; one within 14 days of its end a warning', async () => {
    const e = await check(
      { '/c.pem': pub(expired.cert), '/k.pem': key(expired.key) },
      { cert: '/c.pem', key: '/k.pem' },
    );
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]).toMatch(
      /^the certificate in \/c\.pem \(CN=mx\.example\.com\) expired on \d{4}-\d\d-\d\d: renew it$/,
    );
    const early = await check(
      { '/c.pem': pub(good.cert), '/k.pem': key(good.key) },
      { cert: '/c.pem', key: '/k.pem' },
      {
        ...OPTS,
        now: new Date(NOW.getTime() - 3 * 86_400_000),
      },
    );
    expect(early.errors[0]).toMatch(
      /^the certificate in \/c\.pem \(CN=mx\.example\.com\) is not valid before \d{4}-\d\d-\d\d$/,
    );
    const s = await check({ '/c.pem': pub(soon.cert), '/k.pem': key(soon.key) }, { cert: '/c.pem', key: '/k.pem' });
    expect(s.errors).toEqual([]);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/^the certificate in \/c\.pem expires on \d{4}-\d\d-\d\d, in [45] days: renew it$/);
  });

  it('names that do not cover myhostname: a warning, not an error', async () => {
    const c = await check({ '/c.pem': pub(other.cert), '/k.pem': key(other.key) }, { cert: '/c.pem', key: '/k.pem' });
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([
      "the certificate's names (other.example.com) do not cover myhostname mx.example.com: senders that check names " +
        'will not trust it (opportunistic senders still encrypt)',
    ]);
  });

  it('a chain out of order (an unrelated certificate after the leaf): a warning', async () => {
    const c = await check({ '/all.pem': key(good.key + good.cert + other.cert) }, { chain: ['/all.pem'] });
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([
      '/all.pem: the certificate chain is out of order (CN=other.example.com did not issue CN=mx.example.com): ' +
        'clients that check it may refuse it',
    ]);
  });
});

describe('PEM and the host', () => {
  it('pemBlocks: every object in order, text around them ignored', () => {
    const blocks = pemBlocks(`# a comment\n${good.key}junk\n${good.cert}`, '/f');
    expect(blocks.map((b) => b.label)).toEqual(['PRIVATE KEY', 'CERTIFICATE']);
  });

  it('readLineages: each live/<name>/fullchain.pem and its names; README and broken lineages left out or nameless', async () => {
    const fx = createMemoryEffects({
      files: {
        '/etc/letsencrypt/live/README': 'This directory contains your keys and certificates.\n',
        '/etc/letsencrypt/live/mx.example.com/fullchain.pem': good.cert + pki.ca,
        '/etc/letsencrypt/live/example.com/fullchain.pem': wildcard.cert,
        '/etc/letsencrypt/live/broken/fullchain.pem': 'not a certificate\n',
      },
    });
    expect(await readLineages(fx)).toEqual([
      { name: 'broken', names: [] },
      { name: 'example.com', names: ['*.example.com'] },
      { name: 'mx.example.com', names: ['mx.example.com'] },
    ]);
    expect(await readLineages(createMemoryEffects())).toEqual([]);
  });

  it('nameserversOf, groupId and userId read resolv.conf(5), group(5) and passwd(5)', () => {
    expect(nameserversOf('# x\nnameserver 127.0.0.53\noptions edns0 trust-ad\nnameserver ::1\n')).toEqual([
      '127.0.0.53',
      '::1',
    ]);
    expect(groupId('root:x:0:\nssl-cert:x:103:postgres\n', 'ssl-cert')).toBe(103);
    expect(groupId('root:x:0:\n', 'ssl-cert')).toBeUndefined();
    expect(
      userId('root:x:0:0:root:/root:/bin/bash\npostfix:x:104:111::/var/spool/postfix:/usr/sbin/nologin\n', 'postfix'),
    ).toBe(104);
    expect(userId('postfix:x:?:111::/:/bin/false\n', 'postfix')).toBeUndefined();
  });

  it('readResolver: DANE only with a validating resolver on loopback; a remote resolver is never asked', async () => {
    const resolver = (conf: string | null, answers: Parameters<typeof createMemoryEffects>[0] = {}) =>
      createMemoryEffects({ ...answers, files: conf === null ? {} : { '/etc/resolv.conf': conf } });

    const remote = resolver('nameserver 10.255.255.53\n');
    expect(await readResolver(remote, true)).toEqual({
      validating: false,
      nameservers: ['10.255.255.53'],
      detail:
        'the resolver 10.255.255.53 is not on this host: Postfix trusts DNSSEC answers only from a validating ' +
        'resolver on loopback (e.g. unbound)',
    });
    expect(remote.dnssecProbes).toEqual([]);

    const unbound = resolver('nameserver 127.0.0.1\n', { resolvers: { '127.0.0.1': { rcode: 0, ad: true } } });
    expect(await readResolver(unbound, true)).toEqual({
      validating: true,
      nameservers: ['127.0.0.1'],
      detail: "127.0.0.1 validates DNSSEC (AD bit on the root's NS records)",
    });
    expect(unbound.dnssecProbes).toEqual(['127.0.0.1']);

    const plain = resolver('nameserver 127.0.0.53\n', { resolvers: { '127.0.0.53': { rcode: 0, ad: false } } });
    expect((await readResolver(plain, true)).detail).toBe(
      "127.0.0.53 answers but does not validate DNSSEC (no AD bit on the root's NS records)",
    );
    const failing = resolver('nameserver 127.0.0.53\n', { resolvers: { '127.0.0.53': { rcode: 2, ad: false } } });
    expect((await readResolver(failing, true)).detail).toBe('127.0.0.53 answered the DNSSEC probe with SERVFAIL');
    const silent = resolver('nameserver 127.0.0.53\n', { resolvers: { '127.0.0.53': 'silent' } });
    expect((await readResolver(silent, true)).detail).toBe('127.0.0.53: no answer to the DNSSEC probe within 3 s');
    // Without a nameserver line the C library asks 127.0.0.1.
    const none = resolver(null, { resolvers: { '127.0.0.1': { rcode: 0, ad: true } } });
    expect((await readResolver(none, true)).validating).toBe(true);
    // A --root run asks nothing.
    const sandbox = resolver('nameserver 127.0.0.1\n', { resolvers: { '127.0.0.1': { rcode: 0, ad: true } } });
    expect(await readResolver(sandbox, false)).toMatchObject({
      validating: false,
      detail: '--root: the resolver is not asked',
    });
    expect(sandbox.dnssecProbes).toEqual([]);
  });

  it('readTlsHostFacts: lineages and snakeoil from the configuration, the CA store, ssl-cert and the resolver from the machine', async () => {
    const conf = createMemoryEffects({
      files: {
        '/etc/letsencrypt/live/mx.example.com/fullchain.pem': good.cert,
        '/etc/ssl/certs/ssl-cert-snakeoil.pem': good.cert,
        '/etc/ssl/private/ssl-cert-snakeoil.key': good.key,
      },
    });
    const machine = createMemoryEffects({
      files: {
        '/etc/ssl/certs/ca-certificates.crt': pki.ca,
        '/etc/group': 'root:x:0:\nssl-cert:x:103:\n',
        '/etc/resolv.conf': 'nameserver 192.0.2.53\n',
      },
    });
    expect(await readTlsHostFacts(conf, machine)).toEqual({
      lineages: [{ name: 'mx.example.com', names: ['mx.example.com'] }],
      snakeoil: true,
      caBundle: true,
      sslCertGid: 103,
      resolver: {
        validating: false,
        nameservers: ['192.0.2.53'],
        detail:
          'the resolver 192.0.2.53 is not on this host: Postfix trusts DNSSEC answers only from a validating resolver ' +
          'on loopback (e.g. unbound)',
      },
    });
    expect(await readTlsHostFacts(createMemoryEffects(), createMemoryEffects())).toMatchObject({
      lineages: [],
      snakeoil: false,
      caBundle: false,
    });
  });

  it('the real files of this machine are read without error (whatever they hold; no probe is sent)', async () => {
    const machine = { ...createRealEffects('/'), dnssecProbe: undefined };
    const facts = await readTlsHostFacts(createRealEffects('/'), machine);
    expect(typeof facts.snakeoil).toBe('boolean');
    expect(facts.resolver.nameservers.length).toBeGreaterThan(0);
    expect(readFileSync('/etc/group', 'utf8').includes('ssl-cert:')).toBe(facts.sslCertGid !== undefined);
  });
});
