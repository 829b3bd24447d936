/**
 * From partial answers to complete, validated ones: defaults from the host, the current
 * configuration (on a re-run) and the role, then a check of every value. The plan is never built
 * from an answer that failed here.
 */
import {
  checkAliasTarget,
  checkDomain,
  checkEmail,
  checkHostname,
  checkPlainValue,
  parseCidr,
  parseRelayhost,
  parseTransportValue,
  validateInetInterfaces,
  validateInetProtocols,
  validateNotifyClasses,
  validateProxyInterfaces,
} from '../postfix/validate.js';
import type { HostFacts } from '../model/host.js';
import { quoteValue } from '../model/text.js';
import { splitList } from '../postfix/lists.js';
import { validateLookupKey } from '../postfix/lookupTable.js';
import { commonDefaults, parentDomain } from './common.js';
import { isRoleId, roleModule } from './index.js';
import type { Resolved } from './role.js';
import type { AnswerKey, Answers, AnswerValue, RoleId } from '../model/answers.js';

/** One invalid answer: the key and the exact reason. */
export interface AnswerProblem {
  key: keyof Answers;
  message: string;
}

export class AnswersInvalid extends Error {
  constructor(public readonly problems: AnswerProblem[]) {
    super(problems.map((p) => `${p.key}: ${p.message}`).join('\n'));
  }
}

/** Keys whose current value carries over when the role changes (they describe the host, not the role). */
const HOST_KEYS: ReadonlySet<AnswerKey> = new Set<AnswerKey>([
  'myhostname',
  'mydomain',
  'myorigin',
  'postmaster',
  'inet_protocols',
  'notify_classes',
  'chroot',
  'logging',
  'proxy_interfaces',
]);

/** The $names a relayhost answer may hold. */
const RELAYHOST_REFERENCES: ReadonlySet<string> = new Set(['mydomain', 'myhostname', 'mydestination', 'myorigin']);
/** The service names a relayhost answer's port may be. */
const RELAYHOST_SERVICES: ReadonlySet<string> = new Set(['smtp', 'submission', 'smtps', 'submissions']);

