/**
 * `$name` expansion of main.cf values, as Postfix does it (`util/mac_parse.c`,
 * `util/mac_expand.c`, `global/compat_level.c`, postconf(5)).
 *
 * Supported: `$name`, `${name}`, `$(name)`, `$$`, `${name?value}`, `${name?{value}}`,
 * `${name:value}`, `${name:{value}}`, `${name?{v1}:{v2}}` (also `${name?{v1}:v2}`),
 * `${{a} OP {b}}` with OP one of `== != < <= >= >` (numeric when both sides are all digits,
 * else byte-wise `strcmp`) and the compatibility-level family `==level !=level <level <=level
 * >=level >level`, each optionally followed by `? {t} : {f}`.
 *
 * Postfix semantics kept on purpose:
 * - A value is expanded recursively: `$name` becomes the expansion of name's value.
 * - `?` and `:` test the RAW value of the name: `a = $b` with empty `b` still counts as set.
 * - An undefined name expands to the empty string (Postfix warns "undefined parameter").
 * - Text inside `{...}` keeps its inner whitespace; whitespace around `{...}` is ignored.
 * - `$` followed by anything but a name character, `{` or `(` is an error ("empty macro name").
 * Where postconf reports a fatal "macro processing error", `expand` throws an `ExpandError`
 * with the message of Postfix's warning. A parameter that (indirectly) refers to itself throws
 * "parameter expansion loop: a -> b -> a" (Postfix: "unreasonable macro call nesting").
 */

/** Thrown for every expansion problem: syntax errors, loops, bad numbers, excessive depth. */
export class ExpandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpandError';
  }
}

/** Looks up the RAW (unexpanded) value of a parameter; undefined when the name is not defined. */
export type ExpandLookup = (name: string) => string | undefined;

/** Options for `expand`. */
export interface ExpandOptions {
  /** Name of the parameter whose value is expanded (used to detect and report loops through it). */
  self?: string;
  /** Called once per reference to an undefined parameter (Postfix warns "undefined parameter: name"). */
  onUndefined?: (name: string) => void;
  /** Maximum nesting of parameter expansions (default 100, as Postfix). */
  maxDepth?: number;
}

/** C isspace() subset Postfix uses around `{...}` operands (CHARS_SPACE). */
const WS = ' \t\r\n';
const OPERATOR_CHARS = '<>!=?+-*/~&|%';
const OPERATORS = ['==', '!=', '<', '<=', '>=', '>'] as const;
type Operator = (typeof OPERATORS)[number];
const OPERATORS_EXPECTED = OPERATORS.map((o) => `"${o}"`).join(' or ');
const LONG_MAX = 9223372036854775807n;

function isNameChar(ch: string | undefined): boolean {
  return ch !== undefined && /^[A-Za-z0-9_]$/.test(ch);
}

function isAlnum(ch: string | undefined): boolean {
  return ch !== undefined && /^[A-Za-z0-9]$/.test(ch);
}

function skipWs(s: string, i: number): number {
  while (i < s.length && WS.includes(s[i])) i++;
  return i;
}

/** Byte-wise comparison of the UTF-8 encodings, like C strcmp(); returns <0, 0 or >0. */
export function strcmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function allDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

function toLong(s: string): bigint {
  const n = BigInt(s);
  if (n > LONG_MAX) throw new ExpandError(`mac_exp_eval: bad conversion: ${s}`);
  return n;
}

/** Postfix compat_level_from_string(): "major[.minor[.patch]]" as one comparable number. */
function compatLevel(s: string): bigint {
  const m = /^([0-9]+)(?:\.([0-9]+)(?:\.([0-9]+))?)?$/.exec(s);
  if (m) {
    const major = BigInt(m[1]);
    const minor = m[2] === undefined ? 0n : BigInt(m[2]);
    const patch = m[3] === undefined ? 0n : BigInt(m[3]);
    if (major <= LONG_MAX >> 20n && minor <= 1023n && patch <= 1023n) {
      return (major << 20n) | (minor << 10n) | patch;
    }
  }
  throw new ExpandError(`malformed compatibility level syntax: "${s}"`);
}

