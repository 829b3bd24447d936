/**
 * main.cf editor that produces exactly the bytes `postconf -e`, `-X` and `-#` produce
 * (postconf/postconf_edit.c:pcf_edit_main; see shared/reference/postconf-editing.md §2), and a
 * reader that follows Postfix's own main.cf reader (readllines + split_nameval, §1).
 *
 * Text is handled as a JS string: read the file as UTF-8 (or as latin1 when bytes that are not
 * valid UTF-8 must round-trip). Untouched lines keep their exact characters, CRLF included.
 *
 * The two version-sensitive behaviours follow MODERN Postfix (3.7.17+, 3.8.12+, 3.9.6+, 3.10.5+):
 * - every edit first adds a missing final newline (no gluing of appended text onto the last line,
 *   and `commentOut` of an unterminated last line ends in "\n");
 * - several new parameters set in one `setMany` call are appended sorted by name (strcmp).
 *
 * What postconf would corrupt or silently accept is refused with an `Error` (the object is left
 * unchanged): NUL bytes or a UTF-8 BOM in the file; names that are empty, start with '#', or
 * contain whitespace, '=' or control characters; values containing a newline, a carriage return
 * or a control character other than TAB. A value may start with '#' (postconf accepts it and
 * Postfix reads it as data).
 */
import { quoteForMessage } from './validate.js';
import { assertNoNul, isContinuation, isNonContent, isSpace, splitPhysicalLines } from './lines.js';
import { strcmp } from './expand.js';

/** One definition in main.cf. */
export interface MainCfEntry {
  /** The parameter name (split_nameval: up to the first whitespace or '='). */
  name: string;
  /** The value: the logical line joined as Postfix does, then trimmed at both ends. */
  value: string;
  /** 1-based physical line number of the line that starts the definition. */
  line: number;
}

/** A logical line that Postfix's reader rejects (postconf -n etc. would stop with a fatal error). */
export interface MainCfSyntaxError {
  /** 1-based physical line number where the logical line starts. */
  line: number;
  /** The logical line as Postfix joins it. */
  text: string;
  /** Postfix's message: "missing attribute name" or "missing '=' after attribute name". */
  message: string;
}

type EditMode = 'set' | 'remove' | 'comment';

function quote(text: string): string {
  return quoteForMessage(text);
}

