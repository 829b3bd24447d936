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

/** One folder per apply: the files as they were, and a manifest. */
export const BACKUP_ROOT = '/var/backups/mailsetup';
/** Held while an apply or a rollback runs. */
export const LOCK_PATH = '/run/mailsetup.lock';
export const GENERIC_MAP = '/etc/postfix/generic';
/** Rotation of MAILLOG_FILE when Postfix logs to it itself (logging: file). */
export const LOGROTATE_DROPIN = '/etc/logrotate.d/postfix-maillog';
