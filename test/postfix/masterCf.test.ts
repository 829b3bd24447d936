/** Unit tests for the master.cf editor: parse(), get(), the printer, and every refusal. */
import { describe, expect, it } from 'vitest';
import { MasterCf, formatMasterEntry, parseMasterEntry, type MasterField } from '../../src/postfix/masterCf.js';
import { readDebian } from '../helpers/reference.js';

const DEBIAN = readDebian('master.cf');

describe("MasterCf.parse on Debian's master.cf", () => {
  const cf = MasterCf.parse(DEBIAN);

  it('keeps the bytes and lists the 31 active entries in file order', () => {
    expect(cf.toString()).toBe(DEBIAN);
    const names = cf.services().map((e) => `${e.service}/${e.type}`);
    expect(names).toHaveLength(31);
    expect(names.slice(0, 4)).toEqual(['smtp/inet', 'pickup/unix', 'cleanup/unix', 'qmgr/unix']);
    expect(names.slice(-3)).toEqual(['bsmtp/unix', 'scalemail-backend/unix', 'mailman/unix']);
    expect(names).toContain('postlog/unix-dgram');
  });

  it('get() returns the fields of smtp/inet, qmgr, tlsmgr, relay and maildrop', () => {
    expect(cf.get('smtp', 'inet')).toEqual({
      service: 'smtp',
      type: 'inet',
      private: 'n',
      unprivileged: '-',
      chroot: 'y',
      wakeup: '-',
      process_limit: '-',
      command: 'smtpd',
      options: [],
      flags: [],
      args: [],
      line: 12,
    });
    expect(cf.get('qmgr', 'unix')?.wakeup).toBe('300');
    expect(cf.get('qmgr', 'unix')?.chroot).toBe('n');
    expect(cf.get('qmgr', 'unix')?.process_limit).toBe('1');
    expect(cf.get('tlsmgr', 'unix')?.wakeup).toBe('1000?');
    expect(cf.get('relay', 'unix')?.options).toEqual([['syslog_name', 'postfix/$service_name']]);
    expect(cf.get('maildrop', 'unix')).toMatchObject({
      command: 'pipe',
      options: [],
      args: ['flags=DRXhu', 'user=vmail', 'argv=/usr/bin/maildrop', '-d', '${recipient}'],
      line: 93,
    });
    expect(cf.get('uucp', 'unix')?.args).toEqual([
      'flags=Fqhu',
      'user=uucp',
      'argv=uux',
      '-r',
      '-n',
      '-z',
      '-a$sender',
      '-',
      '$nexthop!rmail',
      '($recipient)',
    ]);
    expect(cf.get('smtp', 'unix')?.command).toBe('smtp');
    expect(cf.get('submission', 'inet')).toBeUndefined();
    expect(cf.get('smtp', 'pass')).toBeUndefined();
  });

  it('returns copies', () => {
    const e = cf.get('relay', 'unix');
    e?.options.push(['x', 'y']);
    expect(cf.get('relay', 'unix')?.options).toHaveLength(1);
  });
});

