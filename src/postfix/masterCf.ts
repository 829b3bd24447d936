/**
 * master.cf editor that writes exactly the bytes `postconf -M/-F/-P` (Postfix 3.7.11) writes.
 *
 * The editor is a re-implementation of `postconf_edit.c:pcf_edit_master` (one line-state
 * machine per call), `postconf_master.c:pcf_parse_master_entry` (tokens, field checks, daemon
 * option normalisation) and `pcf_print_master_entry` (fixed columns, `-o` options on their own
 * lines, folding at 80 columns). Every mutating method corresponds to one postconf call:
 *
 * | method                                | postconf call                               |
 * | ------------------------------------- | ------------------------------------------- |
 * | `setField(s, t, field, v)`            | `postconf -F 's/t/field = v'`               |
 * | `setOption(s, t, name, v)`            | `postconf -P 's/t/name = v'`                |
 * | `removeOption(s, t, name)`            | `postconf -PX 's/t/name'`                   |
 * | `replaceService(s, t, line)`          | `postconf -Me 's/t = line'`                 |
 * | `removeService(s, t)`                 | `postconf -MX 's/t'`                        |
 * | `commentOutService(s, t)`             | `postconf -M# 's/t'`                        |
 *
 * Deliberate differences from postconf: wildcards (`*`) are not accepted; a missing final newline
 * is added by every edit (the behaviour of the fixed releases 3.7.15/3.8.10/3.9.4/3.10.2+, where
 * 3.7.11 would glue an appended entry onto the last line); and inputs that postconf would
 * silently corrupt are refused with an Error that names the problem (the object is unchanged).
 */
import { Buffer } from 'node:buffer';
import { assertNoNul, isNonContent, isSpace, splitPhysicalLines } from './lines.js';

/** The five service types master(8) knows. */
export type ServiceType = 'inet' | 'unix' | 'unix-dgram' | 'fifo' | 'pass';

/** The `-F` field names of a master.cf entry, in column order. */
export type MasterField =
  'service' | 'type' | 'private' | 'unprivileged' | 'chroot' | 'wakeup' | 'process_limit' | 'command';

/** Field names in column order (index = column number). */
export const MASTER_FIELDS: readonly MasterField[] = [
  'service',
  'type',
  'private',
  'unprivileged',
  'chroot',
  'wakeup',
  'process_limit',
  'command',
];

/** Valid service types. */
export const SERVICE_TYPES: readonly ServiceType[] = ['inet', 'unix', 'unix-dgram', 'fifo', 'pass'];

/** One active master.cf entry, as master(8) reads it. */
export interface MasterEntry {
  service: string;
  type: string;
  private: string;
  unprivileged: string;
  chroot: string;
  wakeup: string;
  process_limit: string;
  command: string;
  /** `-o name=value` options in order (`-o { name = value }` normalised to name/value). */
  options: Array<[string, string]>;
  /** Other daemon options before the first non-option argument, e.g. `-v`, `-D`, `--`. */
  flags: string[];
  /** The command's non-option arguments (braces of `{ ... }` groups removed). */
  args: string[];
  /** 1-based physical line number of the entry's first line. */
  line: number;
  commented?: false;
}

/* ------------------------------------------------------------------------------------------ */
/* Tokens: argv_splitq, balpar, extpar, split_nameval, pcf_normalize_daemon_args               */
/* ------------------------------------------------------------------------------------------ */

/** PCF_MASTER_BLANKS: the separators of master.cf fields. */
function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function hasBlank(s: string): boolean {
  for (const ch of s) if (isBlank(ch)) return true;
  return false;
}

/** Byte length as postconf counts it (strlen of the UTF-8 text). */
function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** A run of characters that are not blanks. */
const WORD = /[^ \t\r\n]+/g;

/** argv_splitq(text, " \t\r\n", "{}"): split on blanks, a balanced `{...}` stays one token. */
function splitTokens(text: string): string[] {
  // Without a brace every token is a run of non-blanks (one native scan: this runs for every line
  // of master.cf, before the code below would be compiled).
  if (!text.includes('{')) return text.match(WORD) ?? [];
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && isBlank(text[i])) i++;
    if (i >= n) break;
    const start = i;
    let level = 0;
    for (; i < n; i++) {
      const ch = text[i];
      if (ch === '{') level++;
      else if (level > 0 && ch === '}') level--;
      else if (level === 0 && isBlank(ch)) break;
    }
    out.push(text.slice(start, i));
  }
  return out;
}

