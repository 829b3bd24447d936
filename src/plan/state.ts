/**
 * The ownership ledger, /etc/postfix/mailsetup.yaml: the answers of the last apply (without
 * secrets), the main.cf parameters mailsetup set with the values it wrote, the values they had
 * before mailsetup first touched them, the master.cf entries it changed (their original text),
 * the aliases it set and the lookup-table keys it owns. A re-run or a role change touches only
 * what is recorded here.
 */
import { stringify } from 'yaml';
import type { AnswerKey, Answers } from '../model/answers.js';
import { MAP_PATHS, PLANNED_PATHS, SASL_PASSWD_MAP, STATE_PATH } from '../model/paths.js';
import { quoteValue } from '../model/text.js';
import { checkParameterValue, MainCf } from '../postfix/mainCf.js';
import { isContinuation, splitPhysicalLines } from '../postfix/lines.js';
import { MasterCf } from '../postfix/masterCf.js';
import { validateLookupKey, validateLookupValue } from '../postfix/lookupTable.js';
import { checkAliasTarget, checkPlainValue, findControlChar } from '../postfix/validate.js';
import { answersFromObject, parseYamlQuietly } from '../roles/answers.js';
import { readBlockYaml } from '../roles/blockYaml.js';
import { validateAnswer } from '../roles/resolve.js';
import { checkOverrides } from './lint/index.js';
import { disabledServices, OWNED_ALIASES, ownedParameters } from './params.js';

/** The master.cf services whose chroot column mailsetup sets (plan.ts CHROOT_SERVICES). */
export const CHROOT_SERVICE_KEYS = [
  'smtp/inet',
  'pickup/unix',
  'cleanup/unix',
  'tlsmgr/unix',
  'rewrite/unix',
  'bounce/unix',
  'defer/unix',
  'trace/unix',
  'verify/unix',
  'flush/unix',
  'smtp/unix',
  'relay/unix',
  'showq/unix',
  'error/unix',
  'retry/unix',
  'discard/unix',
  'lmtp/unix',
  'anvil/unix',
  'scache/unix',
] as const;

export interface MapState {
  /** mailsetup created the file (it removes it when no role needs it any more). */
  created: boolean;
  /** The keys it wrote and their values (secret maps record "(secret)"). */
  keys: Record<string, string>;
}

export interface State {
  version: 1;
  answers: Answers;
  main: {
    /** Parameters mailsetup set, with the value it wrote. */
    owned: Record<string, string>;
    /** Their values before mailsetup first set them; null = not set. */
    previous: Record<string, string | null>;
    /**
     * The text of a definition before mailsetup first set it, where it differs from the
     * `name = value` line mailsetup would write for that value (Debian 13's template has
     * `relayhost =`): written back whenever the parameter gets that value again, so that a role
     * change and back gives the same bytes. Absent when there is none.
     */
    lines?: Record<string, string>;
  };
  master: {
    /** "service/type" → the entry's original text, for entries whose fields mailsetup changed. */
    previous: Record<string, string>;
    /** "service/type" → the original text of entries mailsetup commented out. */
    commented: Record<string, string>;
  };
  aliases: {
    owned: Record<string, string>;
    /** Values before mailsetup first set them; null = absent. */
    previous: Record<string, string | null>;
  };
  maps: Record<string, MapState>;
  /** Files mailsetup created (main.cf from its template, the rsyslog drop-in, …). */
  created: string[];
}

export function emptyState(answers: Answers): State {
  return {
    version: 1,
    answers,
    main: { owned: {}, previous: {} },
    master: { previous: {}, commented: {} },
    aliases: { owned: {}, previous: {} },
    maps: {},
    created: [],
  };
}

const HEADER =
  '# Written by mailsetup: what it configured and owns. A re-run changes only what is listed here.\n' +
  '# Do not edit by hand; run mailsetup again (or mailsetup --rollback) instead.\n';

/** The state file's text (deterministic: same state, same bytes). Secrets are never written. */
export function serializeState(state: State): string {
  const answers: Answers = { ...state.answers };
  if (answers.smtp_sasl) {
    const { username, password_file } = answers.smtp_sasl;
    answers.smtp_sasl = password_file !== undefined ? { username, password_file } : { username, password: '(secret)' };
  }
  const { lines, ...main } = state.main;
  const doc = {
    ...state,
    answers: sortKeys(answers as unknown as Record<string, unknown>),
    // Only when there are any: state files without them stay as they were.
    main: lines && Object.keys(lines).length > 0 ? { ...main, lines } : main,
  };
  return HEADER + stringify(doc, { lineWidth: 0, sortMapEntries: false });
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export class StateError extends Error {}

const TOP_KEYS = ['version', 'answers', 'main', 'master', 'aliases', 'maps', 'created'];

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

/** A mapping whose keys are exactly among `keys` (when given); absent = {}. */
function rec(v: unknown, what: string, keys?: readonly string[]): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new StateError(`${what} must be a mapping, not ${typeName(v)}`);
  const r = v as Record<string, unknown>;
  if (keys) {
    const bad = Object.keys(r).find((k) => !keys.includes(k));
    if (bad !== undefined)
      throw new StateError(`${what}: unknown key ${quoteValue(bad)} (expected ${keys.join(', ')})`);
  }
  return r;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new StateError(`${what} must be a string, not ${typeName(v)}`);
  return v;
}

