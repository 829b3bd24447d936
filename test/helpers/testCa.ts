/**
 * A throw-away PKI for TLS tests, made with Debian's openssl CLI in a temp directory: a test CA,
 * a server certificate it signed for "localhost" and 127.0.0.1, and a self-signed certificate
 * for the same names (which no CA vouches for).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
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