/** The brace nesting level left open at the end of `s` (mystrtokq's rules). */
function openBraces(s: string): number {
  let level = 0;
  for (const ch of s) {
    if (ch === '{') level++;
    else if (level > 0 && ch === '}') level--;
  }
  return level;
}

/** balpar(): length of the balanced `{...}` group at the start of s, 0 if unbalanced. */
function balancedLength(s: string): number {
  if (s[0] !== '{') return 0;
  let level = 1;
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '}') {
      if (--level === 0) return i + 1;
    } else if (s[i] === '{') {
      level++;
    }
  }
  return 0;
}

/** extpar(s, "{}", EXTPAR_FLAG_STRIP): the text inside the braces, edge whitespace removed. */
function extractBraced(s: string): string {
  const len = balancedLength(s);
  let inner = len === 0 ? s.slice(1) : s.slice(1, len - 1);
  let end = inner.length;
  while (end > 0 && isSpace(inner[end - 1])) end--;
  inner = inner.slice(0, end);
  let start = 0;
  while (start < inner.length && isSpace(inner[start])) start++;
  return inner.slice(start);
}

/** split_nameval(): `name = value` → [name, value], or undefined on a syntax error. */
function splitNameValue(s: string): [string, string] | undefined {
  let np = 0;
  while (np < s.length && isSpace(s[np])) np++;
  if (np >= s.length || s[np] === '=') return undefined;
  let ep = np;
  while (ep < s.length && !isSpace(s[ep]) && s[ep] !== '=') ep++;
  let cp = ep;
  while (cp < s.length && isSpace(s[cp])) cp++;
  if (s[cp] !== '=') return undefined;
  cp++;
  while (cp < s.length && isSpace(s[cp])) cp++;
  let end = s.length;
  while (end > cp && isSpace(s[end - 1])) end--;
  return [s.slice(np, ep), s.slice(cp, end)];
}

/** An option token that takes a value: `-o...`, and (postconf quirk) a lone `-`. */
function expectsValue(arg: string): boolean {
  return arg[1] === 'o' || arg.length === 1;
}

/**
 * pcf_normalize_daemon_args(). `faithful` reproduces postconf's cluster split at EVERY later
 * letter o (`-osyslog_name=x` → `-o sysl`, `-og_name=x`); otherwise the split follows getopt
 * (only an `o` that is not the second character starts a new option), which is what the
 * daemons see.
 */
function normalizeDaemonArgs(argv: string[], faithful: boolean): void {
  let field = 8;
  for (; field < argv.length; field++) {
    let arg = argv[field];
    if (arg[0] !== '-' || arg === '--') break;
    const split = faithful ? arg.indexOf('o', 2) : arg[1] === 'o' ? -1 : arg.indexOf('o', 2);
    if (split >= 2) {
      argv.splice(field + 1, 0, '-' + arg.slice(split));
      arg = arg.slice(0, split);
      argv[field] = arg;
    }
    if (!expectsValue(arg)) continue;
    let extract: boolean;
    if (arg.length > 2) {
      argv.splice(field + 1, 0, arg.slice(2));
      argv[field] = arg.slice(0, 2);
      field += 1;
      extract = argv[field][0] === '{';
    } else if (field + 1 < argv.length) {
      field += 1;
      extract = argv[field][0] === '{';
    } else {
      extract = false;
    }
    if (extract) {
      argv[field] = extractBraced(argv[field]);
      if (argv[field - 1][1] === 'o') {
        const nv = splitNameValue(argv[field]);
        if (nv) argv[field] = `${nv[0]}=${nv[1]}`;
      }
    }
  }
  for (; field < argv.length; field++) {
    if (argv[field][0] === '{') argv[field] = extractBraced(argv[field]);
  }
}

/** pcf_check_master_entry(): the message postconf uses, or undefined when the fields are valid. */
function checkFields(argv: readonly string[], rawText: string): string | undefined {
  const raw = rawText.replace(/\n/g, ' ');
  if (!(SERVICE_TYPES as readonly string[]).includes(argv[1])) {
    return `invalid type field "${argv[1]}" in "${raw}"`;
  }
  for (let field = 2; field <= 4; field++) {
    const v = argv[field];
    if (v.length !== 1 || !'yn-'.includes(v)) {
      return `invalid ${MASTER_FIELDS[field]} field "${v}" in "${raw}"`;
    }
  }
  const wakeup = argv[5];
  const wlen = wakeup.endsWith('?') ? wakeup.length - 1 : wakeup.length;
  if (!(wakeup[0] === '-' && wlen === 1) && digitSpan(wakeup) !== wlen) {
    return `invalid wakeup field "${wakeup}" in "${raw}"`;
  }
  const limit = argv[6];
  if (limit !== '-' && digitSpan(limit) !== limit.length) {
    return `invalid process_limit field "${limit}" in "${raw}"`;
  }
  return undefined;
}

