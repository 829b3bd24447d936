/**
 * Seeded random generator of main.cf files and edit sequences for the differential tests
 * against the real postconf (test/postfix/mainCf.diff.test.ts), and of `$` expressions for the
 * expansion tests. Deterministic: the same seed gives the same cases (mulberry32 PRNG).
 *
 * Strings are "byte strings": every character is < U+0100 so that they round-trip through
 * latin1 exactly like the bytes postconf reads and writes, and every string is also valid UTF-8
 * when read as bytes (see `CAFE`), so it can be passed to postconf as a command-line argument.
 */

import { mulberry32, Rng } from './prng.js';

export { mulberry32, Rng };

/** "café" as the latin1 rendering of its UTF-8 bytes (c3 a9): a byte string that is valid UTF-8. */
export const CAFE = 'caf\u00c3\u00a9';

/** Real Postfix parameter names. */
export const KNOWN_NAMES = [
  'relayhost',
  'myhostname',
  'mydomain',
  'myorigin',
  'mydestination',
  'mynetworks',
  'inet_interfaces',
  'inet_protocols',
  'smtpd_banner',
  'alias_maps',
  'alias_database',
  'relay_domains',
  'transport_maps',
  'smtp_tls_security_level',
  'compatibility_level',
  'smtpd_relay_restrictions',
  'virtual_alias_maps',
  'biff',
  'append_dot_mydomain',
  'readme_directory',
  'recipient_delimiter',
  'mailbox_size_limit',
] as const;

/** Unknown, mixed-case, prefixed/suffixed and oddly spelled names (postconf edits them all). */
export const ODD_NAMES = [
  'foo',
  'bar_baz',
  'my_param1',
  'x',
  'RelayHost',
  'MYHOSTNAME',
  'Relayhost',
  'relayhost_x',
  'relay',
  'relayhostX',
  'myhostname2',
  'a.b',
  'foo/bar',
  'x-y',
  CAFE,
  'n#1',
] as const;

const WORDS = [
  'example.com',
  'mail.example.org',
  '[smtp.example.net]:587',
  'hash:/etc/postfix/transport',
  '127.0.0.0/8',
  '[::1]/128',
  'yes',
  'no',
  '3.6',
  'all',
  'ipv4',
  'permit_mynetworks,',
  'reject_unauth_destination',
  '$myhostname',
  '${myhostname}',
  '$(mydomain)',
  '${relayhost?{x}:{y}}',
  'ESMTP',
  '$mail_name',
  '(Debian/GNU)',
  '#notacomment',
  'a=b',
  '{x}',
  CAFE,
  '10240000',
  '+',
  '-',
  'localhost.$mydomain,',
] as const;

/** A value of `words` random words joined by spaces or tabs. */
export function randomWords(rng: Rng, words: number): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) {
    if (i > 0) parts.push(rng.pick([' ', ' ', ' ', '  ', '\t', ' \t ']));
    parts.push(rng.pick(WORDS));
  }
  return parts.join('');
}

/** A long value (1000+ characters). */
export function longValue(rng: Rng): string {
  const parts: string[] = [];
  let len = 0;
  while (len < 1000 + rng.int(600)) {
    const w = `host${rng.int(100000)}.example.com,`;
    parts.push(w);
    len += w.length + 1;
  }
  return parts.join(' ');
}

/** A value for an edit: may have surrounding blanks (trimmed), tabs inside, be empty or long. */
export function randomEditValue(rng: Rng): string {
  const r = rng.int(20);
  if (r === 0) return '';
  if (r === 1) return rng.pick(['  ', '\t', ' \t ']);
  if (r === 2) return longValue(rng);
  if (r === 3) return `#${randomWords(rng, 1)}`;
  const core = randomWords(rng, rng.range(1, 4));
  const pad = (): string => (rng.chance(0.2) ? rng.pick([' ', '\t', '  ', ' \t']) : '');
  return `${pad()}${core}${pad()}`;
}

function eol(rng: Rng, crlf: number): string {
  return rng.chance(crlf) ? '\r\n' : '\n';
}

/** A random name: mostly from `pool`, sometimes known or odd. */
function randomName(rng: Rng, pool: readonly string[]): string {
  const r = rng.int(10);
  if (r < 6) return rng.pick(pool);
  if (r < 8) return rng.pick(KNOWN_NAMES);
  return rng.pick(ODD_NAMES);
}

