/**
 * Encryption in transit, planned (pure): the TLS parameters every role sets (outbound
 * opportunistic TLS, or DANE where a validating resolver makes it meaningful, or encrypt to a
 * smart host with a login; the system CA store; a session cache; protocol floors; TLS logging at
 * level 1) and those of the roles that receive mail (STARTTLS offered on port 25, never required,
 * with the certificate the user names or mailsetup finds: certbot's lineage for myhostname, else
 * Debian's snakeoil).
 *
 * TLS settings already in main.cf that mailsetup did not write (a `dpkg-reconfigure` Internet
 * Site, a hand setup) are the user's: kept, listed in the preview, replaced only when the answers
 * ask for another value or list the override `replace-tls-settings`. A parameter group counts as
 * one setting: any certificate parameter keeps the user's certificate, smtp_tls_CApath keeps the
 * CA store, the obsolete smtp(d)_use_tls keep the level.
 *
 * The certificate's files are checked by the system layer before planning (src/system/tls.ts);
 * the plan turns that check into findings: errors stop the apply (a key that does not match, an
 * expired certificate, an unreadable file), warnings are shown.
 */
import type { AnswerKey } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import type { Finding } from '../model/plan.js';
import { CA_BUNDLE, CERTBOT_DEPLOY_HOOK } from '../model/paths.js';
import {
  certFilePaths,
  certFilesKey,
  lineageOfPath,
  type CertFiles,
  type CertificateCheck,
  type CertSource,
  type TlsSummary,
} from '../model/tls.js';
import { expandParam } from '../postfix/expand.js';
import { joinList, splitList } from '../postfix/lists.js';
import type { MainCf } from '../postfix/mainCf.js';
import type { Resolved } from '../roles/role.js';
import { answeredCertificate, daneAvailable, defaultOutboundLevel, foundCertificate } from '../roles/tls.js';

/** The override that takes mailsetup's TLS values over the TLS settings already in main.cf. */
export const REPLACE_TLS = 'replace-tls-settings';

/** The certificate parameters: a user's value in any of them keeps the user's certificate. */
export const CERT_PARAMS = [
  'smtpd_tls_chain_files',
  'smtpd_tls_cert_file',
  'smtpd_tls_key_file',
  'smtpd_tls_eccert_file',
  'smtpd_tls_eckey_file',
  'smtpd_tls_dcert_file',
  'smtpd_tls_dkey_file',
] as const;
const CA_PARAMS = ['smtp_tls_CAfile', 'smtp_tls_CApath'] as const;
const OUT_LEVEL_PARAMS = ['smtp_tls_security_level', 'smtp_use_tls', 'smtp_enforce_tls'] as const;
const IN_LEVEL_PARAMS = ['smtpd_tls_security_level', 'smtpd_use_tls', 'smtpd_enforce_tls'] as const;

/** Every parameter planTls may set (the state file may name these as mailsetup's). */
export const TLS_SET_PARAMS = [
  ...CERT_PARAMS,
  'smtp_tls_CAfile',
  'smtp_tls_security_level',
  'smtp_tls_session_cache_database',
  'smtp_tls_loglevel',
  'smtp_tls_protocols',
  'smtp_tls_mandatory_protocols',
  'smtp_dns_support_level',
  'smtpd_tls_security_level',
  'smtpd_tls_loglevel',
  'smtpd_tls_protocols',
  'smtpd_tls_mandatory_protocols',
] as const;

/** Protocol floors in Postfix's own syntax: no SSLv2/3 ever; TLS 1.2 or newer where TLS is mandatory. */
export const OPPORTUNISTIC_PROTOCOLS = '>=TLSv1';
export const MANDATORY_PROTOCOLS = '>=TLSv1.2';

/** What planTls sees. */
export interface TlsInput {
  a: Resolved;
  host: HostFacts;
  /** The role accepts mail from the network (inbound STARTTLS). */
  receivesMail: boolean;
  /** Map type of the host (the session cache takes btree where hash is the default). */
  dbType: string;
  /** main.cf as it is before the plan. */
  main: MainCf;
  /** Parameters mailsetup set before (the state): those are never "the user's". */
  owned: Readonly<Record<string, string>>;
  /** The system layer's checks of the certificate candidates, by certFilesKey. */
  certs: Readonly<Record<string, CertificateCheck>>;
  /** The live system (false: a --root sandbox, where no snakeoil certificate is made). */
  live: boolean;
}