function digitSpan(s: string): number {
  let i = 0;
  while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
  return i;
}

/**
 * Parse one (possibly multi-line) master.cf entry the way postconf does for editing: split into
 * tokens, check the fields, normalise the daemon options (`-oname=value` → `-o`, `name=value`;
 * `-o { name = value }` → `-o`, `name=value`; braces of other `{ ... }` arguments removed).
 * Throws `bad field count` or postconf's `invalid <field> field "..." in "..."`.
 */
export function parseMasterEntry(text: string): string[] {
  const argv = splitTokens(text);
  if (argv.length < 8)
    throw new Error(`bad field count: ${argv.length} fields in "${text.replace(/\n/g, ' ')}", at least 8 needed`);
  const err = checkFields(argv, text);
  if (err) throw new Error(err);
  normalizeDaemonArgs(argv, true);
  return argv;
}

/* ------------------------------------------------------------------------------------------ */
/* Printer: pcf_print_master_entry(fp, PCF_FOLD_LINE, entry)                                   */
/* ------------------------------------------------------------------------------------------ */

const COLUMN_GOAL = [0, 11, 17, 25, 33, 41, 49, 57];
const LINE_LIMIT = 80;
const INDENT_LEN = 4;
const INDENT_TEXT = '    ';

/**
 * postconf's printer with line folding, as used by every master.cf edit: the 8 fields at columns
 * 0/11/17/25/33/41/49/57 (at least one space apart), each `-o` option (and a lone `-`) with its
 * value alone on a line indented by 4 spaces, other arguments packed while `len + 1 + tlen < 80`,
 * `{...}` around values with whitespace — except the first non-option argument (postconf bug,
 * reproduced). `tokens` is a normalised entry as returned by {@link parseMasterEntry}. Returns
 * the text with a final "\n".
 */
export function formatMasterEntry(tokens: readonly string[]): string {
  if (tokens.length < 8)
    throw new Error(`formatMasterEntry: a master.cf entry needs at least 8 fields, got ${tokens.length}`);
  let out = '';
  let len = 0;
  for (let field = 0; field < 8; field++) {
    if (len > 0) {
      do {
        out += ' ';
        len++;
      } while (len < COLUMN_GOAL[field]);
    }
    out += tokens[field];
    len += byteLength(tokens[field]);
  }
  let inOptions = true;
  for (let field = 8; field < tokens.length; field++) {
    const arg = tokens[field];
    let argLen = byteLength(arg);
    let aval: string | undefined;
    let parens = false;
    if (inOptions) {
      if (arg[0] !== '-' || arg === '--') {
        inOptions = false;
      } else if (expectsValue(arg) && field + 1 < tokens.length) {
        aval = tokens[field + 1];
        len = LINE_LIMIT;
        argLen += byteLength(aval) + 3;
        parens = hasBlank(aval);
        if (parens) argLen += 2;
      }
    } else {
      parens = hasBlank(arg);
    }
    if (len > INDENT_LEN) {
      if (len + 1 + argLen < LINE_LIMIT) {
        out += ' ';
        len += 1;
      } else {
        out += '\n' + INDENT_TEXT;
        len = INDENT_LEN;
      }
    }
    const braced = !inOptions && parens;
    out += braced ? `{${arg}}` : arg;
    len += byteLength(arg) + (braced ? 2 : 0);
    if (aval !== undefined) {
      out += ' ' + (parens ? `{${aval}}` : aval);
      field += 1;
      len = LINE_LIMIT;
    }
  }
  return out + '\n';
}

/* ------------------------------------------------------------------------------------------ */
/* Reading a whole file                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** First two blank-separated words of a physical line (mystrtok on PCF_MASTER_BLANKS). */
function nameAndType(line: string): [string | undefined, string | undefined] {
  const words: string[] = [];
  let i = 0;
  while (words.length < 2) {
    while (i < line.length && isBlank(line[i])) i++;
    if (i >= line.length) break;
    const start = i;
    while (i < line.length && !isBlank(line[i])) i++;
    words.push(line.slice(start, i));
  }
  return [words[0], words[1]];
}

