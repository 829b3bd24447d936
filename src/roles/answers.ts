/**
 * The answers schema: parsing an answers file (YAML), type checks that name the key, and the
 * merge of answers from several sources. Value checks (host names, CIDR, …) live in
 * src/roles/validateAnswers.ts; this file only says whether the document has the right shape.
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { splitList } from '../postfix/lists.js';
import type { Answers, SaslAnswers } from '../model/answers.js';
import { isRoleId, ROLE_IDS, roleIdList } from './index.js';

export class AnswersError extends Error {}

type Kind = 'string' | 'string[]' | 'boolean' | 'record' | 'sasl' | 'role' | 'logging';

/** Every key of the answers file and its type. */
export const ANSWER_KEYS: Readonly<Record<keyof Answers, Kind>> = {
  role: 'role',
  myhostname: 'string',
  mydomain: 'string',
  myorigin: 'string',
  relayhost: 'string',
  mynetworks: 'string[]',
  relay_domains: 'string[]',
  transport: 'record',
  relay_recipients: 'string[]',
  proxy_interfaces: 'string[]',
  inet_interfaces: 'string',
  inet_protocols: 'string',
  notify_classes: 'string[]',
  postmaster: 'string',
  chroot: 'boolean',
  logging: 'logging',
  smtp_sasl: 'sasl',
  overrides: 'string[]',
};

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

function expectString(key: string, v: unknown): string {
  // YAML turns `25` or `yes` into numbers/booleans; a string key accepts numbers as text.
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new AnswersError(`${key}: expected a string, got ${typeName(v)}`);
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
          throw new AnswersError(`role: "${String(v)}" is not a role (${ROLE_IDS.join(', ')})`);
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
          throw new AnswersError(`logging: expected syslog or file, got "${String(v)}"`);
        out.logging = v;
        break;
      case 'record': {
        if (typeof v !== 'object' || Array.isArray(v)) {
          throw new AnswersError(`${key}: expected a mapping (domain: next hop), got ${typeName(v)}`);
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

/** Parse an answers file's YAML text. Errors name the line (YAML) or the key (schema). */
export function parseAnswersYaml(text: string, requireRole = true): Partial<Answers> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    if (err instanceof YAMLParseError) throw new AnswersError(`answers file is not valid YAML: ${err.message}`);
    throw err;
  }
  return answersFromObject(stateAnswers(doc) ?? doc, requireRole);
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