/** One start line of a definition in one of the spellings Postfix accepts (and a few it doesn't). */
function definitionLine(rng: Rng, name: string): string {
  const value = rng.chance(0.05) ? longValue(rng) : rng.chance(0.1) ? '' : randomWords(rng, rng.range(1, 3));
  const sep = rng.pick([' = ', ' = ', ' = ', '=', '  =   ', '\t=\t', ' =', '= ', '\t= ', ' =\t']);
  const r = rng.int(30);
  if (r === 0) return name; // no '=' at all: the editor still matches it
  if (r === 1) return `${name}\t[x]`;
  if (r === 2) return `${name}\v= v`; // \v does not end the editor's key
  return `${name}${sep}${value}${rng.chance(0.1) ? rng.pick([' ', '\t', '  ']) : ''}`;
}

function continuationLine(rng: Rng): string {
  return `${rng.pick([' ', '  ', '\t', ' \t', '\f', '\v', '    '])}${randomWords(rng, rng.range(1, 2))}`;
}

function commentLine(rng: Rng, pool: readonly string[]): string {
  const r = rng.int(8);
  if (r === 0) return '#';
  if (r === 1) return `#${randomName(rng, pool)} = ${randomWords(rng, 1)}`;
  if (r === 2) return `# ${randomName(rng, pool)} = ${randomWords(rng, 1)}`;
  if (r === 3) return `${rng.pick([' ', '\t', '  '])}# indented comment`;
  if (r === 4) return `#\t${randomName(rng, pool)}`;
  return `# ${randomWords(rng, rng.range(1, 4))}`;
}

function blankLine(rng: Rng): string {
  return rng.pick(['', '', '', ' ', '\t', '  \t', '\f']);
}

/** A random main.cf text and the names its generator used. */
export interface GeneratedFile {
  text: string;
  pool: string[];
}

/** Build a random main.cf: definitions, duplicates, continuations, comments, blanks, CRLF lines. */
export function randomMainCf(rng: Rng): GeneratedFile {
  const pool = [...rng.sample(KNOWN_NAMES, rng.range(3, 7)), ...rng.sample(ODD_NAMES, rng.range(1, 3))];
  const crlf = rng.chance(0.15) ? rng.pick([0.1, 0.5, 1]) : 0;
  const lines: string[] = [];
  if (rng.chance(0.05)) lines.push(continuationLine(rng)); // orphan continuation line
  const count = rng.range(0, 18);
  for (let i = 0; i < count; i++) {
    const r = rng.int(20);
    if (r < 9) {
      lines.push(definitionLine(rng, randomName(rng, pool)));
      while (rng.chance(0.2)) {
        if (rng.chance(0.3)) lines.push(rng.chance(0.5) ? commentLine(rng, pool) : blankLine(rng));
        lines.push(continuationLine(rng));
      }
    } else if (r < 14) {
      lines.push(commentLine(rng, pool));
    } else if (r < 17) {
      lines.push(blankLine(rng));
    } else if (r < 19) {
      lines.push(`${rng.pick(pool)} = ${rng.chance(0.5) ? '$' : ''}${rng.pick(pool)}`);
    } else {
      lines.push(definitionLine(rng, rng.pick(pool)));
    }
  }
  let text = lines.map((l) => l + eol(rng, crlf)).join('');
  if (text.length > 0 && rng.chance(0.15)) text = text.replace(/\r?\n$/, '');
  return { text, pool };
}

/** One edit on main.cf, as the MainCf API expresses it. */
export type EditOp =
  | { kind: 'set'; name: string; value: string }
  | { kind: 'setMany'; pairs: Array<[string, string]> }
  | { kind: 'remove'; names: string[] }
  | { kind: 'commentOut'; names: string[] };

/** Names that would be new to the file most of the time. */
const NEW_NAMES = [
  'zeta_param',
  'alpha_param',
  'Mixed_Case',
  'b',
  'a',
  'relayhost_new',
  'x.y',
  'mail_q',
  'A',
  '_u',
] as const;