/** The per-line checks postconf applies to every entry when it edits master.cf. */
function lineHeaderError(line: string): string | undefined {
  const [name, type] = nameAndType(line);
  if (name === undefined || type === undefined) return 'specify service name and type on the same line';
  if (name.includes('=')) return `service name syntax "${name}" is unsupported with postconf -M, -F or -P editing`;
  if (/[=/]/.test(type)) return `service type syntax "${type}" is unsupported with postconf -M, -F or -P editing`;
  return undefined;
}

function entryFromTokens(tokens: string[], line: number): MasterEntry {
  const argv = tokens.slice();
  normalizeDaemonArgs(argv, false);
  const options: Array<[string, string]> = [];
  const flags: string[] = [];
  let field = 8;
  for (; field < argv.length; field++) {
    const arg = argv[field];
    if (arg === '--') {
      flags.push(arg);
      field++;
      break;
    }
    if (arg[0] !== '-') break;
    if (arg === '-o' && field + 1 < argv.length) {
      const value = argv[++field];
      const eq = value.indexOf('=');
      options.push(eq < 0 ? [value, ''] : [value.slice(0, eq), value.slice(eq + 1)]);
    } else if (arg === '-' && field + 1 < argv.length) {
      flags.push(arg, argv[++field]);
    } else {
      flags.push(arg);
    }
  }
  return {
    service: argv[0],
    type: argv[1],
    private: argv[2],
    unprivileged: argv[3],
    chroot: argv[4],
    wakeup: argv[5],
    process_limit: argv[6],
    command: argv[7],
    options,
    flags,
    args: argv.slice(field),
    line,
  };
}

/** Read all active entries (readllines + pcf_parse_master_entry); throws on anything invalid. */
function readEntries(text: string): MasterEntry[] {
  assertNoNul(text, 'master.cf');
  if (text.startsWith('\uFEFF') || text.startsWith('\u00EF\u00BB\u00BF')) {
    throw new Error(
      'master.cf: starts with a byte order mark (BOM); Postfix would read it as part of the first service name',
    );
  }
  const lines = splitPhysicalLines(text);
  const logical: Array<{ line: number; text: string }> = [];
  lines.forEach((raw, index) => {
    if (isNonContent(raw)) return;
    const body = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
    if (isSpace(raw[0])) {
      // readllines: a continuation without a logical line before it is skipped (with a warning).
      if (logical.length > 0) logical[logical.length - 1].text += body;
      return;
    }
    const err = lineHeaderError(raw);
    if (err) throw new Error(`master.cf: line ${index + 1}: ${err}`);
    logical.push({ line: index + 1, text: body });
  });
  return logical.map(({ line, text: entryText }) => {
    const tokens = splitTokens(entryText);
    if (tokens.length < 8) {
      throw new Error(
        `master.cf: line ${line}: bad field count: ${tokens.length} fields in "${entryText}", at least 8 needed`,
      );
    }
    const err = checkFields(tokens, entryText);
    if (err) throw new Error(`master.cf: line ${line}: ${err}`);
    return entryFromTokens(tokens, line);
  });
}

/* ------------------------------------------------------------------------------------------ */
/* Refusals                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** A C0 control character or DEL, reported as 0xNN; `\t` only where `allowTab`. */
function controlChar(s: string, allowTab: boolean): string | undefined {
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if ((code < 0x20 && !(allowTab && ch === '\t')) || code === 0x7f) {
      return `0x${code.toString(16).padStart(2, '0')}`;
    }
  }
  return undefined;
}

/**
 * A joined option token that postconf would split at a later letter o (all versions):
 * the raw tokens are walked the way getopt reads them.
 */
function joinedOptionWithO(tokens: readonly string[]): string | undefined {
  for (let field = 8; field < tokens.length; field++) {
    const t = tokens[field];
    if (t[0] !== '-' || t === '--') break;
    const first = t.indexOf('o', 1);
    if (first >= 1 && t.indexOf('o', first + 1) >= 0) return t;
    if (t === '-' || (first >= 1 && first === t.length - 1)) field++;
  }
  return undefined;
}

function suggestSplit(t: string): string {
  const first = t.indexOf('o', 1);
  const cluster = t.slice(0, first);
  return `${cluster.length > 1 ? cluster + ' ' : ''}-o ${t.slice(first + 1)}`;
}