function compare(delta: number, op: Operator): boolean {
  switch (op) {
    case '==':
      return delta === 0;
    case '!=':
      return delta !== 0;
    case '<':
      return delta < 0;
    case '<=':
      return delta <= 0;
    case '>=':
      return delta >= 0;
    case '>':
      return delta > 0;
  }
}

function sign(n: bigint): number {
  return n < 0n ? -1 : n > 0n ? 1 : 0;
}

class Expander {
  private readonly stack: string[];
  private readonly maxDepth: number;

  constructor(
    private readonly lookup: ExpandLookup,
    private readonly opts: ExpandOptions,
  ) {
    this.stack = opts.self === undefined ? [] : [opts.self];
    this.maxDepth = opts.maxDepth ?? 100;
  }

  /** mac_parse(): split into literal text and `$` expressions, expanding each expression. */
  parse(text: string): string {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const ch = text[i];
      if (ch !== '$') {
        out += ch;
        i += 1;
        continue;
      }
      if (text[i + 1] === '$') {
        out += '$';
        i += 2;
        continue;
      }
      i += 1;
      let payload: string;
      const open = text[i];
      if (open === '{' || open === '(') {
        const close = open === '{' ? '}' : ')';
        let level = 1;
        let j = i + 1;
        while (level > 0) {
          if (j >= text.length) throw new ExpandError(`truncated macro reference: "${text}"`);
          if (text[j] === open) level++;
          if (text[j] === close) level--;
          j++;
        }
        payload = text.slice(i + 1, j - 1);
        i = j;
      } else {
        let j = i;
        while (j < text.length && isNameChar(text[j])) j++;
        payload = text.slice(i, j);
        i = j;
      }
      if (payload === '') throw new ExpandError(`empty macro name: "${text}"`);
      out += this.expression(payload);
    }
    return out;
  }

  /** mac_exp_extract_curly_payload(): `s[at]` is '{'; returns the payload and the index after `}` + whitespace. */
  private curly(s: string, at: number): [string, number] {
    let level = 1;
    let j = at + 1;
    for (;;) {
      if (j >= s.length) throw new ExpandError(`unbalanced {} in attribute expression: "${s.slice(at)}"`);
      if (s[j] === '{') level++;
      else if (s[j] === '}' && --level <= 0) break;
      j++;
    }
    return [s.slice(at + 1, j), skipWs(s, j + 1)];
  }

  /** One `${...}` / `$(...)` / `$name` payload (mac_expand_callback). */
  private expression(p: string): string {
    let cp = skipWs(p, 0);
    let value: string | undefined;
    let name: string | undefined;
    let ch: string | undefined;

    if (p[cp] === '{') {
      [value, cp] = this.relational(p, cp);
      ch = p[cp];
      if (ch !== undefined) {
        if (ch !== '?' && ch !== ':') throw new ExpandError(`"?" or ":" expected at: "...}>>>${p.slice(cp, cp + 20)}"`);
        cp++;
      }
    } else {
      const start = cp;
      for (;;) {
        const ws = skipWs(p, cp) - cp;
        ch = p[cp + ws];
        if (ch === undefined) {
          name = p.slice(start, cp);
          break;
        }
        if (ch === '?' || ch === ':') {
          name = p.slice(start, cp);
          cp = cp + ws + 1;
          break;
        }
        if (!isNameChar(p[cp])) {
          throw new ExpandError(`attribute name syntax error at: "...${p.slice(0, cp)}>>>${p.slice(cp, cp + 20)}"`);
        }
        cp++;
      }
      value = name === '' ? undefined : this.lookup(name);
    }

    const isSet = value !== undefined && value !== '';
    let out = '';
    if (ch === '?') {
      let ifTrue: string;
      const at = skipWs(p, cp);
      if (p[at] === '{') {
        [ifTrue, cp] = this.curly(p, at);
      } else {
        ifTrue = p.slice(cp);
        cp = p.length;
      }
      if (isSet) out += this.parse(ifTrue);
      if (cp >= p.length) return out;
      if (p[cp] !== ':') throw new ExpandError(`":" expected at: "...${ifTrue}}>>>${p.slice(cp, cp + 20)}"`);
      cp++;
      ch = ':';
    }
    if (ch === ':') {
      let ifFalse: string;
      const at = skipWs(p, cp);
      if (p[at] === '{') {
        [ifFalse, cp] = this.curly(p, at);
      } else {
        ifFalse = p.slice(cp);
        cp = p.length;
      }
      if (!isSet) out += this.parse(ifFalse);
      if (cp < p.length) throw new ExpandError(`unexpected input at: "...${ifFalse}}>>>${p.slice(cp, cp + 20)}"`);
      return out;
    }
    // Plain use.
    if (value === undefined) {
      if (name !== undefined) this.opts.onUndefined?.(name);
      return '';
    }
    if (value === '') return '';
    if (name === undefined) return this.parse(value); // relational result "true"
    return this.recurse(name, value);
  }

  private recurse(name: string, value: string): string {
    const seen = this.stack.indexOf(name);
    if (seen >= 0) {
      throw new ExpandError(`parameter expansion loop: ${[...this.stack.slice(seen), name].join(' -> ')}`);
    }
    if (this.stack.length >= this.maxDepth) {
      throw new ExpandError(`unreasonable parameter nesting (more than ${this.maxDepth} levels) at: ${name}`);
    }
    this.stack.push(name);
    try {
      return this.parse(value);
    } finally {
      this.stack.pop();
    }
  }

  /**
   * mac_exp_parse_relational(): `{a} OP {b}` starting at p[at] === '{'. Returns "true" or ""
   * and the index after the right operand and its trailing whitespace.
   */
  private relational(p: string, at: number): [string, number] {
    const [left, afterLeft] = this.curly(p, at);
    let cp = afterLeft;
    let opLen = 0;
    while (cp + opLen < p.length && OPERATOR_CHARS.includes(p[cp + opLen])) opLen++;
    const opStr = p.slice(cp, cp + opLen);
    if (!(OPERATORS as readonly string[]).includes(opStr)) {
      throw new ExpandError(`${OPERATORS_EXPECTED} expected at: "...${left}}>>>${p.slice(cp, cp + 20)}"`);
    }
    const op = opStr as Operator;
    cp += opLen;
    let levelCompare = false;
    if (isAlnum(p[cp])) {
      let len = 1;
      while (isAlnum(p[cp + len])) len++;
      const suffix = p.slice(cp, cp + len);
      if (suffix !== 'level') throw new ExpandError(`bad operator suffix at: "...${opStr}>>>${suffix}"`);
      levelCompare = true;
      cp += len;
    }
    const rightAt = skipWs(p, cp);
    if (p[rightAt] !== '{') {
      throw new ExpandError(`"{expression}" expected at: "...{${left}} ${opStr}>>>${p.slice(cp, cp + 20)}"`);
    }
    const [right, afterRight] = this.curly(p, rightAt);
    const l = this.parse(left);
    const r = this.parse(right);
    let delta: number;
    if (levelCompare) delta = sign(compatLevel(l) - compatLevel(r));
    else if (allDigits(l) && allDigits(r)) delta = sign(toLong(l) - toLong(r));
    else delta = strcmp(l, r);
    return [compare(delta, op) ? 'true' : '', afterRight];
  }
}

