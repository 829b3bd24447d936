/**
 * Editor for the text source of an indexed Postfix lookup table (transport, relay_recipients,
 * virtual, sasl_passwd, ...) as read by `postmap hash:FILE`.
 *
 * Reading follows postmap(1) of Postfix 3.7 exactly (`postmap/postmap.c:postmap`):
 * - logical lines as in main.cf (`readllines`): `#` comment lines and blank lines are ignored, a
 *   line that starts with whitespace continues the previous entry (also across comment lines),
 *   joined without separator (the newline is dropped, leading whitespace kept); continuation
 *   lines before the first entry are skipped ("logical line must not start with whitespace");
 * - the key runs to the first whitespace that is not inside double quotes, where a backslash
 *   escapes the next character; quotes and backslashes stay part of the key. A line with an
 *   unbalanced quote is skipped; the value is the rest with leading and trailing whitespace
 *   removed (inner whitespace, also a CR from a joined CRLF line, is kept). A missing key or
 *   value skips the line ("expected format: key whitespace value");
 * - keys are case-insensitive: postmap case-folds them (unless `postmap -f`; see `foldKey`);
 * - duplicate keys: postmap warns `duplicate entry` and keeps the FIRST value.
 *
 * Editing keeps every byte it does not own (comments, blank lines, CRLF, odd spacing).
 * New and replaced entries are written as `key value\n` (one space, LF). Give `parse` the file
 * decoded as UTF-8.
 */
import { assertNoNul, isSpace } from './lines.js';
import { KeyedTable, type ReadEntry } from './table.js';
import { ValidationError, describeControlChar, findControlChar, quoteForMessage } from './validate.js';

export type { TableWarning } from './table.js';

/** One entry as postmap reads it. */
export interface LookupEntry {
  key: string;
  value: string;
  /** 1-based number of the entry's first physical line. */
  line: number;
}

function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s[a])) a++;
  while (b > a && isSpace(s[b - 1])) b--;
  return s.slice(a, b);
}

function q(text: string): string {
  return quoteForMessage(text);
}

/** Split a logical line like postmap: key (quote/backslash aware), value; or a warning. */
function splitKeyValue(text: string): { key: string; value: string } | { warning: string } {
  let i = 0;
  let inQuotes = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      if (i >= text.length) break;
    } else if (isSpace(c)) {
      if (!inQuotes) break;
    } else if (c === '"') {
      inQuotes = !inQuotes;
    }
  }
  if (inQuotes) return { warning: `unbalanced '"' in '${text}' -- ignoring this line` };
  const key = text.slice(0, Math.min(i, text.length));
  const value = trimSpace(text.slice(Math.min(i + 1, text.length)));
  if (key === '' || value === '') return { warning: 'expected format: key whitespace value' };
  return { key, value };
}

/**
 * Case folding of keys as postmap/postalias do it by default (`-f` turns it off): ASCII keys are
 * lowercased; with smtputf8_enable = yes (compatibility_level >= 1, Debian's 3.6) other keys
 * get Unicode full case folding, e.g. `Straße` → `strasse`. This approximates full folding by
 * upper- then lower-casing (and σ for final ς), which agrees with it for the letters of
 * ordinary names.
 */
export function foldKey(key: string): string {
  if (/^[\x00-\x7f]*$/.test(key)) return key.toLowerCase();
  return key
    .toUpperCase()
    .toLowerCase()
    .replace(/\u03c2/g, 'σ');
}

const fold = foldKey;

/**
 * Check a key for `set`: non-empty, no whitespace, no control characters, no backslash (an
 * escape to postmap), balanced double quotes, not starting with "#" (a comment) and not ending
 * with ":" (the aliases(5) format; postmap warns about it). Messages name the key.
 */
export function validateLookupKey(key: string): string {
  const bad = (reason: string): never => {
    throw new ValidationError(`lookup key ${q(key)} ${reason}`);
  };
  if (key === '') throw new ValidationError('lookup key is empty');
  const ctl = findControlChar(key, false);
  if (ctl >= 0) bad(`contains a control character (${describeControlChar(key.charCodeAt(ctl))})`);
  if (/\s/.test(key)) bad('contains whitespace');
  if (key.includes('\\')) bad('contains "\\", which postmap treats as an escape');
  if ((key.split('"').length - 1) % 2 === 1) bad('has an unbalanced double quote');
  if (key.startsWith('#')) bad('starts with "#" (the line would be a comment)');
  if (key.endsWith(':')) bad('ends with ":" (that is the aliases(5) format, not a lookup table)');
  return key;
}

