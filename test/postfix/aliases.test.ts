import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aliases, normalizeAliasValue, validateAliasName, validateAliasValue } from '../../src/postfix/aliases.js';
import { foldKey } from '../../src/postfix/lookupTable.js';
import { ValidationError } from '../../src/postfix/validate.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { Rng, buildTables, dumpTable, mapLimit, queryTable } from '../helpers/postfixTables.js';

describe('Aliases.parse / get', () => {
  it('joins continuation lines and normalises the value like tok822', () => {
    const a = Aliases.parse('root: a,\n  b\n');
    expect(a.get('root')).toBe('a, b');
    expect(a.entries()).toEqual([{ name: 'root', value: 'a, b', raw: 'a,  b', line: 1 }]);
  });

  it('continues across comment and blank lines', () => {
    const a = Aliases.parse('root: a,\n# note\n\n\tb,\n   c\nnext: x\n');
    expect(a.get('root')).toBe('a, b, c');
    expect(a.get('next')).toBe('x');
    expect(a.entries().map((e) => e.line)).toEqual([1, 6]);
  });

  it('matches names case-insensitively; the first definition wins', () => {
    const a = Aliases.parse('Root: first\nroot: second\nROOT: third\n');
    expect(a.get('root')).toBe('first');
    expect(a.get('rOOT')).toBe('first');
    expect(a.names()).toEqual(['Root']);
    expect(a.entries().map((e) => e.value)).toEqual(['first', 'second', 'third']);
    expect(a.warnings()).toEqual([
      { line: 2, message: 'duplicate entry: "root"' },
      { line: 3, message: 'duplicate entry: "root"' },
    ]);
  });

  it('folds non-ASCII names like postalias with SMTPUTF8', () => {
    expect(Aliases.parse('Stra\u00dfe: x\n').get('STRASSE')).toBe('x');
  });

  it('reads :include:, pipes, files and quoted names', () => {
    const a = Aliases.parse(
      'list: :include:/etc/mail/list\nprog: "|/usr/bin/procmail -a  x"\nfile: /var/mail/archive\n"odd name": x\n',
    );
    expect(a.get('list')).toBe(':include:/etc/mail/list');
    expect(a.get('prog')).toBe('"|/usr/bin/procmail -a  x"');
    expect(a.get('file')).toBe('/var/mail/archive');
    expect(a.get('odd name')).toBe('x');
    expect(a.get('"odd name"')).toBe('x');
    expect(a.names()).toEqual(['list', 'prog', 'file', 'odd name']);
  });

  it('keeps "#" after text and normalises spacing around operators', () => {
    const a = Aliases.parse('root: admin # x\nk:   a   b \t c\nu: Joe  Doe  <joe@example.com> , x@y\n');
    expect(a.get('root')).toBe('admin # x');
    expect(a.get('k')).toBe('a b c');
    expect(a.get('u')).toBe('Joe Doe <joe@example.com>, x@y');
  });

  it('handles CRLF files (the CR is whitespace to tok822)', () => {
    const a = Aliases.parse('root: a,\r\n  b\r\nx: y\r\n');
    expect(a.get('root')).toBe('a, b');
    expect(a.get('x')).toBe('y');
  });

  it('reports the lines postalias skips, with its 3.7 wording', () => {
    const a = Aliases.parse('  orphan\n\tmore\nnocolon\n: x\nempty:\na, b: c\nu@x: y\nu%x: y\nok: z\n');
    expect(a.names()).toEqual(['ok']);
    expect(a.warnings()).toEqual([
      { line: 1, message: 'logical line must not start with whitespace: "  orphan\tmore"' },
      { line: 3, message: 'need name:value pair' },
      { line: 4, message: 'need name:value pair' },
      { line: 5, message: 'need name:value pair' },
      { line: 6, message: 'need name:value pair' },
      { line: 7, message: 'name must be local' },
      { line: 8, message: 'name must be local' },
    ]);
  });

  it('throws on a NUL byte', () => {
    expect(() => Aliases.parse('root: a\nx: b\0c\n')).toThrow(
      'aliases: NUL byte at line 2; refusing to edit a file Postfix would misread',
    );
  });

  it('normalizeAliasValue re-serialises like tok822_externalize', () => {
    expect(normalizeAliasValue('a,b ,  c')).toBe('a, b, c');
    expect(normalizeAliasValue('x(comment)y')).toBe('x (comment) y');
    expect(normalizeAliasValue('a\\ b')).toBe('"a b"');
    expect(normalizeAliasValue('"a\\"b"')).toBe('"a\\"b"');
    expect(normalizeAliasValue('user@[192.0.2.1]')).toBe('user@[192.0.2.1]');
  });
});

