/** Unit tests for the main.cf reader and editor (exact values; the differential file covers bytes vs postconf). */
import { describe, expect, it } from 'vitest';
import { MainCf } from '../../src/postfix/mainCf.js';

describe('MainCf.parse', () => {
  it('round-trips any text before an edit (CRLF, no final newline, odd lines)', () => {
    const text = 'a = 1\r\n  cont\r\n# c\n\n\f\nb\tx\nrelayhost = y';
    expect(MainCf.parse(text).toString()).toBe(text);
    expect(MainCf.parse('').toString()).toBe('');
  });

  it('refuses a NUL byte', () => {
    expect(() => MainCf.parse('a = 1\nb = x\0y\n')).toThrow(
      new Error('main.cf: NUL byte at line 2; refusing to edit a file Postfix would misread'),
    );
  });

  it('refuses a UTF-8 BOM, decoded or as latin1 bytes', () => {
    const msg =
      'main.cf: starts with a UTF-8 byte order mark (BOM); Postfix would read it as part of the first parameter name: remove it';
    expect(() => MainCf.parse('\uFEFFrelayhost = x\n')).toThrow(new Error(msg));
    expect(() => MainCf.parse('\u00EF\u00BB\u00BFrelayhost = x\n')).toThrow(new Error(msg));
  });
});

describe('MainCf reader', () => {
  it('last definition wins', () => {
    const cf = MainCf.parse('relayhost = a\nx = 1\nrelayhost = b\n');
    expect(cf.get('relayhost')).toBe('b');
    expect(cf.get('x')).toBe('1');
  });

  it('returns undefined for names that are not set; has() follows', () => {
    const cf = MainCf.parse('#relayhost = a\n  relayhost = b\nRelayHost = c\n');
    expect(cf.get('relayhost')).toBeUndefined();
    expect(cf.has('relayhost')).toBe(false);
    expect(cf.get('RelayHost')).toBe('c');
    expect(cf.has('RelayHost')).toBe(true);
    expect(cf.get('constructor')).toBeUndefined();
  });

  it('joins continuation lines by plain concatenation, across comments and blank lines', () => {
    const cf = MainCf.parse('relayhost = z\n  cont1\n# comment\n\n\tcont2\nx = 1\n');
    expect(cf.get('relayhost')).toBe('z  cont1\tcont2');
  });

  it('keeps a CR of a CRLF line inside a joined value, trims it at the end', () => {
    const cf = MainCf.parse('a = 3\r\n\tc2\r\nb = 4\r\n');
    expect(cf.get('a')).toBe('3\r\tc2');
    expect(cf.get('b')).toBe('4');
  });

  it('trims leading and trailing whitespace (\\t \\v \\f \\r too), keeps internal whitespace', () => {
    const cf = MainCf.parse('smtpd_banner =\t $myhostname\tESMTP  $mail_name \v\f\r\nempty =\nblank =   \n');
    expect(cf.get('smtpd_banner')).toBe('$myhostname\tESMTP  $mail_name');
    expect(cf.get('empty')).toBe('');
    expect(cf.get('blank')).toBe('');
  });

  it('accepts every separator spelling, "#" and "=" inside values', () => {
    const cf = MainCf.parse('a=1\nb   =   2\nc\t=\t3\nd =4\ne = x # y = z\n');
    expect(['a', 'b', 'c', 'd', 'e'].map((n) => cf.get(n))).toEqual(['1', '2', '3', '4', 'x # y = z']);
  });

  it('ends a name at \\v or \\f as split_nameval does', () => {
    expect(MainCf.parse('relayhost\v= v\n').get('relayhost')).toBe('v');
  });

  it('skips an orphan continuation line at the start of the file', () => {
    const cf = MainCf.parse('  relayhost = x\n\tmore\nmyhostname = h\n');
    expect(cf.names()).toEqual(['myhostname']);
    expect(cf.syntaxErrors()).toEqual([]);
  });

  it('lists names in first-appearance order and every entry with its start line', () => {
    const cf = MainCf.parse('# c\nb = 1\na = 2\n  more\n\nb = 3\nc=\n');
    expect(cf.names()).toEqual(['b', 'a', 'c']);
    expect(cf.entries()).toEqual([
      { name: 'b', value: '1', line: 2 },
      { name: 'a', value: '2  more', line: 3 },
      { name: 'b', value: '3', line: 6 },
      { name: 'c', value: '', line: 7 },
    ]);
  });

  it('reports lines Postfix would reject and ignores them for get()', () => {
    const cf = MainCf.parse('relayhost\nmyhostname = h\n= x\na b = c\n  d\n');
    expect(cf.syntaxErrors()).toEqual([
      { line: 1, text: 'relayhost', message: "missing '=' after attribute name" },
      { line: 3, text: '= x', message: 'missing attribute name' },
      { line: 4, text: 'a b = c  d', message: "missing '=' after attribute name" },
    ]);
    expect(cf.names()).toEqual(['myhostname']);
    expect(cf.get('relayhost')).toBeUndefined();
  });

  it('reflects edits', () => {
    const cf = MainCf.parse('a = 1\n');
    cf.set('a', '2').set('b', '3');
    expect(cf.get('a')).toBe('2');
    expect(cf.names()).toEqual(['a', 'b']);
    cf.remove('a');
    expect(cf.has('a')).toBe(false);
    cf.commentOut('b');
    expect(cf.names()).toEqual([]);
  });
});

