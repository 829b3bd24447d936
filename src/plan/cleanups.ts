/**
 * Two things in a main.cf that mailsetup did not write but offers to clean up, each only when
 * the user asks (the preview's key, or the override id in the answers file); otherwise those
 * lines stay byte-for-byte:
 *
 * - deprecated parameters (Postfix 3.9+ warns on every postconf call, `postfix check` included):
 *   the installed Postfix names them (HostFacts.postfix.deprecated); where the replacement's
 *   value follows from the old values, mailsetup writes it in place of the old lines;
 * - `# comments` after a value: Postfix never allowed them, the comment is part of the value
 *   (3.10 warns "#comment after other text is not allowed"; myhostname or mydomain with one make
 *   `postfix check` fail); the fix moves the comment onto a line of its own above.
 *
 * Pure: text in, text out.
 */
import type { DeprecatedParameter } from '../model/host.js';
import { splitPhysicalLines } from '../postfix/lines.js';
import { MainCf } from '../postfix/mainCf.js';
import { definitionSpan, spanAt } from './mainText.js';

/** The opt-in that migrates deprecated parameters (answers override). */
export const MIGRATE_DEPRECATED = 'migrate-deprecated';
/** The opt-in that moves value comments onto lines of their own (answers override). */
export const FIX_VALUE_COMMENTS = 'fix-value-comments';

/** How a group of deprecated parameters turns into its replacement. */
interface MigrationRule {
  /** The replacement parameter; null: the old ones are just removed ("leave at default"). */
  target: string | null;
  /** The deprecated parameters the rule covers. */
  names: readonly string[];
  /** The replacement's value from the old ones' values ('' = nothing to set); null = not derivable. */
  value(get: (name: string) => string | undefined): string | null;
}

/** A main.cf boolean as Postfix reads it (yes/no, any case); undefined when unset, null when neither. */
function bool(v: string | undefined): boolean | undefined | null {
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  return t === 'yes' ? true : t === 'no' ? false : null;
}

/** *_use_tls / *_enforce_tls → *_tls_security_level (postconf(5); TLS_README "Obsolete" sections). */
function tlsRule(prefix: 'smtpd' | 'smtp' | 'lmtp'): MigrationRule {
  const use = `${prefix}_use_tls`;
  const enforce = `${prefix}_enforce_tls`;
  return {
    target: `${prefix}_tls_security_level`,
    names: [use, enforce],
    value(get) {
      const u = bool(get(use));
      const e = bool(get(enforce));
      if (u === null || e === null) return null;
      if (e) {
        if (prefix === 'smtpd') return 'encrypt';
        // The client's enforce_tls also verified the server's name unless told not to.
        const peername = bool(get(`${prefix}_tls_enforce_peername`));
        if (peername === null) return null;
        return peername === false ? 'encrypt' : 'verify';
      }
      return u ? 'may' : '';
    },
  };
}

const RULES: readonly MigrationRule[] = [
  tlsRule('smtpd'),
  tlsRule('smtp'),
  tlsRule('lmtp'),
  {
    target: 'smtp_dns_support_level',
    names: ['disable_dns_lookups'],
    value(get) {
      const d = bool(get('disable_dns_lookups'));
      return d === null ? null : d ? 'disabled' : '';
    },
  },
  { target: null, names: ['smtpd_tls_dh1024_param_file'], value: () => '' },
  { target: null, names: ['smtpd_tls_eecdh_grade'], value: () => '' },
];

/** One deprecated parameter main.cf sets, and what mailsetup can do about it. */
export interface DeprecatedItem {
  name: string;
  file: DeprecatedParameter['file'];
  /** Its value in main.cf (master.cf: undefined). */
  value?: string;
  /** Postfix's own advice ("specify \"smtpd_tls_security_level\""). */
  advice: string;
  /** What the migration writes: the replacement and its value, or null when it only removes. */
  replacement?: { name: string; value: string } | null;
  /** Why mailsetup cannot migrate it (then it stays for the user to do). */
  manual?: string;
}

/** The deprecated parameters the installed Postfix reported, with the migration mailsetup offers. */
export function findDeprecated(mainText: string, reported: readonly DeprecatedParameter[]): DeprecatedItem[] {
  const cf = MainCf.parse(mainText);
  const items: DeprecatedItem[] = [];
  for (const d of reported) {
    if (d.file === 'master.cf') {
      items.push({
        name: d.name,
        file: d.file,
        advice: d.advice,
        manual: "it is a service's -o option in master.cf: edit that service by hand",
      });
      continue;
    }
    const value = cf.get(d.name);
    if (value === undefined) continue; // reported, but no longer in this text
    const item: DeprecatedItem = { name: d.name, file: d.file, value, advice: d.advice };
    const rule = RULES.find((r) => r.names.includes(d.name));
    if (!rule) {
      item.manual = d.name.endsWith('_per_site')
        ? 'its table has another format than the policy table that replaces it: convert it by hand'
        : 'mailsetup does not know how to replace it: do it by hand';
    } else {
      const v = rule.value((n) => cf.get(n));
      const target = rule.target;
      if (target !== null && cf.get(target)?.trim())
        item.replacement = null; // already set: it wins
      else if (v === null)
        item.manual = `its value (${rule.names.map((n) => `${n} = ${cf.get(n) ?? ''}`).join(', ')}) is not a plain yes or no: do it by hand`;
      else item.replacement = target !== null && v !== '' ? { name: target, value: v } : null;
    }
    items.push(item);
  }
  return items;
}

/**
 * main.cf with every migratable deprecated parameter replaced: the replacement takes the place of
 * the first of its old lines, the other old lines go; parameters that only go are removed.
 */
