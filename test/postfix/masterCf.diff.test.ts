/**
 * Differential tests: every MasterCf edit is compared byte for byte with the installed postconf
 * (3.7.11 on Debian 12, 3.10.13 on Debian 13), one postconf call per API call. Hand-written cases cover each consequence of
 * the reference's §3.3/§3.4 on Debian's real master.cf; a seeded generator adds >= 600 random
 * files and edit sequences (MAILSETUP_SEED=<n> replays a run; the seed is printed;
 * MAILSETUP_DIFF_CASES=<n> makes it 2n, as .ci/debian13 does on the second release).
 *
 * Missing final newline: the editor implements the fixed releases (3.7.15+), where the reader
 * adds the newline; on any release that equals running postconf on the text with the newline added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MasterCf, type MasterField } from '../../src/postfix/masterCf.js';
import {
  cleanup,
  describePostfix,
  fixedIn,
  postconf,
  postconfEdit,
  postfixVersion,
  tempDir,
} from '../helpers/postfix.js';
import {
  Rng,
  applyOp,
  caseSeed,
  describeOp,
  fromBytes,
  genDebianMasterCf,
  genOp,
  genSyntheticMasterCf,
  PostconfShell,
  postconfArgs,
  seedFromEnv,
  toBytes,
  type MasterOp,
} from '../helpers/gen-mastercf.js';
import { readDebian } from '../helpers/reference.js';

const DEBIAN = readDebian('master.cf');

/** Modern reader = 3.7.11 on the text with its final newline added. */
function withFinalNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ours ${JSON.stringify(la[i])} postconf ${JSON.stringify(lb[i])}`;
  }
  return 'no difference';
}

describePostfix('MasterCf vs postconf: hand-written cases', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('mailsetup-mastercf-');
  });
  afterAll(() => cleanup(dir));

  /** Run ops through both; assert equal bytes after every step; return the final text. */
  function both(text: string, ops: MasterOp[]): string {
    const cf = MasterCf.parse(text);
    let theirs = toBytes(withFinalNewline(text));
    for (const op of ops) {
      applyOp(cf, op);
      const r = postconfEdit(dir, 'master.cf', theirs, postconfArgs(op));
      expect(r.status, `${describeOp(op)}: ${r.stderr}`).toBe(0);
      theirs = r.text;
      expect(cf.toString(), describeOp(op)).toBe(fromBytes(theirs));
    }
    return cf.toString();
  }

  const F = (service: string, type: string, field: MasterField, value: string): MasterOp => ({
    op: 'setField',
    service,
    type,
    field,
    value,
  });
  const P = (service: string, type: string, name: string, value: string): MasterOp => ({
    op: 'setOption',
    service,
    type,
    name,
    value,
  });
  const PX = (service: string, type: string, name: string): MasterOp => ({ op: 'removeOption', service, type, name });
  const ME = (service: string, type: string, entry: string): MasterOp => ({
    op: 'replaceService',
    service,
    type,
    entry,
  });
  const MX = (service: string, type: string): MasterOp => ({ op: 'removeService', service, type });
  const MC = (service: string, type: string): MasterOp => ({ op: 'commentOutService', service, type });

  const lineOf = (text: string, prefix: string): number => text.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

  it('-F smtp/inet/chroot=n moves smtp/inet from line 12 below the commented submission block', () => {
    expect(lineOf(DEBIAN, 'smtp      inet')).toBe(12);
    const out = both(DEBIAN, [F('smtp', 'inet', 'chroot', 'n')]);
    expect(lineOf(out, 'smtp       inet')).toBe(52);
    expect(out.split('\n')[51]).toBe('smtp       inet  n       -       n       -       -       smtpd');
  });

  it('-F qmgr/unix moves qmgr below "#qmgr ... oqmgr"', () => {
    const out = both(DEBIAN, [F('qmgr', 'unix', 'wakeup', '60')]);
    const lines = out.split('\n');
    const at = lines.findIndex((l) => l.startsWith('qmgr '));
    expect(lines[at - 1]).toBe('#qmgr     unix  n       -       n       300     1       oqmgr');
    expect(lines[at]).toBe('qmgr       unix  n       -       n       60      1       qmgr');
  });

  it('-F to the current value still re-formats and moves (no-op edit)', () => {
    const out = both(DEBIAN, [F('relay', 'unix', 'chroot', 'y')]);
    expect(out).toContain(
      '#       -o smtp_helo_timeout=5 -o smtp_connect_timeout=5\n' +
        'relay      unix  -       -       y       -       -       smtp\n    -o syslog_name=postfix/$service_name\n',
    );
  });

  it('-P adds an option, -P replaces an existing one, -PX removes it', () => {
    both(DEBIAN, [P('smtp', 'inet', 'smtpd_tls_security_level', 'may')]);
    both(DEBIAN, [P('relay', 'unix', 'syslog_name', 'postfix/relay')]);
    const out = both(DEBIAN, [PX('relay', 'unix', 'syslog_name')]);
    expect(out).toContain('\nrelay      unix  -       -       y       -       -       smtp\nshowq ');
  });

  it('-PX of an absent option still moves the entry', () => {
    const out = both(DEBIAN, [PX('maildrop', 'unix', 'nothing')]);
    expect(lineOf(out, 'maildrop ')).toBeGreaterThan(lineOf(DEBIAN, 'maildrop '));
  });

  it('-P on pipe(8) inserts -o directly after "pipe", before flags=', () => {
    const out = both(DEBIAN, [P('maildrop', 'unix', 'x', 'y')]);
    expect(out).toContain(
      'maildrop   unix  -       n       n       -       -       pipe\n    -o x=y\n    flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}\n',
    );
  });

  it('-Me replaces in place, appends when absent, and removes an entry matching the new name/type', () => {
    let out = both(DEBIAN, [ME('smtp', 'inet', 'smtp inet n - n - - smtpd -o smtpd_tls_security_level=may')]);
    expect(out.split('\n').slice(11, 13)).toEqual([
      'smtp       inet  n       -       n       -       -       smtpd',
      '    -o smtpd_tls_security_level=may',
    ]);
    out = both(DEBIAN, [ME('submission', 'inet', 'submission inet n - y - - smtpd -o syslog_name=postfix/submission')]);
    expect(
      out.endsWith(
        '${nexthop} ${user}\nsubmission inet  n       -       y       -       -       smtpd\n    -o syslog_name=postfix/submission\n',
      ),
    ).toBe(true);
    out = both(DEBIAN, [ME('smtp', 'inet', 'pickup unix n - y 60 1 pickup')]);
    expect(out.split('\n')[11]).toBe('pickup     unix  n       -       y       60      1       pickup');
    expect(out.match(/^pickup /gm)).toHaveLength(1);
    expect(out).not.toMatch(/^smtp +inet/m);
  });

  it('-MX deletes the entry lines and keeps the comments between them; -M# prefixes # unformatted', () => {
    const out = both(DEBIAN, [MX('relay', 'unix')]);
    expect(out).toContain(
      'smtp      unix  -       -       y       -       -       smtp\n#       -o smtp_helo_timeout=5 -o smtp_connect_timeout=5\nshowq',
    );
    const out2 = both(DEBIAN, [MC('relay', 'unix')]);
    expect(out2).toContain(
      '#relay     unix  -       -       y       -       -       smtp\n#        -o syslog_name=postfix/$service_name\n#       -o smtp_helo_timeout=5',
    );
    both(DEBIAN, [MC('maildrop', 'unix'), MX('uucp', 'unix'), MC('nonexistent', 'unix'), MX('nonexistent', 'inet')]);
  });

  it('CRLF: rewritten entries get LF, other lines keep CRLF', () => {
    const crlf = DEBIAN.replace(/\n/g, '\r\n');
    const out = both(crlf, [
      F('smtp', 'inet', 'chroot', 'n'),
      P('relay', 'unix', 'a', 'b'),
      ME('pickup', 'unix', 'pickup unix n - y 60 1 pickup'),
      MC('bsmtp', 'unix'),
      MX('flush', 'unix'),
    ]);
    expect(out).toContain('\r\nsmtp       inet  n       -       n       -       -       smtpd\n');
  });

  it('continuation lines with comments and blank lines between them', () => {
    const text = [
      'smtp inet n - y - - smtpd',
      '  -o a=1',
      '# inside',
      '',
      '\t-o b=2',
      '   # indented comment',
      '  -v',
      '#after',
      'pickup unix n - y 60 1 pickup',
      '',
    ].join('\n');
    both(text, [P('smtp', 'inet', 'c', '3')]);
    both(text, [ME('smtp', 'inet', 'smtp inet n - n - - smtpd')]);
    both(text, [MX('smtp', 'inet')]);
    both(text, [MC('smtp', 'inet')]);
    both(text, [F('smtp', 'inet', 'command', 'smtpd -o z=9 x')]);
  });

  it('long argument lists fold at 80 columns; over-long tokens are not split', () => {
    both(DEBIAN, [
      F('scalemail-backend', 'unix', 'chroot', 'y'),
      F('mailman', 'unix', 'chroot', 'y'),
      F('uucp', 'unix', 'wakeup', '60?'),
    ]);
    const long =
      'x unix - n n - - pipe flags=R user=a argv=/usr/bin/' +
      'y'.repeat(90) +
      ' ${a} ${b} ${c} ${d} ${e} ${f} ${g} ${h} ${i} ${j} ${k} ${l}';
    both(long + '\n', [F('x', 'unix', 'chroot', 'y')]);
    both('', [ME('x', 'unix', long), P('x', 'unix', 'o', 'p')]);
  });

  it('-o {name = value with spaces} long form is written as -o {name=value with spaces}', () => {
    const text =
      'submission inet n - y - - smtpd\n  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n  -o syslog_name=postfix/submission\n';
    const out = both(text, [P('submission', 'inet', 'smtpd_tls_security_level', 'encrypt')]);
    expect(out).toContain('    -o {smtpd_client_restrictions=permit_sasl_authenticated, reject}\n');
    both(text, [ME('submission', 'inet', 'submission inet n - y - - smtpd -o {x = a  b } -o{ y = c }')]);
  });

  it('duplicates: -F edits and moves each; -Me keeps the first, deletes the rest', () => {
    const text = 'a unix - - n - - x\n# c1\nb unix - - n - - x\na unix - - y - - y\n# c2\n\n';
    const out = both(text, [F('a', 'unix', 'chroot', '-')]);
    expect(out).toBe(
      '# c1\na          unix  -       -       -       -       -       x\nb unix - - n - - x\n' +
        '# c2\n\na          unix  -       -       -       -       -       y\n',
    );
    both(text, [ME('a', 'unix', 'a unix - - n - - z')]);
    both(text, [MX('a', 'unix')]);
    both(text, [MC('a', 'unix')]);
  });

  it('field values "-" and wakeup "60?"; service and type renames; command replacement', () => {
    both(DEBIAN, [
      F('pickup', 'unix', 'wakeup', '60?'),
      F('pickup', 'unix', 'process_limit', '-'),
      F('pickup', 'unix', 'private', '-'),
      F('pickup', 'unix', 'unprivileged', 'n'),
      F('pickup', 'unix', 'service', 'pickup2'),
      F('pickup2', 'unix', 'type', 'fifo'),
      F('pickup2', 'fifo', 'command', 'pickup -v -o {a = b c} arg'),
    ]);
  });

  it('"--" ends the options; -o values without "=" and with braces', () => {
    both('x unix - - n - - cmd -v -- z -o\ny unix - - n - - cmd -o {a b} -o { c } -D\n', [
      P('x', 'unix', 'a', 'b'),
      P('y', 'unix', 'a', 'b'),
      PX('x', 'unix', 'a'),
      PX('y', 'unix', 'c'),
    ]);
  });

  it('missing final newline: modern semantics (newline added before an appended entry)', () => {
    const text = 'smtp inet n - y - - smtpd';
    const out = both(text, [ME('pickup', 'unix', 'pickup unix n - y 60 1 pickup')]);
    expect(out).toBe('smtp inet n - y - - smtpd\npickup     unix  n       -       y       60      1       pickup\n');
    // The installed postconf on the text as it is: releases before the fix (3.7.11 here) glue
    // the new entry onto the last line; the fixed ones (3.7.15, 3.8.10, 3.9.4, 3.10.2 and later;
    // 3.10.13 on Debian 13) add the newline, as the editor does.
    const old = postconfEdit(dir, 'master.cf', text, ['-Me', 'pickup/unix=pickup unix n - y 60 1 pickup']);
    const fixed = fixedIn(postfixVersion(), ['3.7.15', '3.8.10', '3.9.4', '3.10.2']);
    expect(old.text).toBe(
      fixed ? out : 'smtp inet n - y - - smtpdpickup     unix  n       -       y       60      1       pickup\n',
    );
    both('# only a comment', [MX('a', 'unix')]);
    both('smtp inet n - y - - smtpd\n  -o a=b', [P('smtp', 'inet', 'c', 'd')]);
  });

  it('non-ASCII (UTF-8) text: columns count bytes like postconf', () => {
    both('grüße unix - - n - - pipe argv=/usr/bin/ü ${x}\n# ü\n', [
      F('grüße', 'unix', 'chroot', 'y'),
      P('grüße', 'unix', 'ä', 'ö'),
      ME('x', 'unix', 'xü unix - - n - - pipe ' + 'äöü '.repeat(30)),
    ]);
  });

  it('unmatched -F/-P/-PX: bytes unchanged, postconf-style warning', () => {
    const cf = MasterCf.parse(DEBIAN);
    cf.setField('nothing', 'unix', 'chroot', 'y');
    expect(cf.toString()).toBe(DEBIAN);
    expect(cf.warnings()).toEqual(['unmatched service_name/type: "nothing/unix/chroot=y"']);
    const r = postconfEdit(dir, 'master.cf', DEBIAN, ['-F', 'nothing/unix/chroot=y']);
    expect(r.stderr).toContain('warning: unmatched service_name/type: "nothing/unix/chroot=y"');
    expect(r.text).toBe(DEBIAN);
    cf.removeOption('smtp', 'inet', 'x');
    expect(cf.warnings()).toEqual([]);
  });
});

describePostfix('refused inputs: postconf refuses or corrupts them too', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('mailsetup-mastercf-refuse-');
  });
  afterAll(() => cleanup(dir));

  const BASE = 'smtp inet n - y - - smtpd\npickup unix n - y 60 1 pickup\n';
  const run = (text: string, args: string[]) => postconfEdit(dir, 'master.cf', toBytes(text), args);
  const refused = (text: string, edit: (cf: MasterCf) => unknown): void => {
    const cf = MasterCf.parse(text);
    expect(() => edit(cf)).toThrow();
    expect(cf.toString()).toBe(text);
  };

  it('newline in an argument: postconf fails', () => {
    const r = run(BASE, ['-P', 'smtp/inet/a=b\nc']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('accept no multi-line input');
    refused(BASE, (cf) => cf.setOption('smtp', 'inet', 'a', 'b\nc'));
  });

  it('leading #: postconf fails for the pattern, and turns an entry line into a comment', () => {
    const r = run(BASE, ['-M#', '#smtp/inet']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('accept no comment input');
    refused(BASE, (cf) => cf.commentOutService('#smtp', 'inet'));
    const r2 = run(BASE, ['-Me', 'smtp/inet=#smtp inet n - n - - smtpd']);
    expect(r2.status).toBe(0);
    expect(r2.text).toBe(
      '#smtp      inet  n       -       n       -       -       smtpd\npickup unix n - y 60 1 pickup\n',
    );
    refused(BASE, (cf) => cf.replaceService('smtp', 'inet', '#smtp inet n - n - - smtpd'));
  });

  it('invalid field values: postconf fails with the same words', () => {
    // (Each fatal postconf run takes a second: only three here; the unit tests cover every field.)
    const cases: Array<[string, string]> = [
      ['chroot=yes', 'invalid chroot field "yes"'],
      ['wakeup=1h', 'invalid wakeup field "1h"'],
      ['type=tcp', 'invalid type field "tcp"'],
    ];
    for (const [assignment, words] of cases) {
      const r = run(BASE, ['-F', `smtp/inet/${assignment}`]);
      expect(r.status, assignment).toBe(1);
      expect(r.stderr).toContain(words);
      expect(r.text).toBe(BASE);
      const [field, value] = assignment.split('=');
      const cf = MasterCf.parse(BASE);
      expect(() => cf.setField('smtp', 'inet', field as MasterField, value)).toThrow(words);
    }
  });

  it('whitespace in -P names and values: postconf fails', () => {
    expect(run(BASE, ['-P', 'smtp/inet/a=b c']).stderr).toContain('-Pe does not accept whitespace in parameter value');
    refused(BASE, (cf) => cf.setOption('smtp', 'inet', 'a', 'b c'));
    expect(run(BASE, ['-P', 'smtp/inet/a b=c']).stderr).toContain("missing '=' after attribute name");
    refused(BASE, (cf) => cf.setOption('smtp', 'inet', 'a b', 'c'));
  });

  it('a wildcard is a pattern for postconf, so it is refused as a name', () => {
    expect(run(BASE + 'x inet n - y - - smtpd\n', ['-MX', '*/inet']).text).toBe('pickup unix n - y 60 1 pickup\n');
    refused(BASE, (cf) => cf.removeService('*', 'inet'));
  });

  it('joined -oname=value with an o: postconf splits it at every o', () => {
    const text = 'smtp inet n - y - - smtpd -osyslog_name=postfix/smtp\n';
    expect(run(text, ['-P', 'smtp/inet/a=b']).text).toBe(
      'smtp       inet  n       -       y       -       -       smtpd\n    -o sysl\n    -o g_name=p\n    -o stfix/smtp\n    -o a=b\n',
    );
    refused(text, (cf) => cf.setOption('smtp', 'inet', 'a', 'b'));
    refused(BASE, (cf) => cf.replaceService('smtp', 'inet', 'smtp inet n - y - - smtpd -osyslog_name=postfix/smtp'));
  });

  it('a first non-option argument that needs braces: postconf drops them', () => {
    expect(run(BASE, ['-Me', 'x/unix=x unix - - n - - pipe { a b } { c d }']).text).toBe(
      BASE + 'x          unix  -       -       n       -       -       pipe a b {c d}\n',
    );
    refused(BASE, (cf) => cf.replaceService('x', 'unix', 'x unix - - n - - pipe { a b } { c d }'));
  });

  it('an argument that lands at the start of a line with #: postconf writes a comment', () => {
    const command = `pipe ${'a'.repeat(32)} ${'b'.repeat(40)} #c`;
    expect(run(BASE, ['-F', `smtp/inet/command=${command}`]).text).toContain(`\n    #c\n`);
    refused(BASE, (cf) => cf.setField('smtp', 'inet', 'command', command));
  });

  it('{} and text after } : postconf loses the argument', () => {
    expect(run(BASE, ['-Me', 'x/unix=x unix - - n - - pipe a {} b']).text).toContain('pipe a  b\n');
    refused(BASE, (cf) => cf.replaceService('x', 'unix', 'x unix - - n - - pipe a {} b'));
    const text = 'x unix - - n - - pipe a {b}c\n';
    expect(run(text, ['-F', 'x/unix/chroot=y']).text).toBe(
      'x          unix  -       -       y       -       -       pipe a b\n',
    );
    refused(text, (cf) => cf.setField('x', 'unix', 'chroot', 'y'));
  });

  it('an unbalanced { in a -P value: postconf writes an entry it cannot read back', () => {
    const r = run(BASE, ['-P', 'smtp/inet/a=${b']);
    expect(r.text).toContain('\n    -o a=${b\npickup unix');
    // The next edit reads "{" up to the end of the entry (newline included) as one argument ...
    const again = postconfEdit(dir, 'master.cf', r.text, ['-P', 'smtp/inet/c=d']);
    expect(again.text).toContain('\n    -o {a=${b\n}\n    -o c=d\n');
    // ... and the result is no longer a valid master.cf.
    const read = postconf(dir, ['-M']);
    expect(read.status).toBe(1);
    expect(read.stderr).toContain('bad field count');
    refused(BASE, (cf) => cf.setOption('smtp', 'inet', 'a', '${b'));
  });

  it('a lone "-" among the options: postconf inserts heap garbage (observed with Debian\'s file)', () => {
    const r = run(DEBIAN, ['-Me', 'virtual/unix=virtual unix - n n - - cmd -o {a = b c} - x']);
    expect(r.status).toBe(0);
    expect(r.text).not.toContain('\n    - x\n');
    refused(DEBIAN, (cf) => cf.replaceService('virtual', 'unix', 'virtual unix - n n - - cmd -o {a = b c} - x'));
  });

  it('a last comment without newline after the entry: postconf -F/-P swallow the entry into it', () => {
    const text = 'smtp inet n - y - - smtpd\n# last';
    expect(run(text, ['-P', 'smtp/inet/a=b']).text).toBe(
      '# lastsmtp       inet  n       -       y       -       -       smtpd\n    -o a=b\n',
    );
    refused(text, (cf) => cf.setOption('smtp', 'inet', 'a', 'b'));
  });

  it('BOM, NUL and a name/type split across lines: postconf mis-edits or fails', () => {
    const bom = '\uFEFFsmtp inet n - y - - smtpd\n';
    expect(fromBytes(run(bom, ['-Me', 'smtp/inet=smtp inet n - n - - smtpd']).text)).toBe(
      bom + 'smtp       inet  n       -       n       -       -       smtpd\n',
    );
    expect(() => MasterCf.parse(bom)).toThrow('byte order mark');
    const nul = 'smtp inet n - y - - smtpd\0x\npickup unix n - y 60 1 pickup\n';
    expect(run(nul, ['-MX', 'qmgr/unix']).text).toBe('smtp inet n - y - - smtpdpickup unix n - y 60 1 pickup\n');
    expect(() => MasterCf.parse(nul)).toThrow('NUL byte');
    const split = 'smtp\n inet n - y - - smtpd\n';
    const r = run(split, ['-MX', 'a/unix']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('specify service name and type on the same line');
    expect(() => MasterCf.parse(split)).toThrow('specify service name and type on the same line');
  });
});

