/**
 * The ownership ledger, /etc/postfix/mailsetup.yaml: the answers of the last apply (without
 * secrets), the main.cf parameters mailsetup set with the values it wrote, the values they had
 * before mailsetup first touched them, the master.cf entries it changed (their original text),
 * the aliases it set and the lookup-table keys it owns. A re-run or a role change touches only
 * what is recorded here.
 */
import { parseDocument, stringify } from 'yaml';
import { answersFromObject } from '../roles/answers.js';
import type { Answers } from '../model/answers.js';
import { STATE_PATH } from '../model/paths.js';

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

function rec(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new StateError(`${STATE_PATH}: ${what} must be a mapping`);
  return v as Record<string, unknown>;
}

function strRec(v: unknown, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(rec(v, what))) out[k] = val === null || val === undefined ? '' : String(val);
  return out;
}

function nullableRec(v: unknown, what: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, val] of Object.entries(rec(v, what))) out[k] = val === null || val === undefined ? null : String(val);
  return out;
}

/** Parse the state file; throws StateError with the path and the problem. */
export function parseState(text: string): State {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new StateError(`${STATE_PATH}: not valid YAML: ${doc.errors[0].message}`);
  const raw = rec(doc.toJS(), 'the document');
  if (raw.version !== 1) throw new StateError(`${STATE_PATH}: unknown version ${String(raw.version)}`);
  let answers: Answers;
  try {
    answers = answersFromObject(raw.answers) as Answers;
  } catch (err) {
    throw new StateError(`${STATE_PATH}: answers: ${(err as Error).message}`);
  }
  const main = rec(raw.main, 'main');
  const master = rec(raw.master, 'master');
  const aliases = rec(raw.aliases, 'aliases');
  const maps: Record<string, MapState> = {};
  for (const [path, m] of Object.entries(rec(raw.maps, 'maps'))) {
    const mm = rec(m, `maps.${path}`);
    maps[path] = { created: mm.created === true, keys: strRec(mm.keys, `maps.${path}.keys`) };
  }
  const created = Array.isArray(raw.created) ? raw.created.map(String) : [];
  return {
    version: 1,
    answers,
    main: {
      owned: strRec(main.owned, 'main.owned'),
      previous: nullableRec(main.previous, 'main.previous'),
      ...(main.lines === undefined ? {} : { lines: strRec(main.lines, 'main.lines') }),
    },
    master: {
      previous: strRec(master.previous, 'master.previous'),
      commented: strRec(master.commented, 'master.commented'),
    },
    aliases: {
      owned: strRec(aliases.owned, 'aliases.owned'),
      previous: nullableRec(aliases.previous, 'aliases.previous'),
    },
    maps,
    created,
  };
}