/**
 * Check a value for `set`: no control characters except TAB, not empty after trimming
 * whitespace. Returns the trimmed value.
 */
export function validateLookupValue(key: string, value: string): string {
  const ctl = findControlChar(value, true);
  if (ctl >= 0) {
    throw new ValidationError(
      `value for ${q(key)} contains a control character (${describeControlChar(value.charCodeAt(ctl))})`,
    );
  }
  const v = trimSpace(value);
  if (v === '') throw new ValidationError(`value for ${q(key)} is empty`);
  return v;
}

/**
 * A lookup-table source file. Mutating methods change the object and return `this`, so edits
 * chain: `LookupTable.parse(text).set('example.com', 'relay:[inside.example.com]').toString()`.
 */
export class LookupTable extends KeyedTable<{ value: string }> {
  private constructor(text: string) {
    super(text);
  }

  /** Parse a table source. Throws on a NUL byte (Postfix would misread the file). */
  static parse(text: string): LookupTable {
    assertNoNul(text, 'lookup table');
    return new LookupTable(text);
  }

  /**
   * A new table: an optional comment header (each line written as `# line`, an empty line as
   * `#`, then one empty line) followed by `key value` lines. Keys and values are checked as by
   * `set`; a key given twice (case-insensitively) is an error.
   */
  static fromEntries(entries: Array<[string, string]>, header?: string): LookupTable {
    let text = '';
    if (header !== undefined) {
      const ctl = findControlChar(header.replace(/\n/g, ''), true);
      if (ctl >= 0) {
        throw new ValidationError(
          `table header contains a control character (${describeControlChar(header.replace(/\n/g, '').charCodeAt(ctl))})`,
        );
      }
      for (const line of header.split('\n')) text += line === '' ? '#\n' : `# ${line}\n`;
      text += '\n';
    }
    const seen = new Set<string>();
    for (const [key, value] of entries) {
      validateLookupKey(key);
      const v = validateLookupValue(key, value);
      if (seen.has(fold(key))) throw new ValidationError(`lookup key ${q(key)} is given twice`);
      seen.add(fold(key));
      text += `${key} ${v}\n`;
    }
    return new LookupTable(text);
  }

  protected readEntry(text: string): ReadEntry<{ value: string }> | { warning: string } {
    const kv = splitKeyValue(text);
    if ('warning' in kv) return kv;
    return {
      key: kv.key,
      folded: fold(kv.key),
      fields: { value: kv.value },
      notes: kv.key.endsWith(':') ? ['record is in "key: value" format; is this an alias file?'] : [],
    };
  }

  protected foldedKey(key: string): string {
    return fold(key);
  }

  /** The value postmap stores for `key` (case-insensitive; the first definition wins). */
  get(key: string): string | undefined {
    return this.first(key)?.fields.value;
  }

  /** Distinct keys in file order, spelled as at their first definition. */
  keys(): string[] {
    return this.distinctKeys();
  }

  /** Every entry postmap reads, in file order, duplicates included. */
  entries(): LookupEntry[] {
    return this.parsed.map(({ key, fields, line }) => ({ key, value: fields.value, line }));
  }

  /**
   * Set `key` to `value`. The first entry with that key (case-insensitive) is replaced in place
   * by `key value\n` (the key as given; its continuation lines are dropped, comment lines between
   * them stay); later duplicates of the key are removed with their continuation lines. Without
   * an entry, `key value\n` is appended (after adding a missing final newline). All other bytes
   * are kept. Invalid keys/values throw a `ValidationError` (see `validateLookupKey`).
   */
  set(key: string, value: string): this {
    validateLookupKey(key);
    const v = validateLookupValue(key, value);
    this.put(key, `${key} ${v}\n`);
    return this;
  }

  /** Remove every entry with `key` (case-insensitive) and its continuation lines. */
  remove(key: string): this {
    this.drop([key]);
    return this;
  }

  /** Remove every entry with one of `keys`, in one pass over the file. */
  removeMany(keys: Iterable<string>): this {
    this.drop(keys);
    return this;
  }
}
