/**
 * `$` expansion and Postfix defaults: unit tests with exact values, and comparisons with the
 * real `postconf -d` / `postconf -c DIR -x -h` (generated values included).
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpandError, expand, expandParam, strcmp } from '../../src/postfix/expand.js';
import { defaultMydomain, defaultMyhostname, postfixDefaults } from '../../src/postfix/defaults.js';
import { MainCf } from '../../src/postfix/mainCf.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { postconfAsync } from '../helpers/postconf-async.js';
import { writeSettled } from '../helpers/settled.js';
import { Rng, randomExpression } from '../helpers/gen-maincf.js';

const table =
  (t: Record<string, string>) =>
  (n: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(t, n) ? t[n] : undefined;

const vars = table({
  a: 'A',
  b: '$a-b',
  empty: '',
  indirect_empty: '$empty',
  n10: '10',
  n9: '9',
  lvl: '3.6',
  sp: ' x  y ',
  dollar: '$$a',
});

const x = (v: string): string => expand(v, vars);

describe('expand: syntax', () => {
  it('plain text and $$', () => {
    expect(x('no macros here, {x} (y)')).toBe('no macros here, {x} (y)');
    expect(x('$$a costs $$5')).toBe('$a costs $5');
  });

  it('$name, ${name}, $(name) and where a $name ends', () => {
    expect(x('$a ${a} $(a)')).toBe('A A A');
    expect(x('$a.x $a-x ${a}x $ax $a_')).toBe('A.x A-x Ax  ');
  });

  it('whitespace around the name inside braces', () => {
    expect(x('${ a }|$( a )')).toBe('A|A');
  });

  it('undefined names expand to the empty string and are reported', () => {
    const seen: string[] = [];
    expect(expand('[$nope][${nope2}]', vars, { onUndefined: (n) => seen.push(n) })).toBe('[][]');
    expect(seen).toEqual(['nope', 'nope2']);
  });

  it('${name?value} and ${name?{value}}: value when set and non-empty', () => {
    expect(x('${a?yes}|${empty?yes}|${nope?yes}')).toBe('yes||');
    expect(x('${a?{ in braces }}|${a ? {t}}')).toBe(' in braces |t');
    expect(x('${a?$a and $b}')).toBe('A and A-b');
  });

  it('${name:value} and ${name:{value}}: value when empty or undefined', () => {
    expect(x('${a:no}|${empty:dflt}|${nope:{d2}}')).toBe('|dflt|d2');
    expect(x('${ empty : a b }')).toBe(' a b ');
  });

  it('${name?{v1}:{v2}} and ${name?{v1}:v2}', () => {
    expect(x('${a?{one}:{two}}|${empty?{one}:{two}}|${nope?{one}:two}')).toBe('one|two|two');
    expect(x('${a ? {one} : {two}}')).toBe('one');
  });

  it('without braces the text after ? runs to the end (Postfix 2.x compatibility)', () => {
    expect(x('${a?x:y}|${a??foo:{b}ar}')).toBe('x:y|?foo:{b}ar');
  });

  it('? and : test the raw value: a value that expands to empty still counts as set', () => {
    expect(x('${indirect_empty?set}|[$indirect_empty]')).toBe('set|[]');
  });

  it('relational expressions: == and != on strings', () => {
    expect(x('${{$a} == {A} ? {eq} : {ne}}|${{$a} != {A} ? {ne} : {eq}}')).toBe('eq|eq');
    expect(x('${{$empty} == {} ? {unset} : {set}}')).toBe('unset');
    expect(x('${{a}=={a}}|${{a}=={b}}')).toBe('true|');
  });

  it('relational expressions: numeric when both sides are all digits, else strcmp', () => {
    expect(x('${{$n10} < {$n9} ? {lt} : {ge}}')).toBe('ge');
    expect(x('${{a10} < {a9} ? {lt} : {ge}}')).toBe('lt');
    expect(x('${{010} == {10} ? {num} : {str}}|${{ 7 } == {7} ? {num} : {str}}')).toBe('num|str');
    expect(x('${{1}<={1}}|${{2}>={3}}|${{3}>{2}}')).toBe('true||true');
  });

  it('compatibility-level comparisons (<level etc.)', () => {
    expect(x('${{$lvl} <level {2} ? {old} : {new}}')).toBe('new');
    expect(x('${{3.6} <level {3.10} ? {lt} : {ge}}|${{3.6} <level {3.6.1} ? {lt} : {ge}}')).toBe('lt|lt');
    expect(x('${{0} <level {1} ? {} : {permit_mynetworks}}')).toBe('');
    expect(x('${{3.7} ==level {3.7.0}}|${{2} >=level {3.6}}|${{3.6} !=level {3.6}}')).toBe('true||');
  });

  it('expands recursively', () => {
    expect(x('<$b>')).toBe('<A-b>');
    expect(x('[$dollar]')).toBe('[$a]');
    expect(x('[$sp]')).toBe('[ x  y ]');
  });
});

describe('expand: errors', () => {
  const errors: Array<[string, string]> = [
    ['a $ b', 'empty macro name: "a $ b"'],
    ['end $', 'empty macro name: "end $"'],
    ['${a', 'truncated macro reference: "${a"'],
    ['$(a', 'truncated macro reference: "$(a"'],
    ['${a b}', 'attribute name syntax error at: "...a>>> b"'],
    ['${a-b}', 'attribute name syntax error at: "...a>>>-b"'],
    ['${a?{x}junk}', '":" expected at: "...x}>>>junk"'],
    ['${a:{x}junk}', 'unexpected input at: "...x}>>>junk"'],
    ['${a?{x}', 'truncated macro reference: "${a?{x}"'],
    ['${{a} ? {b}}', '"==" or "!=" or "<" or "<=" or ">=" or ">" expected at: "...a}>>>? {b}"'],
    ['${{a} ==b}', 'bad operator suffix at: "...==>>>b"'],
    ['${{a} == b}', '"{expression}" expected at: "...{a} ==>>> b"'],
    ['${{a} ==foo {b}}', 'bad operator suffix at: "...==>>>foo"'],
    ['${{a} == }', '"{expression}" expected at: "...{a} ==>>> "'],
    ['${{a} == {b} junk}', '"?" or ":" expected at: "...}>>>junk"'],
    ['${{3.x} <level {3}}', 'malformed compatibility level syntax: "3.x"'],
    ['${{99999999999999999999} < {1}}', 'mac_exp_eval: bad conversion: 99999999999999999999'],
  ];
  for (const [value, message] of errors) {
    it(`${value} -> ${message}`, () => {
      expect(() => x(value)).toThrow(new ExpandError(message));
    });
  }

  it('errors are ExpandError instances', () => {
    expect(() => x('$')).toThrow(ExpandError);
  });

  it('detects a loop and names the parameters', () => {
    const loop = table({ a: '$b', b: 'x ${c}', c: '$a' });
    expect(() => expand('$a', loop)).toThrow(new ExpandError('parameter expansion loop: a -> b -> c -> a'));
    expect(() => expand('$b', loop, { self: 'a' })).toThrow(
      new ExpandError('parameter expansion loop: a -> b -> c -> a'),
    );
    const self = table({ me: 'x $me' });
    expect(() => expandParam({ get: self }, 'me', {})).toThrow(new ExpandError('parameter expansion loop: me -> me'));
  });

  it('a loop only through ?/: tests is not a loop (raw values are tested)', () => {
    const t = table({ a: '${b?yes}', b: '${a?x}' });
    expect(expand('$a $b', t)).toBe('yes x');
  });

  it('limits the nesting depth', () => {
    const chain: Record<string, string> = {};
    for (let i = 0; i < 120; i++) chain[`p${i}`] = i === 119 ? 'end' : `$p${i + 1}`;
    expect(expand('$p0', table(chain), { maxDepth: 200 })).toBe('end');
    expect(() => expand('$p0', table(chain))).toThrow(
      new ExpandError('unreasonable parameter nesting (more than 100 levels) at: p100'),
    );
  });
});

describe('strcmp', () => {
  it('compares UTF-8 bytes like C strcmp', () => {
    expect(['b', 'B', '_', 'a', 'é', 'z', '\u{1F600}', '\uFFFD'].sort(strcmp)).toEqual([
      'B',
      '_',
      'a',
      'b',
      'z',
      'é',
      '\uFFFD',
      '\u{1F600}',
    ]);
  });
});

describe('postfixDefaults and expandParam', () => {
  it('derives myhostname and mydomain like Postfix', () => {
    expect(defaultMyhostname('mx.example.com')).toBe('mx.example.com');
    expect(defaultMyhostname('vm')).toBe('vm.localdomain');
    expect(defaultMydomain('mx.example.com')).toBe('example.com');
    expect(defaultMydomain('a.b.example.org')).toBe('b.example.org');
    expect(postfixDefaults({ fqdn: 'vm' }).mydomain).toBe('localdomain');
  });

  it('myhostname and mydomain defaults follow main.cf when it is given', () => {
    const short = (text: string): [string, string] => {
      const cf = MainCf.parse(text);
      const d = postfixDefaults({ fqdn: 'vm' }, cf);
      return [expandParam(cf, 'myhostname', d) ?? '', expandParam(cf, 'mydomain', d) ?? ''];
    };
    expect(short('')).toEqual(['vm.localdomain', 'localdomain']);
    expect(short('mydomain = example.org\n')).toEqual(['vm.example.org', 'example.org']);
    expect(short('myhostname = mx.example.com\n')).toEqual(['mx.example.com', 'example.com']);
    expect(short('myhostname = example.com\n')).toEqual(['example.com', 'com']);
    expect(short('myhostname = foo\n')).toEqual(['foo', 'localdomain']);
    expect(short('myhostname = mail.$mydomain\n')).toEqual(['mail.', '']);
    expect(postfixDefaults({ fqdn: 'mx.example.com' }, MainCf.parse('mydomain = other.net\n')).myhostname).toBe(
      'mx.example.com',
    );
  });

  it('expands defaults, letting main.cf override them', () => {
    const d = postfixDefaults({ fqdn: 'mx.example.com' });
    const empty = MainCf.parse('');
    expect(expandParam(empty, 'mydestination', d)).toBe('mx.example.com, localhost.example.com, localhost');
    expect(expandParam(empty, 'mynetworks_style', d)).toBe('subnet');
    expect(expandParam(empty, 'relay_domains', d)).toBe('mx.example.com, localhost.example.com, localhost');
    expect(expandParam(empty, 'smtpd_relay_restrictions', d)).toBe('');
    const cf = MainCf.parse('compatibility_level = 3.6\nmyhostname = mail.example.net\nmydomain = example.net\n');
    expect(expandParam(cf, 'mynetworks_style', d)).toBe('host');
    expect(expandParam(cf, 'relay_domains', d)).toBe('');
    expect(expandParam(cf, 'smtpd_relay_restrictions', d)).toBe(
      'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
    );
    expect(expandParam(cf, 'local_transport', d)).toBe('local:mail.example.net');
    expect(expandParam(cf, 'smtp_sasl_tls_verified_security_options', d)).toBe('noplaintext, noanonymous');
    expect(expandParam(cf, 'no_such_parameter', d)).toBeUndefined();
    expect(expandParam(cf, 'toString', d)).toBeUndefined();
  });
});

function normalise(s: string): string {
  return s.replace(/[ \t\r\n]+/g, ' ').trim();
}

describePostfix('postfixDefaults vs postconf -d', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
    writeSettled(join(dir, 'main.cf'), '');
    writeFileSync(join(dir, 'master.cf'), '');
  });
  afterAll(() => cleanup(dir));

  it('every default equals postconf -d NAME (host-derived ones from this host)', async () => {
    const real = (await postconfAsync(dir, ['-dh', 'myhostname'])).stdout.trim();
    expect(defaultMyhostname(hostname())).toBe(real);
    const d = postfixDefaults({ fqdn: hostname() });
    const names = Object.keys(d);
    const r = await postconfAsync(dir, ['-d', ...names]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(names.length);
    for (const [i, name] of names.entries()) {
      expect(lines[i]).toBe(d[name] === '' ? `${name} =` : `${name} = ${d[name]}`);
    }
  });

  it('mydomain for an FQDN agrees with postconf given the same myhostname', async () => {
    writeSettled(join(dir, 'main.cf'), 'myhostname = mx1.mail.example.com\n');
    const d = postfixDefaults({ fqdn: 'mx1.mail.example.com' });
    expect((await postconfAsync(dir, ['-xh', 'mydomain'])).stdout.trim()).toBe(d.mydomain);
    writeSettled(join(dir, 'main.cf'), '');
  });

  const settings: Array<[string, string]> = [
    ['empty main.cf', ''],
    [
      'Debian-like main.cf',
      'compatibility_level = 3.6\nmyhostname = mx.example.com\nmydestination = $myhostname, localhost\n',
    ],
    [
      'null client',
      'compatibility_level = 3.6\nmydomain = example.org\nmyorigin = $mydomain\nrelayhost = [smtp.$mydomain]:587\n' +
        'smtp_sasl_auth_enable = yes\nsmtp_sasl_security_options = noanonymous\nalias_maps = hash:$config_directory/aliases\n',
    ],
    ['old compatibility level', 'compatibility_level = 1\nvirtual_maps = hash:/etc/postfix/virtual\n'],
    ['two-label myhostname', 'myhostname = example.com\n'],
    ['myhostname without a dot', 'myhostname = foo\n'],
    ['myhostname referring to an unset mydomain', 'myhostname = mail.$mydomain\n'],
    ['mydomain built from another parameter', 'mydomain = $x.org\nx = sub\n'],
    ['both set', 'mydomain = ex.org\nmyhostname = mail.$mydomain\n'],
  ];
  for (const [title, text] of settings) {
    it(`expandParam equals postconf -x -h for every default (${title})`, async () => {
      writeSettled(join(dir, 'main.cf'), text);
      const cf = MainCf.parse(text);
      // `postconf -c DIR` sets config_directory to DIR up to 3.9; 3.10 mostly keeps its compiled-in
      // /etc/postfix, except in some query shapes (two names, or config_directory asked twice). So
      // `$config_directory` expands to what this very query reports for it. myhostname/mydomain
      // follow main.cf as in Postfix.
      const d = postfixDefaults({ fqdn: hostname() }, cf);
      const names = Object.keys(d);
      const r = await postconfAsync(dir, ['-xh', ...names]);
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n');
      const configDirectory = lines[names.indexOf('config_directory')];
      expect([dir, '/etc/postfix']).toContain(configDirectory);
      d.config_directory = configDirectory;
      for (const [i, name] of names.entries()) {
        expect(`${name}: ${normalise(expandParam(cf, name, d) ?? '')}`).toBe(`${name}: ${lines[i]}`);
      }
    });
  }
});

describePostfix('expand vs postconf -x -h on generated values', () => {
  const SEED = 0xe4a2d;
  const BATCHES = 15;
  const PER_BATCH = 12;

  it(`${BATCHES * PER_BATCH} generated expressions (seed ${SEED}) expand as postconf expands them`, async () => {
    const rng = new Rng(SEED);
    const batches = Array.from({ length: BATCHES }, () =>
      Array.from({ length: PER_BATCH }, (_, i) => randomExpression(rng, i, PER_BATCH)),
    );
    const dirs = batches.map(() => tempDir());
    const failures: string[] = [];
    try {
      await Promise.all(
        batches.map(async (values, b) => {
          const names = values.map((_, i) => `p${i}`);
          const text =
            [
              ...values.map((v, i) => `p${i} = ${v}`),
              'empty1 =',
              `zzref = ${names.map((n) => `$${n}`).join(' ')} $empty1`,
            ].join('\n') + '\n';
          writeSettled(join(dirs[b], 'main.cf'), text);
          writeFileSync(join(dirs[b], 'master.cf'), '');
          const cf = MainCf.parse(text);
          const r = await postconfAsync(dirs[b], ['-xh', ...names]);
          if (r.status !== 0) {
            failures.push(`batch ${b}: postconf failed: ${r.stderr}\n${text}`);
            return;
          }
          const lines = r.stdout.split('\n');
          for (const [i, name] of names.entries()) {
            const mine = normalise(expandParam(cf, name, {}) ?? '');
            if (mine !== lines[i]) {
              failures.push(
                `batch ${b} ${name} = ${JSON.stringify(cf.get(name))}: mine ${JSON.stringify(mine)} postconf ${JSON.stringify(lines[i])}`,
              );
            }
          }
        }),
      );
    } finally {
      for (const d of dirs) cleanup(d);
    }
    expect(failures.slice(0, 5).join('\n')).toBe('');
  });

  // [value of p0, the message expand throws; postconf logs the same text as a warning before its
  // fatal "macro processing error" (except for loops, where it reports excessive nesting)].
  const invalid: Array<[string, string]> = [
    ['a $ b', 'empty macro name: "a $ b"'],
    ['${p1', 'truncated macro reference: "${p1"'],
    ['${p1 x}', 'attribute name syntax error at: "...p1>>> x"'],
    ['${p1?{x}junk}', '":" expected at: "...x}>>>junk"'],
    ['${p1:{x}junk}', 'unexpected input at: "...x}>>>junk"'],
    ['${{a} ? {b}}', '"==" or "!=" or "<" or "<=" or ">=" or ">" expected at: "...a}>>>? {b}"'],
    ['${{a} ==b}', 'bad operator suffix at: "...==>>>b"'],
    ['${{a} == b}', '"{expression}" expected at: "...{a} ==>>> b"'],
    ['${{a} == {b} junk}', '"?" or ":" expected at: "...}>>>junk"'],
    ['${{a} == {b', 'truncated macro reference: "${{a} == {b"'],
    ['${{x} <level {3}}', 'malformed compatibility level syntax: "x"'],
    ['$p0', 'parameter expansion loop: p0 -> p0'],
  ];
  it('values postconf rejects are rejected by expand too, with the message postconf logs', async () => {
    // Each failing postconf run sleeps a second before exiting: run them side by side.
    const dirs = invalid.map(() => tempDir());
    try {
      await Promise.all(
        invalid.map(async ([v, message], i) => {
          const text = `p0 = ${v}\np1 = 1\nzzref = $p0 $p1\n`;
          writeSettled(join(dirs[i], 'main.cf'), text);
          writeFileSync(join(dirs[i], 'master.cf'), '');
          const r = await postconfAsync(dirs[i], ['-xh', 'p0']);
          expect(`${v}: ${r.status}`).toBe(`${v}: 1`);
          expect(r.stderr).toMatch(/fatal: .*macro processing error/);
          // Postfix's operator list has doubled quotes ("!="" or "<""): a typo not worth copying.
          const logged = r.stderr.replace(/""/g, '"');
          if (!message.startsWith('parameter expansion loop')) expect(logged).toContain(`warning: ${message}`);
          else expect(r.stderr).toContain('unreasonable macro call nesting');
          expect(() => expandParam(MainCf.parse(text), 'p0', {})).toThrow(new ExpandError(message));
        }),
      );
    } finally {
      for (const d of dirs) cleanup(d);
    }
  });
});
