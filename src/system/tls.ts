/**
 * TLS on the machine: what the host offers (certbot's lineages, Debian's snakeoil certificate,
 * the CA store, a DNSSEC-validating resolver on loopback), and the check of a server
 * certificate's files before mailsetup names them in main.cf. mailsetup runs as root and reads
 * these files as the hostile input they may be: every problem becomes a plain message, never an
 * exception.
 *
 * The check: each file exists and is readable PEM; each private key comes before its
 * certificate (smtpd_tls_chain_files) and matches it; files holding a private key belong to
 * root and are readable by root only, or by root and Debian's ssl-cert group (as the snakeoil
 * key is); the certificate is valid now (an error when expired or not yet valid, a warning
 * within 14 days of its end); its names cover myhostname (a warning otherwise).
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { NO_PROBES, type Effects } from '../model/effects.js';
import { CA_BUNDLE, LETSENCRYPT_LIVE, SNAKEOIL_CERT, SNAKEOIL_KEY } from '../model/paths.js';
import {
  certFilePaths,
  EXPIRY_WARNING_DAYS,
  type CertFiles,
  type CertificateCheck,
  type CertificateInfo,
  type HostTlsFacts,
  type LetsEncryptLineage,
  type ResolverFacts,
} from '../model/tls.js';
import { groupId } from './accounts.js';
import { nodeCrypto } from './builtins.js';

const DAY_MS = 86_400_000;
const PROBE_TIMEOUT_MS = 3_000;

/** One PEM object of a file: its label ("CERTIFICATE", "PRIVATE KEY", …) and its text. */
export interface PemBlock {
  label: string;
  pem: string;
  /** The file it came from. */
  file: string;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/** The PEM objects of a text, in order (text outside them is ignored, as OpenSSL ignores it). */
export function pemBlocks(text: string, file: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) out.push({ label: m[1], pem: `${m[0]}\n`, file });
  return out;
}

function isKey(label: string): boolean {
  return /PRIVATE KEY$/.test(label);
}

function isCert(label: string): boolean {
  return label === 'CERTIFICATE' || label === 'TRUSTED CERTIFICATE';
}

/** "CN=mx.example.com, O=Example" from node's newline-separated form. */
function distinguishedName(dn: string): string {
  return dn
    .split('\n')
    .filter((l) => l !== '')
    .join(', ');
}

/** The DNS names a certificate is valid for: its subjectAltName DNS entries, else its CN. */
export function certificateNames(x: X509Certificate): string[] {
  const san = x.subjectAltName;
  if (san) {
    const names = san
      .split(/,\s*/)
      .filter((e) => e.startsWith('DNS:'))
      .map((e) => e.slice(4).toLowerCase());
    if (names.length) return names;
  }
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** The leaf certificate as the checks and the preview show it. */
export function certificateInfo(x: X509Certificate): CertificateInfo {
  let selfSigned = false;
  try {
    selfSigned = x.subject === x.issuer && x.verify(x.publicKey);
  } catch {
    selfSigned = false;
  }
  return {
    subject: distinguishedName(x.subject),
    issuer: distinguishedName(x.issuer),
    names: certificateNames(x),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    selfSigned,
    sha256: x.fingerprint256,
  };
}

/** Whether a certificate's names cover `host` (wildcards as TLS clients match them). */
export function certificateCovers(x: X509Certificate, host: string): boolean {
  return x.checkHost(host) !== undefined;
}

/** "2026-03-01". */
function day(iso: string): string {
  return iso.slice(0, 10);
}

function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^error:[0-9A-F]+:/i, '').trim();
}

export interface InspectOptions {
  /** The name the certificate should cover. */
  myhostname: string;
  /** The time of the check (expiry). */
  now: Date;
  /** The gid of Debian's ssl-cert group, which may read keys. */
  sslCertGid?: number;
  /** The parameter the files are named in, for the messages. */
  param?: string;
}

/** A key and the certificates that follow it. */
interface Group {
  key: PemBlock;
  certs: PemBlock[];
}