export function migrateDeprecated(mainText: string, items: readonly DeprecatedItem[]): string {
  let text = mainText;
  const todo = items.filter((i) => i.file === 'main.cf' && i.manual === undefined);
  const done = new Set<string>();
  for (const item of todo) {
    if (done.has(item.name)) continue;
    const rule = RULES.find((r) => r.names.includes(item.name));
    const group = todo.filter((i) => rule?.names.includes(i.name) ?? i.name === item.name);
    group.forEach((i) => done.add(i.name));
    const cf = MainCf.parse(text);
    const lines = splitPhysicalLines(text);
    const rep = item.replacement;
    // The first old definition in file order, when there is exactly one of it, takes the replacement.
    const first = group
      .map((i) => ({ i, span: definitionSpan(lines, cf, i.name) }))
      .filter((x) => x.span !== null)
      .sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0))[0];
    if (rep && first?.span) {
      const line = `${rep.name} = ${rep.value}\n`;
      text = [...lines.slice(0, first.span.start), line, ...lines.slice(first.span.end)].join('');
      const rest = group.map((i) => i.name).filter((n) => n !== first.i.name);
      if (rest.length) text = MainCf.parse(text).removeMany(rest).toString();
    } else {
      const next = MainCf.parse(text).removeMany(group.map((i) => i.name));
      if (rep) next.set(rep.name, rep.value);
      text = next.toString();
    }
  }
  return text;
}

/** A main.cf definition with a `# comment` inside its value. */
export interface CommentItem {
  name: string;
  /** The value as Postfix reads it (comment included). */
  value: string;
  /** The comments, as written ("# the provider"). */
  comments: string[];
  /** The value without them. */
  fixedValue: string;
  /** `postfix check` fails on it (the value must be a host or domain name). */
  fatal: boolean;
  /** 1-based line where the definition starts. */
  line: number;
}

/** Parameters whose value Postfix checks as a host name at start: a comment in it is fatal. */
const HOSTNAME_PARAMETERS = new Set(['myhostname', 'mydomain']);

/**
 * Where a comment starts in one physical line of a definition: a `#` that begins a token as
 * Postfix splits values (at the value's start, or after a space, tab or comma); -1 when none.
 * `valueStart` is where the value begins on this line (after `name =` on the first line).
 */
function commentStart(line: string, valueStart: number): number {
  for (let i = valueStart; i < line.length; i++) {
    if (line[i] !== '#') continue;
    const prev = line[i - 1];
    if (i === valueStart || prev === ' ' || prev === '\t' || prev === ',') return i;
  }
  return -1;
}

/** Where the value starts on a definition's first line: after the name, blanks, `=`, blanks. */
function valueStartOf(first: string): number {
  const eq = first.indexOf('=');
  let i = eq + 1;
  while (i < first.length && (first[i] === ' ' || first[i] === '\t')) i++;
  return i;
}

/** The definition's lines with their comments cut off, and the comments. */
function splitComments(defLines: readonly string[]): { kept: string[]; comments: string[] } {
  const kept: string[] = [];
  const comments: string[] = [];
  let eol = '\n';
  defLines.forEach((raw, k) => {
    const end = raw.endsWith('\r\n') ? '\r\n' : raw.endsWith('\n') ? '\n' : '';
    if (end) eol = end;
    const line = raw.slice(0, raw.length - end.length);
    const cut = commentStart(line, k === 0 ? valueStartOf(line) : 0);
    if (cut < 0) {
      kept.push(raw);
      return;
    }
    comments.push(line.slice(cut).trimEnd());
    kept.push(`${line.slice(0, cut).trimEnd()}${end || eol}`);
  });
  return { kept, comments: comments.map((c) => `${c}${eol}`) };
}

/**
 * A line whose first character other than white space (blanks, \v, \f, \r: isspace(3)) is not
 * `#` and that holds a `#`: where a value comment can be (Postfix skips a line whose first
 * non-blank is `#`). Without one there is none, and main.cf need not be parsed again.
 */
const HASH_AFTER_TEXT = /^[^\S\n]*[^#\s][^\n]*#/m;

/** Every definition with a comment inside its value. */
export function findValueComments(mainText: string): CommentItem[] {
  return HASH_AFTER_TEXT.test(mainText) ? scanValueComments(mainText) : [];
}

/** findValueComments without the shortcut: every definition's lines read (exported for its test). */
export function scanValueComments(mainText: string): CommentItem[] {
  const cf = MainCf.parse(mainText);
  const lines = splitPhysicalLines(mainText);
  const out: CommentItem[] = [];
  for (const e of cf.entries()) {
    const span = spanAt(lines, e.line);
    const { kept, comments } = splitComments(lines.slice(span.start, span.end));
    if (comments.length === 0) continue;
    const fixedValue = MainCf.parse(kept.join('')).get(e.name) ?? '';
    out.push({
      name: e.name,
      value: e.value,
      comments: comments.map((c) => c.trimEnd()),
      fixedValue,
      fatal: HOSTNAME_PARAMETERS.has(e.name),
      line: e.line,
    });
  }
  return out;
}

/** main.cf with each value's comments moved onto lines of their own, right above its definition. */
export function fixValueComments(mainText: string): string {
  const cf = MainCf.parse(mainText);
  const lines = splitPhysicalLines(mainText);
  const out: string[] = [];
  let next = 0;
  for (const e of cf.entries()) {
    const span = spanAt(lines, e.line);
    if (span.start < next) continue;
    const { kept, comments } = splitComments(lines.slice(span.start, span.end));
    if (comments.length === 0) continue;
    out.push(...lines.slice(next, span.start), ...comments, ...kept);
    next = span.end;
  }
  out.push(...lines.slice(next));
  return out.join('');
}