/**
 * A lone `-` among the daemon options: postconf takes it for an option with a value and reads
 * the byte after its terminating NUL (`arg[2]`), inserting heap garbage as an extra argument.
 */
function loneDash(tokens: readonly string[]): string | undefined {
  for (let field = 8; field < tokens.length; field++) {
    const t = tokens[field];
    if (t[0] !== '-' || t === '--') break;
    if (t === '-') {
      return 'a lone "-" among the daemon options: postconf reads past its end and writes garbage into the entry';
    }
    const first = t.indexOf('o', 1);
    if (first >= 1 && first === t.length - 1) field++;
  }
  return undefined;
}

/** The first non-option argument, as postconf's printer finds it (it prints it without braces). */
function firstArgument(tokens: readonly string[]): string | undefined {
  for (let field = 8; field < tokens.length; field++) {
    const t = tokens[field];
    if (t[0] !== '-' || t === '--') return t === '--' ? undefined : t;
    if (expectsValue(t) && field + 1 < tokens.length) field++;
  }
  return undefined;
}

/** Tokens whose `{...}` group postconf would read wrongly (unbalanced, or text after `}`). */
function malformedBraces(tokens: readonly string[]): string | undefined {
  for (let field = 0; field < tokens.length; field++) {
    const t = tokens[field];
    if (openBraces(t) > 0) return `missing '}' in "${t}"`;
    if (field >= 8 && t[0] === '{' && balancedLength(t) !== t.length) return `text after '}' in "${t}"`;
  }
  return undefined;
}

/**
 * Everything postconf would corrupt when it re-formats the entry with these raw tokens and the
 * given (already edited, normalised) result. Returns a message or undefined.
 */
