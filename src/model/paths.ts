/**
 * The system paths mailsetup reads and writes. Always the live system's names: under --root the
 * system layer maps them into the sandbox (Effects.resolve).
 */

export const POSTFIX_DIR = '/etc/postfix';
export const MAIN_CF = '/etc/postfix/main.cf';
export const MASTER_CF = '/etc/postfix/master.cf';
export const ALIASES = '/etc/aliases';
export const MAILNAME = '/etc/mailname';
export const RSYSLOG_DROPIN = '/etc/rsyslog.d/postfix.conf';
export const MAILLOG_FILE = '/var/log/postfix.log';
/** mailsetup's ownership ledger (src/plan/state.ts). */
export const STATE_PATH = '/etc/postfix/mailsetup.yaml';

export const TRANSPORT_MAP = '/etc/postfix/transport';
export const RELAY_RECIPIENTS_MAP = '/etc/postfix/relay_recipients';
export const VIRTUAL_MAP = '/etc/postfix/virtual';
export const SASL_PASSWD_MAP = '/etc/postfix/sasl_passwd';

/** TLS: Debian's snakeoil certificate (ssl-cert). */
export const SNAKEOIL_CERT = '/etc/ssl/certs/ssl-cert-snakeoil.pem';
export const SNAKEOIL_KEY = '/etc/ssl/private/ssl-cert-snakeoil.key';
/** The system CA store (ca-certificates). */
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** certbot's live lineages. */
export const LETSENCRYPT_LIVE = '/etc/letsencrypt/live';
/** The deploy hook mailsetup writes: certbot runs it after each renewal. */
export const CERTBOT_DEPLOY_HOOK = '/etc/letsencrypt/renewal-hooks/deploy/mailsetup-postfix-reload';

/** One folder per apply: the files as they were, and a manifest. */
export const BACKUP_ROOT = '/var/backups/mailsetup';
/** Held while an apply or a rollback runs. */
export const LOCK_PATH = '/run/mailsetup.lock';

/** Rotation of MAILLOG_FILE when Postfix logs to it itself (logging: file). */
export const LOGROTATE_DROPIN = '/etc/logrotate.d/postfix-maillog';
/** smtp_generic_maps: local addresses rewritten to Internet ones on the way out. */
export const GENERIC_MAP = '/etc/postfix/generic';

/** The lookup tables mailsetup writes (each postmap'd into a database beside it). */
export const MAP_PATHS = [TRANSPORT_MAP, RELAY_RECIPIENTS_MAP, VIRTUAL_MAP, SASL_PASSWD_MAP, GENERIC_MAP] as const;

/**
 * Every file mailsetup reads to plan, and the only files it ever writes (with their databases):
 * the state file and a backup's manifest name no other path.
 */
export const PLANNED_PATHS = [
  MAIN_CF,
  MASTER_CF,
  ALIASES,
  MAILNAME,
  RSYSLOG_DROPIN,
  STATE_PATH,
  ...MAP_PATHS,
  CERTBOT_DEPLOY_HOOK,
  LOGROTATE_DROPIN,
] as const;