describe('Aliases edits keep every other byte', () => {
  const text =
    '# header\r\n' +
    'postmaster:    root\r\n' +
    'root: a,\n' +
    '# between\n' +
    '\n' +
    '   b\n' +
    'Other :  x   y  \n' +
    'ROOT: dup1,\n' +
    '\tdup2\n' +
    '  # trailing comment\n' +
    'last: z';

  it('set replaces the first entry in place and removes later duplicates', () => {
    const a = Aliases.parse(text).set('root', 'admin@example.com');
    expect(a.toString()).toBe(
      '# header\r\n' +
        'postmaster:    root\r\n' +
        'root: admin@example.com\n' +
        '# between\n' +
        '\n' +
        'Other :  x   y  \n' +
        '  # trailing comment\n' +
        'last: z',
    );
    expect(a.get('ROOT')).toBe('admin@example.com');
    expect(a.warnings()).toEqual([]);
  });

  it('set writes the name as given', () => {
    const a = Aliases.parse(text).set('OTHER', 'q');
    expect(a.toString()).toBe(text.replace('Other :  x   y  \n', 'OTHER: q\n'));
  });

  it('set appends a new entry, adding a missing final newline first', () => {
    expect(Aliases.parse(text).set('abuse', 'root').toString()).toBe(`${text}\nabuse: root\n`);
    expect(Aliases.parse('').set('abuse', 'root').toString()).toBe('abuse: root\n');
    expect(Aliases.parse('x: y\n').set('"odd name"', ' a ,b ').toString()).toBe('x: y\n"odd name": a ,b\n');
  });

  it('set on a quoted name finds the unquoted spelling', () => {
    const a = Aliases.parse('"odd name": x\n').set('"Odd Name"', 'y');
    expect(a.toString()).toBe('"Odd Name": y\n');
    expect(a.get('odd name')).toBe('y');
  });

  it('set of the unterminated last line rewrites it with a newline', () => {
    expect(Aliases.parse(text).set('last', 'w').toString()).toBe(text.replace('last: z', 'last: w\n'));
  });

  it('remove deletes every entry with the name and its continuation lines', () => {
    const a = Aliases.parse(text).remove('Root');
    expect(a.toString()).toBe(
      '# header\r\n' +
        'postmaster:    root\r\n' +
        '# between\n' +
        '\n' +
        'Other :  x   y  \n' +
        '  # trailing comment\n' +
        'last: z',
    );
    expect(Aliases.parse(text).remove('nothing').toString()).toBe(text);
  });

  it('does not touch lines postalias skips, even with a matching word', () => {
    const t = 'root\n  x\nroot: a\n';
    expect(Aliases.parse(t).set('root', 'b').toString()).toBe('root\n  x\nroot: b\n');
  });

  it('returns this for chaining', () => {
    const a = Aliases.parse('');
    expect(a.set('a', 'b')).toBe(a);
    expect(a.remove('a')).toBe(a);
  });
});

describe('Aliases refuses what postalias would misread', () => {
  const cases: Array<[string, string, string]> = [
    ['', 'x', 'alias name is empty'],
    ['a b', 'x', 'alias name "a b" contains whitespace (write it in double quotes)'],
    ['a\tb', 'x', 'alias name "a\\tb" contains a control character (U+0009, tab)'],
    ['a\nb', 'x', 'alias name "a\\nb" contains a control character (U+000A, line feed)'],
    ['a:b', 'x', 'alias name "a:b" contains ":" (write it in double quotes)'],
    ['a@b', 'x', 'alias name "a@b" contains "@": postalias requires a local name ("name must be local")'],
    ['a%b', 'x', 'alias name "a%b" contains "%": postalias requires a local name ("name must be local")'],
    ['a,b', 'x', 'alias name "a,b" contains "," (write it in double quotes)'],
    ['a<b', 'x', 'alias name "a<b" contains "<" (write it in double quotes)'],
    ['#root', 'x', 'alias name "#root" starts with "#" (the line would be a comment)'],
    ['"open', 'x', 'alias name "\\"open" has an unterminated quote'],
    ['"a"b"', 'x', 'alias name "\\"a\\"b\\"" contains "\\"" or "\\\\" inside the quotes'],
    ['""', 'x', 'alias name is empty'],
    ['root', '', 'alias value for "root" is empty'],
    ['root', ' \t ', 'alias value for "root" is empty'],
    ['root', 'a\nb', 'alias value for "root" contains a control character (U+000A, line feed)'],
    ['root', 'a\rb', 'alias value for "root" contains a control character (U+000D, carriage return)'],
    ['root', 'a\u0001', 'alias value for "root" contains a control character (U+0001)'],
    ['root', 'a\u007f', 'alias value for "root" contains a control character (U+007F, DEL)'],
    ['root', '"|/bin/cmd', 'alias value for "root" has an unterminated quote'],
    ['root', 'a (comment', 'alias value for "root" has an unterminated "("'],
    ['root', 'a@[1.2.3.4', 'alias value for "root" has an unterminated "["'],
  ];
  for (const [name, value, message] of cases) {
    it(`${JSON.stringify(name)}: ${JSON.stringify(value)}`, () => {
      const a = Aliases.parse('x: y\n');
      expect(() => a.set(name, value)).toThrow(new ValidationError(message));
      expect(a.toString()).toBe('x: y\n');
    });
  }

  it('accepts a tab inside a value and quoted names with specials', () => {
    expect(validateAliasValue('r', '\ta,\tb\t')).toBe('a,\tb');
    expect(validateAliasName('"a@b: c"')).toBe('"a@b: c"');
    expect(validateAliasName('first.last-x_y')).toBe('first.last-x_y');
  });
});