describe('MasterCf.parse', () => {
  it('get() returns the last of duplicate definitions', () => {
    const cf = MasterCf.parse('a unix - - n - - x\nb unix - - n - - x\na unix - - y 60 - y\n');
    expect(cf.get('a', 'unix')).toMatchObject({ chroot: 'y', wakeup: '60', command: 'y', line: 3 });
  });

  it('reads options as the daemons do: separate, joined, long form, clusters, flags and --', () => {
    const text = [
      'a unix - - n - - smtpd -osyslog_name=postfix/smtp -vo x=1',
      '  # comment inside',
      '\t-o { smtpd_client_restrictions = permit_mynetworks, reject } -D -o{y = 2}',
      '',
      '  -- -o not_an_option { b c }',
      '',
    ].join('\n');
    expect(MasterCf.parse(text).get('a', 'unix')).toEqual({
      service: 'a',
      type: 'unix',
      private: '-',
      unprivileged: '-',
      chroot: 'n',
      wakeup: '-',
      process_limit: '-',
      command: 'smtpd',
      options: [
        ['syslog_name', 'postfix/smtp'],
        ['x', '1'],
        ['smtpd_client_restrictions', 'permit_mynetworks, reject'],
        ['y', '2'],
      ],
      flags: ['-v', '-D', '--'],
      args: ['-o', 'not_an_option', 'b c'],
      line: 1,
    });
  });

  it('accepts CRLF, tabs, fields on continuation lines and a leading orphan continuation (skipped like Postfix)', () => {
    const cf = MasterCf.parse('  -o orphan=1\r\nsmtp\tinet\r\n  n - y\r\n# c\r\n - - smtpd\r\n');
    expect(cf.services()).toEqual([
      {
        service: 'smtp',
        type: 'inet',
        private: 'n',
        unprivileged: '-',
        chroot: 'y',
        wakeup: '-',
        process_limit: '-',
        command: 'smtpd',
        options: [],
        flags: [],
        args: [],
        line: 2,
      },
    ]);
  });

  it('accepts what postconf accepts for wakeup ("-?" and "?") and an empty file', () => {
    expect(MasterCf.parse('a unix - - n ? 0 x\nb unix - - n -? 0 x\n').services()).toHaveLength(2);
    expect(MasterCf.parse('').services()).toEqual([]);
  });

  const refuse: Array<[string, string, string]> = [
    [
      'a NUL byte',
      'smtp inet n - y - - smtpd\0\n',
      'master.cf: NUL byte at line 1; refusing to edit a file Postfix would misread',
    ],
    [
      'a UTF-8 BOM (decoded)',
      '\uFEFFsmtp inet n - y - - smtpd\n',
      'master.cf: starts with a byte order mark (BOM); Postfix would read it as part of the first service name',
    ],
    [
      'a UTF-8 BOM (latin1 bytes)',
      '\u00EF\u00BB\u00BFsmtp inet n - y - - smtpd\n',
      'master.cf: starts with a byte order mark (BOM); Postfix would read it as part of the first service name',
    ],
    [
      'name and type on different lines',
      '# x\nsmtp\n inet n - y - - smtpd\n',
      'master.cf: line 2: specify service name and type on the same line',
    ],
    [
      'fewer than 8 fields',
      'smtp inet n - y - -\n',
      'master.cf: line 1: bad field count: 7 fields in "smtp inet n - y - -", at least 8 needed',
    ],
    [
      'an invalid type',
      'smtp tcp n - y - - smtpd\n',
      'master.cf: line 1: invalid type field "tcp" in "smtp tcp n - y - - smtpd"',
    ],
    [
      'an invalid private field',
      'smtp inet yes - y - - smtpd\n',
      'master.cf: line 1: invalid private field "yes" in "smtp inet yes - y - - smtpd"',
    ],
    [
      'an invalid unprivileged field',
      'smtp inet n x y - - smtpd\n',
      'master.cf: line 1: invalid unprivileged field "x" in "smtp inet n x y - - smtpd"',
    ],
    [
      'an invalid chroot field',
      'x unix - - y - - x\nsmtp inet n - Y - - smtpd\n  -o a=b\n',
      'master.cf: line 2: invalid chroot field "Y" in "smtp inet n - Y - - smtpd  -o a=b"',
    ],
    [
      'an invalid wakeup field',
      'smtp inet n - y 1h - smtpd\n',
      'master.cf: line 1: invalid wakeup field "1h" in "smtp inet n - y 1h - smtpd"',
    ],
    [
      'an invalid process_limit field',
      'smtp inet n - y - 1? smtpd\n',
      'master.cf: line 1: invalid process_limit field "1?" in "smtp inet n - y - 1? smtpd"',
    ],
    [
      '"=" in a service name',
      'a=b inet n - y - - smtpd\n',
      'master.cf: line 1: service name syntax "a=b" is unsupported with postconf -M, -F or -P editing',
    ],
  ];
  for (const [what, text, message] of refuse) {
    it(`refuses ${what}`, () => {
      expect(() => MasterCf.parse(text)).toThrow(new Error(message));
    });
  }
});

