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
  looksLikeTableRef,
  parseCidr,
  parseRelayhost,
  parseRestrictions,
  parseTableRef,
  parseTransportValue,
  validateDnsSupportLevel,
  validateInetInterfaces,
  validateInetProtocols,
  validateMynetworksStyle,
  validateNotifyClasses,
  validateProxyInterfaces,
  validateServiceName,
  ValidationError,
} from '../postfix/validate.js';
import type { HostFacts } from '../model/host.js';
import { quoteValue } from '../model/text.js';
import { validateAliasName } from '../postfix/aliases.js';
import { splitList } from '../postfix/lists.js';
import { validateLookupKey } from '../postfix/lookupTable.js';
import { commonDefaults, parentDomain } from './common.js';
import { cite, DOCS } from './docs.js';
import { isRoleId, roleModule } from './index.js';
import { answerParams, expandAnswer, expandItems, hasReference } from './params.js';
import type { AnswerContext, Resolved } from './role.js';
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
  // TLS is the host's: its certificate and its outbound policy stay when the role changes.
  'smtp_tls_security_level',
  'smtpd_tls_security_level',
  'smtpd_tls_chain_files',
  'smtpd_tls_cert_file',
  'smtpd_tls_key_file',
  'certbot_deploy_hook',
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

/** $mydomain or $myhostname, in any of the three forms Postfix expands: $name, ${name}, $(name). */
const ORIGIN_REFERENCE = /^\$(?:(mydomain|myhostname)|\{(mydomain|myhostname)\}|\((mydomain|myhostname)\))$/;

/** A file named in a TLS parameter: absolute, and nothing Postfix would split or expand. */
const TLS_FILE = /^\/[^\s,$]+$/;

function checkTlsFile(path: string, key: string): string | null {
  if (!TLS_FILE.test(path))
    return `${key}: "${path}" must be an absolute file path without spaces, commas or "$" (e.g. /etc/ssl/private/mail.pem)`;
  if (/(^|\/)\.\.?(\/|$)/.test(path)) return `${key}: "${path}" must not contain "." or ".." components`;
  return null;
}

/** Keys that describe how this host reaches the world: carried over to a new role that asks them. */
const LINK_KEYS: ReadonlySet<AnswerKey> = new Set<AnswerKey>([
  'fallback_relay',
  'defer_transports',
  'smtp_dns_support_level',
  'smtp_generic_maps',
]);

const LOCAL_NAME = /^[a-z_][a-z0-9_.-]*$/;

/** Domains without a dot that an address may name: this host itself, as Postfix knows it. */
export const LOCAL_DOMAINS = ['localhost'] as const;

/** The one single-label mydomain accepted: STANDARD_CONFIGURATION_README's "no real host name" solution. */
export const FANTASY_DOMAIN = 'localdomain';

