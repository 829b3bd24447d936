/**
 * The smart-host password on a re-run: when the answers give none (the state file never holds
 * it, the wizard's "leave empty to keep the current password", `--role` alone), the password
 * stored in /etc/postfix/sasl_passwd is kept, byte for byte. It follows the relay host when only
 * the port or the brackets change; a different relay host never receives it: it needs its own
 * password, or an explicit override.
 */
import type { Answers } from '../model/answers.js';
import { SASL_PASSWD_MAP } from '../model/paths.js';
import { LookupTable } from '../postfix/lookupTable.js';
import { parseRelayhost } from '../postfix/validate.js';
import { AnswersInvalid } from '../roles/resolve.js';
import type { Resolved } from '../roles/role.js';
import type { State } from './state.js';

/** What the state file records instead of a password ("keep the stored one"). */
export const SECRET_PLACEHOLDER = '(secret)';

/** The override that sends the stored password to a new relay host. */
export const PASSWORD_REUSE_OVERRIDE = 'smarthost-password-reuse';

function hostOf(relayhost: string): string | null {
  try {
    return parseRelayhost(relayhost).host.toLowerCase();
  } catch {
    return null;
  }
}

/** Whether the answers ask to keep the stored password (none given, or the placeholder). */
export function keepsPassword(a: Pick<Answers, 'smtp_sasl'>): boolean {
  const s = a.smtp_sasl;
  return s !== undefined && (s.password === undefined || s.password === SECRET_PLACEHOLDER);
}

/**
 * `a` with the stored password filled in where the answers keep it; throws AnswersInvalid when
 * there is none to keep, or when it belonged to another relay host (unless overridden).
 */
export function withStoredPassword(
  a: Resolved,
  files: Readonly<Record<string, string | null>>,
  state: State | null,
): Resolved {
  if (!keepsPassword(a) || a.smtp_sasl === undefined) return a;
  const fail = (message: string): never => {
    throw new AnswersInvalid([{ key: 'smtp_sasl', message }]);
  };
  const recorded = Object.keys(state?.maps[SASL_PASSWD_MAP]?.keys ?? {});
  const oldKey = recorded[0] ?? state?.answers.relayhost ?? a.relayhost;
  const text = files[SASL_PASSWD_MAP] ?? null;
  let stored: string | undefined;
  try {
    stored = text === null ? undefined : LookupTable.parse(text).get(oldKey);
  } catch {
    stored = undefined;
  }
  const colon = stored?.indexOf(':') ?? -1;
  if ((stored === undefined || colon < 0) && a.smtp_sasl.password === SECRET_PLACEHOLDER) {
    // A state file (or an answers file made from one) handed to another host: it never held the password.
    return fail(
      `no password for ${a.relayhost} here: a state file never holds one ("${SECRET_PLACEHOLDER}"); ` +
        'give smtp_sasl.password_file, or type it in the wizard',
    );
  }
  if (stored === undefined || colon < 0) {
    return fail(
      `no stored password to keep (${SASL_PASSWD_MAP} has no login for ${oldKey || 'the relay host'}): ` +
        'give password or password_file',
    );
  }
  const oldHost = hostOf(oldKey);
  const newHost = hostOf(a.relayhost);
  if (oldHost !== newHost && !a.overrides.includes(PASSWORD_REUSE_OVERRIDE)) {
    return fail(
      `the relay host changed from ${oldKey} to ${a.relayhost}: the stored password was for ${oldHost ?? oldKey} ` +
        `and is not sent to another host; give the password for ${newHost ?? a.relayhost} (password or ` +
        `password_file), or override ${PASSWORD_REUSE_OVERRIDE} to send the stored one there`,
    );
  }
  // The bytes of the stored entry: its password, after the user name and the first ":".
  return { ...a, smtp_sasl: { ...a.smtp_sasl, password: stored.slice(colon + 1) } };
}
