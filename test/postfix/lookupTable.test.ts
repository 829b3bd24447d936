import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LookupTable, foldKey } from '../../src/postfix/lookupTable.js';
import { readLogicalLines } from '../../src/postfix/table.js';
import { ValidationError } from '../../src/postfix/validate.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { Rng, buildTables, dumpTable, mapLimit, queryTable } from '../helpers/postfixTables.js';

describe('readLogicalLines', () => {
  it('groups continuation lines across comments and marks orphans', () => {
    const lines = [' orphan\n', '\tcont\n', '# c\n', 'a b\n', '\n', '  c\n', '  # not content\n', 'd e'];
    expect(readLogicalLines(lines)).toEqual([
      { indices: [0, 1], text: ' orphan\tcont', orphan: true },
      { indices: [3, 5], text: 'a b  c', orphan: false },
      { indices: [7], text: 'd e', orphan: false },
    ]);
  });
});

describe('LookupTable.parse / get', () => {
  it('splits key and value at the first whitespace and trims the value', () => {
    const t = LookupTable.parse('example.com   relay:[inside.example.com]  \t\nuser@example.com\tx y  z\n');
    expect(t.get('example.com')).toBe('relay:[inside.example.com]');
    expect(t.get('user@example.com')).toBe('x y  z');
    expect(t.keys()).toEqual(['example.com', 'user@example.com']);
    expect(t.entries()).toEqual([
      { key: 'example.com', value: 'relay:[inside.example.com]', line: 1 },
      { key: 'user@example.com', value: 'x y  z', line: 2 },
    ]);
  });

  it('joins continuation lines without separator, keeping CR from CRLF lines', () => {
    const t = LookupTable.parse('k a\r\n  b\r\n# c\r\n\tc\r\nnext v\r\n');
    expect(t.get('k')).toBe('a\r  b\r\tc');
    expect(t.get('next')).toBe('v');
  });

  it('folds non-ASCII keys like Postfix with SMTPUTF8 (full case folding)', () => {
    const t = LookupTable.parse('Stra\u00dfe.example x\n\u00c9cole y\n');
    expect(t.get('STRASSE.EXAMPLE')).toBe('x');
    expect(t.get('\u00e9cole')).toBe('y');
  });

  it('trims only ASCII whitespace (a trailing no-break space stays)', () => {
    expect(LookupTable.parse('k v\u00a0 \n').get('k')).toBe('v\u00a0');
  });

  it('is case-insensitive and keeps the first of duplicate keys', () => {
    const t = LookupTable.parse('Example.COM first\nexample.com second\n');
    expect(t.get('EXAMPLE.com')).toBe('first');
    expect(t.keys()).toEqual(['Example.COM']);
    expect(t.warnings()).toEqual([{ line: 2, message: 'duplicate entry: "example.com"' }]);
  });

  it('keeps quoted whitespace and backslash escapes in the key, as postmap 3.7 does', () => {
    const t = LookupTable.parse('"john doe"@example.com x\na\\ b y\n');
    expect(t.get('"john doe"@example.com')).toBe('x');
    expect(t.get('a\\ b')).toBe('y');
  });

  it('reports the lines postmap skips or warns about', () => {
    const t = LookupTable.parse('  orphan x\nsingle\n"open quote x\nalias: style\nok v\n');
    expect(t.keys()).toEqual(['alias:', 'ok']);
    expect(t.warnings()).toEqual([
      { line: 1, message: 'logical line must not start with whitespace: "  orphan x"' },
      { line: 2, message: 'expected format: key whitespace value' },
      { line: 3, message: "unbalanced '\"' in '\"open quote x' -- ignoring this line" },
      { line: 4, message: 'record is in "key: value" format; is this an alias file?' },
    ]);
  });

  it('throws on a NUL byte', () => {
    expect(() => LookupTable.parse('a b\0\n')).toThrow(
      'lookup table: NUL byte at line 1; refusing to edit a file Postfix would misread',
    );
  });
});

describe('LookupTable edits keep every other byte', () => {
  const text =
    '# transport\r\n' +
    'example.com    relay:[old.example.com]\r\n' +
    '  continued\n' +
    '# between\n' +
    '\tmore\n' +
    '.example.com\t\tsmtp:[x]  \n' +
    'EXAMPLE.COM dup\n' +
    'last x';

  it('set replaces the first entry in place and removes later duplicates', () => {
    const t = LookupTable.parse(text).set('example.com', 'relay:[new.example.com]');
    expect(t.toString()).toBe(
      '# transport\r\n' +
        'example.com relay:[new.example.com]\n' +
        '# between\n' +
        '.example.com\t\tsmtp:[x]  \n' +
        'last x',
    );
    expect(t.warnings()).toEqual([]);
  });

  it('set appends, adding a missing final newline first', () => {
    expect(LookupTable.parse(text).set('new.example', ' OK\t').toString()).toBe(`${text}\nnew.example OK\n`);
    expect(LookupTable.parse('').set('a', 'b').toString()).toBe('a b\n');
  });

  it('remove deletes every entry with the key and its continuation lines', () => {
    expect(LookupTable.parse(text).remove('Example.Com').toString()).toBe(
      '# transport\r\n' + '# between\n' + '.example.com\t\tsmtp:[x]  \n' + 'last x',
    );
    expect(LookupTable.parse(text).remove('absent').toString()).toBe(text);
  });

  it('returns this for chaining', () => {
    const t = LookupTable.parse('');
    expect(t.set('a', 'b').remove('a')).toBe(t);
  });
});