/** The certificate of inbound STARTTLS, as chosen. */
export interface ChosenCertificate {
  source: CertSource;
  files: CertFiles;
  check?: CertificateCheck;
  lineage?: string;
  /** Debian's snakeoil is to be made first. */
  create?: boolean;
}

/** What planTls decided. */
export interface TlsPlan {
  /** Parameters to set (mailsetup owns them afterwards). */
  main: Record<string, string>;
  /** TLS parameters of main.cf kept as the user's. */
  kept: Array<{ name: string; value: string }>;
  /** Answer keys whose value is the user's kept setting: not recorded as mailsetup's answers. */
  keptAnswers: AnswerKey[];
  certificate: ChosenCertificate | null;
  /** The certbot lineage whose renewals reload Postfix (the deploy hook), or null. */
  hook: string | null;
  findings: Finding[];
  notes: string[];
}

/** The session cache database: btree where the map type is hash (as Debian's main.cf.tls), else lmdb/btree. */
export function sessionCacheType(dbType: string): string {
  return dbType === 'lmdb' ? 'lmdb' : 'btree';
}

/** The user's certificate in main.cf (paths expanded), or null when main.cf names none. */
export function mainCfCertificate(main: MainCf): CertFiles | null {
  const value = (n: string): string => {
    try {
      return (
        expandParam(main, n, { config_directory: '/etc/postfix', smtpd_tls_key_file: '$smtpd_tls_cert_file' }) ?? ''
      );
    } catch {
      return main.get(n) ?? '';
    }
  };
  const chain = splitList(value('smtpd_tls_chain_files'));
  if (chain.length) return { chain };
  const cert = value('smtpd_tls_cert_file').trim();
  if (cert) return { cert, key: value('smtpd_tls_key_file').trim() || cert };
  return null;
}

/**
 * The certificates whose files the system layer checks before the plan: the one the answers
 * name, the user's in main.cf, and the one mailsetup finds (an existing snakeoil only).
 */
export function certificateCandidates(a: Resolved, host: HostFacts, main: MainCf): CertFiles[] {
  const out: CertFiles[] = [];
  const add = (f: CertFiles | null) => {
    if (f && !out.some((x) => certFilesKey(x) === certFilesKey(f))) out.push(f);
  };
  add(answeredCertificate(a));
  add(mainCfCertificate(main));
  const found = foundCertificate(host, a.myhostname);
  if (found && !found.create) add(found.files);
  return out;
}