function reformatProblem(raw: readonly string[], normalized: readonly string[]): string | undefined {
  const dash = loneDash(raw);
  if (dash) return dash;
  const braces = malformedBraces(raw);
  if (braces) return `${braces}: postconf would not keep this argument intact`;
  const joined = joinedOptionWithO(raw);
  if (joined) {
    return `joined option "${joined}" contains the letter 'o': postconf would split it at every 'o'; write it as "${suggestSplit(joined)}"`;
  }
  const first = firstArgument(normalized);
  if (first !== undefined && hasBlank(first)) {
    return `the first non-option argument "${first}" contains whitespace: postconf would write it without the {} it needs`;
  }
  const name = normalized[0];
  if (/[/*={}]/.test(name) || name.startsWith('#')) {
    return `service name "${name}" cannot be edited with postconf (it must not contain '/', '*', '=', '{' or '}' or start with '#')`;
  }
  const printed = formatMasterEntry(normalized);
  const lines = splitPhysicalLines(printed);
  for (let i = 1; i < lines.length; i++) {
    if (isNonContent(lines[i])) {
      return `argument "${lines[i].trim()}" would start a line of its own and turn it into a comment`;
    }
  }
  const reread = splitTokens(printed);
  normalizeDaemonArgs(reread, true);
  if (reread.length !== normalized.length || reread.some((t, i) => t !== normalized[i])) {
    const at = reread.findIndex((t, i) => t !== normalized[i]);
    return `argument "${normalized[at] ?? ''}" would not survive postconf's re-formatting`;
  }
  return undefined;
}

/* ------------------------------------------------------------------------------------------ */
/* The edit state machine: pcf_edit_master                                                      */
/* ------------------------------------------------------------------------------------------ */

type EditRequest =
  | { kind: 'field'; field: number; value: string }
  | { kind: 'param'; name: string; value: string }
  | { kind: 'paramx'; name: string }
  | { kind: 'entry'; tokens: string[] }
  | { kind: 'exclude' }
  | { kind: 'comment' };

interface EditContext {
  method: string;
  service: string;
  type: string;
  request: EditRequest;
}

/** pcf_edit_master_param(): update, add or (paramx) remove `-o name=value`. */
function editParam(argv: string[], name: string, value: string | undefined): void {
  let matched = false;
  let field = 8;
  for (; field < argv.length; field++) {
    const arg = argv[field];
    if (arg[0] !== '-' || arg === '--') break;
    if (expectsValue(arg) && field + 1 < argv.length) {
      const aval = argv[field + 1];
      if (arg === '-o' && aval.startsWith(name) && aval[name.length] === '=') {
        matched = true;
        if (value !== undefined) {
          argv[field + 1] = `${name}=${value}`;
        } else {
          argv.splice(field, 2);
          field -= 2;
        }
      }
      field += 1;
    }
  }
  if (value !== undefined && !matched) argv.splice(field, 0, '-o', `${name}=${value}`);
}

/** pcf_edit_master_field(): replace one column, or the command and all its arguments. */
function editField(argv: string[], field: number, value: string): string[] {
  let raw: string[];
  if (field === 7) {
    argv.length = 7;
    argv.push(...splitTokens(value));
    raw = argv.slice();
    normalizeDaemonArgs(argv, true);
  } else {
    argv[field] = value;
    raw = argv.slice();
  }
  const err = checkFields(argv, value);
  if (err) throw new Error(err);
  return raw;
}

interface EditResult {
  text: string;
  matched: number;
}

/**
 * One postconf master.cf edit over the whole text (modern reader: every line read by the main
 * loop gets a missing final "\n"; lines swallowed by GOBBLE do not, as in every release).
 */
function runEdit(text: string, ctx: EditContext): EditResult {
  const { request } = ctx;
  const lines = splitPhysicalLines(text);
  const where = (line: number): string => `${ctx.method}: service ${ctx.service}/${ctx.type} (line ${line})`;
  let out = '';
  let matchCount = 0;
  let matched = false;
  let i = 0;
  while (i < lines.length) {
    const lineNo = i + 1;
    const raw = lines[i++];
    const line = raw.endsWith('\n') ? raw : raw + '\n';
    if (isNonContent(line)) {
      out += line;
      continue;
    }
    if (isSpace(line[0])) {
      if (!matched) out += line;
      else if (request.kind === 'comment') out += '#' + line;
      continue;
    }
    matched = false;
    const headerErr = lineHeaderError(line);
    if (headerErr) throw new Error(`master.cf: line ${lineNo}: ${headerErr}`);
    const [name, type] = nameAndType(line) as [string, string];
    let newEntry: string[] | undefined;
    if (name === ctx.service && type === ctx.type) {
      matched = true;
      matchCount++;
      if (request.kind === 'field' || request.kind === 'param' || request.kind === 'paramx') {
        // GOBBLE: comment/blank lines after the entry are written now, continuations collected.
        let full = line;
        while (i < lines.length) {
          const next = lines[i];
          if (next[0] !== '#' && !isSpace(next[0])) break;
          i++;
          if (isNonContent(next)) {
            if (!next.endsWith('\n')) {
              throw new Error(
                `${where(lineNo)}: the last line of master.cf (line ${i}) is a comment or blank line without a final newline; ` +
                  'postconf -F/-P would write the rewritten entry onto that line — add the final newline first',
              );
            }
            out += next;
          } else {
            full += next;
          }
        }
        const tokens = splitTokens(full);
        if (tokens.length < 8) throw new Error(`master.cf: line ${lineNo}: bad field count`);
        const checkErr = checkFields(tokens, full);
        if (checkErr) throw new Error(`master.cf: line ${lineNo}: ${checkErr}`);
        let rawTokens = tokens.slice();
        const argv = tokens;
        normalizeDaemonArgs(argv, true);
        if (request.kind === 'field') {
          const newRaw = editField(argv, request.field, request.value);
          // A new command drops the old arguments: only the new ones are normalised again.
          if (request.field === 7) rawTokens = newRaw;
          else rawTokens[request.field] = request.value;
        } else {
          editParam(argv, request.name, request.kind === 'param' ? request.value : undefined);
        }
        const problem = reformatProblem(rawTokens, argv);
        if (problem) throw new Error(`${where(lineNo)}: ${problem}`);
        newEntry = argv;
      } else if (request.kind === 'entry' && matchCount === 1) {
        newEntry = request.tokens;
      }
    } else if (request.kind === 'entry' && request.tokens[0] === name && request.tokens[1] === type) {
      matched = true;
      matchCount++;
      if (matchCount === 1) newEntry = request.tokens;
    }
    if (newEntry) out += formatMasterEntry(newEntry);
    else if (!matched) out += line;
    else if (request.kind === 'comment') out += '#' + line;
  }
  if (matchCount === 0 && request.kind === 'entry') out += formatMasterEntry(request.tokens);
  return { text: out, matched: matchCount };
}

/* ------------------------------------------------------------------------------------------ */
/* Argument validation                                                                          */
/* ------------------------------------------------------------------------------------------ */

function checkNoControl(method: string, what: string, value: string, allowTab = false): void {
  const c = controlChar(value, allowTab);
  if (c) throw new Error(`${method}: ${what} contains control character ${c}`);
}

function checkName(method: string, what: string, value: string): void {
  checkNoControl(method, what, value);
  if (value === '' || /[ \t\n\r\v\f/*={}]/.test(value) || value.startsWith('#')) {
    throw new Error(
      `${method}: invalid ${what} "${value}": it must not be empty, start with '#' or contain whitespace, '/', '*', '=', '{' or '}'`,
    );
  }
}

function checkService(method: string, service: string, type: string): void {
  checkName(method, 'service name', service);
  checkNoControl(method, 'service type', type);
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
    throw new Error(`${method}: invalid type field "${type}" (expected inet, unix, unix-dgram, fifo or pass)`);
  }
}

/** The value checks of setField (stricter than postconf's: no empty values, digits required). */
function checkFieldValue(method: string, field: MasterField, value: string): void {
  const expected: Record<Exclude<MasterField, 'command'>, [RegExp, string]> = {
    service: [/^/, ''],
    type: [/^(inet|unix|unix-dgram|fifo|pass)$/, 'inet, unix, unix-dgram, fifo or pass'],
    private: [/^[yn-]$/, 'y, n or -'],
    unprivileged: [/^[yn-]$/, 'y, n or -'],
    chroot: [/^[yn-]$/, 'y, n or -'],
    wakeup: [/^(-|[0-9]+\??)$/, '- or a number of seconds with optional trailing ?'],
    process_limit: [/^(-|[0-9]+)$/, '- or a number'],
  };
  if (field === 'command') {
    checkNoControl(method, 'command', value, true);
    if (value.trim() === '') throw new Error(`${method}: the command must not be empty`);
    if (value.trimStart().startsWith('#'))
      throw new Error(`${method}: the command starts with '#'; postconf accepts no comment input`);
    if (openBraces(value) > 0) throw new Error(`${method}: missing '}' in "${value}"`);
    return;
  }
  if (field === 'service') {
    checkName(method, 'service name', value);
    return;
  }
  checkNoControl(method, `${field} value`, value);
  const [re, what] = expected[field];
  if (!re.test(value)) throw new Error(`${method}: invalid ${field} field "${value}" (expected ${what})`);
}

/** Strip what split_nameval strips from a value (leading/trailing whitespace). */
function trimValue(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value[start])) start++;
  while (end > start && isSpace(value[end - 1])) end--;
  return value.slice(start, end);
}

/* ------------------------------------------------------------------------------------------ */
/* The public class                                                                             */
/* ------------------------------------------------------------------------------------------ */

function copyEntry(e: MasterEntry): MasterEntry {
  return { ...e, options: e.options.map(([n, v]) => [n, v]), flags: e.flags.slice(), args: e.args.slice() };
}

/**
 * An editable master.cf. `parse` reads and validates a file; each mutating method applies one
 * postconf edit to the whole text (byte-identical to Postfix 3.7.11 apart from the documented
 * refusals and the missing-final-newline fix) and returns `this`. A refused or failing edit
 * throws an Error and leaves the object unchanged.
 */
export class MasterCf {
  private text: string;
  private entries: MasterEntry[];
  private lastWarnings: string[] = [];

  private constructor(text: string, entries: MasterEntry[]) {
    this.text = text;
    this.entries = entries;
  }

  /**
   * Parse master.cf text. Throws on a NUL byte, a BOM, a service whose name and type are on
   * different physical lines, an entry with fewer than 8 fields, and invalid fields
   * (postconf's own checks and words, prefixed with `master.cf: line N:`).
   */
  static parse(text: string): MasterCf {
    return new MasterCf(text, readEntries(text));
  }

  /** The active entries in file order (copies). */
  services(): MasterEntry[] {
    return this.entries.map(copyEntry);
  }

  /** The last definition of service/type (master(8) uses the last), or undefined. */
  get(service: string, type: string): MasterEntry | undefined {
    for (let k = this.entries.length - 1; k >= 0; k--) {
      const e = this.entries[k];
      if (e.service === service && e.type === type) return copyEntry(e);
    }
    return undefined;
  }

  /** Warnings postconf would print for the last edit (e.g. `unmatched service_name/type: "..."`). */
  warnings(): string[] {
    return this.lastWarnings.slice();
  }

  /**
   * `postconf -F 'service/type/field = value'`: set one column (or, for `command`, the command
   * and all its arguments). Every matching entry is re-formatted and moved below the comment
   * and blank lines that follow it. No match: unchanged text plus a warning.
   */
  setField(service: string, type: string, field: MasterField, value: string): this {
    const method = 'MasterCf.setField';
    checkService(method, service, type);
    const index = MASTER_FIELDS.indexOf(field);
    if (index < 0) throw new Error(`${method}: invalid service attribute name: "${String(field)}"`);
    const v = field === 'command' ? trimValue(value) : value;
    checkFieldValue(method, field, v);
    return this.apply(
      { method, service, type, request: { kind: 'field', field: index, value: v } },
      `${service}/${type}/${field}=${v}`,
    );
  }

  /**
   * `postconf -P 'service/type/name = value'`: replace every `-o name=...` of the entry, or
   * insert `-o name=value` after the last option. Re-formats and moves the entry like setField.
   */
  setOption(service: string, type: string, name: string, value: string): this {
    const method = 'MasterCf.setOption';
    checkService(method, service, type);
    checkName(method, 'option name', name);
    checkNoControl(method, 'option value', value);
    if (/[ \t\n\r\v\f]/.test(value))
      throw new Error(`${method}: option value "${value}" contains whitespace (postconf -P accepts none)`);
    if (openBraces(value) > 0) throw new Error(`${method}: missing '}' in option value "${value}"`);
    return this.apply(
      { method, service, type, request: { kind: 'param', name, value } },
      `${service}/${type}/${name}=${value}`,
    );
  }

  /**
   * `postconf -PX 'service/type/name'`: remove every `-o name=...`. Re-formats and moves the
   * entry even when it had no such option.
   */
  removeOption(service: string, type: string, name: string): this {
    const method = 'MasterCf.removeOption';
    checkService(method, service, type);
    checkName(method, 'option name', name);
    return this.apply({ method, service, type, request: { kind: 'paramx', name } }, `${service}/${type}/${name}`);
  }

  /**
   * `postconf -Me 'service/type = entryLine'`: the first entry that matches service/type or the
   * new line's own name/type is replaced in place (re-formatted, comments between its lines
   * kept); later matches are deleted. No match: the entry is appended at the end.
   */
  replaceService(service: string, type: string, entryLine: string): this {
    const method = 'MasterCf.replaceService';
    checkService(method, service, type);
    checkNoControl(method, 'entry line', entryLine, true);
    const value = trimValue(entryLine);
    if (value.startsWith('#'))
      throw new Error(`${method}: the entry line starts with '#'; postconf accepts no comment input`);
    const raw = splitTokens(value);
    if (raw.length < 8)
      throw new Error(`${method}: bad field count: ${raw.length} fields in "${value}", at least 8 needed`);
    const fieldErr = checkFields(raw, value);
    if (fieldErr) throw new Error(`${method}: ${fieldErr}`);
    const tokens = raw.slice();
    normalizeDaemonArgs(tokens, true);
    const problem = reformatProblem(raw, tokens);
    if (problem) throw new Error(`${method}: ${problem}`);
    return this.apply({ method, service, type, request: { kind: 'entry', tokens } }, undefined);
  }

  /** `postconf -MX 'service/type'`: delete the entry's lines (comments between them stay). */
  removeService(service: string, type: string): this {
    const method = 'MasterCf.removeService';
    checkService(method, service, type);
    return this.apply({ method, service, type, request: { kind: 'exclude' } }, undefined);
  }

  /** `postconf -M# 'service/type'`: prefix `#` to each line of the entry, unformatted. */
  commentOutService(service: string, type: string): this {
    const method = 'MasterCf.commentOutService';
    checkService(method, service, type);
    return this.apply({ method, service, type, request: { kind: 'comment' } }, undefined);
  }

  /** The file text. */
  toString(): string {
    return this.text;
  }

  private apply(ctx: EditContext, unmatchedText: string | undefined): this {
    const result = runEdit(this.text, ctx);
    let entries: MasterEntry[];
    try {
      entries = readEntries(result.text);
    } catch (e) {
      throw new Error(
        `${ctx.method}: internal error: the edit produced an unreadable master.cf (${(e as Error).message})`,
      );
    }
    this.text = result.text;
    this.entries = entries;
    this.lastWarnings =
      result.matched === 0 && unmatchedText !== undefined ? [`unmatched service_name/type: "${unmatchedText}"`] : [];
    return this;
  }
}