/**
 * Check a server certificate's files (see the module comment). Never throws: every problem is
 * an error or a warning of the result.
 */
export async function inspectCertificate(
  fx: Effects,
  files: CertFiles,
  opts: InspectOptions,
): Promise<CertificateCheck> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const param = opts.param ?? ('chain' in files ? 'smtpd_tls_chain_files' : 'smtpd_tls_cert_file');
  const out = (exists: boolean, certificate?: CertificateInfo): CertificateCheck => ({
    files,
    exists,
    errors,
    warnings,
    ...(certificate ? { certificate } : {}),
  });

  // 1. Every file: there, a regular file, readable text. A run that is not root (a --dry-run as a
  //    user) may not read a key: it says so and checks the rest as far as it can.
  const texts = new Map<string, string>();
  let exists = true;
  const notRoot = typeof process.getuid === 'function' && process.getuid() !== 0;
  let unreadableAsUser = false;
  for (const path of certFilePaths(files)) {
    let meta;
    try {
      meta = await fx.stat(path);
    } catch (e) {
      errors.push(`${path}: cannot read it: ${errorText(e)}`);
      continue;
    }
    if (meta === null) {
      exists = false;
      errors.push(`${path}: no such file`);
      continue;
    }
    try {
      const text = await fx.readFile(path);
      if (text === null) {
        exists = false;
        errors.push(`${path}: no such file`);
      } else texts.set(path, text);
    } catch (e) {
      if (notRoot && /\b(EACCES|EPERM)\b/.test(errorText(e))) {
        unreadableAsUser = true;
        warnings.push(`${path}: this user may not read it; run mailsetup as root to check the certificate`);
      } else errors.push(`${path}: cannot read it: ${errorText(e)}`);
    }
  }
  if (errors.length || unreadableAsUser) return out(exists);

  // 2. The PEM objects, grouped as Postfix reads them: each key, then its certificate chain.
  const groups: Group[] = [];
  if ('chain' in files) {
    const blocks = files.chain.flatMap((f) => pemBlocks(texts.get(f) ?? '', f));
    const useful = blocks.filter((b) => isKey(b.label) || isCert(b.label));
    if (useful.length === 0) {
      errors.push(
        `${param}: ${files.chain.join(', ')} hold${files.chain.length > 1 ? '' : 's'} no PEM key or certificate`,
      );
      return out(true);
    }
    if (!isKey(useful[0].label)) {
      errors.push(
        `${param}: ${useful[0].file} starts with a certificate: Postfix wants each private key before its ` +
          'certificate chain (name the key file first, then the certificate chain)',
      );
      return out(true);
    }
    for (const b of useful) {
      if (isKey(b.label)) groups.push({ key: b, certs: [] });
      else groups[groups.length - 1].certs.push(b);
    }
    for (const g of groups) {
      if (g.certs.length === 0) errors.push(`${param}: the private key in ${g.key.file} is followed by no certificate`);
    }
  } else {
    const certs = pemBlocks(texts.get(files.cert) ?? '', files.cert).filter((b) => isCert(b.label));
    const keys = pemBlocks(texts.get(files.key) ?? '', files.key).filter((b) => isKey(b.label));
    if (certs.length === 0) errors.push(`smtpd_tls_cert_file: ${files.cert} holds no PEM certificate`);
    if (keys.length === 0) errors.push(`smtpd_tls_key_file: ${files.key} holds no PEM private key`);
    else if (keys.length > 1)
      errors.push(`smtpd_tls_key_file: ${files.key} holds ${keys.length} private keys, not one`);
    if (errors.length === 0) groups.push({ key: keys[0], certs });
  }
  if (errors.length) return out(true);

  // 3. Keys: readable only by root (and the ssl-cert group); each matches its certificate.
  const keyFiles = [...new Set(groups.map((g) => g.key.file))];
  for (const path of keyFiles) {
    const meta = await fx.stat(path).catch(() => null);
    if (meta === null) continue;
    const mode = `0${(meta.mode & 0o777).toString(8).padStart(3, '0')}`;
    if (meta.uid !== 0)
      errors.push(`${path} holds a private key and belongs to uid ${meta.uid}, not root: chown root ${path}`);
    if ((meta.mode & 0o007) !== 0)
      errors.push(
        `${path} holds a private key and other users may read or change it (mode ${mode}): ` +
          `chmod o-rwx ${path} (root only, or root and the ssl-cert group)`,
      );
    else if ((meta.mode & 0o070) !== 0 && meta.gid !== 0 && meta.gid !== opts.sslCertGid)
      errors.push(
        `${path} holds a private key and group ${meta.gid} may read it (mode ${mode}): ` +
          `chgrp root ${path} (or ssl-cert), or chmod g-rwx ${path}`,
      );
  }
  let leaf: X509Certificate | undefined;
  for (const g of groups) {
    let key: KeyObject;
    try {
      key = nodeCrypto().createPrivateKey(g.key.pem);
    } catch (e) {
      const m = errorText(e);
      errors.push(
        /passphrase|encrypted/i.test(m) || g.key.label === 'ENCRYPTED PRIVATE KEY'
          ? `${g.key.file}: the private key is protected by a passphrase: Postfix needs it without one`
          : `${g.key.file}: not a usable private key: ${m}`,
      );
      continue;
    }
    const chain: X509Certificate[] = [];
    for (const c of g.certs) {
      try {
        chain.push(new (nodeCrypto().X509Certificate)(c.pem));
      } catch (e) {
        errors.push(`${c.file}: not a usable certificate: ${errorText(e)}`);
      }
    }
    if (chain.length === 0) continue;
    const first = chain[0];
    leaf ??= first;
    let matches = false;
    try {
      matches = first.checkPrivateKey(key);
    } catch {
      matches = false;
    }
    if (!matches)
      errors.push(
        `the private key in ${g.key.file} does not match the certificate in ${g.certs[0].file} ` +
          `(${distinguishedName(first.subject)}): name the key that belongs to it`,
      );
    for (let i = 1; i < chain.length; i++) {
      if (!chain[i - 1].checkIssued(chain[i])) {
        warnings.push(
          `${g.certs[i].file}: the certificate chain is out of order (${distinguishedName(chain[i].subject)} did not ` +
            `issue ${distinguishedName(chain[i - 1].subject)}): clients that check it may refuse it`,
        );
        break;
      }
    }
  }
  if (!leaf) return out(true);

  // 4. Valid now, for a while; for this host's name.
  const info = certificateInfo(leaf);
  const now = opts.now.getTime();
  const end = Date.parse(info.notAfter);
  const start = Date.parse(info.notBefore);
  const where = g0File(groups);
  if (end <= now)
    errors.push(`the certificate in ${where} (${info.subject}) expired on ${day(info.notAfter)}: renew it`);
  else if (start > now)
    errors.push(`the certificate in ${where} (${info.subject}) is not valid before ${day(info.notBefore)}`);
  else if (end - now < EXPIRY_WARNING_DAYS * DAY_MS) {
    const days = Math.floor((end - now) / DAY_MS);
    warnings.push(
      `the certificate in ${where} expires on ${day(info.notAfter)}, in ${days} day${days === 1 ? '' : 's'}: renew it`,
    );
  }
  if (opts.myhostname && !certificateCovers(leaf, opts.myhostname))
    warnings.push(
      `the certificate's names (${info.names.join(', ') || 'none'}) do not cover myhostname ${opts.myhostname}: ` +
        'senders that check names will not trust it (opportunistic senders still encrypt)',
    );
  return out(true, info);
}