/**
 * Expand the `$` expressions in `value`, looking names up with `lookup` (raw values; they are
 * expanded recursively). Throws `ExpandError` on a syntax error or a loop.
 */
export function expand(value: string, lookup: ExpandLookup, opts: ExpandOptions = {}): string {
  return new Expander(lookup, opts).parse(value);
}

/** The raw-value source `expandParam` needs: a parsed main.cf (`MainCf` satisfies it). */
export interface ParameterSource {
  get(name: string): string | undefined;
}

/**
 * The expanded value of parameter `name` as Postfix would use it: main.cf's (last) definition,
 * else `defaults[name]`; names referenced through `$` are resolved the same way. Returns
 * undefined when `name` is neither in main.cf nor in `defaults`.
 */
export function expandParam(
  cf: ParameterSource,
  name: string,
  defaults: Record<string, string>,
  opts: Omit<ExpandOptions, 'self'> = {},
): string | undefined {
  const lookup: ExpandLookup = (n) => {
    const v = cf.get(n);
    if (v !== undefined) return v;
    return Object.prototype.hasOwnProperty.call(defaults, n) ? defaults[n] : undefined;
  };
  const raw = lookup(name);
  if (raw === undefined) return undefined;
  return expand(raw, lookup, { ...opts, self: name });
}