describe('MainCf editor', () => {
  it('mutating methods return this (chainable)', () => {
    const cf = MainCf.parse('');
    expect(cf.set('a', '1')).toBe(cf);
    expect(cf.setMany({ b: '2' })).toBe(cf);
    expect(cf.remove('a')).toBe(cf);
    expect(cf.removeMany(['x'])).toBe(cf);
    expect(cf.commentOut('b')).toBe(cf);
    expect(cf.commentOutMany(['y'])).toBe(cf);
  });

  it('rewrites every occurrence in place, dropping continuation lines, keeping comments between', () => {
    const cf = MainCf.parse('relayhost = a\n  b\n# keep\n\tc\nx = 1\nrelayhost=d\n');
    expect(cf.set('relayhost', '[r]:587').toString()).toBe('relayhost = [r]:587\n# keep\nx = 1\nrelayhost = [r]:587\n');
  });

  it('matches a start line up to space, TAB, CR, LF or "=" (not \\v), case-sensitively', () => {
    const text = 'relayhost\nrelayhost\t[x]\nrelayhost\r\nrelayhost\v= v\nRelayHost = q\nrelayhost_x = 1\n';
    expect(MainCf.parse(text).set('relayhost', 'n').toString()).toBe(
      'relayhost = n\nrelayhost = n\nrelayhost = n\nrelayhost\v= v\nRelayHost = q\nrelayhost_x = 1\n',
    );
  });

  it('appends a new parameter; never uncomments an example', () => {
    expect(MainCf.parse('#relayhost = x\n').set('relayhost', 'y').toString()).toBe('#relayhost = x\nrelayhost = y\n');
  });

  it('writes an empty value with a trailing space and trims blanks', () => {
    expect(MainCf.parse('relayhost = x\n').set('relayhost', '').toString()).toBe('relayhost = \n');
    expect(MainCf.parse('').set('relayhost', ' \t[a]\t ').toString()).toBe('relayhost = [a]\n');
  });

  it('keeps TAB and internal spaces, "#" at the start of a value, and writes LF in CRLF files', () => {
    const cf = MainCf.parse('a = 1\r\nb = 2\r\n');
    cf.set('a', 'x\t y').set('c', '#z');
    expect(cf.toString()).toBe('a = x\t y\nb = 2\r\nc = #z\n');
  });

  it('adds a missing final newline before appending (modern postconf; 3.7.11 would glue)', () => {
    expect(MainCf.parse('myhostname = h').set('relayhost', 'x').toString()).toBe('myhostname = h\nrelayhost = x\n');
  });

  it('adds a missing final newline on every edit, also -# of the last line and a no-op -X', () => {
    expect(MainCf.parse('a = 1\nrelayhost = x').commentOut('relayhost').toString()).toBe('a = 1\n#relayhost = x\n');
    expect(MainCf.parse('a = 1').remove('zz').toString()).toBe('a = 1\n');
  });

  it('empty batches change nothing', () => {
    const text = 'a = 1';
    expect(MainCf.parse(text).setMany([]).removeMany([]).commentOutMany([]).toString()).toBe(text);
  });

  it('setMany: existing names in file order, new names appended sorted by name (strcmp)', () => {
    const cf = MainCf.parse('c = 1\na = 2\n');
    cf.setMany([
      ['zeta', 'z'],
      ['a', 'A'],
      ['Mid', 'm'],
      ['c', 'C'],
      ['_u', 'u'],
      ['beta', 'b'],
      ['B', 'x'],
    ]);
    expect(cf.toString()).toBe('c = C\na = A\nB = x\nMid = m\n_u = u\nbeta = b\nzeta = z\n');
  });

  it('setMany: a name given twice, the later value wins; accepts a record', () => {
    expect(
      MainCf.parse('')
        .setMany([
          ['a', '1'],
          ['b', '2'],
          ['a', '3'],
        ])
        .toString(),
    ).toBe('a = 3\nb = 2\n');
    expect(MainCf.parse('b = 0\n').setMany({ b: '1', a: '2' }).toString()).toBe('b = 1\na = 2\n');
  });

  it('remove deletes every occurrence with its continuation lines, keeping comments', () => {
    const cf = MainCf.parse('relayhost = a\n  b\n# keep\n\fc\nx = 1\nrelayhost = d\n\ve\n');
    expect(cf.remove('relayhost').toString()).toBe('# keep\nx = 1\n');
  });

  it('removeMany and commentOutMany handle several names in one pass', () => {
    const text = 'a = 1\nb = 2\n  b2\nc = 3\n';
    expect(MainCf.parse(text).removeMany(['a', 'b']).toString()).toBe('c = 3\n');
    expect(MainCf.parse(text).commentOutMany(['c', 'b']).toString()).toBe('a = 1\n#b = 2\n#  b2\n#c = 3\n');
  });

  it('commentOut prefixes "#" to the start and continuation lines, keeping their bytes', () => {
    const cf = MainCf.parse('relayhost = a\r\n\tmore\r\n# c\n x\ny = 1\n');
    expect(cf.commentOut('relayhost').toString()).toBe('#relayhost = a\r\n#\tmore\r\n# c\n# x\ny = 1\n');
  });

  it('does not touch an orphan continuation line', () => {
    expect(MainCf.parse('  relayhost = x\nb = 1\n').remove('relayhost').toString()).toBe('  relayhost = x\nb = 1\n');
  });
});