describe('LookupTable.fromEntries', () => {
  it('writes an optional comment header and key value lines', () => {
    const t = LookupTable.fromEntries(
      [
        ['example.com', 'relay:[inside.example.com]'],
        ['[mail.isp.example]:587', 'user:secret'],
      ],
      'Written by mailsetup\n\nRun postmap after editing.',
    );
    expect(t.toString()).toBe(
      '# Written by mailsetup\n#\n# Run postmap after editing.\n\nexample.com relay:[inside.example.com]\n[mail.isp.example]:587 user:secret\n',
    );
    expect(LookupTable.fromEntries([]).toString()).toBe('');
  });

  it('refuses duplicate keys and bad headers', () => {
    expect(() =>
      LookupTable.fromEntries([
        ['a', 'x'],
        ['A', 'y'],
      ]),
    ).toThrow(new ValidationError('lookup key "A" is given twice'));
    expect(() => LookupTable.fromEntries([], 'x\ry')).toThrow(
      new ValidationError('table header contains a control character (U+000D, carriage return)'),
    );
  });
});

describe('LookupTable refuses what postmap would misread', () => {
  const cases: Array<[string, string, string]> = [
    ['', 'x', 'lookup key is empty'],
    ['a b', 'x', 'lookup key "a b" contains whitespace'],
    ['a\tb', 'x', 'lookup key "a\\tb" contains a control character (U+0009, tab)'],
    ['a\nb', 'x', 'lookup key "a\\nb" contains a control character (U+000A, line feed)'],
    ['a\\b', 'x', 'lookup key "a\\\\b" contains "\\", which postmap treats as an escape'],
    ['"a', 'x', 'lookup key "\\"a" has an unbalanced double quote'],
    ['#a', 'x', 'lookup key "#a" starts with "#" (the line would be a comment)'],
    ['root:', 'x', 'lookup key "root:" ends with ":" (that is the aliases(5) format, not a lookup table)'],
    ['k', '', 'value for "k" is empty'],
    ['k', ' \t', 'value for "k" is empty'],
    ['k', 'a\nb', 'value for "k" contains a control character (U+000A, line feed)'],
    ['k', 'a\rb', 'value for "k" contains a control character (U+000D, carriage return)'],
    ['k', 'a\u007f', 'value for "k" contains a control character (U+007F, DEL)'],
  ];
  for (const [key, value, message] of cases) {
    it(`${JSON.stringify(key)} ${JSON.stringify(value)}`, () => {
      const t = LookupTable.parse('x y\n');
      expect(() => t.set(key, value)).toThrow(new ValidationError(message));
      expect(t.toString()).toBe('x y\n');
    });
  }

  it('accepts a tab inside a value', () => {
    expect(LookupTable.parse('').set('k', 'a\tb').get('k')).toBe('a\tb');
  });
});

// ------------------------------------------------------------------------------------------
// Differential: generated tables through the real postmap.

const KEYS = [
  'example.com',
  '.example.com',
  'user@example.com',
  '@example.org',
  '[mail.isp.example]:587',
  'Mixed.Case.Example',
  '"john doe"@example.com',
  'a\\ b',
  'sub.domain.example.net',
  'postmaster',
  '10.0.0.1',
  'Stra\u00dfe.example',
  '\u00c9cole@example.fr',
];
const VALUES = [
  'relay:[inside.example.com]',
  'OK',
  'x',
  'user:pass word',
  'error:local delivery is disabled',
  'smtp:[10.0.0.1]:25',
  'REJECT no thanks',
  'jos\u00e9@example.com',
  'trailing-nbsp\u00a0',
];
const SPACE = [' ', '\t', '   ', ' \t '];

function randomCase(rng: Rng, s: string): string {
  return [...s].map((c) => (rng.chance(0.3) ? c.toUpperCase() : c)).join('');
}