/* ---------------------------------------------------------------------------------------- */

const SEED = seedFromEnv(20250610);
/** MAILSETUP_DIFF_CASES=N: 2N generated cases instead of 640 (as mainCf.diff's N per seed, two seeds). */
const CASES = process.env.MAILSETUP_DIFF_CASES ? 2 * Number(process.env.MAILSETUP_DIFF_CASES) : 640;
const BATCH = 64;
const CONCURRENCY = 3;

describePostfix(`MasterCf vs postconf: ${CASES} generated cases (seed ${SEED})`, () => {
  const dirs: string[] = [];
  const shells: PostconfShell[] = [];
  let generated = 0;
  let edits = 0;
  beforeAll(() => {
    process.stdout.write(`masterCf differential seed: ${SEED} (replay with MAILSETUP_SEED=${SEED})\n`);
    for (let k = 0; k < CONCURRENCY; k++) {
      dirs.push(tempDir('mailsetup-mastercf-gen-'));
      shells.push(new PostconfShell());
    }
  });
  afterAll(() => {
    for (const sh of shells) sh.close();
    for (const d of dirs) cleanup(d);
    process.stdout.write(`masterCf differential: ${generated} cases, ${edits} edits compared (seed ${SEED})\n`);
  });

  async function runCase(index: number, dir: string, shell: PostconfShell): Promise<string | undefined> {
    const rng = new Rng(caseSeed(SEED, index));
    const text = rng.chance(0.3) ? genDebianMasterCf(rng, DEBIAN) : genSyntheticMasterCf(rng);
    const label = `case ${index} (seed ${SEED}) file ${JSON.stringify(text)}`;
    let cf: MasterCf;
    try {
      cf = MasterCf.parse(text);
    } catch (e) {
      return `${label}: parse refused: ${(e as Error).message}`;
    }
    let theirs = toBytes(withFinalNewline(text));
    const nOps = rng.range(1, 3);
    const done: string[] = [];
    for (let k = 0; k < nOps; k++) {
      const op = genOp(rng, cf);
      done.push(describeOp(op));
      try {
        applyOp(cf, op);
      } catch (e) {
        return `${label}: ops ${done.join(' ; ')}: refused: ${(e as Error).message}`;
      }
      const r = await shell.edit(dir, theirs, postconfArgs(op));
      edits++;
      if (r.status !== 0) return `${label}: ops ${done.join(' ; ')}: postconf failed: ${r.stderr}`;
      theirs = r.text;
      const ours = cf.toString();
      if (ours !== fromBytes(theirs)) {
        return `${label}: ops ${done.join(' ; ')}: ${firstDifference(ours, fromBytes(theirs))}`;
      }
    }
    generated++;
    return undefined;
  }

  for (let start = 0; start < CASES; start += BATCH) {
    it(`cases ${start}..${Math.min(start + BATCH, CASES) - 1}`, async () => {
      const failures: string[] = [];
      let next = start;
      const end = Math.min(start + BATCH, CASES);
      await Promise.all(
        dirs.map(async (dir, slot) => {
          while (next < end) {
            const index = next++;
            const f = await runCase(index, dir, shells[slot]);
            if (f) failures.push(f);
          }
        }),
      );
      expect(failures.slice(0, 3)).toEqual([]);
    });
  }
});

describe('generator', () => {
  it('is deterministic for a seed', () => {
    const a = new Rng(caseSeed(7, 3));
    const b = new Rng(caseSeed(7, 3));
    expect(genSyntheticMasterCf(a)).toBe(genSyntheticMasterCf(b));
  });
});
