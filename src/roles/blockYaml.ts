/**
 * A quick reader for the plain block YAML that mailsetup writes itself (its state file, made by
 * the yaml library's stringify): mappings and lists of scalars nested by indentation with
 * spaces, one entry per line; plain, single- and double-quoted scalars on one line; literal block
 * scalars (`|`, `|-`: the master.cf entries); `[]` and `{}`; comment lines; and, as answers files
 * are often written, a flow list on one line of such scalars, plain ones of letters, digits and
 * `._/@+-` only (`mynetworks: [127.0.0.0/8, "[::1]/128"]`). What it returns is what the yaml
 * library (YAML 1.2, core schema) makes of the same text; for anything else (other flow
 * collections, folded or kept blocks, anchors, tags, a comment after a value, a number that is not
 * a small whole one, a repeated key, tabs, control characters, a list of mappings, a nesting deeper
 * than 32) it returns undefined and the caller reads the text with the yaml library, with its
 * messages and its limits. It never guesses what a document it does not wholly understand means;
 * test/roles/blockYaml.test.ts compares it with the library on generated and mangled documents.
 *
 * Why: the library reads a 2 kB state file in ~11 ms the first time in a process (its code is
 * cold), on the way to a re-run's `postfix check`; an answers file with flow lists ~4 ms.
 */

/** One line of the document that holds an entry. */
interface Entry {
  indent: number;
  /** The key of a mapping entry; undefined for a list item. */
  key: string | undefined;
  /** The text after `key:` or `- `, '' when there is none. */
  value: string;
  /** The text of a literal block scalar (`|` or `|-` and the lines after it). */
  literal?: string;
}