// ------------------------------------------------------------------------------------------
// Differential: generated files through the real postalias.

const WORDS = [
  'root',
  'postmaster',
  'abuse',
  'admin',
  'info',
  'sales',
  'joe',
  'mary-ann',
  'web_master',
  'x.y',
  'list1',
  'ops',
  'stra\u00dfe',
  '\u00e9cole',
];

function randomCase(rng: Rng, s: string): string {
  return [...s].map((c) => (rng.chance(0.3) ? c.toUpperCase() : c)).join('');
}

function valueItem(rng: Rng): string {
  const w = rng.pick(WORDS);
  const v = rng.pick(WORDS);
  switch (rng.int(0, 13)) {
    case 0:
      return w;
    case 1:
      return `${w}@example.com`;
    case 2:
      return `/var/spool/${w}`;
    case 3:
      return `"|/usr/bin/procmail -a ${w}  ${v}"`;
    case 4:
      return `:include:/etc/mail/${w}.list`;
    case 5:
      return `"${w} ${v}"@example.org`;
    case 6:
      return `${randomCase(rng, w)} ${v} <${w}@example.net>`;
    case 7:
      return `(${w}  comment) ${v}`;
    case 8:
      return `${w} (a (nested)\tcomment)`;
    case 9:
      return `"with \\"escaped\\" quote"@example.org`;
    case 10:
      return `${w}#${v}`;
    case 11:
      return `${w}@[192.0.2.${rng.int(1, 254)}]`;
    case 12:
      return `jos\u00e9.${w}@example.com`;
    default:
      return `${w}\\ ${v}`;
  }
}

function aliasName(rng: Rng, pool: string[]): string {
  const base = rng.pick(pool);
  return base.startsWith('"') ? base : randomCase(rng, base);
}

const SPACE = [' ', '\t', '   ', ' \t'];

/** A random aliases file exercising continuation lines, comments, duplicates, case and junk. */
function randomAliases(rng: Rng): string {
  const pool = [...WORDS.slice(0, rng.int(3, WORDS.length)), `"${rng.pick(WORDS)} ${rng.pick(WORDS)}"`];
  let text = '';
  if (rng.chance(0.1)) text += `${rng.pick(SPACE)}orphan ${rng.pick(WORDS)}\n`;
  const n = rng.int(1, 14);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.1) {
      text += rng.pick(['# comment\n', '\n', '   \n', '\t# indented comment\n', '#\n']);
      continue;
    }
    if (r < 0.18) {
      const w = rng.pick(WORDS);
      text += rng.pick([`${w} no colon\n`, `${w}@host: x\n`, `: ${w}\n`, `${w}:\n`, `${w}, ${w}: x\n`, `${w}%h: y\n`]);
      continue;
    }
    let line = `${aliasName(rng, pool)}${rng.pick([':', ': ', ' : ', ':\t', ':  '])}${valueItem(rng)}`;
    const items = rng.int(0, 4);
    for (let k = 0; k < items; k++) {
      if (rng.chance(0.35)) {
        line += `${rng.pick([',', ', ', ''])}\n`;
        if (rng.chance(0.3)) line += rng.pick(['# inside\n', '\n', '  # indented\n']);
        line += `${rng.pick(SPACE)}${valueItem(rng)}`;
      } else {
        line += `${rng.pick([',', ', ', ' , ', ',  ', ' '])}${valueItem(rng)}`;
      }
    }
    text += `${line}${rng.pick(['', '', ' ', '\t'])}\n`;
  }
  if (rng.chance(0.2)) text = text.replace(/\n/g, '\r\n');
  if (rng.chance(0.2)) text = text.replace(/\r?\n$/, '');
  return text;
}