function g0File(groups: Group[]): string {
  return groups[0]?.certs[0]?.file ?? groups[0]?.key.file ?? '';
}

/* ------------------------------------------------------------------------------------------ */
/* What the host offers                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** certbot's lineages under /etc/letsencrypt/live and the names of each certificate. */
export async function readLineages(fx: Effects): Promise<LetsEncryptLineage[]> {
  const out: LetsEncryptLineage[] = [];
  for (const name of await fx.listDir(LETSENCRYPT_LIVE).catch(() => [])) {
    if (name === 'README' || name.startsWith('.')) continue;
    const dir = `${LETSENCRYPT_LIVE}/${name}`;
    const text = await fx.readFile(`${dir}/fullchain.pem`).catch(() => null);
    if (text === null) continue;
    let names: string[] = [];
    const first = pemBlocks(text, `${dir}/fullchain.pem`).find((b) => isCert(b.label));
    if (first) {
      try {
        names = certificateNames(new (nodeCrypto().X509Certificate)(first.pem));
      } catch {
        names = [];
      }
    }
    out.push({ name, names });
  }
  return out;
}

function loopbackAddress(a: string): boolean {
  const fam = isIP(a);
  if (fam === 4) return a.startsWith('127.');
  if (fam === 6) return a === '::1' || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(a);
  return false;
}