const MAX_DEPTH = 32;
/** Characters the reader leaves to the library: tabs, CR, controls, BOM, NEL, line/paragraph separators. */
const UNUSUAL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;
/** A double-quoted scalar whose escapes mean the same in JSON and YAML. */
const JSON_STRING = /^"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"$/;
const SINGLE_QUOTED = /^'((?:[^']|'')*)'$/;
/** A plain item of a flow list the reader takes (no indicator, space, colon or comma in it). */
const FLOW_PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_./@+-]*$/;
/** First characters of a plain scalar the reader does not take (YAML's indicators, and '-'). */
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`\s]/;
/** What the core schema reads as a number (int, octal, hex, float, infinity, not-a-number). */
const NUMBER =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

class NotPlain extends Error {}

/** The value of `text` as the yaml library reads it, or undefined when the text is not of the plain kind above. */
export function readBlockYaml(text: string): { value: unknown } | undefined {
  if (UNUSUAL.test(text)) return undefined;
  const entries: Entry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const body = lines[i].trimStart();
    if (body === '' || body.startsWith('#')) continue;
    const entry = entryOf(lines[i].length - body.length, body);
    if (entry === undefined) return undefined;
    if (entry.value === '|' || entry.value === '|-') {
      const block = literalBlock(lines, i + 1, entry.indent, entry.value === '|-');
      if (block === undefined) return undefined;
      entry.literal = block.text;
      entry.value = '';
      i = block.end - 1;
    }
    entries.push(entry);
  }
  if (entries.length === 0 || entries[0].indent !== 0) return undefined;
  const reader = new Reader(entries);
  try {
    const value = reader.block(0, 0);
    return reader.at === entries.length ? { value } : undefined;
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
}

function entryOf(indent: number, body: string): Entry | undefined {
  if (body.endsWith(' ')) return undefined;
  if (body.startsWith('- ')) return { indent, key: undefined, value: body.slice(2) };
  let keyText: string;
  let rest: string;
  if (body.startsWith('"')) {
    const end = closingQuote(body);
    if (end < 0) return undefined;
    keyText = body.slice(0, end + 1);
    rest = body.slice(end + 1);
  } else {
    const colon = body.indexOf(': ');
    const end = colon >= 0 ? colon : body.endsWith(':') ? body.length - 1 : -1;
    if (end <= 0) return undefined;
    keyText = body.slice(0, end);
    rest = body.slice(end);
  }
  if (rest !== ':' && !rest.startsWith(': ')) return undefined;
  const value = rest.slice(2);
  if (value.startsWith(' ')) return undefined;
  let key: unknown;
  try {
    key = scalar(keyText);
  } catch {
    return undefined;
  }
  // A key the library would not make a plain property of (a number, null, a merge key, the prototype).
  if (typeof key !== 'string' || key === '<<' || key === '__proto__') return undefined;
  return { indent, key, value };
}

/**
 * The literal block scalar whose lines start at lines[from], under an entry indented by
 * `parent`: its text (clipped: one line break at the end; `strip`: none) and the index of the
 * first line after it (a line indented less than the first ends it; one indented more keeps its
 * extra spaces). Undefined for what the reader leaves to the library: no content, a line of
 * spaces only.
 */
function literalBlock(
  lines: readonly string[],
  from: number,
  parent: number,
  strip: boolean,
): { text: string; end: number } | undefined {
  const first = lines[from] as string | undefined;
  if (first === undefined) return undefined;
  const indent = first.length - first.trimStart().length;
  if (indent <= parent || first.trim() === '') return undefined;
  const content: string[] = [];
  let end = from;
  for (; end < lines.length; end++) {
    const line = lines[end];
    if (line === '') {
      content.push('');
      continue;
    }
    const body = line.trimStart();
    if (body === '') return undefined;
    const at = line.length - body.length;
    if (at < indent) break;
    content.push(line.slice(indent));
  }
  // Empty lines at the end belong to no one here (chomping drops them): they are given back.
  while (content.length > 0 && content[content.length - 1] === '') {
    content.pop();
    end--;
  }
  const text = content.join('\n');
  return { text: strip ? text : `${text}\n`, end };
}

/** The index of the quote that ends the double-quoted scalar starting at `s[from]` (before `end`), or -1. */
function closingQuote(s: string, from = 0, end = s.length): number {
  for (let i = from + 1; i < end; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

class Reader {
  at = 0;
  constructor(private readonly entries: readonly Entry[]) {}

  /** The mapping or list whose entries start at this.at with `indent`. */
  block(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new NotPlain();
    return this.entries[this.at].key === undefined ? this.list(indent) : this.mapping(indent, depth);
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.at < this.entries.length) {
      const e = this.entries[this.at];
      if (e.indent < indent) break;
      if (e.indent > indent || e.key === undefined || Object.hasOwn(out, e.key)) throw new NotPlain();
      this.at++;
      const next = this.entries[this.at] as Entry | undefined;
      if (e.literal !== undefined) {
        out[e.key] = e.literal;
        if (next !== undefined && next.indent > indent) throw new NotPlain();
      } else if (e.value !== '') {
        out[e.key] = scalar(e.value);
        if (next !== undefined && next.indent > indent) throw new NotPlain(); // a value over several lines
      } else if (next !== undefined && next.indent > indent) {
        out[e.key] = this.block(next.indent, depth + 1);
      } else if (next !== undefined && next.indent === indent && next.key === undefined) {
        throw new NotPlain(); // a list at the key's own indentation
      } else out[e.key] = null;
    }
    return out;
  }

  private list(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.at < this.entries.length) {
      const e = this.entries[this.at];
      if (e.indent < indent) break;
      if (e.indent > indent || e.key !== undefined || (e.value === '' && e.literal === undefined)) throw new NotPlain();
      this.at++;
      out.push(e.literal ?? scalar(e.value));
    }
    return out;
  }
}

/** A scalar on one line (or `[]`, `{}`) as the core schema reads it. */
function scalar(text: string): unknown {
  if (text === '[]') return [];
  if (text === '{}') return {};
  if (text.startsWith('[')) return flowList(text);
  if (text.startsWith('"')) {
    if (!JSON_STRING.test(text)) throw new NotPlain();
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    const m = SINGLE_QUOTED.exec(text);
    if (m === null) throw new NotPlain();
    return m[1].replaceAll("''", "'");
  }
  if (INDICATOR.test(text) || /\s$|: | #|:$/.test(text)) throw new NotPlain();
  if (text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return null;
  if (text === 'true' || text === 'True' || text === 'TRUE') return true;
  if (text === 'false' || text === 'False' || text === 'FALSE') return false;
  if (NUMBER.test(text)) {
    if (/^[0-9]{1,15}$/.test(text)) return Number(text);
    throw new NotPlain();
  }
  return text;
}

/**
 * A flow list of scalars on one line (`[a, "b, c", 'd']`) as the core schema reads it: items
 * plain (FLOW_PLAIN), double-quoted with JSON's escapes or single-quoted, separated by commas
 * with spaces around them or none. Anything else (an empty item, a comma at the end, a nested
 * collection, a plain item with other characters, text after the `]`) is left to the library.
 */
function flowList(text: string): unknown[] {
  const end = text.length - 1;
  if (text[end] !== ']') throw new NotPlain();
  const out: unknown[] = [];
  let i = 1;
  const skipSpaces = () => {
    while (i < end && text[i] === ' ') i++;
  };
  skipSpaces();
  for (;;) {
    if (i >= end) throw new NotPlain(); // `[ ]`, or a comma at the end
    let item: string;
    if (text[i] === '"') {
      // Searched in place, from the item on: each item costs its own length, however long the line.
      const close = closingQuote(text, i, end);
      if (close < 0) throw new NotPlain();
      item = text.slice(i, close + 1);
    } else if (text[i] === "'") {
      let j = i + 1;
      while (j < end && !(text[j] === "'" && text[j + 1] !== "'")) j += text[j] === "'" ? 2 : 1;
      if (j >= end) throw new NotPlain();
      item = text.slice(i, j + 1);
    } else {
      const comma = text.indexOf(',', i);
      item = text.slice(i, comma < 0 ? end : comma).trimEnd();
      if (!FLOW_PLAIN.test(item)) throw new NotPlain();
    }
    out.push(scalar(item));
    i += item.length;
    skipSpaces();
    if (i === end) return out;
    if (text[i] !== ',') throw new NotPlain();
    i++;
    skipSpaces();
  }
}
