/**
 * The answers schema: parsing an answers file (YAML), type checks that name the key, and the
 * merge of answers from several sources. Value checks (host names, CIDR, …) live in
 * src/roles/resolve.ts; this file only says whether the document has the right shape.
 */
import { isScalar, parseDocument, visit, type Document } from 'yaml';
import { splitList } from '../postfix/lists.js';
import type { Answers, SaslAnswers } from '../model/answers.js';
import { quoteValue } from '../model/text.js';
import { readBlockYaml } from './blockYaml.js';
import { isRoleId, ROLE_IDS, roleIdList } from './index.js';

export class AnswersError extends Error {}

type Kind = 'string' | 'string[]' | 'boolean' | 'record' | 'sasl' | 'role' | 'logging';

/** Every key of the answers file and its type. */
export const ANSWER_KEYS: Readonly<Record<keyof Answers, Kind>> = {
  role: 'role',
  myhostname: 'string',
  mydomain: 'string',
  myorigin: 'string',
  mydestination: 'string[]',
  relayhost: 'string',
  fallback_relay: 'string[]',
  mynetworks: 'string[]',
  mynetworks_style: 'string',
  relay_domains: 'string[]',
  transport: 'record',
  relay_recipients: 'string[]',
  proxy_interfaces: 'string[]',
  inet_interfaces: 'string',
  inet_protocols: 'string',
  notify_classes: 'string[]',
  postmaster: 'string',
  aliases: 'record',
  virtual: 'record',
  smtp_generic_maps: 'record',
  smtpd_recipient_restrictions: 'string[]',
  defer_transports: 'string[]',
  smtp_dns_support_level: 'string',
  chroot: 'boolean',
  logging: 'logging',
  smtp_sasl: 'sasl',
  smtp_tls_security_level: 'string',
  smtpd_tls_security_level: 'string',
  smtpd_tls_chain_files: 'string[]',
  smtpd_tls_cert_file: 'string',
  smtpd_tls_key_file: 'string',
  certbot_deploy_hook: 'boolean',
  overrides: 'string[]',
};

/** What a mapping answer maps, for the type error. */
const RECORD_FORM: Readonly<Record<string, string>> = {
  transport: 'domain: next hop',
  aliases: 'name: address',
  virtual: 'address: address',
  smtp_generic_maps: 'local address: Internet address',
};

/** Keys Postfix has retired, with what to write instead. */
const RETIRED: Readonly<Record<string, string>> = {
  disable_dns_lookups:
    "deprecated since Postfix 3.9: write smtp_dns_support_level: disabled (STANDARD_CONFIGURATION_README's " +
    '"disable_dns_lookups = yes" for a dial-up host)',
};

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

/** The longest value an answer may have (a host name is at most 253; a list item much less). */
export const MAX_VALUE_LENGTH = 4096;

function expectString(key: string, v: unknown): string {
  // YAML turns `25` or `yes` into numbers/booleans; a string key accepts numbers as text.
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number') text = String(v);
  else throw new AnswersError(`${key}: expected a string, got ${typeName(v)}`);
  if (text.length > MAX_VALUE_LENGTH) {
    throw new AnswersError(`${key}: the value is ${text.length} characters long (at most ${MAX_VALUE_LENGTH})`);
  }
  return text;
}

function expectList(key: string, v: unknown): string[] {
  // A single string is accepted for a list: "a, b" or "a b" as Postfix writes lists.
  if (typeof v === 'string') return splitList(v);
  if (!Array.isArray(v)) throw new AnswersError(`${key}: expected a list, got ${typeName(v)}`);
  return v.map((item, i) => expectString(`${key}[${i}]`, item));
}

function expectSasl(key: string, v: unknown): SaslAnswers {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new AnswersError(
      `${key}: expected a mapping with username and password or password_file, got ${typeName(v)}`,
    );
  }
  const out: SaslAnswers = { username: '' };
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'username') out.username = expectString(`${key}.username`, val);
    else if (k === 'password') out.password = expectString(`${key}.password`, val);
    else if (k === 'password_file') out.password_file = expectString(`${key}.password_file`, val);
    else throw new AnswersError(`${key}.${k}: unknown key (expected username, password, password_file)`);
  }
  if (out.username === '') throw new AnswersError(`${key}.username: required`);
  if (out.password === undefined && out.password_file === undefined) {
    throw new AnswersError(`${key}: give password or password_file`);
  }
  if (out.password !== undefined && out.password_file !== undefined) {
    throw new AnswersError(`${key}: give password or password_file, not both`);
  }
  return out;
}

/**
 * Check the shape of an answers document (already parsed from YAML) and return it typed.
 * `requireRole` false accepts a document without `role` (the --role flag may supply it).
 */