function hex(ch: string): string {
  return `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function isControl(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c < 0x20 || c === 0x7f;
}

/** Throws when `name` cannot be given to postconf safely (see the module comment). */
export function checkParameterName(name: string): void {
  if (name === '') throw new Error('main.cf: empty parameter name');
  if (name[0] === '#') throw new Error(`main.cf: parameter name ${quote(name)} starts with "#"`);
  for (const ch of name) {
    if (ch === '\n') throw new Error(`main.cf: parameter name ${quote(name)} contains a newline`);
    if (ch === '\r') throw new Error(`main.cf: parameter name ${quote(name)} contains a carriage return`);
    if (ch === ' ' || ch === '\t' || ch === '\v' || ch === '\f') {
      throw new Error(`main.cf: parameter name ${quote(name)} contains whitespace`);
    }
    if (isControl(ch)) throw new Error(`main.cf: parameter name ${quote(name)} contains control character ${hex(ch)}`);
    if (ch === '=') throw new Error(`main.cf: parameter name ${quote(name)} contains "="`);
  }
}

/** Throws when `value` cannot be written as a one-line main.cf value (TAB is allowed). */
export function checkParameterValue(name: string, value: string): void {
  for (const ch of value) {
    if (ch === '\n') throw new Error(`main.cf: value of ${quote(name)} contains a newline`);
    if (ch === '\r') throw new Error(`main.cf: value of ${quote(name)} contains a carriage return`);
    if (ch !== '\t' && isControl(ch)) {
      throw new Error(`main.cf: value of ${quote(name)} contains control character ${hex(ch)}`);
    }
  }
}

/** Value as postconf writes it: split_nameval trims leading/trailing whitespace. */
function trimValue(value: string): string {
  let a = 0;
  let b = value.length;
  while (a < b && isSpace(value[a])) a++;
  while (b > a && isSpace(value[b - 1])) b--;
  return value.slice(a, b);
}

/** The editor's key of a start line: text up to the first of space, TAB, CR, LF or '='. */
function editKey(line: string): string {
  const m = /[ \t\r\n=]/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

/** split_nameval(): [name, value] or an error message. */
function splitNameval(text: string): [string, string] | string {
  let i = 0;
  while (i < text.length && isSpace(text[i])) i++;
  if (i >= text.length || text[i] === '=') return 'missing attribute name';
  const start = i;
  while (i < text.length && !isSpace(text[i]) && text[i] !== '=') i++;
  const name = text.slice(start, i);
  while (i < text.length && isSpace(text[i])) i++;
  if (text[i] !== '=') return "missing '=' after attribute name";
  return [name, trimValue(text.slice(i + 1))];
}

interface Parsed {
  entries: MainCfEntry[];
  errors: MainCfSyntaxError[];
}

/**
 * A parsed main.cf. Reading methods follow Postfix's reader; mutating methods reproduce
 * `postconf -e/-X/-#` byte for byte and return `this`, so calls can be chained:
 * `MainCf.parse(text).set('relayhost', '[smtp.example.com]:587').remove('fallback_relay').toString()`.
 */
export class MainCf {
  private lines: string[];
  private parsed: Parsed | undefined;

  private constructor(lines: string[]) {
    this.lines = lines;
  }

  /**
   * Parse main.cf text. Throws on a NUL byte or a leading UTF-8 byte order mark (either as
   * U+FEFF or as its three latin1 characters). Any other text is accepted: lines that Postfix's
   * reader would reject are listed by `syntaxErrors()` and ignored by `get`/`names`/`entries`.
   */
  static parse(text: string): MainCf {
    assertNoNul(text, 'main.cf');
    if (text.startsWith('\uFEFF') || text.startsWith('\u00EF\u00BB\u00BF')) {
      throw new Error(
        'main.cf: starts with a UTF-8 byte order mark (BOM); Postfix would read it as part of the first parameter name: remove it',
      );
    }
    return new MainCf(splitPhysicalLines(text));
  }

  /** The definitions and reader errors, computed as Postfix's readllines + split_nameval. */
  private read(): Parsed {
    if (this.parsed) return this.parsed;
    const entries: MainCfEntry[] = [];
    const errors: MainCfSyntaxError[] = [];
    let current: { text: string; line: number } | undefined;
    const finish = (): void => {
      if (!current) return;
      const r = splitNameval(current.text);
      if (typeof r === 'string') errors.push({ line: current.line, text: current.text, message: r });
      else entries.push({ name: r[0], value: r[1], line: current.line });
      current = undefined;
    };
    this.lines.forEach((raw, index) => {
      if (isNonContent(raw)) return;
      const text = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
      if (isSpace(raw[0])) {
        // Continuation; before any logical line Postfix skips it (with a warning).
        if (current) current.text += text;
        return;
      }
      finish();
      current = { text, line: index + 1 };
    });
    finish();
    this.parsed = { entries, errors };
    return this.parsed;
  }

  /** The effective value of `name` (last definition wins), or undefined when it is not set. */
  get(name: string): string | undefined {
    const { entries } = this.read();
    for (let i = entries.length - 1; i >= 0; i--) if (entries[i].name === name) return entries[i].value;
    return undefined;
  }

  /** Whether main.cf defines `name`. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Names defined, unique, in order of first appearance. */
  names(): string[] {
    return [...new Set(this.read().entries.map((e) => e.name))];
  }

  /** Every definition, duplicates included, in file order. */
  entries(): MainCfEntry[] {
    return this.read().entries.map((e) => ({ ...e }));
  }

  /** Logical lines Postfix's reader rejects ("missing '=' after attribute name", ...). */
  syntaxErrors(): MainCfSyntaxError[] {
    return this.read().errors.map((e) => ({ ...e }));
  }

  /** `postconf -e 'name = value'`: rewrite every definition in place, or append one. Returns `this`. */
  set(name: string, value: string): this {
    return this.setMany([[name, value]]);
  }

  /**
   * One `postconf -e` call with several arguments. Existing names are rewritten in place (all
   * occurrences); new ones are appended sorted by name. A name given twice: the later wins.
   * Returns `this`; an empty list changes nothing.
   */
  setMany(params: Record<string, string> | Array<[string, string]>): this {
    const pairs = Array.isArray(params) ? params : Object.entries(params);
    const requests = new Map<string, string>();
    for (const [name, value] of pairs) {
      checkParameterName(name);
      checkParameterValue(name, value);
      requests.delete(name);
      requests.set(name, trimValue(value));
    }
    if (requests.size > 0) this.edit('set', requests);
    return this;
  }

  /** `postconf -X name`: delete every definition of `name` with its continuation lines. Returns `this`. */
  remove(name: string): this {
    return this.removeMany([name]);
  }

  /** `postconf -X name ...` in one call. Returns `this`; an empty list changes nothing. */
  removeMany(names: string[]): this {
    for (const name of names) checkParameterName(name);
    if (names.length > 0) this.edit('remove', new Map(names.map((n) => [n, ''])));
    return this;
  }

  /** `postconf -# name`: prefix '#' to every definition of `name` and its continuation lines. Returns `this`. */
  commentOut(name: string): this {
    return this.commentOutMany([name]);
  }

  /** `postconf -# name ...` in one call. Returns `this`; an empty list changes nothing. */
  commentOutMany(names: string[]): this {
    for (const name of names) checkParameterName(name);
    if (names.length > 0) this.edit('comment', new Map(names.map((n) => [n, ''])));
    return this;
  }

  /** The file text. */
  toString(): string {
    return this.lines.join('');
  }

  /** pcf_edit_main's line state machine (reference §2.3), with the modern final-newline fix. */
  private edit(mode: EditMode, requests: Map<string, string>): void {
    const out: string[] = [];
    const found = new Set<string>();
    let interesting = false;
    const last = this.lines.length - 1;
    this.lines.forEach((raw, index) => {
      const line = index === last && !raw.endsWith('\n') ? `${raw}\n` : raw;
      if (isNonContent(line)) {
        out.push(line);
      } else if (isContinuation(line)) {
        if (!interesting) out.push(line);
        else if (mode === 'comment') out.push(`#${line}`);
      } else {
        const key = editKey(line);
        const value = requests.get(key);
        interesting = value !== undefined;
        if (!interesting) {
          out.push(line);
          return;
        }
        found.add(key);
        if (mode === 'set') out.push(`${key} = ${value}\n`);
        else if (mode === 'comment') out.push(`#${line}`);
      }
    });
    if (mode === 'set') {
      const added = [...requests.keys()].filter((k) => !found.has(k)).sort(strcmp);
      for (const name of added) out.push(`${name} = ${requests.get(name)}\n`);
    }
    this.lines = out;
    this.parsed = undefined;
  }
}