/** Plan the TLS parameters (see the module comment). */
export function planTls(input: TlsInput): TlsPlan {
  const { a, host, main: cf, owned } = input;
  const replace = a.overrides.includes(REPLACE_TLS);
  const set: Record<string, string> = {};
  const kept: TlsPlan['kept'] = [];
  const keptAnswers: AnswerKey[] = [];
  const findings: Finding[] = [];
  const notes: string[] = [];
  const userValue = (n: string): string | undefined => {
    const v = cf.get(n);
    return v !== undefined && v.trim() !== '' && !(n in owned) ? v : undefined;
  };
  /** The user's settings of a group; none once mailsetup owns a member (it took the group over before). */
  const userSet = (names: readonly string[]) =>
    names.some((n) => n in owned) ? [] : names.filter((n) => userValue(n) !== undefined);
  const keep = (names: readonly string[]) => {
    for (const n of names) kept.push({ name: n, value: userValue(n) as string });
  };
  /** One parameter (or group) mailsetup would set: kept when the user set it, unless replaced. */
  const soft = (group: readonly string[], apply: () => void) => {
    const theirs = userSet(group);
    if (theirs.length && !replace) keep(theirs);
    else apply();
  };

  // Outbound, every role.
  const asked = a.smtp_tls_security_level;
  const sasl = !!(a.smtp_sasl && a.relayhost);
  const userDns = userValue('smtp_dns_support_level');
  // A smart-host login always travels encrypted, whatever else the answers (or main.cf) say.
  let level: string = sasl ? 'encrypt' : (asked ?? defaultOutboundLevel(a, host));
  if (sasl && asked !== undefined && asked !== 'encrypt')
    findings.push({
      id: 'tls-smarthost-encrypt',
      level: 'info',
      message: `smtp_tls_security_level: encrypt, not ${asked}: the smart host login must never cross in clear`,
    });
  // DANE needs DNSSEC lookups: a user's other smtp_dns_support_level keeps the default at may.
  if (asked === undefined && level === 'dane' && userDns !== undefined && userDns !== 'dnssec') level = 'may';
  const theirLevel = userSet(OUT_LEVEL_PARAMS);
  const requested = (asked !== undefined || sasl) && userValue('smtp_tls_security_level') !== level;
  if (theirLevel.length && !replace && !requested) {
    keep(theirLevel);
    keptAnswers.push('smtp_tls_security_level');
  } else {
    set.smtp_tls_security_level = level;
    if (level === 'dane') set.smtp_dns_support_level = 'dnssec';
  }
  soft(CA_PARAMS, () => (set.smtp_tls_CAfile = CA_BUNDLE));
  if (!host.tls?.caBundle && host.tls !== undefined && set.smtp_tls_CAfile)
    notes.push(
      `${CA_BUNDLE} is missing: the ca-certificates package provides it (installed before anything is written)`,
    );
  soft(['smtp_tls_session_cache_database'], () => {
    set.smtp_tls_session_cache_database = `${sessionCacheType(input.dbType)}:\${data_directory}/smtp_scache`;
  });
  soft(['smtp_tls_loglevel'], () => (set.smtp_tls_loglevel = '1'));
  soft(['smtp_tls_protocols'], () => (set.smtp_tls_protocols = OPPORTUNISTIC_PROTOCOLS));
  soft(['smtp_tls_mandatory_protocols'], () => (set.smtp_tls_mandatory_protocols = MANDATORY_PROTOCOLS));

  // Inbound, the roles that receive mail.
  let certificate: ChosenCertificate | null = null;
  if (!input.receivesMail && answeredCertificate(a) !== null)
    notes.push('the certificate in the answers is not used: this role receives no mail (no STARTTLS to offer)');
  if (input.receivesMail) {
    const inAsked = a.smtpd_tls_security_level;
    if (inAsked === 'none') {
      if (userValue('smtpd_tls_security_level') !== 'none') set.smtpd_tls_security_level = 'none';
    } else {
      certificate = chooseCertificate(input, replace);
      if (certificate === null) {
        findings.push({
          id: 'tls-no-certificate',
          level: 'warning',
          message:
            `no certificate for STARTTLS: no Let's Encrypt lineage for ${a.myhostname} and no Debian snakeoil ` +
            '(ssl-cert): port 25 offers no TLS; name one with smtpd_tls_chain_files (the key file first, then the chain)',
        });
      } else {
        const theirs = userSet(IN_LEVEL_PARAMS);
        const inRequested = inAsked !== undefined && userValue('smtpd_tls_security_level') !== inAsked;
        if (theirs.length && !replace && !inRequested) {
          keep(theirs);
          keptAnswers.push('smtpd_tls_security_level');
        } else set.smtpd_tls_security_level = 'may';
        if (certificate.source === 'main.cf') keep(userSet(CERT_PARAMS));
        else certificateParams(certificate.files, cf, owned, set);
        soft(['smtpd_tls_loglevel'], () => (set.smtpd_tls_loglevel = '1'));
        soft(['smtpd_tls_protocols'], () => (set.smtpd_tls_protocols = OPPORTUNISTIC_PROTOCOLS));
        soft(['smtpd_tls_mandatory_protocols'], () => (set.smtpd_tls_mandatory_protocols = MANDATORY_PROTOCOLS));
        findings.push(...certificateFindings(certificate));
        if (certificate.source === 'snakeoil')
          notes.push(
            "Debian's snakeoil certificate is self-signed: senders encrypt but cannot authenticate this host; with a " +
              `Let's Encrypt certificate for ${a.myhostname} (certbot certonly --standalone -d ${a.myhostname}) run ` +
              'mailsetup again: it takes that one',
          );
        const found = foundCertificate(host, a.myhostname);
        if (certificate.source === 'main.cf' && found?.source === 'letsencrypt')
          notes.push(
            `a Let's Encrypt certificate for ${a.myhostname} exists (/etc/letsencrypt/live/${found.lineage}/): ` +
              `to use it instead of yours, list the override ${REPLACE_TLS}`,
          );
      }
    }
  }

  // certbot's renewals: Postfix must reload to present the renewed certificate.
  let hook: string | null = null;
  const lineage = certificate
    ? (certificate.lineage ??
      certFilePaths(certificate.files)
        .map(lineageOfPath)
        .find((l) => l !== undefined))
    : undefined;
  if (lineage !== undefined) {
    if (a.certbot_deploy_hook === false)
      notes.push(
        `certbot renews /etc/letsencrypt/live/${lineage}/ without reloading Postfix (no deploy hook, as answered): ` +
          'reload Postfix after each renewal, or new sessions keep presenting the old certificate',
      );
    else hook = lineage;
  }
  return { main: set, kept, keptAnswers, certificate, hook, findings, notes };
}

