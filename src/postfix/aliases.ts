/**
 * Editor for aliases(5) files, reading them exactly as `postalias hash:FILE` of Postfix 3.7
 * does (`postalias/postalias.c:postalias`):
 * - logical lines as in main.cf (`readllines`, see lookupTable.ts);
 * - each logical line is tokenized with the RFC 822 scanner (`global/tok822_parse.c:tok822_scan`):
 *   atoms, "quoted strings", [domain literals], (comments) and the operators `|"(),.:;<>@[]%!`;
 * - the name is everything before the first `:` operator, converted to internal (unquoted) form
 *   (`"odd name": x` has the name `odd name`); the value is everything after it, converted back to
 *   external form by `tok822_externalize`, which normalises whitespace: `a,\n  b` → `a, b`,
 *   `x   y` → `x y`, `"|cmd  arg"` stays quoted. That re-serialised text is exactly what postalias
 *   stores and `postalias -q` prints, and it is what `get` returns;
 * - lines without `name:value` (no `:`, nothing before or after it, or a `,` before it) are
 *   skipped ("need name:value pair"), as are names with `@` or `%` ("name must be local");
 * - names are case-insensitive (stored case-folded, see `foldKey`); for duplicates postalias warns
 *   `duplicate entry` and keeps the FIRST value.
 * Values may be addresses, `/file/name`, `"|command"`, `:include:/file/name`.
 * Give `parse` the file decoded as UTF-8 (postalias skips lines that are not valid UTF-8 when
 * smtputf8_enable = yes; such lines cannot be represented here).
 */
import { assertNoNul, isSpace } from './lines.js';
import { foldKey } from './lookupTable.js';
import { KeyedTable, type ReadEntry } from './table.js';
import { ValidationError, describeControlChar, findControlChar, quoteForMessage } from './validate.js';

export type { TableWarning } from './table.js';

// ------------------------------------------------------------------------------------------
// A port of Postfix's tok822 scanner and its internal/external serialisers.

type CommentPart = { kind: 'ctext'; text: string } | { kind: 'comment'; parts: CommentPart[] };

type Tok =
  | { kind: 'atom' | 'qstring' | 'domlit' | 'op'; text: string; end: number }
  | { kind: 'comment'; parts: CommentPart[]; end: number };

const OPCHARS = '|"(),.:;<>@[]%!';

function isCntrl(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c < 0x20 || c === 0x7f;
}

/** COLLECT(): gather characters while `cond` holds; `\` escapes one char; whitespace → ' '. */
function collect(s: string, start: number, cond: (c: string) => boolean): { text: string; pos: number } {
  let out = '';
  let i = start;
  while (i < s.length) {
    let c = s[i];
    if (c === '\\') {
      i++;
      if (i >= s.length) break;
      c = s[i];
    } else if (!cond(c)) {
      break;
    }
    out += isSpace(c) ? ' ' : c;
    i++;
  }
  return { text: out, pos: i };
}

function scanComment(s: string, start: number): { parts: CommentPart[]; pos: number; closed: boolean } {
  const parts: CommentPart[] = [];
  let text: { kind: 'ctext'; text: string } | undefined;
  let i = start;
  let closed = true;
  while (i < s.length) {
    let ch = s[i++];
    if (ch === '(') {
      const inner = scanComment(s, i);
      parts.push({ kind: 'comment', parts: inner.parts });
      text = undefined;
      i = inner.pos;
      if (!inner.closed) closed = false;
    } else if (ch === ')') {
      return { parts, pos: i, closed };
    } else {
      if (ch === '\\') {
        if (i >= s.length) break;
        ch = s[i++];
      }
      if (text === undefined) {
        text = { kind: 'ctext', text: '' };
        parts.push(text);
      }
      text.text += ch;
    }
  }
  return { parts, pos: i, closed: false };
}

interface Scan {
  tokens: Tok[];
  /** The first construct left open at the end of the text: '"', '[' or '('. */
  unterminated?: string;
}