describe('MainCf refusals (object left unchanged)', () => {
  const cases: Array<[string, (cf: MainCf) => unknown, string]> = [
    ['empty name', (cf) => cf.set('', 'x'), 'main.cf: empty parameter name'],
    ['name starting with #', (cf) => cf.set('#relayhost', 'x'), 'main.cf: parameter name "#relayhost" starts with "#"'],
    [
      'name with a space',
      (cf) => cf.set('relay host', 'x'),
      'main.cf: parameter name "relay host" contains whitespace',
    ],
    ['name with a TAB', (cf) => cf.remove('relay\thost'), 'main.cf: parameter name "relay\\thost" contains whitespace'],
    [
      'name with \\v',
      (cf) => cf.commentOut('relay\vhost'),
      'main.cf: parameter name "relay\\u000bhost" contains whitespace',
    ],
    [
      'name with a leading space',
      (cf) => cf.set(' relayhost', 'x'),
      'main.cf: parameter name " relayhost" contains whitespace',
    ],
    [
      'name with a newline',
      (cf) => cf.set('relay\nhost', 'x'),
      'main.cf: parameter name "relay\\nhost" contains a newline',
    ],
    [
      'name with a CR',
      (cf) => cf.set('relayhost\r', 'x'),
      'main.cf: parameter name "relayhost\\r" contains a carriage return',
    ],
    [
      'name with a control character',
      (cf) => cf.set('relay\u0007host', 'x'),
      'main.cf: parameter name "relay\\u0007host" contains control character U+0007',
    ],
    [
      'name with DEL',
      (cf) => cf.set('relay\u007fhost', 'x'),
      'main.cf: parameter name "relay\u007fhost" contains control character U+007F',
    ],
    ['name with "="', (cf) => cf.set('relayhost=x', 'y'), 'main.cf: parameter name "relayhost=x" contains "="'],
    [
      'name with "=" for -X',
      (cf) => cf.removeMany(['ok', 'relayhost=']),
      'main.cf: parameter name "relayhost=" contains "="',
    ],
    ['value with a newline', (cf) => cf.set('relayhost', 'a\nb'), 'main.cf: value of "relayhost" contains a newline'],
    [
      'value with a CR',
      (cf) => cf.set('relayhost', 'a\rb'),
      'main.cf: value of "relayhost" contains a carriage return',
    ],
    [
      'value with a trailing CR',
      (cf) => cf.set('relayhost', 'a\r'),
      'main.cf: value of "relayhost" contains a carriage return',
    ],
    [
      'value with \\v',
      (cf) => cf.set('relayhost', 'a\vb'),
      'main.cf: value of "relayhost" contains control character U+000B',
    ],
    [
      'value with \\f',
      (cf) => cf.set('relayhost', '\fa'),
      'main.cf: value of "relayhost" contains control character U+000C',
    ],
    [
      'value with NUL',
      (cf) => cf.set('relayhost', 'a\0'),
      'main.cf: value of "relayhost" contains control character U+0000',
    ],
    [
      'value with ESC',
      (cf) => cf.set('relayhost', '\u001b[1m'),
      'main.cf: value of "relayhost" contains control character U+001B',
    ],
    [
      'value with DEL',
      (cf) => cf.set('relayhost', 'a\u007f'),
      'main.cf: value of "relayhost" contains control character U+007F',
    ],
    [
      'one bad pair in setMany',
      (cf) => cf.setMany({ relayhost: 'ok', mydomain: 'a\nb' }),
      'main.cf: value of "mydomain" contains a newline',
    ],
  ];
  for (const [title, act, message] of cases) {
    it(title, () => {
      const text = 'relayhost = old\n  cont\nmydomain = d';
      const cf = MainCf.parse(text);
      expect(() => act(cf)).toThrow(new Error(message));
      expect(cf.toString()).toBe(text);
      expect(cf.get('relayhost')).toBe('old  cont');
    });
  }

  it('allows TAB inside a value and "#" at the start of a value', () => {
    expect(MainCf.parse('').set('a', '#x\ty').toString()).toBe('a = #x\ty\n');
  });
});