/** One main.cf parameter value mailsetup could have written or found: one line, no control characters. */
function paramValue(name: string, v: unknown, what: string): string {
  const value = str(v, what);
  try {
    checkParameterValue(name, value);
  } catch (e) {
    throw new StateError(`${what}: ${(e as Error).message}`);
  }
  return value;
}

/**
 * The original text of one main.cf definition (main.lines): exactly one definition of `name`
 * (its start line and continuation lines, nothing else: no comment, no blank line, no other
 * parameter), no control characters, and the value recorded in main.previous. It is written back
 * into main.cf, so it may never carry anything else.
 */
function originalLine(name: string, v: unknown, previous: string | null | undefined, what: string): string {
  const text = str(v, what);
  if (!text.endsWith('\n') || findControlChar(text.slice(0, -1).replace(/\n/g, ''), true) >= 0)
    throw new StateError(`${what} must be lines of text ending in a newline, without control characters`);
  const physical = splitPhysicalLines(text);
  if (/^[\s#]/.test(physical[0]) || physical.slice(1).some((l) => !isContinuation(l)))
    throw new StateError(`${what} must be one definition of ${name} and nothing else`);
  let cf: MainCf;
  try {
    cf = MainCf.parse(text);
  } catch (e) {
    throw new StateError(`${what}: ${(e as Error).message}`);
  }
  const entries = cf.entries();
  if (entries.length !== 1 || entries[0].name !== name)
    throw new StateError(`${what} must be one definition of ${name} and nothing else`);
  if (previous === undefined || previous === null || cf.get(name) !== previous)
    throw new StateError(`${what} must define the value recorded in main.previous.${name}`);
  return text;
}

/** A parameter name mailsetup sets (a role or every role), never another. */
function ownedName(name: string, what: string): string {
  if (!ownedParameters().has(name)) {
    throw new StateError(`${what}: ${quoteValue(name)} is not a parameter mailsetup sets`);
  }
  return name;
}

/** master.cf text of exactly one entry, service/type as its key says. */
function masterEntry(key: string, v: unknown, what: string): string {
  const text = str(v, what);
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(key);
  if (!m) throw new StateError(`${what}: ${quoteValue(key)} is not a service/type`);
  if (findControlChar(text.replace(/\n/g, ''), true) >= 0) throw new StateError(`${what}: control characters`);
  let entries;
  try {
    entries = MasterCf.parse(text).services();
  } catch (e) {
    throw new StateError(`${what}: ${(e as Error).message}`);
  }
  if (entries.length !== 1 || entries[0].service !== m[1] || entries[0].type !== m[2]) {
    throw new StateError(`${what} must be the one master.cf entry ${key}, and is not`);
  }
  return text;
}

/** An alias target mailsetup could have written: an address or a local name, never a command or file. */
function aliasTarget(v: unknown, what: string): string {
  const t = str(v, what);
  // Extra aliases (the `aliases` answer) may name several targets: "alice, bob@example.net".
  for (const one of t.split(',')) {
    const m = checkAliasTarget(one.trim());
    if (m) throw new StateError(`${what}: ${m}`);
  }
  return t;
}

function validAnswers(raw: unknown): Answers {
  let answers: Answers;
  try {
    answers = answersFromObject(raw) as Answers;
  } catch (err) {
    throw new StateError(`answers: ${(err as Error).message}`);
  }
  // The values go through the same checks as an answers file's.
  for (const [k, v] of Object.entries(answers)) {
    if (k === 'role' || v === undefined) continue;
    if (typeof v === 'string') {
      const m = checkPlainValue(v, k);
      if (m) throw new StateError(`answers: ${m}`);
    }
    if (v === '' || (Array.isArray(v) && v.length === 0)) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    const r = validateAnswer(k as AnswerKey, v, answers.role);
    if ('error' in r) throw new StateError(`answers: ${k}: ${r.error}`);
  }
  const bad = checkOverrides(answers.overrides ?? []);
  if (bad) throw new StateError(`answers: overrides: ${bad}`);
  return answers;
}

/**
 * Parse the state file; throws StateError naming the problem. Everything in it is checked as
 * an answers file is, and against what mailsetup writes: parameters only those a role sets,
 * values on one line, master.cf texts one entry each of the service they name, alias targets
 * addresses (never a command, file or include), lookup tables only mailsetup's own four, created
 * files only the ones it plans. Nothing in it is ever run or written through.
 */
export function parseState(text: string): State {
  try {
    return parseStateText(text);
  } catch (e) {
    if (e instanceof StateError)
      throw new StateError(`${STATE_PATH}${e.message.startsWith('is not ') ? ' ' : ': '}${e.message}`);
    throw e;
  }
}

function parseStateText(text: string): State {
  let raw: Record<string, unknown>;
  try {
    // What mailsetup wrote is read quickly; anything else (a hand edit) by the yaml library.
    raw = rec((readBlockYaml(text) ?? parseYamlQuietly(text, 'it')).value, 'the document', TOP_KEYS);
  } catch (e) {
    if (e instanceof StateError) throw e;
    throw new StateError((e as Error).message.replace(/^it /, ''));
  }
  if (raw.version !== 1) {
    const v = raw.version;
    throw new StateError(`unknown version ${typeof v === 'number' ? v : quoteValue(String(v))}`);
  }
  const answers = validAnswers(raw.answers);
  const main = rec(raw.main, 'main', ['owned', 'previous', 'lines']);
  const master = rec(raw.master, 'master', ['previous', 'commented']);
  const aliases = rec(raw.aliases, 'aliases', ['owned', 'previous']);

  const owned: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(main.owned, 'main.owned')))
    owned[ownedName(k, 'main.owned')] = paramValue(k, v, `main.owned.${k}`);
  const previous: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(rec(main.previous, 'main.previous')))
    previous[ownedName(k, 'main.previous')] = v === null ? null : paramValue(k, v, `main.previous.${k}`);
  const lines: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(main.lines, 'main.lines')))
    lines[ownedName(k, 'main.lines')] = originalLine(k, v, previous[k], `main.lines.${k}`);

  const chrootKeys: readonly string[] = CHROOT_SERVICE_KEYS;
  const masterPrevious: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(master.previous, 'master.previous'))) {
    if (!chrootKeys.includes(k))
      throw new StateError(`master.previous: ${quoteValue(k)} is not a service mailsetup changes`);
    masterPrevious[k] = masterEntry(k, v, `master.previous.${k}`);
  }
  const commented: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(master.commented, 'master.commented'))) {
    if (!disabledServices().has(k))
      throw new StateError(`master.commented: ${quoteValue(k)} is not a service mailsetup disables`);
    commented[k] = masterEntry(k, v, `master.commented.${k}`);
  }

  // The aliases mailsetup sets: root/postmaster's and the extra ones this state's answers name
  // (which went through the answers file's checks above).
  const aliasNames: readonly string[] = [...OWNED_ALIASES, ...Object.keys(answers.aliases ?? {})];
  const aliasOwned: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(aliases.owned, 'aliases.owned'))) {
    if (!aliasNames.includes(k)) throw new StateError(`aliases.owned: ${quoteValue(k)} is not an alias mailsetup sets`);
    aliasOwned[k] = aliasTarget(v, `aliases.owned.${k}`);
  }
  const aliasPrevious: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(rec(aliases.previous, 'aliases.previous'))) {
    if (!aliasNames.includes(k))
      throw new StateError(`aliases.previous: ${quoteValue(k)} is not an alias mailsetup sets`);
    aliasPrevious[k] = v === null ? null : aliasTarget(v, `aliases.previous.${k}`);
  }

  const mapPaths: readonly string[] = MAP_PATHS;
  const maps: Record<string, MapState> = {};
  for (const [path, m] of Object.entries(rec(raw.maps, 'maps'))) {
    if (!mapPaths.includes(path)) throw new StateError(`maps: ${quoteValue(path)} is not a table mailsetup writes`);
    const mm = rec(m, `maps.${path}`, ['created', 'keys']);
    if (mm.created !== undefined && typeof mm.created !== 'boolean')
      throw new StateError(`maps.${path}.created must be true or false`);
    const keys: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec(mm.keys, `maps.${path}.keys`))) {
      const value = str(v, `maps.${path}.keys.${k}`);
      try {
        validateLookupKey(k);
        validateLookupValue(k, value);
      } catch (e) {
        throw new StateError(`maps.${path}.keys: ${(e as Error).message}`);
      }
      if (path === SASL_PASSWD_MAP && value !== '(secret)') {
        throw new StateError(`maps.${path}.keys.${k}: a secret map records "(secret)", never a value`);
      }
      keys[k] = value;
    }
    maps[path] = { created: mm.created === true, keys };
  }
  if (raw.created !== undefined && !Array.isArray(raw.created)) throw new StateError('created must be a list');
  const planned: readonly string[] = PLANNED_PATHS;
  const created = ((raw.created as unknown[] | undefined) ?? []).map((c, i) => {
    const p = str(c, `created[${i}]`);
    if (!planned.includes(p)) throw new StateError(`created: ${quoteValue(p)} is not a file mailsetup writes`);
    return p;
  });
  return {
    version: 1,
    answers,
    main: { owned, previous, ...(Object.keys(lines).length ? { lines } : {}) },
    master: { previous: masterPrevious, commented },
    aliases: { owned: aliasOwned, previous: aliasPrevious },
    maps,
    created,
  };
}