describe("formatMasterEntry (postconf's printer)", () => {
  it('aligns the fields at 0/11/17/25/33/41/49/57 with at least one space', () => {
    expect(formatMasterEntry(['smtp', 'inet', 'n', '-', 'y', '-', '-', 'smtpd'])).toBe(
      'smtp       inet  n       -       y       -       -       smtpd\n',
    );
    expect(formatMasterEntry(['scalemail-backend', 'unix', '-', 'n', 'n', '-', '2', 'pipe'])).toBe(
      'scalemail-backend unix - n       n       -       2       pipe\n',
    );
    expect(formatMasterEntry(['127.0.0.1:2525', 'inet', 'n', '-', 'n', '1000?', '100', 'smtpd'])).toBe(
      '127.0.0.1:2525 inet n    -       n       1000?   100     smtpd\n',
    );
  });

  it('puts each -o pair on its own line and packs other arguments up to column 80', () => {
    const tokens = [
      'x',
      'unix',
      '-',
      '-',
      'n',
      '-',
      '-',
      'pipe',
      '-v',
      '-o',
      'a=b',
      '-o',
      'c=d e',
      'flags=R',
      'user=u',
      'argv=/' + 'p'.repeat(60),
      'q r',
      's',
      't'.repeat(10),
      'u'.repeat(90),
    ];
    expect(formatMasterEntry(tokens)).toBe(
      'x          unix  -       -       n       -       -       pipe -v\n' +
        '    -o a=b\n' +
        '    -o {c=d e}\n' +
        '    flags=R user=u\n' +
        '    argv=/' +
        'p'.repeat(60) +
        ' {q r} s\n' +
        '    ' +
        't'.repeat(10) +
        '\n' +
        '    ' +
        'u'.repeat(90) +
        '\n',
    );
  });

  it('reproduces postconf: no braces on the first non-option argument; a lone "-" takes a value', () => {
    expect(formatMasterEntry(['x', 'unix', '-', '-', 'n', '-', '-', 'pipe', 'a b', 'c d'])).toBe(
      'x          unix  -       -       n       -       -       pipe a b {c d}\n',
    );
    expect(formatMasterEntry(['x', 'unix', '-', '-', 'n', '-', '-', 'cmd', '-', 'y z', 'w'])).toBe(
      'x          unix  -       -       n       -       -       cmd\n    - {y z}\n    w\n',
    );
  });

  it('counts UTF-8 bytes like strlen()', () => {
    expect(formatMasterEntry(['grüße', 'unix', '-', '-', 'n', '-', '-', 'x'])).toBe(
      'grüße    unix  -       -       n       -       -       x\n',
    );
  });

  it('refuses fewer than 8 tokens', () => {
    expect(() => formatMasterEntry(['a', 'unix'])).toThrow(
      new Error('formatMasterEntry: a master.cf entry needs at least 8 fields, got 2'),
    );
  });
});

describe("parseMasterEntry (postconf's normalisation)", () => {
  it('normalises options like postconf, including its split of joined -o values at every o', () => {
    expect(parseMasterEntry('s unix - - n - - cmd -o { a = b  c } -vDo x=1 {  p q } -o z')).toEqual([
      's',
      'unix',
      '-',
      '-',
      'n',
      '-',
      '-',
      'cmd',
      '-o',
      'a=b  c',
      '-vD',
      '-o',
      'x=1',
      'p q',
      '-o',
      'z',
    ]);
    expect(parseMasterEntry('s unix - - n - - cmd -osyslog_name=postfix/smtp').slice(8)).toEqual([
      '-o',
      'sysl',
      '-o',
      'g_name=p',
      '-o',
      'stfix/smtp',
    ]);
  });

  it("throws postconf's errors", () => {
    expect(() => parseMasterEntry('s unix')).toThrow(
      new Error('bad field count: 2 fields in "s unix", at least 8 needed'),
    );
    expect(() => parseMasterEntry('s unix - - yes - - x')).toThrow(
      new Error('invalid chroot field "yes" in "s unix - - yes - - x"'),
    );
  });
});

describe('MasterCf edits (without postconf)', () => {
  it('returns this and chains', () => {
    const cf = MasterCf.parse(DEBIAN);
    expect(cf.setField('smtp', 'inet', 'chroot', 'n').setOption('smtp', 'inet', 'a', 'b')).toBe(cf);
    expect(cf.get('smtp', 'inet')).toMatchObject({ chroot: 'n', options: [['a', 'b']], line: 52 });
  });

  it('reports unmatched -F/-P/-PX as a warning and leaves the text alone', () => {
    const cf = MasterCf.parse(DEBIAN).setOption('nothing', 'inet', 'a', 'b');
    expect(cf.toString()).toBe(DEBIAN);
    expect(cf.warnings()).toEqual(['unmatched service_name/type: "nothing/inet/a=b"']);
    cf.removeService('nothing', 'inet');
    expect(cf.warnings()).toEqual([]);
  });

  it('adds a missing final newline (fixed-release semantics)', () => {
    expect(
      MasterCf.parse('# c\nsmtp inet n - y - - smtpd').replaceService('a', 'unix', 'a unix - - n - - x').toString(),
    ).toBe('# c\nsmtp inet n - y - - smtpd\na          unix  -       -       n       -       -       x\n');
    expect(MasterCf.parse('smtp inet n - y - - smtpd').commentOutService('smtp', 'inet').toString()).toBe(
      '#smtp inet n - y - - smtpd\n',
    );
  });
});