/** Non-throwing validateLookupKey: its message, or null. */
function checkLookupKey(key: string): string | null {
  try {
    validateLookupKey(key);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Keys that always have a value: an empty answer is refused (an answers file leaves the key out
 * to take its default), since Postfix's own tools fail on `myhostname =` and the like.
 */
export const NEVER_EMPTY: ReadonlySet<AnswerKey> = new Set<AnswerKey>([
  'myhostname',
  'mydomain',
  'myorigin',
  'inet_interfaces',
  'inet_protocols',
  'postmaster',
  'logging',
]);

const EMPTY_MESSAGE = 'cannot be empty (leave it out to take the default)';

const LOCAL_NAME = /^[a-z_][a-z0-9_.-]*$/;

/** $mydomain or $myhostname, in any of the three forms Postfix expands: $name, ${name}, $(name). */
const ORIGIN_REFERENCE = /^\$(?:(mydomain|myhostname)|\{(mydomain|myhostname)\}|\((mydomain|myhostname)\))$/;

function present(v: AnswerValue): boolean {
  if (v === undefined) return false;
  if (typeof v === 'string') return v !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Check one answer's value; returns the normalised value or a message. */
export function validateAnswer(
  key: AnswerKey,
  value: AnswerValue,
  role: RoleId,
): { value: AnswerValue } | { error: string } {
  const err = (message: string) => ({ error: message });
  const eachList = (items: string[], check: (s: string) => string | null): { value: string[] } | { error: string } => {
    for (const item of items) {
      const m = check(item);
      if (m) return err(m);
    }
    return { value: items };
  };
  const own = roleModule(role).checkAnswer?.(key, value);
  if (own) return err(own);
  try {
    switch (key) {
      case 'myhostname': {
        const m = checkHostname(value as string);
        return m ? err(m) : { value: (value as string).toLowerCase().replace(/\.$/, '') };
      }
      case 'mydomain': {
        const m = checkDomain(value as string);
        return m ? err(m) : { value: (value as string).toLowerCase().replace(/\.$/, '') };
      }
      case 'myorigin': {
        const v = value as string;
        if (ORIGIN_REFERENCE.test(v)) return { value: v };
        const m = checkDomain(v);
        return m ? err(`${m} (or use $mydomain or $myhostname)`) : { value: v.toLowerCase() };
      }
      case 'relayhost': {
        const v = value as string;
        if (v === '') return { value: '' };
        const r = parseRelayhost(v);
        // A $name is expanded by Postfix: only the names that hold this host's names are a host
        // (the loop check then expands them); $config_directory and the like are nonsense here.
        const ref = /^\$[{(]?([A-Za-z0-9_]+)/.exec(r.host)?.[1];
        if (ref !== undefined && !RELAYHOST_REFERENCES.has(ref)) {
          return err(
            `${quoteValue(v)}: $${ref} is not a host name; a relay host may name $mydomain, $myhostname or $mydestination`,
          );
        }
        // A service name is looked up by Postfix in /etc/services: only the mail ports are taken.
        if (typeof r.port === 'string' && !RELAYHOST_SERVICES.has(r.port.toLowerCase())) {
          return err(
            `${quoteValue(v)}: port ${quoteValue(r.port)} is not a mail service name (smtp, submission, smtps, submissions); give the number`,
          );
        }
        return { value: r.form };
      }
      case 'mynetworks':
        return { value: (value as string[]).map((c) => parseCidr(c).postfix) };
      case 'relay_domains':
        return eachList(
          (value as string[]).map((d) => d.toLowerCase()),
          checkDomain,
        );
      case 'transport': {
        const out: Record<string, string> = {};
        for (const [domain, hop] of Object.entries(value as Record<string, string>)) {
          const d = domain.toLowerCase();
          const m = checkDomain(d.startsWith('.') ? d.slice(1) : d);
          if (m) return err(m);
          const t = parseTransportValue(hop);
          if (t.nexthop?.includes('$')) {
            return err(
              `${domain}: ${quoteValue(hop)}: transport(5) does not expand $names (Postfix would look up a host ` +
                `named ${quoteValue(t.nexthop)}): write the host name`,
            );
          }
          if ((t.transport === 'relay' || t.transport === 'smtp' || t.transport === 'lmtp') && !t.nexthop) {
            return err(`${domain}: "${hop}" names no next hop (write e.g. relay:[mail.${d}])`);
          }
          out[d] = hop;
        }
        return { value: out };
      }
      case 'relay_recipients':
        // Each is a key of relay_recipients(5): an address the table cannot hold (a "#" that
        // would make the line a comment, a quoted space) is refused here, not when it is written.
        return eachList(value as string[], (r) =>
          r.startsWith('@') ? checkDomain(r.slice(1)) : (checkEmail(r) ?? checkLookupKey(r.toLowerCase())),
        );
      case 'proxy_interfaces':
        return { value: splitList(validateProxyInterfaces((value as string[]).join(', '))) };
      case 'inet_interfaces':
        return { value: validateInetInterfaces(value as string) };
      case 'inet_protocols':
        return { value: validateInetProtocols(value as string) };
      case 'notify_classes':
        return { value: splitList(validateNotifyClasses((value as string[]).join(', '))) };
      case 'postmaster': {
        const v = value as string;
        if (!v.includes('@')) {
          return LOCAL_NAME.test(v)
            ? { value: v }
            : err(`${quoteValue(v)} is neither an address (user@domain) nor a local user name`);
        }
        // An address that aliases(5) would read as a command, a file or an include is refused
        // whatever its quoting: mail to root and postmaster would run it.
        const m = checkEmail(v) ?? checkAliasTarget(v);
        return m ? err(m) : { value: v };
      }
      case 'chroot':
        return typeof value === 'boolean' ? { value } : err('expected true or false');
      case 'logging':
        return value === 'syslog' || value === 'file' ? { value } : err('expected syslog or file');
      case 'smtp_sasl': {
        const s = value as Answers['smtp_sasl'];
        if (!s) return { value };
        const m =
          checkPlainValue(s.username, 'smtp_sasl.username') ??
          (s.password !== undefined ? checkPlainValue(s.password, 'smtp_sasl.password') : null);
        if (m) return err(m);
        if (/[\s:]/.test(s.username)) return err('smtp_sasl.username: must not contain whitespace or ":"');
        if (s.password !== undefined && /\s$/.test(s.password)) {
          return err(
            'smtp_sasl.password ends with whitespace, which postmap strips from the map: Postfix would send a ' +
              'different password than the one tested (remove it, or choose another password)',
          );
        }
        return { value };
      }
      case 'overrides':
        // Which ids exist is the linter's to say (src/plan/lint/): checked when the plan is made.
        return { value };
    }
  } catch (e) {
    return err((e as Error).message);
  }
}

/**
 * One answer as its question in the wizard and the answers file (validateResolved) check it: an
 * empty value where the role needs one or the key never is empty, a control character, then
 * the value itself. null when it is valid.
 */
export function checkAnswer(key: AnswerKey, value: AnswerValue, role: RoleId): string | null {
  if (!present(value) && typeof value !== 'boolean') {
    if (roleModule(role).required.includes(key)) return requiredMessage(key, role);
    return NEVER_EMPTY.has(key) ? EMPTY_MESSAGE : null;
  }
  if (typeof value === 'string') {
    const m = checkPlainValue(value, key);
    if (m) return m;
  }
  const r = validateAnswer(key, value, role);
  return 'error' in r ? r.error : null;
}

/**
 * Complete and validate answers for `role`. `current` holds the values found on the machine
 * (state file or recognised configuration) and `currentRole` their role.
 */
export function resolveAnswers(
  given: Partial<Answers> & { role: RoleId },
  host: HostFacts,
  current: Partial<Answers> = {},
  currentRole: RoleId | 'custom' | null = null,
): Resolved {
  const merged = withDefaults(given, host, current, currentRole);
  return validateResolved(merged);
}

/** How withDefaults() treats the current values on a role change. */
export interface DefaultsOptions {
  /**
   * The wizard: what both roles ask keeps its current value (it is shown, and can be changed),
   * as well as what describes the host. Without it (an answers file) only the host's keys carry
   * over, so that switching roles and back gives the same files.
   */
  keepShared?: boolean;
}

/** The answers with every default filled in, not yet validated (the wizard's starting values). */
export function withDefaults(
  given: Partial<Answers> & { role: RoleId },
  host: HostFacts,
  current: Partial<Answers> = {},
  currentRole: RoleId | 'custom' | null = null,
  opts: DefaultsOptions = {},
): Resolved {
  const role = roleModule(given.role);
  const base = commonDefaults(host);
  const sameRole = currentRole === given.role;
  const shared = new Set<AnswerKey>(
    opts.keepShared && currentRole !== null && isRoleId(currentRole)
      ? roleModule(currentRole).keys.filter((k) => role.keys.includes(k))
      : [],
  );
  const carried: Partial<Answers> = {};
  for (const [k, v] of Object.entries(current) as Array<[AnswerKey, AnswerValue]>) {
    if (k === ('role' as string) || v === undefined) continue;
    // An empty value found where one is needed (`inet_interfaces =` by hand): the default instead.
    if (NEVER_EMPTY.has(k) && !present(v)) continue;
    if (sameRole || HOST_KEYS.has(k) || shared.has(k)) (carried as Record<string, unknown>)[k] = v;
  }
  const identity: Resolved = { ...base, ...carried, ...stripUndefined(given), role: given.role } as Resolved;
  // mydomain follows myhostname unless it was given or set apart from it before.
  if (given.mydomain === undefined) {
    const keptDomain = carried.mydomain !== undefined && carried.myhostname === identity.myhostname;
    // (An empty host name is refused on its own; the domain then comes from the host's name.)
    identity.mydomain = keptDomain
      ? (carried.mydomain as string)
      : parentDomain(identity.myhostname || base.myhostname);
  }
  const roleDefaults = role.defaults(host, identity);
  const merged: Resolved = {
    ...base,
    ...roleDefaults,
    ...carried,
    ...stripUndefined(given),
    role: given.role,
  } as Resolved;
  merged.mydomain = identity.mydomain;
  return merged;
}

/** Validate complete answers; throws AnswersInvalid listing every problem. */
export function validateResolved(input: Resolved): Resolved {
  const merged: Resolved = { ...input, overrides: [...(input.overrides ?? [])] };
  const role = roleModule(merged.role);
  const problems: AnswerProblem[] = [];
  for (const [k, v] of Object.entries(merged) as Array<[keyof Answers, AnswerValue]>) {
    if (k === 'role') continue;
    if (typeof v === 'string') {
      const m = checkPlainValue(v, k);
      if (m) {
        problems.push({ key: k, message: m });
        continue;
      }
    }
    if (v !== undefined && !present(v) && NEVER_EMPTY.has(k as AnswerKey) && !role.required.includes(k as AnswerKey)) {
      problems.push({ key: k, message: EMPTY_MESSAGE });
      continue;
    }
    if (v === undefined || (!present(v) && typeof v !== 'boolean')) continue;
    const r = validateAnswer(k as AnswerKey, v, merged.role);
    if ('error' in r) problems.push({ key: k, message: r.error });
    else (merged as unknown as Record<string, unknown>)[k] = r.value;
  }
  for (const k of role.required) {
    if (present(merged[k])) continue;
    if (k === 'relayhost' && merged.overrides.includes('null-client-direct')) continue;
    problems.push({ key: k, message: requiredMessage(k, merged.role) });
  }
  if (merged.smtp_sasl && merged.relayhost === '') {
    problems.push({ key: 'smtp_sasl', message: 'a smart host login needs a relayhost' });
  }
  if (problems.length) throw new AnswersInvalid(problems);
  return merged;
}

function requiredMessage(key: AnswerKey, role: RoleId): string {
  switch (key) {
    case 'relayhost':
      return 'required for a null client: the host all mail is sent through, e.g. [smtp.example.net]:587 (override null-client-direct to send directly)';
    case 'postmaster':
      return 'required: the address of a person who reads mail for postmaster and root';
    case 'relay_domains':
      return role === 'backup-mx'
        ? 'required: the domain(s) this host is a backup MX for'
        : 'required: the inside domain(s) this gateway accepts mail for';
    case 'transport':
      return 'required: the inside mail host for each domain, e.g. example.com: relay:[mail.inside.example.com]';
    case 'mynetworks':
      return 'required: the networks allowed to relay (at least 127.0.0.0/8)';
    default:
      return 'required';
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