/** What `postalias -s` should print for a parsed file: folded name → stored value. */
function expectedRecords(a: Aliases): Map<string, string> {
  const m = new Map<string, string>();
  for (const name of a.names()) m.set(foldKey(name), a.get(name) as string);
  return m;
}

/**
 * Our warnings in the form postalias prints them for PATH (Postfix's logger replaces ASCII
 * control characters by "?", see util/printable.c).
 */
/**
 * The words the installed postalias uses for a name with a domain: "name must be local" (3.7,
 * the editor's wording) or "name must be local and have no domain" (3.10).
 */
let notLocalWording = 'name must be local';

function expectedWarnings(a: Aliases, path: string): string[] {
  return a.warnings().map((w) => {
    const m = w.message.replace(/[\x00-\x1f\x7f]/g, '?').replace(/^name must be local$/, notLocalWording);
    if (m.startsWith('duplicate entry')) return `${path}.db: ${m}`;
    if (m.startsWith('logical line')) return `${path}: ${m}`;
    return `${path}, line ${w.line}: ${m}`;
  });
}

describePostfix('Aliases against the real postalias (generated files)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('mailsetup-aliases-');
    const probe = buildTables('postalias', dir, [{ name: 'wording', text: 'u@example.com: x\n' }]);
    const m = /, line 1: (name must be local.*)$/.exec(probe.files[0].warnings.join('\n'));
    if (!m) throw new Error(`postalias said nothing recognisable about a name with a domain: ${probe.run.stderr}`);
    notLocalWording = m[1];
  });
  afterAll(() => cleanup(dir));

  const FILES = 100;
  it(`get() equals what postalias stores, for ${FILES} seeded random files and an edit of each`, async () => {
    // Generate every file and its edited version first, then build them all with one postalias run.
    const cases = [];
    for (let seed = 1; seed <= FILES; seed++) {
      const rng = new Rng(seed * 7919);
      const text = randomAliases(rng);
      const before = Aliases.parse(text);
      const edited = Aliases.parse(text);
      const existing = edited.names();
      const op = rng.int(0, 2);
      if (op === 0 && existing.length > 0) {
        edited.remove(randomCase(rng, rng.pick(existing)));
      } else {
        const target = op === 1 && existing.length > 0 ? rng.pick(existing) : `new-${seed}`;
        const name = /\s/.test(target) ? `"${target}"` : randomCase(rng, target);
        edited.set(name, `${valueItem(rng)}, ${valueItem(rng)}`);
      }
      const queries = before.names().map((n) => randomCase(rng, n));
      cases.push({ seed, text, before, edited, queries });
    }
    const files = cases.flatMap((c) => [
      { name: `a${c.seed}`, text: c.text },
      { name: `a${c.seed}-edited`, text: c.edited.toString() },
    ]);
    const built = buildTables('postalias', dir, files);
    expect(built.run.status, built.run.stderr).toBe(0);
    const dumps = await mapLimit(built.files, 4, (f) => dumpTable('postalias', dir, f.path));
    // `postalias -q` (case-insensitive lookups) for every third file: tool runs are the slow part.
    const answers = await mapLimit(cases, 4, (c, i) =>
      i % 3 === 0 ? queryTable('postalias', dir, built.files[2 * i].path, c.queries) : Promise.resolve(undefined),
    );
    let compared = 0;
    cases.forEach((c, i) => {
      const ctx = `seed ${c.seed}:\n${c.text}`;
      const orig = built.files[2 * i];
      expect(dumps[2 * i], ctx).toEqual(expectedRecords(c.before));
      expect(orig.warnings, ctx).toEqual(expectedWarnings(c.before, orig.path));
      if (answers[i] !== undefined) expect(answers[i], ctx).toEqual(c.queries.map((n) => c.before.get(n)));
      expect(dumps[2 * i + 1], `${ctx}\n--- edited:\n${c.edited.toString()}`).toEqual(expectedRecords(c.edited));
      compared += dumps[2 * i].size + dumps[2 * i + 1].size;
    });
    expect(compared).toBeGreaterThan(2 * FILES);
  }, 180_000);

  it('postalias keeps the first of duplicate names and lowercases keys', async () => {
    const built = buildTables('postalias', dir, [{ name: 'dups', text: 'Root: first\nROOT: second\n' }]);
    expect(await dumpTable('postalias', dir, built.files[0].path)).toEqual(new Map([['root', 'first']]));
    expect(built.files[0].warnings).toEqual([`${built.files[0].path}.db: duplicate entry: "root"`]);
  });
});