/** tok822_scan(): the flat token list of a string. */
function scan(s: string): Scan {
  const tokens: Tok[] = [];
  let unterminated: string | undefined;
  let i = 0;
  while (i < s.length) {
    const ch = s[i++];
    if (isSpace(ch)) continue;
    if (ch === '(') {
      const r = scanComment(s, i);
      i = r.pos;
      if (!r.closed) unterminated ??= '(';
      tokens.push({ kind: 'comment', parts: r.parts, end: i });
    } else if (ch === '[' || ch === '"') {
      const close = ch === '[' ? ']' : '"';
      const r = collect(s, i, (c) => c !== close);
      i = r.pos;
      if (i < s.length) i++;
      else unterminated ??= ch;
      tokens.push({ kind: ch === '[' ? 'domlit' : 'qstring', text: r.text, end: i });
    } else if (ch !== '\\' && OPCHARS.includes(ch)) {
      tokens.push({ kind: 'op', text: ch, end: i });
    } else {
      const r = collect(s, i - 1, (c) => !isSpace(c) && !OPCHARS.includes(c));
      i = r.pos;
      const quote = [...r.text].some((c) => isSpace(c) || isCntrl(c) || OPCHARS.includes(c));
      tokens.push({ kind: quote ? 'qstring' : 'atom', text: r.text, end: i });
    }
  }
  return unterminated === undefined ? { tokens } : { tokens, unterminated };
}

function isOp(t: Tok | undefined, op: string): boolean {
  return t !== undefined && t.kind === 'op' && t.text === op;
}

/** tok822_append_space() for top-level tokens. */
function appendSpace(t: Tok, next: Tok | undefined): boolean {
  if (next === undefined) return false;
  if (isOp(t, ',') || isOp(next, '<')) return true;
  const nonOp = (x: Tok): boolean => x.kind !== 'op';
  return nonOp(t) && nonOp(next);
}

function quoted(text: string, set: string): string {
  let out = '';
  for (const ch of text) out += set.includes(ch) ? `\\${ch}` : ch;
  return out;
}

function commentText(parts: CommentPart[], external: boolean): string {
  return parts
    .map((p) =>
      p.kind === 'ctext' ? (external ? quoted(p.text, '()\\\r\n') : p.text) : `(${commentText(p.parts, external)})`,
    )
    .join('');
}

/** tok822_externalize() (external = true) or tok822_internalize() of a token list. */
function serialize(tokens: Tok[], external: boolean): string {
  let out = '';
  tokens.forEach((t, n) => {
    switch (t.kind) {
      case 'atom':
      case 'op':
        out += t.text;
        break;
      case 'qstring':
        out += external ? `"${quoted(t.text, '"\\\r\n')}"` : t.text;
        break;
      case 'domlit':
        out += `[${external ? quoted(t.text, '\\\r\n') : t.text}]`;
        break;
      case 'comment':
        out += `(${commentText(t.parts, external)})`;
        break;
    }
    if (appendSpace(t, tokens[n + 1])) out += ' ';
  });
  return out;
}

/**
 * The value postalias stores for a value text: tok822_scan + tok822_externalize
 * (`root: a,\n  b` → `a, b`). Exported for callers that want to compare values.
 */
export function normalizeAliasValue(text: string): string {
  return serialize(scan(text).tokens, true);
}

// ------------------------------------------------------------------------------------------

/** One aliases(5) entry as postalias reads it. */
export interface AliasEntry {
  /** The name in internal (unquoted) form, as spelled in the file. */
  name: string;
  /** The value as postalias stores it (tok822 external form). */
  value: string;
  /** The value text after the first ":" of the joined logical line, whitespace-trimmed. */
  raw: string;
  /** 1-based number of the entry's first physical line. */
  line: number;
}

function q(text: string): string {
  return quoteForMessage(text);
}

const fold = foldKey;

function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s[a])) a++;
  while (b > a && isSpace(s[b - 1])) b--;
  return s.slice(a, b);
}

/** The lookup key for a name given to get/set/remove: `"odd name"` and `odd name` are the same. */
function lookupName(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) return serialize(scan(name).tokens, false);
  return name;
}

const NAME_SPECIALS = '"(),;<>[]\\';

/**
 * Check an alias name for `set`. A plain name may not contain whitespace, control characters,
 * `:` (write such names in double quotes), `@` or `%` (postalias: "name must be local") or the
 * RFC 822 specials `"(),;<>[]\`; a quoted name (`"odd name"`) may contain anything printable
 * except `"` and `\`. Empty names and names starting with `#` are refused.
 */