/** A random edit using names from the file's pool, known names and new names. */
export function randomEdit(rng: Rng, pool: readonly string[]): EditOp {
  const some = (k: number, from: readonly string[]): string[] => rng.sample(from, k);
  const r = rng.int(12);
  if (r < 4) return { kind: 'set', name: randomName(rng, [...pool, ...NEW_NAMES]), value: randomEditValue(rng) };
  if (r < 5) {
    return { kind: 'setMany', pairs: some(rng.range(2, 4), pool).map((n) => [n, randomEditValue(rng)]) };
  }
  if (r < 6) {
    return { kind: 'setMany', pairs: some(rng.range(2, 5), NEW_NAMES).map((n) => [n, randomEditValue(rng)]) };
  }
  if (r < 7) {
    const names = [...some(rng.range(1, 3), pool), ...some(rng.range(1, 3), NEW_NAMES)];
    const pairs: Array<[string, string]> = names.map((n) => [n, randomEditValue(rng)]);
    if (rng.chance(0.3)) pairs.push([names[0], randomEditValue(rng)]); // same name twice: later wins
    return { kind: 'setMany', pairs };
  }
  if (r < 9) return { kind: 'remove', names: some(rng.range(1, 2), [...pool, ...NEW_NAMES]) };
  return { kind: 'commentOut', names: some(rng.range(1, 2), [...pool, ...NEW_NAMES]) };
}

/** A generated differential case. */
export interface EditCase {
  text: string;
  ops: EditOp[];
}

/** A random file with 1 or 2 random edits. */
export function randomEditCase(rng: Rng): EditCase {
  const { text, pool } = randomMainCf(rng);
  const ops: EditOp[] = [];
  const n = rng.chance(0.65) ? 1 : 2;
  for (let i = 0; i < n; i++) ops.push(randomEdit(rng, pool));
  return { text, ops };
}

/**
 * A random `$` expression for the expansion tests. References go only to parameters with a
 * higher index than `self` (no loops), to empty ones, and to undefined names.
 */
export function randomExpression(rng: Rng, self: number, count: number, depth = 0): string {
  const ref = (): string => {
    const r = rng.int(6);
    if (r === 0 || self + 1 >= count) return rng.pick(['undef1', 'undef_x', 'empty1']);
    return `p${rng.range(self + 1, count - 1)}`;
  };
  const text = (): string =>
    depth < 2 ? randomExpression(rng, self, count, depth + 1) : rng.pick(['a', 'b c', '1', '']);
  const word = (): string => rng.pick(['x', 'foo bar', 'host.example', '42', '007', '7', ',', 'a\tb', '[x]', '-', '']);
  const pieces: string[] = [];
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    const r = rng.int(17);
    switch (r) {
      case 0:
        pieces.push(`$${ref()}`);
        break;
      case 1:
        pieces.push(`\${${ref()}}`);
        break;
      case 2:
        pieces.push(`$(${ref()})`);
        break;
      case 3:
        pieces.push('$$');
        break;
      case 4:
        pieces.push(`\${${ref()}?{${text()}}}`);
        break;
      case 5:
        pieces.push(`\${${ref()}?${word()}}`);
        break;
      case 6:
        pieces.push(`\${${ref()}:{${text()}}}`);
        break;
      case 7:
        pieces.push(`\${${ref()}:${word()}}`);
        break;
      case 8:
        pieces.push(`\${${ref()}?{${text()}}:{${text()}}}`);
        break;
      case 9:
        pieces.push(`\${ ${ref()} ? { ${text()} } : ${word()}}`);
        break;
      case 10: {
        const op = rng.pick(['==', '!=', '<', '<=', '>', '>=']);
        const operand = (): string =>
          rng.pick([word(), `$${ref()}`, String(rng.int(20)), rng.pick(['10', '9', '010'])]);
        pieces.push(`\${{${operand()}} ${op} {${operand()}} ? {${text()}} : {${text()}}}`);
        break;
      }
      case 11: {
        const op = rng.pick(['==', '!=', '<', '<=', '>', '>=']);
        const lvl = (): string => rng.pick(['0', '1', '2', '3.6', '3.10', '3.6.1', '3.7']);
        pieces.push(`\${{${lvl()}} ${op}level {${lvl()}} ? {${text()}} : {${text()}}}`);
        break;
      }
      case 12:
        pieces.push(`\${{${word()}}=={${word()}}}`);
        break;
      case 13:
        pieces.push(`$${ref()}${rng.pick(['x', '.', '-', '_y', ' '])}`);
        break;
      default:
        pieces.push(word());
    }
    if (rng.chance(0.5)) pieces.push(rng.pick([' ', '  ', ',', '\t']));
  }
  return pieces.join('');
}