export function present(v: AnswerValue): boolean {
  if (v === undefined) return false;
  if (typeof v === 'string') return v !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function trailingDot(name: string): string | null {
  if (!name.endsWith('.') || name.length < 2) return null;
  return (
    `${JSON.stringify(name)} ends with "." (the form of DNS zone files): Postfix refuses it in main.cf ` +
    `("valid_hostname: misplaced delimiter"); write ${name.slice(0, -1)}`
  );
}

/** A mail domain: a domain name with a dot, or localdomain (the document's fantasy domain). */
function checkMailDomain(name: string): string | null {
  if (name.toLowerCase() === FANTASY_DOMAIN) return null;
  const m = checkDomain(name);
  if (m === null) return null;
  return /needs at least one dot/.test(m)
    ? `${m} (a host without a real Internet name may use ${FANTASY_DOMAIN}: STANDARD_CONFIGURATION_README, ` +
        '"Postfix on hosts without a real Internet hostname")'
    : m;
}

/** A host name in a list of names (mydestination, relay_domains after expansion): one label allowed. */
function checkListName(name: string): string | null {
  return trailingDot(name) ?? checkHostname(name, { allowSingleLabel: true });
}

/** An address an alias or a virtual entry points to: user@domain (localhost too) or a local user. */
export function checkTarget(target: string, allowLocalUser: boolean): string | null {
  if (/^[|/]/.test(target) || /^:include:/i.test(target) || target.startsWith('"')) {
    return `${JSON.stringify(target)} is a command, a file, an include or a quoted name: give an address`;
  }
  if (!target.includes('@')) {
    if (allowLocalUser && LOCAL_NAME.test(target)) return null;
    return `${JSON.stringify(target)} is not an address (user@domain)${allowLocalUser ? ' nor a local user name' : ''}`;
  }
  return checkEmail(target, { singleLabelDomains: LOCAL_DOMAINS }) ?? checkAliasTarget(target);
}

/** The targets of one alias or virtual entry: addresses separated by commas. */
export function targetsOf(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** A key of the virtual or generic table: user@domain, @domain, or a bare local name. */
function checkAddressKey(key: string, allowBare: boolean): string | null {
  if (key.startsWith('@')) {
    const d = key.slice(1).toLowerCase();
    return d === FANTASY_DOMAIN || (LOCAL_DOMAINS as readonly string[]).includes(d) ? null : checkDomain(d);
  }
  if (!key.includes('@')) {
    if (allowBare && LOCAL_NAME.test(key)) return null;
    return `${JSON.stringify(key)} is not an address (user@domain or @domain)`;
  }
  if (key.startsWith('"')) return `${JSON.stringify(key)}: quoted names are not accepted here`;
  return checkEmail(key, { singleLabelDomains: [...LOCAL_DOMAINS, FANTASY_DOMAIN] });
}

/** One item of mynetworks: a network, a "!" exception, a /file or type:table, or a $name. */
function mynetworksItem(item: string): string {
  const neg = item.startsWith('!') ? '!' : '';
  const body = item.slice(neg.length);
  if (hasReference(body)) return item;
  try {
    return neg + parseCidr(body).postfix;
  } catch (e) {
    if (looksLikeTableRef(body)) return neg + parseTableRef(body).text;
    throw e;
  }
}

/** One literal item of mydestination: a host or domain name (one label allowed), /file or type:table. */
function mydestinationItem(item: string): string {
  if (hasReference(item)) return item;
  if (looksLikeTableRef(item)) return parseTableRef(item).text;
  const m = checkListName(item);
  if (m) throw new ValidationError(m);
  return item.toLowerCase();
}

/** Check one answer's value; returns the normalised value or a message. */
export function validateAnswer(
  key: AnswerKey,
  value: AnswerValue,
  role: RoleId,
  ctx?: AnswerContext,
): { value: AnswerValue } | { error: string } {
  const err = (message: string) => ({ error: message });
  const eachList = (items: string[], check: (s: string) => string | null): { value: string[] } | { error: string } => {
    for (const item of items) {
      const m = check(item);
      if (m) return err(m);
    }
    return { value: items };
  };
  const own = roleModule(role).checkAnswer?.(key, value, ctx);
  if (own) return err(own);
  // Expanded with the value under test in place of the current one.
  const expanded = (v: string): string =>
    ctx ? expandAnswer(v, { ...ctx.answers, [key]: value } as Resolved, ctx.host, key) : v;
  /**
   * A name (myhostname, mydomain, myorigin) with '$' expanded: one Postfix cannot expand is not a
   * valid name either, and the message says both.
   */
  const expandedName = (v: string, what: string): string => {
    try {
      return expanded(v);
    } catch (e) {
      const q = JSON.stringify(v);
      const prefix = `${q} cannot be expanded: `;
      if (e instanceof ValidationError && e.message.startsWith(prefix))
        throw new ValidationError(
          `${q} is not a valid ${what}: Postfix cannot expand it: ${e.message.slice(prefix.length)}`,
        );
      throw e;
    }
  };
  /** Each item with '$' expanded and checked by `check` (which throws or returns a message): the first problem. */
  const checkExpanded = (items: string[], check: (x: string) => string | null | void): string | null => {
    if (!ctx || !items.some(hasReference)) return null;
    for (const { item, values } of expandItems(items, { ...ctx.answers, [key]: value } as Resolved, ctx.host, key)) {
      if (!hasReference(item)) continue;
      for (const x of values) {
        let m: string | null | void;
        try {
          m = check(x);
        } catch (e) {
          m = (e as Error).message;
        }
        if (m) return `in ${JSON.stringify(item)}: ${m}`;
      }
    }
    return null;
  };
  try {
    switch (key) {
      case 'myhostname': {
        const v = value as string;
        if (!ctx && hasReference(v)) return { value: v }; // expanded and checked when resolved
        const m = trailingDot(v) ?? checkHostname(hasReference(v) ? expandedName(v, 'host name') : v);
        return m ? err(m) : { value: hasReference(v) ? v : v.toLowerCase() };
      }
      case 'mydomain': {
        const v = value as string;
        if (!ctx && hasReference(v)) return { value: v }; // expanded and checked when resolved
        const m = trailingDot(v) ?? checkMailDomain(hasReference(v) ? expandedName(v, 'domain name') : v);
        return m ? err(m) : { value: hasReference(v) ? v : v.toLowerCase() };
      }
      case 'myorigin': {
        const v = value as string;
        if (!ctx && hasReference(v)) return { value: v }; // expanded and checked when resolved
        if (ORIGIN_REFERENCE.test(v)) return { value: v };
        const m = trailingDot(v) ?? checkMailDomain(hasReference(v) ? expandedName(v, 'domain name') : v);
        return m ? err(`${m} (or use $mydomain or $myhostname)`) : { value: hasReference(v) ? v : v.toLowerCase() };
      }
      case 'relayhost': {
        const v = value as string;
        if (v === '') return { value: '' };
        // A $name is expanded by Postfix: only the names that hold this host's names are a host
        // (the loop check then expands them); $config_directory and the like are nonsense here.
        const ref = /\$[{(]?([A-Za-z0-9_]+)/.exec(v)?.[1];
        if (ref !== undefined && !RELAYHOST_REFERENCES.has(ref)) {
          return err(
            `${quoteValue(v)}: $${ref} is not a host name; a relay host may name $mydomain, $myhostname or $mydestination`,
          );
        }
        // A service name is looked up by Postfix in /etc/services: only the mail ports are taken.
        const portProblem = (r: ReturnType<typeof parseRelayhost>) =>
          typeof r.port === 'string' && !RELAYHOST_SERVICES.has(r.port.toLowerCase())
            ? `${quoteValue(v)}: port ${quoteValue(r.port)} is not a mail service name (smtp, submission, smtps, submissions); give the number`
            : null;
        if (hasReference(v)) {
          // Without the other answers (a state file's ledger) the expansion is checked later,
          // when the answers are resolved for a plan.
          if (!ctx) return { value: v };
          // $mydestination expands to a list: each of its items is checked (and the mail-loop rule
          // then refuses a relay host that is one of this host's own destinations).
          for (const x of expanded(v)
            .split(/[\s,]+/)
            .filter((i) => i !== '')) {
            const pm = portProblem(parseRelayhost(x));
            if (pm) return err(pm);
          }
          return { value: v };
        }
        const r = parseRelayhost(v);
        const pm = portProblem(r);
        return pm ? err(pm) : { value: r.form };
      }
      case 'fallback_relay': {
        const items = value as string[];
        for (const i of items) if (!hasReference(i)) parseRelayhost(i);
        const m = checkExpanded(items, (x) => void parseRelayhost(x));
        if (m) return err(m);
        return { value: items.map((i) => (hasReference(i) ? i : parseRelayhost(i).form)) };
      }
      case 'mynetworks': {
        const items = (value as string[]).map(mynetworksItem);
        const m = checkExpanded(items, (x) => void mynetworksItem(x));
        return m ? err(m) : { value: items };
      }
      case 'mynetworks_style':
        return { value: validateMynetworksStyle(value as string) };
      case 'mydestination': {
        const items = (value as string[]).map(mydestinationItem);
        const m = checkExpanded(items, (x) => void mydestinationItem(x));
        return m ? err(m) : { value: items };
      }
      case 'relay_domains': {
        const items = value as string[];
        const literal = items.filter((d) => !hasReference(d) && !looksLikeTableRef(d)).map((d) => d.toLowerCase());
        for (const d of literal) {
          const m = trailingDot(d) ?? checkDomain(d);
          if (m) return err(m);
        }
        for (const t of items.filter((d) => !hasReference(d) && looksLikeTableRef(d))) parseTableRef(t);
        const m = checkExpanded(items, (x) => (looksLikeTableRef(x) ? null : checkListName(x)));
        if (m) return err(m);
        return { value: items.map((d) => (hasReference(d) || looksLikeTableRef(d) ? d : d.toLowerCase())) };
      }
      case 'transport': {
        const out: Record<string, string> = {};
        for (const [domain, hop] of Object.entries(value as Record<string, string>)) {
          const d = domain.toLowerCase();
          if (d !== '*') {
            const m = checkDomain(d.startsWith('.') ? d.slice(1) : d);
            if (m) return err(m);
          }
          const t = parseTransportValue(hop);
          if (t.nexthop?.includes('$')) {
            return err(
              `${domain}: ${quoteValue(hop)}: transport(5) does not expand $names (Postfix would look up a host ` +
                `named ${quoteValue(t.nexthop)}): write the host name`,
            );
          }
          if ((t.transport === 'relay' || t.transport === 'smtp' || t.transport === 'lmtp') && !t.nexthop) {
            return err(
              `${domain}: "${hop}" names no next hop (write e.g. relay:[mail.${d === '*' ? 'example.com' : d}])`,
            );
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
      case 'proxy_interfaces': {
        const v = splitList(validateProxyInterfaces((value as string[]).join(', ')));
        const m = checkExpanded(v, (x) => void validateProxyInterfaces(x));
        return m ? err(m) : { value: v };
      }
      case 'inet_interfaces': {
        const v = validateInetInterfaces(value as string);
        const names = splitList(hasReference(v) ? validateInetInterfaces(expanded(v)) : v);
        const ifaces = new Map<string, string[]>();
        for (const a of ctx?.host.addresses ?? []) ifaces.set(a.iface, [...(ifaces.get(a.iface) ?? []), a.address]);
        const iface = names.find((n) => ifaces.has(n));
        if (iface !== undefined) {
          return err(
            `"${iface}" is the name of a network interface, not an address: inet_interfaces wants its addresses ` +
              `(${(ifaces.get(iface) ?? []).join(', ')}) or host names${cite(DOCS.inetInterfacesAddresses)}`,
          );
        }
        return { value: v };
      }
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
        const m = checkEmail(v, { singleLabelDomains: LOCAL_DOMAINS }) ?? checkAliasTarget(v);
        return m ? err(m) : { value: v };
      }
      case 'aliases': {
        const out: Record<string, string> = {};
        for (const [name, targets] of Object.entries(value as Record<string, string>)) {
          const n = name.toLowerCase();
          validateAliasName(n);
          if (!LOCAL_NAME.test(n)) return err(`alias name ${JSON.stringify(name)} is not a local name`);
          if (n === 'postmaster' || n === 'root')
            return err(`${n}: its alias comes from the postmaster answer (the address of a person)`);
          const list = targetsOf(targets);
          if (list.length === 0) return err(`${name}: no address`);
          for (const t of list) {
            const m = checkTarget(t, true);
            if (m) return err(`${name}: ${m}`);
          }
          out[n] = list.join(', ');
        }
        return { value: out };
      }
      case 'virtual': {
        const out: Record<string, string> = {};
        for (const [addr, targets] of Object.entries(value as Record<string, string>)) {
          const k = addr.toLowerCase();
          const mk = checkAddressKey(k, true);
          if (mk) return err(mk);
          const list = targetsOf(targets);
          if (list.length === 0) return err(`${addr}: no address`);
          for (const t of list) {
            const m = checkTarget(t, true);
            if (m) return err(`${addr}: ${m}`);
          }
          out[k] = list.join(', ');
        }
        return { value: out };
      }
      case 'smtp_generic_maps': {
        const out: Record<string, string> = {};
        for (const [addr, target] of Object.entries(value as Record<string, string>)) {
          const k = addr.toLowerCase();
          const mk = checkAddressKey(k, false);
          if (mk) return err(mk);
          const m = checkEmail(target.trim());
          if (m) return err(`${addr}: ${m} (the Internet address mail from ${addr} is sent as)`);
          out[k] = target.trim();
        }
        return { value: out };
      }
      case 'smtpd_recipient_restrictions':
        return { value: parseRestrictions(value as string[]) };
      case 'defer_transports':
        return { value: (value as string[]).map((t) => validateServiceName(t)) };
      case 'smtp_dns_support_level':
        return { value: validateDnsSupportLevel(value as string) };
      case 'chroot':
        return typeof value === 'boolean' ? { value } : err('expected true or false');
      case 'logging': {
        if (value !== 'syslog' && value !== 'file') return err('expected syslog or file');
        const host = ctx?.host;
        if (value === 'syslog' && host && !host.rsyslog) {
          const chroot = ctx?.answers.chroot !== false;
          if (chroot || !host.systemd) {
            const where = chroot
              ? ': the chrooted Postfix daemons log to /var/spool/postfix/dev/log and nothing listens there'
              : '';
            return err(
              `no syslog daemon here (rsyslog is not installed)${where}; answer logging: file (Postfix's own ` +
                `maillog_file, rotated by logrotate)${cite(DOCS.chrootSyslog)}`,
            );
          }
        }
        return { value };
      }
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
      case 'smtp_tls_security_level': {
        const v = (value as string).toLowerCase();
        if (v === 'may' || v === 'dane' || v === 'encrypt') return { value: v };
        if (v === 'none')
          return err(
            'none sends every message in clear: leave it out for opportunistic TLS (may), which falls back to clear text by itself',
          );
        return err(
          `"${value as string}" is not one mailsetup sets: may (opportunistic), dane (DNSSEC) or encrypt (mandatory); ` +
            'per-destination policies (verify, secure, dane-only) belong in smtp_tls_policy_maps',
        );
      }
      case 'smtpd_tls_security_level': {
        const v = (value as string).toLowerCase();
        if (v === 'may' || v === 'none') return { value: v };
        if (v === 'encrypt')
          return err(
            'never encrypt on port 25: a public MX must accept mail from senders without TLS (RFC 3207); ' +
              'use may (STARTTLS offered, never required)',
          );
        return err(`"${value as string}": expected may (STARTTLS offered) or none`);
      }
      case 'smtpd_tls_chain_files':
        return eachList(value as string[], (f) => checkTlsFile(f, key));
      case 'smtpd_tls_cert_file':
      case 'smtpd_tls_key_file': {
        const m = checkTlsFile(value as string, key);
        return m ? err(m) : { value };
      }
      case 'certbot_deploy_hook':
        return typeof value === 'boolean' ? { value } : err('expected true or false');
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
export function checkAnswer(key: AnswerKey, value: AnswerValue, role: RoleId, ctx?: AnswerContext): string | null {
  if (!present(value) && typeof value !== 'boolean') {
    if (roleModule(role).required.includes(key)) return requiredMessage(key, role);
    return NEVER_EMPTY.has(key) ? EMPTY_MESSAGE : null;
  }
  if (typeof value === 'string') {
    const m = checkPlainValue(value, key);
    if (m) return m;
  }
  const r = validateAnswer(key, value, role, ctx);
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
  return validateResolved(merged, host, given);
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
  // What both roles ask, where the current value is not just the current role's default (a
  // mail server's mydestination with $mydomain is its role's, not an answer to keep on a backup MX).
  const oldDefaults: Partial<Answers> =
    opts.keepShared && currentRole !== null && isRoleId(currentRole) && !sameRole
      ? withDefaults({ role: currentRole }, host)
      : {};
  const shared = new Set<AnswerKey>(
    opts.keepShared && currentRole !== null && isRoleId(currentRole)
      ? roleModule(currentRole)
          .keys.filter((k) => role.keys.includes(k))
          .filter((k) => sameRole || JSON.stringify(current[k]) !== JSON.stringify(oldDefaults[k]))
      : [],
  );
  const carried: Partial<Answers> = {};
  for (const [k, v] of Object.entries(current) as Array<[AnswerKey, AnswerValue]>) {
    if (k === ('role' as string) || v === undefined) continue;
    // An empty value found where one is needed (`inet_interfaces =` by hand): the default instead.
    if (NEVER_EMPTY.has(k) && !present(v)) continue;
    if (sameRole || HOST_KEYS.has(k) || shared.has(k) || (LINK_KEYS.has(k) && role.keys.includes(k)))
      (carried as Record<string, unknown>)[k] = v;
  }
  const identity: Resolved = { ...base, ...carried, ...stripUndefined(given), role: given.role } as Resolved;
  // Given only mydomain on a host whose name has no dot, Postfix itself uses name.mydomain.
  if (
    given.myhostname === undefined &&
    carried.myhostname === undefined &&
    !host.fqdn.includes('.') &&
    host.fqdn !== '' &&
    typeof given.mydomain === 'string' &&
    given.mydomain !== ''
  ) {
    identity.myhostname = `${host.fqdn}.${given.mydomain}`.toLowerCase();
  }
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
  merged.myhostname = identity.myhostname;
  merged.mydomain = identity.mydomain;
  // mynetworks or mynetworks_style: the one given wins over a carried or default other.
  const styleGiven = present(given.mynetworks_style);
  const netsGiven = present(given.mynetworks);
  if (present(merged.mynetworks_style) && !netsGiven) merged.mynetworks = [];
  else if (!present(merged.mynetworks_style) || (netsGiven && !styleGiven)) delete merged.mynetworks_style;
  return merged;
}

/** Validate complete answers; throws AnswersInvalid listing every problem. */
export function validateResolved(input: Resolved, host: HostFacts, given: Partial<Answers> = {}): Resolved {
  const merged: Resolved = { ...input, overrides: [...(input.overrides ?? [])] };
  const role = roleModule(merged.role);
  const problems: AnswerProblem[] = [];
  const ctx: AnswerContext = { answers: input, host };
  // The host's identity first: a value that refers to an invalid one ($myhostname) is not
  // refused a second time for it.
  const failed = new Set<string>();
  const order = (k: string) => (['myhostname', 'mydomain', 'myorigin'].includes(k) ? 0 : 1);
  const entries = (Object.entries(merged) as Array<[keyof Answers, AnswerValue]>).sort(
    ([a], [b]) => order(a) - order(b),
  );
  for (const [k, v] of entries) {
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
    const refersToFailed = [...referencedNames(v, input, host)].some((n) => failed.has(n));
    const r = validateAnswer(k as AnswerKey, v, merged.role, refersToFailed ? undefined : ctx);
    if ('error' in r) {
      failed.add(k);
      problems.push({ key: k, message: explainDerived(k, r.error, given, host) });
    } else (merged as unknown as Record<string, unknown>)[k] = r.value;
  }
  problems.sort((a, b) => Object.keys(merged).indexOf(a.key) - Object.keys(merged).indexOf(b.key));
  for (const k of role.required) {
    if (present(merged[k])) continue;
    if (k === 'relayhost' && merged.overrides.includes('null-client-direct')) continue;
    if (k === 'mynetworks' && present(merged.mynetworks_style)) continue;
    problems.push({ key: k, message: requiredMessage(k, merged.role) });
  }
  if (present(merged.mynetworks_style) && present(merged.mynetworks)) {
    problems.push({
      key: 'mynetworks_style',
      message: `give mynetworks or mynetworks_style, not both${cite(DOCS.mynetworksIgnoresStyle)}`,
    });
  }
  if (merged.smtp_sasl && merged.relayhost === '') {
    problems.push({ key: 'smtp_sasl', message: 'a smart host login needs a relayhost' });
  }
  problems.push(...tlsProblems(merged));
  if (problems.length) throw new AnswersInvalid(problems);
  return merged;
}

/** The TLS answers that only make sense together (or not at all together). */
function tlsProblems(a: Resolved): AnswerProblem[] {
  const out: AnswerProblem[] = [];
  const chain = (a.smtpd_tls_chain_files ?? []).length > 0;
  if (chain && (a.smtpd_tls_cert_file || a.smtpd_tls_key_file))
    out.push({
      key: 'smtpd_tls_chain_files',
      message: 'give smtpd_tls_chain_files or smtpd_tls_cert_file/smtpd_tls_key_file, not both',
    });
  if (a.smtpd_tls_key_file && !a.smtpd_tls_cert_file)
    out.push({ key: 'smtpd_tls_key_file', message: 'needs smtpd_tls_cert_file: the certificate the key belongs to' });
  return out;
}

/** The parameter names a value refers to, directly or through the parameters these answers write. */
function referencedNames(value: AnswerValue, a: Resolved, host: HostFacts): Set<string> {
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(' ') : '';
  const out = new Set<string>();
  if (!hasReference(text)) return out;
  const params = answerParams(a, host);
  const todo = [text];
  while (todo.length > 0) {
    for (const m of (todo.pop() as string).matchAll(/\$[{(]?([A-Za-z0-9_]+)/g)) {
      if (out.has(m[1])) continue;
      out.add(m[1]);
      if (params[m[1]] !== undefined) todo.push(params[m[1]]);
    }
  }
  return out;
}

/**
 * A problem with a value the user never typed says where it came from: a host name taken from
 * `hostname --fqdn`, a domain derived from the host name.
 */
function explainDerived(key: keyof Answers, message: string, given: Partial<Answers>, host: HostFacts): string {
  if (key === 'myhostname' && given.myhostname === undefined) {
    return (
      `${message} (it is this host's name, from hostname --fqdn: give myhostname, or mydomain and Postfix uses ` +
      `${host.fqdn.split('.')[0] || 'name'}.<mydomain>${cite(DOCS.myhostnameFqdn)})`
    );
  }
  if (key === 'mydomain' && given.mydomain === undefined) {
    return `${message} (derived from myhostname: give mydomain)`;
  }
  return message;
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
      return 'required: the networks allowed to relay (at least 127.0.0.0/8), or mynetworks_style';
    default:
      return 'required';
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