export function answersFromObject(doc: unknown, requireRole = true): Partial<Answers> {
  if (doc === null || doc === undefined) {
    if (requireRole) throw new AnswersError(`role: required (${roleIdList()})`);
    return {};
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new AnswersError(`the answers must be a mapping of keys to values, got ${typeName(doc)}`);
  }
  const out: Partial<Answers> = {};
  const rec = out as Record<string, unknown>;
  for (const [key, v] of Object.entries(doc as Record<string, unknown>)) {
    const kind = (ANSWER_KEYS as Record<string, Kind | undefined>)[key];
    if (kind === undefined && Object.hasOwn(RETIRED, key)) throw new AnswersError(`${key}: ${RETIRED[key]}`);
    if (kind === undefined) throw new AnswersError(`${key}: unknown key`);
    if (v === null && kind !== 'role') {
      // `relayhost:` with nothing after it means "empty".
      if (kind === 'string') rec[key] = '';
      else if (kind === 'string[]') rec[key] = [];
      else if (kind === 'record') rec[key] = {};
      else throw new AnswersError(`${key}: a value is required`);
      continue;
    }
    switch (kind) {
      case 'role':
        if (!isRoleId(v)) {
          throw new AnswersError(
            `role: ${typeof v === 'string' ? quoteValue(v) : typeName(v)} is not a role (${ROLE_IDS.join(', ')})`,
          );
        }
        out.role = v;
        break;
      case 'string':
        rec[key] = expectString(key, v);
        break;
      case 'string[]':
        rec[key] = expectList(key, v);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') throw new AnswersError(`${key}: expected true or false, got ${typeName(v)}`);
        rec[key] = v;
        break;
      case 'logging':
        if (v !== 'syslog' && v !== 'file')
          throw new AnswersError(
            `logging: expected syslog or file, got ${typeof v === 'string' ? quoteValue(v) : typeName(v)}`,
          );
        out.logging = v;
        break;
      case 'record': {
        if (typeof v !== 'object' || Array.isArray(v)) {
          throw new AnswersError(
            `${key}: expected a mapping (${RECORD_FORM[key] ?? 'key: value'}), got ${typeName(v)}`,
          );
        }
        const r: Record<string, string> = {};
        for (const [k, val] of Object.entries(v as Record<string, unknown>)) r[k] = expectString(`${key}.${k}`, val);
        rec[key] = r;
        break;
      }
      case 'sasl':
        out.smtp_sasl = expectSasl(key, v);
        break;
    }
  }
  if (requireRole && out.role === undefined) {
    throw new AnswersError(`role: required (${roleIdList()})`);
  }
  return out;
}

/** Line and column (1-based) of an offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Parse YAML text into plain values, or throw an AnswersError naming `what`, the problem and
 * where it is (line, column) — never the text itself, which may hold a password. An alias bomb
 * or a too deep nesting is refused the same way.
 */
export function parseYamlQuietly(text: string, what: string): { doc: Document.Parsed; value: unknown } {
  let doc: Document.Parsed;
  try {
    // uniqueKeys is checked below: the library's own check costs time in the square of a map's size.
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    throw new AnswersError(`${what} is not usable YAML: ${(err as Error).message}`);
  }
  const first = doc.errors[0];
  if (first !== undefined) {
    const at = lineColumn(text, first.pos[0]);
    throw new AnswersError(`${what} is not valid YAML: ${first.message} at line ${at.line}, column ${at.column}`);
  }
  const dup = duplicateKey(doc);
  if (dup !== null) {
    const at = lineColumn(text, dup);
    throw new AnswersError(
      `${what} is not valid YAML: Map keys must be unique at line ${at.line}, column ${at.column}`,
    );
  }
  try {
    return { doc, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    throw new AnswersError(`${what} is not usable YAML: ${(err as Error).message}`);
  }
}

/** The offset of the first key that repeats one before it in the same mapping, or null (one pass). */
function duplicateKey(doc: Document.Parsed): number | null {
  let found: number | null = null;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        const name = isScalar(k) ? `${typeof k.value}:${String(k.value)}` : JSON.stringify(k);
        if (seen.has(name)) {
          found = isScalar(k) && k.range ? k.range[0] : 0;
          return visit.BREAK;
        }
        seen.add(name);
      }
      return undefined;
    },
  });
  return found;
}

/**
 * The secrets of an answers document must be YAML strings: an unquoted 012345, 0x1F or 1e3 is a
 * number to YAML and would be stored changed (12345, 31, 1000). The value is never echoed.
 */
function checkSecretScalars(doc: Document.Parsed | undefined, value: unknown, under: readonly string[]): void {
  for (const key of ['password', 'username'] as const) {
    let scalar: { value: unknown } | undefined;
    if (doc !== undefined) {
      const node = doc.getIn([...under, 'smtp_sasl', key], true);
      if (node !== undefined && node !== null && isScalar(node)) scalar = node;
    } else {
      // A document read by ./blockYaml.ts: every value that is no mapping or list was a scalar.
      const v = [...under, 'smtp_sasl', key].reduce<unknown>(
        (o, k) =>
          o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined,
        value,
      );
      if (v !== undefined && (v === null || typeof v !== 'object')) scalar = { value: v };
    }
    if (scalar === undefined || typeof scalar.value === 'string') continue;
    throw new AnswersError(
      `smtp_sasl.${key}: YAML reads this unquoted value as ${scalar.value === null ? 'empty' : `a ${typeof scalar.value}`}, ` +
        `which would change it (012345 becomes 12345): write it in quotes, e.g. ${key}: "…"`,
    );
  }
}

/**
 * Parse an answers file's YAML text. Errors name the line (YAML) or the key (schema), never the
 * text. A plain document (most answers files, and every state file) is read by ./blockYaml.ts,
 * which gives the yaml library's value for it; anything else by the library.
 */
export function parseAnswersYaml(text: string, requireRole = true): Partial<Answers> {
  const quick = readBlockYaml(text);
  const { doc, value }: { doc?: Document.Parsed; value: unknown } = quick ?? parseYamlQuietly(text, 'answers file');
  const state = stateAnswers(value);
  checkSecretScalars(doc, value, state === undefined ? [] : ['answers']);
  return answersFromObject(state ?? value, requireRole);
}

/**
 * The answers section of mailsetup's state file (/etc/postfix/mailsetup.yaml: `version: 1`,
 * `answers:`, and the ownership ledger), so that the state file of one host can be handed to
 * --answers on another; undefined for any other document.
 */
function stateAnswers(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if (d.version === undefined || !('answers' in d) || 'role' in d) return undefined;
  if (d.version !== 1) throw new AnswersError(`version: ${String(d.version)}: not a state file mailsetup knows (1)`);
  return d.answers;
}
