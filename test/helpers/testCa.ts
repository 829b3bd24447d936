/**
 * A throw-away PKI for TLS tests, made with Debian's openssl CLI in a temp directory: a test CA,
 * a server certificate it signed for "localhost" and 127.0.0.1, and a self-signed certificate
 * for the same names (which no CA vouches for); certificates for any name, valid for a number
 * of days (or already expired), self-signed or signed by a CA; Debian's snakeoil in a sandbox.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** PEM of the CA certificate, and its path. */
  ca: string;
  caFile: string;
  /** Server key and certificate signed by the CA (SAN: DNS:localhost, IP:127.0.0.1). */
  key: string;
  cert: string;
  /** A self-signed key and certificate with the same names. */
  selfKey: string;
  selfCert: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

const SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1';

/** Make the CA, the CA-signed server certificate and a self-signed one in `dir` (EC P-256 keys: fast). */
export function makeTestPki(dir: string): TestPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=mailsetup test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(dir, ['req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  const ext = join(dir, 'server.ext');
  execFileSync('sh', [
    '-c',
    `printf '%s\\n' '${SAN}' 'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' > '${ext}'`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    'server.pem',
    '-extfile',
    'server.ext',
  ]);
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    SAN,
  ]);
  for (const f of ['ca.pem', 'server.pem', 'self.pem']) chmodSync(join(dir, f), 0o644);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    ca: read('ca.pem'),
    caFile: join(dir, 'ca.pem'),
    key: read('server.key'),
    cert: read('server.pem'),
    selfKey: read('self.key'),
    selfCert: read('self.pem'),
  };
}

/** A key and a certificate made by `makeCertificate`. */
export interface TestCert {
  keyFile: string;
  certFile: string;
  key: string;
  cert: string;
}

export interface CertOptions {
  /** The subject's CN. */
  cn: string;
  /** DNS names of subjectAltName (none: no extension). */
  dns?: string[];
  /** Validity in days from now; a negative number makes a certificate that has already expired. */
  days?: number;
  /** Sign with this CA (its key and certificate files) instead of self-signing. */
  ca?: { keyFile: string; certFile: string };
}

/**
 * A fresh EC P-256 key and a certificate for it, made with openssl in `dir` under `name`
 * (`name`.key, `name`.pem). `days` may be negative (`openssl x509 -days -1`: already expired).
 */
export function makeCertificate(dir: string, name: string, o: CertOptions): TestCert {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  openssl(dir, [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csr,
    '-subj',
    `/CN=${o.cn}`,
  ]);
  const lines = ['basicConstraints=CA:FALSE'];
  if (o.dns?.length) lines.push(`subjectAltName=${o.dns.map((d) => `DNS:${d}`).join(',')}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  const signer = o.ca ? ['-CA', o.ca.certFile, '-CAkey', o.ca.keyFile, '-CAcreateserial'] : ['-signkey', keyFile];
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    ...signer,
    '-days',
    String(o.days ?? 30),
    '-out',
    certFile,
    '-extfile',
    ext,
  ]);
  chmodSync(keyFile, 0o600);
  chmodSync(certFile, 0o644);
  return { keyFile, certFile, key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}

/**
 * Debian's snakeoil certificate in a --root sandbox, as ssl-cert makes it on a real box (the
 * postfix package depends on ssl-cert): /etc/ssl/certs/ssl-cert-snakeoil.pem (0644) and
 * /etc/ssl/private/ssl-cert-snakeoil.key (root:ssl-cert 0640 in a 0710 directory; root:root 0600
 * where the group does not exist). Root only (the key belongs to root).
 */
export function installSnakeoil(sandboxRoot: string, cn: string): TestCert {
  const certs = join(sandboxRoot, 'etc', 'ssl', 'certs');
  const priv = join(sandboxRoot, 'etc', 'ssl', 'private');
  mkdirSync(certs, { recursive: true });
  mkdirSync(priv, { recursive: true });
  const made = makeCertificate(priv, 'snakeoil', { cn, dns: [cn], days: 3650 });
  const keyFile = join(priv, 'ssl-cert-snakeoil.key');
  const certFile = join(certs, 'ssl-cert-snakeoil.pem');
  renameSync(made.keyFile, keyFile);
  renameSync(made.certFile, certFile);
  for (const f of ['snakeoil.csr', 'snakeoil.ext']) rmSync(join(priv, f), { force: true });
  const gid = sslCertGid();
  chownSync(keyFile, 0, gid ?? 0);
  chmodSync(keyFile, gid === undefined ? 0o600 : 0o640);
  chownSync(priv, 0, gid ?? 0);
  chmodSync(priv, 0o710);
  return { ...made, keyFile, certFile };
}

/** The gid of the ssl-cert group on this machine, or undefined. */
export function sslCertGid(): number | undefined {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ssl-cert:'));
  const gid = line?.split(':')[2];
  return gid && /^\d+$/.test(gid) ? Number(gid) : undefined;
}