/** The certificate: the answers', else the user's in main.cf (kept), else the one mailsetup finds. */
function chooseCertificate(input: TlsInput, replace: boolean): ChosenCertificate | null {
  const { a, host, main: cf, certs } = input;
  const with_ = (c: ChosenCertificate): ChosenCertificate => {
    const check = certs[certFilesKey(c.files)];
    return check ? { ...c, check } : c;
  };
  const named = answeredCertificate(a);
  if (named) return with_({ source: 'answers', files: named });
  const theirs = mainCfCertificate(cf);
  // As for every group: the user's until mailsetup owns one of its parameters.
  const userHasCert =
    !CERT_PARAMS.some((n) => n in input.owned) && CERT_PARAMS.some((n) => (cf.get(n) ?? '').trim() !== '');
  if (theirs && userHasCert && !replace) return with_({ source: 'main.cf', files: theirs });
  const found = foundCertificate(host, a.myhostname);
  if (!found) return null;
  return with_({
    source: found.source,
    files: found.files,
    ...(found.lineage ? { lineage: found.lineage } : {}),
    ...(found.create ? { create: true } : {}),
  });
}

/**
 * The parameters naming `files`. Postfix warns when both forms are set, so the other form is
 * emptied where the user set it (and stays emptied on later runs); where mailsetup set it
 * itself, leaving it out lets the planner remove it.
 */
function certificateParams(
  files: CertFiles,
  cf: MainCf,
  owned: Readonly<Record<string, string>>,
  set: Record<string, string>,
): void {
  const empty = (n: string) => {
    if (n in owned ? owned[n] === '' : (cf.get(n) ?? '').trim() !== '') set[n] = '';
  };
  if ('chain' in files) {
    set.smtpd_tls_chain_files = joinList(files.chain);
    for (const n of CERT_PARAMS) if (n !== 'smtpd_tls_chain_files') empty(n);
  } else {
    set.smtpd_tls_cert_file = files.cert;
    set.smtpd_tls_key_file = files.key;
    empty('smtpd_tls_chain_files');
  }
}

const SOURCE_WORDS: Record<CertSource, string> = {
  answers: 'the certificate named in the answers',
  'main.cf': 'your certificate (kept from main.cf)',
  letsencrypt: "the Let's Encrypt certificate",
  snakeoil: "Debian's snakeoil certificate",
};

/** The check of the chosen certificate as findings: errors stop the apply unless the certificate is the user's kept one. */
function certificateFindings(c: ChosenCertificate): Finding[] {
  const out: Finding[] = [];
  const what = SOURCE_WORDS[c.source];
  const blocking = c.source !== 'main.cf';
  for (const e of c.check && !c.create ? c.check.errors : [])
    out.push({
      id: 'tls-certificate',
      level: blocking ? 'error' : 'warning',
      message: `${what}: ${e}${blocking ? '' : ' (mailsetup does not change it; replace it, or name another)'}`,
    });
  for (const w of c.check && !c.create ? c.check.warnings : []) {
    // A snakeoil certificate names the host it was made on: the notes say so.
    if (c.source === 'snakeoil' && /do not cover myhostname/.test(w)) continue;
    out.push({ id: 'tls-certificate', level: 'warning', message: `${what}: ${w}` });
  }
  return out;
}