describe('MasterCf refusals (exact messages; the object stays unchanged)', () => {
  const BASE = 'smtp inet n - y - - smtpd\npickup unix n - y 60 1 pickup\n';
  const cases: Array<[string, string, (cf: MasterCf) => unknown, string]> = [
    [
      'LF in an option value',
      BASE,
      (cf) => cf.setOption('smtp', 'inet', 'a', 'b\nc'),
      'MasterCf.setOption: option value contains control character 0x0a',
    ],
    [
      'CR in an entry line',
      BASE,
      (cf) => cf.replaceService('smtp', 'inet', 'smtp inet n - y - - smtpd\r'),
      'MasterCf.replaceService: entry line contains control character 0x0d',
    ],
    [
      'DEL in a command',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'command', 'smtpd \x7f'),
      'MasterCf.setField: command contains control character 0x7f',
    ],
    [
      'C0 in an option name',
      BASE,
      (cf) => cf.removeOption('smtp', 'inet', 'a\x01'),
      'MasterCf.removeOption: option name contains control character 0x01',
    ],
    [
      'TAB in a field value',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'chroot', 'y\t'),
      'MasterCf.setField: chroot value contains control character 0x09',
    ],
    [
      'LF in a service name',
      BASE,
      (cf) => cf.removeService('smtp\n', 'inet'),
      'MasterCf.removeService: service name contains control character 0x0a',
    ],
    [
      'a leading # in a service name',
      BASE,
      (cf) => cf.commentOutService('#smtp', 'inet'),
      "MasterCf.commentOutService: invalid service name \"#smtp\": it must not be empty, start with '#' or contain whitespace, '/', '*', '=', '{' or '}'",
    ],
    [
      'a leading # in an entry line',
      BASE,
      (cf) => cf.replaceService('smtp', 'inet', ' #smtp inet n - y - - smtpd'),
      "MasterCf.replaceService: the entry line starts with '#'; postconf accepts no comment input",
    ],
    [
      'a leading # in a command',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'command', '#smtpd'),
      "MasterCf.setField: the command starts with '#'; postconf accepts no comment input",
    ],
    [
      'a wildcard service',
      BASE,
      (cf) => cf.removeService('*', 'inet'),
      "MasterCf.removeService: invalid service name \"*\": it must not be empty, start with '#' or contain whitespace, '/', '*', '=', '{' or '}'",
    ],
    [
      'a wildcard type',
      BASE,
      (cf) => cf.removeService('smtp', '*'),
      'MasterCf.removeService: invalid type field "*" (expected inet, unix, unix-dgram, fifo or pass)',
    ],
    [
      'a "/" in a service name',
      BASE,
      (cf) => cf.setOption('a/b', 'inet', 'x', 'y'),
      "MasterCf.setOption: invalid service name \"a/b\": it must not be empty, start with '#' or contain whitespace, '/', '*', '=', '{' or '}'",
    ],
    [
      'an empty service name',
      BASE,
      (cf) => cf.setOption('', 'inet', 'x', 'y'),
      "MasterCf.setOption: invalid service name \"\": it must not be empty, start with '#' or contain whitespace, '/', '*', '=', '{' or '}'",
    ],
    [
      'chroot=yes',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'chroot', 'yes'),
      'MasterCf.setField: invalid chroot field "yes" (expected y, n or -)',
    ],
    [
      'private=""',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'private', ''),
      'MasterCf.setField: invalid private field "" (expected y, n or -)',
    ],
    [
      'unprivileged=Y',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'unprivileged', 'Y'),
      'MasterCf.setField: invalid unprivileged field "Y" (expected y, n or -)',
    ],
    [
      'wakeup=1h',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'wakeup', '1h'),
      'MasterCf.setField: invalid wakeup field "1h" (expected - or a number of seconds with optional trailing ?)',
    ],
    [
      'wakeup=?',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'wakeup', '?'),
      'MasterCf.setField: invalid wakeup field "?" (expected - or a number of seconds with optional trailing ?)',
    ],
    [
      'process_limit=1?',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'process_limit', '1?'),
      'MasterCf.setField: invalid process_limit field "1?" (expected - or a number)',
    ],
    [
      'type=tcp',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'type', 'tcp'),
      'MasterCf.setField: invalid type field "tcp" (expected inet, unix, unix-dgram, fifo or pass)',
    ],
    [
      'an unknown field',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'maxproc' as MasterField, '1'),
      'MasterCf.setField: invalid service attribute name: "maxproc"',
    ],
    [
      'an empty command',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'command', '  '),
      'MasterCf.setField: the command must not be empty',
    ],
    [
      'a service rename with whitespace',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'service', 'a b'),
      "MasterCf.setField: invalid service name \"a b\": it must not be empty, start with '#' or contain whitespace, '/', '*', '=', '{' or '}'",
    ],
    [
      'whitespace in an option value',
      BASE,
      (cf) => cf.setOption('smtp', 'inet', 'a', 'b c'),
      'MasterCf.setOption: option value "b c" contains whitespace (postconf -P accepts none)',
    ],
    [
      'whitespace in an option name',
      BASE,
      (cf) => cf.setOption('smtp', 'inet', 'a b', 'c'),
      "MasterCf.setOption: invalid option name \"a b\": it must not be empty, start with '#' or contain whitespace, '/', '*', '=', '{' or '}'",
    ],
    [
      '"=" in an option name',
      BASE,
      (cf) => cf.removeOption('smtp', 'inet', 'a=b'),
      "MasterCf.removeOption: invalid option name \"a=b\": it must not be empty, start with '#' or contain whitespace, '/', '*', '=', '{' or '}'",
    ],
    [
      'an unbalanced { in an option value',
      BASE,
      (cf) => cf.setOption('smtp', 'inet', 'a', '${b'),
      'MasterCf.setOption: missing \'}\' in option value "${b"',
    ],
    [
      'an unbalanced { in a command',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'command', 'smtpd {a'),
      'MasterCf.setField: missing \'}\' in "smtpd {a"',
    ],
    [
      'a joined -o value with an o (setOption)',
      'smtp inet n - y - - smtpd -osyslog_name=postfix/smtp\n',
      (cf) => cf.setOption('smtp', 'inet', 'a', 'b'),
      'MasterCf.setOption: service smtp/inet (line 1): joined option "-osyslog_name=postfix/smtp" contains ' +
        "the letter 'o': postconf would split it at every 'o'; write it as \"-o syslog_name=postfix/smtp\"",
    ],
    [
      'a joined -o value with an o in a cluster (setField)',
      'smtp inet n - y - - smtpd\n  -vosyslog_name=x\n',
      (cf) => cf.setField('smtp', 'inet', 'chroot', 'n'),
      'MasterCf.setField: service smtp/inet (line 1): joined option "-vosyslog_name=x" contains ' +
        "the letter 'o': postconf would split it at every 'o'; write it as \"-v -o syslog_name=x\"",
    ],
    [
      'a joined -o value with an o (removeOption)',
      'smtp inet n - y - - smtpd -oa=foo\n',
      (cf) => cf.removeOption('smtp', 'inet', 'a'),
      'MasterCf.removeOption: service smtp/inet (line 1): joined option "-oa=foo" contains ' +
        "the letter 'o': postconf would split it at every 'o'; write it as \"-o a=foo\"",
    ],
    [
      'a joined -o value with an o (replaceService)',
      BASE,
      (cf) => cf.replaceService('smtp', 'inet', 'smtp inet n - y - - smtpd -osyslog_name=x'),
      'MasterCf.replaceService: joined option "-osyslog_name=x" contains the letter ' +
        "'o': postconf would split it at every 'o'; write it as \"-o syslog_name=x\"",
    ],
    [
      'a joined -o value with an o (new command)',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'command', 'smtpd -osyslog_name=x'),
      'MasterCf.setField: service smtp/inet (line 1): joined option "-osyslog_name=x" contains ' +
        "the letter 'o': postconf would split it at every 'o'; write it as \"-o syslog_name=x\"",
    ],
    [
      'a first non-option argument that needs braces',
      BASE,
      (cf) => cf.replaceService('x', 'unix', 'x unix - - n - - pipe { a b } { c d }'),
      'MasterCf.replaceService: the first non-option argument "a b" contains whitespace: postconf would write it without the {} it needs',
    ],
    [
      'a first non-option argument that needs braces (existing entry)',
      'x unix - - n - - pipe -v {a b}\n',
      (cf) => cf.setOption('x', 'unix', 'c', 'd'),
      'MasterCf.setOption: service x/unix (line 1): the first non-option argument "a b" contains whitespace: postconf would write it without the {} it needs',
    ],
    [
      'a lone "-" among the options',
      'x unix - - n - - cmd - y\n',
      (cf) => cf.setOption('x', 'unix', 'c', 'd'),
      'MasterCf.setOption: service x/unix (line 1): a lone "-" among the daemon options: postconf reads past its end and writes garbage into the entry',
    ],
    [
      'an argument that would become a comment line',
      BASE,
      (cf) => cf.setField('smtp', 'inet', 'command', `pipe ${'a'.repeat(32)} ${'b'.repeat(40)} #c`),
      'MasterCf.setField: service smtp/inet (line 1): argument "#c" would start a line of its own and turn it into a comment',
    ],
    [
      'an empty {} argument',
      BASE,
      (cf) => cf.replaceService('x', 'unix', 'x unix - - n - - pipe a {} b'),
      'MasterCf.replaceService: argument "" would not survive postconf\'s re-formatting',
    ],
    [
      'text after a {} group',
      'x unix - - n - - pipe a {b}c\n',
      (cf) => cf.setField('x', 'unix', 'chroot', 'y'),
      'MasterCf.setField: service x/unix (line 1): text after \'}\' in "{b}c": postconf would not keep this argument intact',
    ],
    [
      'a last comment without newline that GOBBLE would swallow',
      'smtp inet n - y - - smtpd\n  -o a=b\n# last',
      (cf) => cf.setOption('smtp', 'inet', 'c', 'd'),
      'MasterCf.setOption: service smtp/inet (line 1): the last line of master.cf ' +
        '(line 3) is a comment or blank line without a final newline; postconf -F/-P ' +
        'would write the rewritten entry onto that line — add the final newline first',
    ],
    [
      'a last blank line without newline that GOBBLE would swallow',
      'smtp inet n - y - - smtpd\n  ',
      (cf) => cf.setField('smtp', 'inet', 'chroot', 'n'),
      'MasterCf.setField: service smtp/inet (line 1): the last line of master.cf ' +
        '(line 2) is a comment or blank line without a final newline; postconf -F/-P ' +
        'would write the rewritten entry onto that line — add the final newline first',
    ],
    [
      'an entry line with 7 fields',
      BASE,
      (cf) => cf.replaceService('x', 'unix', 'x unix - - n - -'),
      'MasterCf.replaceService: bad field count: 7 fields in "x unix - - n - -", at least 8 needed',
    ],
    [
      'an entry line with an invalid field',
      BASE,
      (cf) => cf.replaceService('x', 'unix', 'x unix - - yes - - x'),
      'MasterCf.replaceService: invalid chroot field "yes" in "x unix - - yes - - x"',
    ],
    [
      'an entry line whose service name has "="',
      BASE,
      (cf) => cf.replaceService('x', 'unix', 'x=1 unix - - n - - x'),
      "MasterCf.replaceService: service name \"x=1\" cannot be edited with postconf (it must not contain '/', '*', '=', '{' or '}' or start with '#')",
    ],
  ];
  for (const [what, text, edit, message] of cases) {
    it(`refuses ${what}`, () => {
      const cf = MasterCf.parse(text);
      const before = cf.services();
      expect(() => edit(cf)).toThrow(new Error(message));
      expect(cf.toString()).toBe(text);
      expect(cf.services()).toEqual(before);
    });
  }

  it('does not refuse entries it does not re-format', () => {
    const text = 'smtp inet n - y - - smtpd -osyslog_name=postfix/smtp\nx unix - - n - - pipe {a b}\n';
    expect(
      MasterCf.parse(text).setField('x', 'unix', 'command', 'pipe b').removeService('smtp', 'inet').toString(),
    ).toBe('x          unix  -       -       n       -       -       pipe b\n');
    expect(
      MasterCf.parse(text)
        .commentOutService('smtp', 'inet')
        .replaceService('x', 'unix', 'x unix - - n - - pipe c {a b}')
        .toString(),
    ).toBe(
      '#smtp inet n - y - - smtpd -osyslog_name=postfix/smtp\nx          unix  -       -       n       -       -       pipe c {a b}\n',
    );
  });
});
