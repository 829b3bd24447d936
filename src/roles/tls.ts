/**
 * The TLS decisions the questions and the planner share (pure): which certificate mailsetup
 * finds for a host name by itself, and which outbound TLS level it chooses when none is asked
 * for. Every role sends with TLS; the roles that receive mail also offer STARTTLS on port 25.
 */
import type { AnswerKey, Answers } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import { SNAKEOIL_CERT, SNAKEOIL_KEY } from '../model/paths.js';
import { lineageFiles, lineageFor, type CertFiles } from '../model/tls.js';

/** A certificate mailsetup found (or can make) for myhostname. */
export interface FoundCertificate {
  source: 'letsencrypt' | 'snakeoil';
  files: CertFiles;
  /** The certbot lineage's name (letsencrypt). */
  lineage?: string;
  /** The snakeoil certificate does not exist yet: ssl-cert makes it before anything is written. */
  create?: boolean;
}

/**
 * The certificate for `myhostname` mailsetup finds by itself: certbot's lineage for it, else
 * Debian's snakeoil certificate (which ssl-cert makes where it is missing, as the postinst of
 * Debian's postfix package relies on); null where neither is there nor can be made.
 */
export function foundCertificate(host: HostFacts, myhostname: string): FoundCertificate | null {
  const lineage = lineageFor(host.tls?.lineages ?? [], myhostname);
  if (lineage) return { source: 'letsencrypt', files: lineageFiles(lineage.name), lineage: lineage.name };
  const snakeoil = host.tls?.snakeoil === true;
  if (snakeoil || host.distro.debianLike)
    return {
      source: 'snakeoil',
      files: { cert: SNAKEOIL_CERT, key: SNAKEOIL_KEY },
      ...(snakeoil ? {} : { create: true }),
    };
  return null;
}

/** The certificate files the answers name, or null. */
export function answeredCertificate(a: Partial<Answers>): CertFiles | null {
  if (a.smtpd_tls_chain_files && a.smtpd_tls_chain_files.length > 0) return { chain: [...a.smtpd_tls_chain_files] };
  if (a.smtpd_tls_cert_file) return { cert: a.smtpd_tls_cert_file, key: a.smtpd_tls_key_file ?? a.smtpd_tls_cert_file };
  return null;
}

/** Whether DANE can be promised here: a DNSSEC-validating resolver on loopback. */
export function daneAvailable(host: HostFacts): boolean {
  return host.tls?.resolver.validating === true;
}

/**
 * The outbound level when the answers ask for none: encrypt with a smart-host login (the
 * password never crosses in clear), dane where a validating resolver makes it meaningful, else
 * may (opportunistic).
 */
export function defaultOutboundLevel(a: Partial<Answers>, host: HostFacts): 'may' | 'dane' | 'encrypt' {
  if (a.smtp_sasl && a.relayhost) return 'encrypt';
  return daneAvailable(host) ? 'dane' : 'may';
}

/**
 * The TLS answers a role that receives mail applies although the wizard does not ask for them
 * (an answers file may give them): STARTTLS switched off (none), and the certificate in the
 * older two-file form.
 */
export const INBOUND_TLS_ANSWERS: readonly AnswerKey[] = [
  'smtpd_tls_security_level',
  'smtpd_tls_cert_file',
  'smtpd_tls_key_file',
];