/** The text of certbot's deploy hook for `lineage`: reload Postfix when that lineage was renewed. */
export function deployHookScript(lineage: string): string {
  return [
    '#!/bin/sh',
    '# Written by mailsetup: certbot runs this after every renewal. Running smtpd processes keep the',
    '# old certificate until Postfix reloads, so reload it when the certificate Postfix uses was renewed.',
    'case "$RENEWED_LINEAGE" in',
    `  /etc/letsencrypt/live/${lineage}) ;;`,
    '  *) exit 0 ;;',
    'esac',
    'if /usr/sbin/postfix status >/dev/null 2>&1; then',
    '  exec /usr/sbin/postfix reload',
    'fi',
    '',
  ].join('\n');
}

/** "2026-03-01". */
function day(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * What TLS each direction gets after the plan, from the values Postfix will use (`value`:
 * the final main.cf, $names expanded).
 */
export function tlsSummary(
  t: TlsPlan,
  input: Pick<TlsInput, 'a' | 'host' | 'receivesMail' | 'live'>,
  value: (n: string) => string,
): TlsSummary {
  const { a, host } = input;
  const level = value('smtp_tls_security_level') || (value('smtp_use_tls') === 'yes' ? 'may' : 'none');
  const ca = value('smtp_tls_CAfile') || value('smtp_tls_CApath');
  const caText = ca ? `; CA store ${ca}` : '';
  const floors = `protocols ${value('smtp_tls_protocols') || OPPORTUNISTIC_PROTOCOLS}, mandatory ${value('smtp_tls_mandatory_protocols') || '>=TLSv1'}`;
  let outbound: string;
  switch (level) {
    case 'may':
      outbound = `opportunistic TLS (may): encrypted when the receiver offers STARTTLS, else plain${caText}; ${floors}`;
      break;
    case 'dane':
      outbound =
        `DANE (dane): TLSA-authenticated TLS where the receiver's DNSSEC zone publishes TLSA records, else opportunistic; ` +
        `${daneAvailable(host) ? host.tls?.resolver.detail : 'NO validating resolver: acts as may'}${caText}; ${floors}`;
      break;
    case 'encrypt':
      outbound = a.relayhost
        ? `mandatory TLS (encrypt) to the relay host ${a.relayhost}${a.smtp_sasl ? ' (its login never crosses in clear)' : ''}; ${floors}`
        : `mandatory TLS (encrypt) to every destination: mail to receivers without STARTTLS waits; ${floors}`;
      break;
    case 'none':
      outbound = 'none: mail leaves in clear text';
      break;
    default:
      outbound = `${level} (smtp_tls_security_level)${caText}; ${floors}`;
  }
  let inbound: string;
  const certificate: string[] = [];
  if (!input.receivesMail) inbound = 'none: this role receives no mail (smtpd listens on loopback only)';
  else {
    const inLevel = value('smtpd_tls_security_level') || (value('smtpd_use_tls') === 'yes' ? 'may' : 'none');
    const c = t.certificate;
    if (inLevel === 'none' || !c) inbound = `no STARTTLS on port 25 (smtpd_tls_security_level = ${inLevel})`;
    else {
      inbound = `STARTTLS offered on port 25 (${inLevel}), never required; TLS logged at level ${value('smtpd_tls_loglevel') || '0'}`;
      certificate.push(`${SOURCE_WORDS[c.source]}: ${certFilePaths(c.files).join(', ')}`);
      if (c.create)
        certificate.push(
          input.live
            ? '  missing: make-ssl-cert generate-default-snakeoil (ssl-cert) makes it before anything is written'
            : '  missing: --root: it is made only on the live system (make-ssl-cert generate-default-snakeoil)',
        );
      const info = c.check?.certificate;
      if (info) {
        certificate.push(`  ${info.subject}${info.selfSigned ? ' (self-signed)' : `, issued by ${info.issuer}`}`);
        certificate.push(`  names: ${info.names.join(', ') || '(none)'}; valid until ${day(info.notAfter)}`);
      }
    }
  }
  const notes = [...t.notes];
  if (t.hook !== null)
    notes.push(
      `certbot's deploy hook ${CERTBOT_DEPLOY_HOOK} reloads Postfix after each renewal of /etc/letsencrypt/live/${t.hook}/ ` +
        '(running smtpd processes keep the old certificate until Postfix reloads)',
    );
  return { outbound, inbound, certificate, kept: [...t.kept], notes };
}