/** A random table source exercising continuations, comments, duplicates, case, CRLF and junk. */
function randomTable(rng: Rng): string {
  let text = '';
  if (rng.chance(0.1)) text += `${rng.pick(SPACE)}orphan ${rng.pick(VALUES)}\n`;
  const n = rng.int(1, 14);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.1) {
      text += rng.pick(['# comment\n', '\n', '   \n', '\t# indented comment\n']);
      continue;
    }
    if (r < 0.17) {
      text += rng.pick([
        'single\n',
        `${rng.pick(KEYS)}\t\n`,
        '"unbalanced key value\n',
        `alias: ${rng.pick(VALUES)}\n`,
      ]);
      continue;
    }
    let line = `${randomCase(rng, rng.pick(KEYS))}${rng.pick(SPACE)}${rng.pick(VALUES)}`;
    if (rng.chance(0.3)) line += `${rng.pick(SPACE)}${rng.pick(VALUES)}`;
    if (rng.chance(0.25)) {
      line += '\n';
      if (rng.chance(0.4)) line += rng.pick(['# inside\n', '\n']);
      line += `${rng.pick(SPACE)}${rng.pick(VALUES)}`;
    }
    text += `${line}${rng.pick(['', '', ' ', '\t '])}\n`;
  }
  if (rng.chance(0.2)) text = text.replace(/\n/g, '\r\n');
  if (rng.chance(0.2)) text = text.replace(/\r?\n$/, '');
  return text;
}

function expectedRecords(t: LookupTable): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of t.keys()) m.set(foldKey(k), t.get(k) as string);
  return m;
}

/** Our warnings as postmap prints them for PATH (the logger shows control characters as "?"). */
function expectedWarnings(t: LookupTable, path: string): string[] {
  return t.warnings().map((w) => {
    const m = w.message.replace(/[\x00-\x1f\x7f]/g, '?');
    if (m.startsWith('duplicate entry')) return `${path}.db: ${m}`;
    if (m.startsWith('logical line')) return `${path}: ${m}`;
    return `${path}, line ${w.line}: ${m}`;
  });
}

describePostfix('LookupTable against the real postmap (generated files)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('mailsetup-maps-');
  });
  afterAll(() => cleanup(dir));

  const FILES = 100;
  it(`get() equals what postmap stores, for ${FILES} seeded random files and an edit of each`, async () => {
    const cases = [];
    for (let seed = 1; seed <= FILES; seed++) {
      const rng = new Rng(seed * 104729);
      const text = randomTable(rng);
      const before = LookupTable.parse(text);
      const edited = LookupTable.parse(text);
      const existing = edited.keys().filter((k) => !/\s/.test(k) && !k.includes('\\') && !k.endsWith(':'));
      const op = rng.int(0, 2);
      if (op === 0 && existing.length > 0) edited.remove(randomCase(rng, rng.pick(existing)));
      else {
        const key = op === 1 && existing.length > 0 ? randomCase(rng, rng.pick(existing)) : `new-${seed}.example`;
        edited.set(key, `${rng.pick(VALUES)}  ${rng.pick(VALUES)}`);
      }
      cases.push({ seed, text, before, edited, queries: before.keys().map((k) => randomCase(rng, k)) });
    }
    const files = cases.flatMap((c) => [
      { name: `t${c.seed}`, text: c.text },
      { name: `t${c.seed}-edited`, text: c.edited.toString() },
    ]);
    const built = buildTables('postmap', dir, files);
    expect(built.run.status, built.run.stderr).toBe(0);
    const dumps = await mapLimit(built.files, 4, (f) => dumpTable('postmap', dir, f.path));
    // `postmap -q` (case-insensitive lookups) for every third file: tool runs are the slow part.
    const answers = await mapLimit(cases, 4, (c, i) =>
      i % 3 === 0 ? queryTable('postmap', dir, built.files[2 * i].path, c.queries) : Promise.resolve(undefined),
    );
    let compared = 0;
    cases.forEach((c, i) => {
      const ctx = `seed ${c.seed}:\n${c.text}`;
      const orig = built.files[2 * i];
      expect(dumps[2 * i], ctx).toEqual(expectedRecords(c.before));
      expect(orig.warnings, ctx).toEqual(expectedWarnings(c.before, orig.path));
      if (answers[i] !== undefined) expect(answers[i], ctx).toEqual(c.queries.map((k) => c.before.get(k)));
      expect(dumps[2 * i + 1], `${ctx}\n--- edited:\n${c.edited.toString()}`).toEqual(expectedRecords(c.edited));
      compared += dumps[2 * i].size + dumps[2 * i + 1].size;
    });
    expect(compared).toBeGreaterThan(2 * FILES);
  }, 180_000);

  it('postmap keeps the first of duplicate keys and lowercases them', async () => {
    const built = buildTables('postmap', dir, [{ name: 'dups', text: 'Example.COM first\nexample.com second\n' }]);
    expect(await dumpTable('postmap', dir, built.files[0].path)).toEqual(new Map([['example.com', 'first']]));
    expect(built.files[0].warnings).toEqual([`${built.files[0].path}.db: duplicate entry: "example.com"`]);
  });

  it('fromEntries output builds cleanly', async () => {
    const t = LookupTable.fromEntries(
      [
        ['example.com', 'relay:[inside.example.com]'],
        ['user@example.com', 'x'],
      ],
      'header line',
    );
    const built = buildTables('postmap', dir, [{ name: 'fresh', text: t.toString() }]);
    expect(built.files[0].warnings).toEqual([]);
    expect(await dumpTable('postmap', dir, built.files[0].path)).toEqual(
      new Map([
        ['example.com', 'relay:[inside.example.com]'],
        ['user@example.com', 'x'],
      ]),
    );
  });
});