/** The nameserver lines of resolv.conf(5). */
export function nameserversOf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push(m[1].replace(/%.*$/, ''));
  }
  return out;
}

const RCODES: Record<number, string> = { 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

/**
 * Whether DANE can be promised: every nameserver of /etc/resolv.conf is on loopback (Postfix
 * trusts the AD bit of whatever resolver answers, so only a local one will do) and each answers
 * Postfix's own DNSSEC probe (NS records of the root) with the AD bit. Asked only on the live
 * system: a --root sandbox sends nothing.
 */
export async function readResolver(hostFx: Effects, live: boolean): Promise<ResolverFacts> {
  const text = await hostFx.readFile('/etc/resolv.conf').catch(() => null);
  // Without a nameserver line the C library asks 127.0.0.1.
  const listed = nameserversOf(text ?? '');
  const nameservers = listed.length ? listed : ['127.0.0.1'];
  const no = (detail: string): ResolverFacts => ({ validating: false, nameservers, detail });
  const remote = nameservers.filter((n) => !loopbackAddress(n));
  if (remote.length)
    return no(
      `the resolver ${remote.join(', ')} is not on this host: Postfix trusts DNSSEC answers only from a ` +
        'validating resolver on loopback (e.g. unbound)',
    );
  if (!live) return no('--root: the resolver is not asked');
  if (hostFx.noProbes) return no(`the resolver is not asked (${NO_PROBES})`);
  const probe = hostFx.dnssecProbe;
  if (!probe) return no('this system layer cannot probe the resolver');
  for (const ns of nameservers) {
    try {
      const r = await probe.call(hostFx, ns, PROBE_TIMEOUT_MS);
      if (r.rcode !== 0) return no(`${ns} answered the DNSSEC probe with ${RCODES[r.rcode] ?? `rcode ${r.rcode}`}`);
      if (!r.ad) return no(`${ns} answers but does not validate DNSSEC (no AD bit on the root's NS records)`);
    } catch (e) {
      return no(`${ns}: ${errorText(e)}`);
    }
  }
  return {
    validating: true,
    nameservers,
    detail: `${nameservers.join(', ')} validate${nameservers.length > 1 ? '' : 's'} DNSSEC (AD bit on the root's NS records)`,
  };
}

/**
 * What the host offers for TLS. Certificates are configuration (under --root: the sandbox's);
 * the CA store, the groups and the resolver are the machine's (`hostFx`).
 */
export async function readTlsHostFacts(fx: Effects, hostFx: Effects): Promise<HostTlsFacts> {
  const present = async (e: Effects, p: string) => (await e.stat(p).catch(() => null)) !== null;
  const [lineages, cert, key, caBundle, groups, resolver] = await Promise.all([
    readLineages(fx),
    present(fx, SNAKEOIL_CERT),
    present(fx, SNAKEOIL_KEY),
    present(hostFx, CA_BUNDLE),
    hostFx.readFile('/etc/group').catch(() => null),
    readResolver(hostFx, fx.live),
  ]);
  const sslCertGid = groupId(groups, 'ssl-cert');
  return {
    lineages,
    snakeoil: cert && key,
    caBundle,
    resolver,
    ...(sslCertGid !== undefined ? { sslCertGid } : {}),
  };
}