export function validateAliasName(name: string): string {
  const bad = (reason: string): never => {
    throw new ValidationError(`alias name ${q(name)} ${reason}`);
  };
  if (name === '') throw new ValidationError('alias name is empty');
  const ctl = findControlChar(name, false);
  if (ctl >= 0) bad(`contains a control character (${describeControlChar(name.charCodeAt(ctl))})`);
  if (name.startsWith('#')) bad('starts with "#" (the line would be a comment)');
  if (name.startsWith('"')) {
    if (name.length < 2 || !name.endsWith('"')) bad('has an unterminated quote');
    const inner = name.slice(1, -1);
    if (inner.includes('"') || inner.includes('\\')) bad('contains "\\"" or "\\\\" inside the quotes');
    if (trimSpace(inner) === '') throw new ValidationError('alias name is empty');
    return name;
  }
  for (const ch of name) {
    if (isSpace(ch)) bad('contains whitespace (write it in double quotes)');
    if (ch === '@' || ch === '%') bad(`contains ${q(ch)}: postalias requires a local name ("name must be local")`);
    if (ch === ':') bad('contains ":" (write it in double quotes)');
    if (NAME_SPECIALS.includes(ch)) bad(`contains ${q(ch)} (write it in double quotes)`);
  }
  return name;
}

/**
 * Check an alias value for `set`: no control characters except TAB, not empty after trimming
 * whitespace, no unterminated quote, `[` or `(` (they would swallow the rest of the entry).
 * Returns the trimmed value.
 */
export function validateAliasValue(name: string, value: string): string {
  const what = `alias value for ${q(name)}`;
  const ctl = findControlChar(value, true);
  if (ctl >= 0)
    throw new ValidationError(`${what} contains a control character (${describeControlChar(value.charCodeAt(ctl))})`);
  const v = trimSpace(value);
  if (v === '') throw new ValidationError(`${what} is empty`);
  const open = scan(v).unterminated;
  if (open === '"') throw new ValidationError(`${what} has an unterminated quote`);
  if (open !== undefined) throw new ValidationError(`${what} has an unterminated "${open}"`);
  return v;
}

/**
 * An aliases(5) file. Mutating methods change the object and return `this`:
 * `Aliases.parse(text).set('root', 'admin@example.com').remove('old').toString()`.
 */
export class Aliases extends KeyedTable<{ value: string; raw: string }> {
  private constructor(text: string) {
    super(text);
  }

  /** Parse an aliases file. Throws on a NUL byte (Postfix would misread the file). */
  static parse(text: string): Aliases {
    assertNoNul(text, 'aliases');
    return new Aliases(text);
  }

  protected readEntry(text: string): ReadEntry<{ value: string; raw: string }> | { warning: string } {
    const tokens = scan(text).tokens;
    const colon = tokens.findIndex((t) => isOp(t, ':'));
    const keyTokens = tokens.slice(0, Math.max(colon, 0));
    if (colon <= 0 || colon === tokens.length - 1 || keyTokens.some((t) => isOp(t, ','))) {
      return { warning: 'need name:value pair' };
    }
    if (keyTokens.some((t) => isOp(t, '@') || isOp(t, '%'))) return { warning: 'name must be local' };
    const name = serialize(keyTokens, false);
    return {
      key: name,
      folded: fold(name),
      fields: { value: serialize(tokens.slice(colon + 1), true), raw: trimSpace(text.slice(tokens[colon].end)) },
    };
  }

  protected foldedKey(name: string): string {
    return fold(lookupName(name));
  }

  /**
   * The value postalias stores for `name`: the first entry whose name matches
   * case-insensitively, its continuation lines joined and the whole re-serialised by tok822
   * (`a,\n  b` → `a, b`; see the module comment). `name` is the internal form (`odd name`) or
   * the quoted form (`"odd name"`). The unnormalised text is in `entries()[i].raw`.
   */
  get(name: string): string | undefined {
    return this.first(name)?.fields.value;
  }

  /** Distinct names in file order, spelled as at their first definition (internal form). */
  names(): string[] {
    return this.distinctKeys();
  }

  /** Every entry postalias reads, in file order, duplicates included. */
  entries(): AliasEntry[] {
    return this.parsed.map(({ key, fields, line }) => ({ name: key, value: fields.value, raw: fields.raw, line }));
  }

  /**
   * Set `name` to `value`. The FIRST entry with that name (case-insensitive) is replaced in
   * place by `name: value\n` (the name as given, the value trimmed; its continuation lines are
   * dropped, comment lines between them stay). Later duplicates of the name are REMOVED with
   * their continuation lines, so the file means what postalias will store. Without an entry,
   * `name: value\n` is appended (after adding a missing final newline). Every other byte is
   * kept (CRLF, comments, spacing). Invalid names/values throw a `ValidationError`
   * (see `validateAliasName`, `validateAliasValue`).
   */
  set(name: string, value: string): this {
    validateAliasName(name);
    const v = validateAliasValue(name, value);
    this.put(name, `${name}: ${v}\n`);
    return this;
  }

  /** Remove every entry named `name` (case-insensitive) with its continuation lines. */
  remove(name: string): this {
    this.drop([name]);
    return this;
  }
}
