/**
 * Encryption in transit, as data: where the server certificate comes from and what the system
 * layer found when it checked it, what the host offers for TLS (Let's Encrypt lineages, Debian's
 * snakeoil certificate, the CA store, a DNSSEC-validating resolver), and the summary of what TLS
 * each direction gets that the preview and the state show.
 */

/** Where the certificate of inbound STARTTLS comes from. */
export type CertSource = 'answers' | 'main.cf' | 'letsencrypt' | 'snakeoil';

/**
 * The files of a server certificate in Postfix's two forms: smtpd_tls_chain_files (each key
 * followed by its certificate chain), or smtpd_tls_cert_file and smtpd_tls_key_file.
 */
export type CertFiles = { chain: string[] } | { cert: string; key: string };

/** The leaf certificate, as the checks and the preview show it. */
export interface CertificateInfo {
  /** "CN=mx.example.com" (the subject's attributes, comma separated). */
  subject: string;
  issuer: string;
  /** The DNS names it is valid for: subjectAltName, else the CN. */
  names: string[];
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
  /** SHA-256 fingerprint, "AB:CD:…". */
  sha256: string;
}

/** What the system layer found when it checked a certificate's files (src/system/tls.ts). */
export interface CertificateCheck {
  files: CertFiles;
  /** Every file exists. */
  exists: boolean;
  /** What forbids using it (unreadable, key readable by others, key does not match, expired …). */
  errors: string[];
  /** What the user should know (expires within 14 days, its names do not cover myhostname …). */
  warnings: string[];
  /** The (first) leaf certificate, when one could be read. */
  certificate?: CertificateInfo;
}

/** A certbot lineage: /etc/letsencrypt/live/<name>/ and the names its certificate covers. */
export interface LetsEncryptLineage {
  name: string;
  names: string[];
}

/** Whether DANE can be promised: the resolvers in /etc/resolv.conf and what a DNSSEC probe said. */
export interface ResolverFacts {
  validating: boolean;
  nameservers: string[];
  /** One line: why (not) — "127.0.0.1 validates DNSSEC (AD bit on the root's NS records)". */
  detail: string;
}

/** What the host offers for TLS (read once per run with the other host facts). */
export interface HostTlsFacts {
  /** certbot's lineages, /etc/letsencrypt/live/<name>/. */
  lineages: LetsEncryptLineage[];
  /** Debian's snakeoil certificate and key exist. */
  snakeoil: boolean;
  /** The system CA store /etc/ssl/certs/ca-certificates.crt exists. */
  caBundle: boolean;
  /** The gid of Debian's ssl-cert group (it may read the snakeoil key), when there is one. */
  sslCertGid?: number;
  resolver: ResolverFacts;
}

/** What TLS each direction gets after the plan, for the preview (and the state's record). */
export interface TlsSummary {
  /** "opportunistic (may): …", "DANE (dane): …", "mandatory (encrypt) to the smart host …". */
  outbound: string;
  /** "STARTTLS offered (may) on port 25 …", or why none. */
  inbound: string;
  /** The certificate's lines (source, files, subject, names, expiry). */
  certificate: string[];
  /** TLS parameters already in main.cf that stay as the user's. */
  kept: Array<{ name: string; value: string }>;
  /** Further lines: the certbot hook, the snakeoil to create, a Let's Encrypt certificate not used. */
  notes: string[];
}

/** The paths of a certificate's files, in order. */
export function certFilePaths(f: CertFiles): string[] {
  return 'chain' in f ? [...f.chain] : f.cert === f.key ? [f.cert] : [f.cert, f.key];
}

/** A stable key for a CertFiles value (the checks are looked up by it). */
export function certFilesKey(f: CertFiles): string {
  return 'chain' in f ? `chain:${f.chain.join(',')}` : `pair:${f.cert},${f.key}`;
}

/** Days before expiry from which a certificate is warned about. */
export const EXPIRY_WARNING_DAYS = 14;

/** Whether a certificate name ("mx.example.com", "*.example.com") covers `host`, as TLS clients match. */
export function nameCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

/**
 * certbot's lineage for `host`: the one named after it, else the first whose certificate covers
 * it; undefined when there is none.
 */
export function lineageFor(lineages: readonly LetsEncryptLineage[], host: string): LetsEncryptLineage | undefined {
  const h = host.toLowerCase();
  return (
    lineages.find((l) => l.name.toLowerCase() === h) ?? lineages.find((l) => l.names.some((n) => nameCovers(n, h)))
  );
}

/** The files of a certbot lineage: its key, then its full chain (smtpd_tls_chain_files). */
export function lineageFiles(name: string): { chain: string[] } {
  return { chain: [`/etc/letsencrypt/live/${name}/privkey.pem`, `/etc/letsencrypt/live/${name}/fullchain.pem`] };
}

/** The certbot lineage a path belongs to (/etc/letsencrypt/live/<name>/…), or undefined. */
export function lineageOfPath(path: string): string | undefined {
  return /^\/etc\/letsencrypt\/live\/([^/]+)\//.exec(path)?.[1];
}
