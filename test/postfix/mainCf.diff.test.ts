/**
 * Differential tests: MainCf against the real postconf (3.7.11 here), byte for byte.
 *
 * MainCf implements MODERN postconf semantics (reference §5/§6); 3.7.11 differs in two ways and
 * the oracle is adjusted for both, never the comparison:
 * - Missing final newline: modern postconf adds the missing "\n" to every line it reads, so the
 *   modern result equals what 3.7.11 produces on the input WITH a final newline added. Every op
 *   whose input lacks it is run through postconf with the newline added.
 * - Several NEW names in one call: 3.7.11 appends them in hash order, modern sorted by name.
 *   Exact check: one `postconf -e` per name in sorted order (same bytes as one modern call).
 *   Cheap check: ONE 3.7.11 call, identical up to the appended tail, which is compared as a
 *   multiset. Hand-written cases use both; random cases the exact check for every 10th case.
 *
 * Cases: one per rule of reference §2 (hand-written, incl. Debian's main.cf files), then 300
 * seeded random cases with a fixed seed and 300 with a per-run seed printed in the test name
 * (MAILSETUP_SEED=N reproduces a run, MAILSETUP_DIFF_CASES=N changes the count). Every third
 * random file also checks the reader (`get`, `syntaxErrors`) against `postconf -h`.
 * postconf runs asynchronously, several at once, each worker in its own temporary directory.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MainCf } from '../../src/postfix/mainCf.js';
import { strcmp } from '../../src/postfix/expand.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { postconfAsync, postconfEditAsync, writeMainCf } from '../helpers/postconf-async.js';
import {
  CAFE,
  type EditCase,
  type EditOp,
  KNOWN_NAMES,
  Rng,
  longValue,
  randomEditCase,
} from '../helpers/gen-maincf.js';
import { debianPath, type DebianFile } from '../helpers/reference.js';

const readRef = (name: DebianFile): string => readFileSync(debianPath(name)).toString('latin1');

function withFinalNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** The modern-postconf result of one op, computed with postconf 3.7.11 (see the file comment). */
async function postconfOp(dir: string, text: string, op: EditOp): Promise<string> {
  const run = async (t: string, args: string[]): Promise<string> => {
    const r = await postconfEditAsync(dir, t, args);
    if (r.status !== 0) throw new Error(`postconf ${args.join(' ')} failed: ${r.stderr}`);
    return r.text;
  };
  const input = withFinalNewline(text);
  switch (op.kind) {
    case 'set':
      return run(input, ['-e', `${op.name} = ${op.value}`]);
    case 'setMany': {
      const last = new Map<string, string>();
      for (const [n, v] of op.pairs) {
        last.delete(n);
        last.set(n, v);
      }
      let t = input;
      for (const n of [...last.keys()].sort(strcmp)) t = await run(t, ['-e', `${n} = ${last.get(n)}`]);
      return t;
    }
    case 'remove':
      return run(input, ['-X', ...op.names]);
    case 'commentOut':
      return run(input, ['-#', ...op.names]);
  }
}

function applyMine(cf: MainCf, op: EditOp): void {
  switch (op.kind) {
    case 'set':
      cf.set(op.name, op.value);
      break;
    case 'setMany':
      cf.setMany(op.pairs);
      break;
    case 'remove':
      if (op.names.length === 1) cf.remove(op.names[0]);
      else cf.removeMany(op.names);
      break;
    case 'commentOut':
      if (op.names.length === 1) cf.commentOut(op.names[0]);
      else cf.commentOutMany(op.names);
      break;
  }
}

/** Lines after the longest common prefix, sorted: the appended tail as a multiset. */
function tailMultiset(a: string, b: string): [string[], string[]] {
  const la = a.split(/(?<=\n)/);
  const lb = b.split(/(?<=\n)/);
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  return [la.slice(i).sort(), lb.slice(i).sort()];
}

/**
 * Run a case through MainCf and postconf; returns a description of the first difference, or ''.
 * `exactOrder`: several-name `setMany` ops are checked with one postconf call per name in sorted
 * order (exact bytes); otherwise with ONE 3.7.11 call and the appended tail compared as a
 * multiset (the order is the only 3.7.11/modern difference), which costs one postconf run per op.
 * Each op's oracle starts from MainCf's previous (verified) result.
 */
async function runCase(dir: string, c: EditCase, exactOrder: boolean): Promise<string> {
  const cf = MainCf.parse(c.text);
  if (cf.toString() !== c.text) return 'parse/toString does not round-trip';
  for (const [i, op] of c.ops.entries()) {
    const before = cf.toString();
    applyMine(cf, op);
    const mine = cf.toString();
    if (op.kind === 'setMany' && !exactOrder) {
      const r = await postconfEditAsync(dir, withFinalNewline(before), [
        '-e',
        ...op.pairs.map(([n, v]) => `${n} = ${v}`),
      ]);
      if (r.status !== 0) return `op ${i} ${JSON.stringify(op)}: postconf failed: ${r.stderr}`;
      const [x, y] = tailMultiset(mine, r.text);
      if (JSON.stringify(x) !== JSON.stringify(y)) {
        return `op ${i} ${JSON.stringify(op)} (tail as multiset):\n  mine     ${JSON.stringify(mine)}\n  postconf ${JSON.stringify(r.text)}`;
      }
      continue;
    }
    const oracle = await postconfOp(dir, before, op);
    if (mine !== oracle) {
      return `op ${i} ${JSON.stringify(op)}:\n  mine     ${JSON.stringify(mine)}\n  postconf ${JSON.stringify(oracle)}`;
    }
  }
  return '';
}

/** postconf -h NAME with whitespace normalised (the reader check). */
function normalise(s: string): string {
  return s.replace(/[ \t\r\n]+/g, ' ').trim();
}

/**
 * postconf also validates some values while it reads main.cf (inet_protocols, inet_interfaces,
 * compatibility_level, `$` loops) and then stops with a fatal error, after a one-second sleep
 * (as for every fatal error). Such files say nothing about the reader: random files that set one
 * of these names are not tried, and a run that stops for another value reason counts as skipped.
 */
const VALIDATED = ['inet_protocols', 'inet_interfaces', 'compatibility_level'];
const VALUE_FATAL =
  /unknown inet_protocols value|inet_interfaces: host not found|macro processing error|compatibility level/;

/** Outcome of a reader check: agreed, a difference, skipped after running, or not run. */
type ReaderResult = { kind: 'agree' } | { kind: 'differ'; detail: string } | { kind: 'skipped' } | { kind: 'not-run' };

/**
 * Compare the reader (get / syntaxErrors) with `postconf -h` for the known names in the file.
 * `random`: apply the VALIDATED filter; `fatalOk`: also run files with syntax errors (postconf
 * must then stop with the same message and line), which costs postconf's one-second sleep.
 */
async function checkReader(dir: string, text: string, random: boolean, fatalOk: boolean): Promise<ReaderResult> {
  const cf = MainCf.parse(text);
  if (random && VALIDATED.some((n) => cf.has(n))) return { kind: 'not-run' };
  const errors = cf.syntaxErrors();
  if (errors.length > 0 && !fatalOk) return { kind: 'not-run' };
  const names = KNOWN_NAMES.filter((n) => cf.has(n));
  await writeMainCf(dir, text);
  const r = await postconfAsync(dir, ['-h', ...names, 'mail_name']);
  const differ = (detail: string): ReaderResult => ({ kind: 'differ', detail });
  if (errors.length > 0) {
    if (r.status === 0) return differ(`postconf accepted a file with ${JSON.stringify(errors)}`);
    if (!r.stderr.includes(`line ${errors[0].line}: ${errors[0].message}`))
      return differ(`postconf failed differently: ${r.stderr}`);
    return { kind: 'agree' };
  }
  if (r.status !== 0) return VALUE_FATAL.test(r.stderr) ? { kind: 'skipped' } : differ(`postconf failed: ${r.stderr}`);
  const got = r.stdout.split('\n').slice(0, names.length);
  for (const [i, n] of names.entries()) {
    const mine = normalise(cf.get(n) ?? '');
    if (mine !== got[i]) return differ(`get(${n}) = ${JSON.stringify(mine)}, postconf -h ${JSON.stringify(got[i])}`);
  }
  return { kind: 'agree' };
}

const set = (name: string, value: string): EditOp => ({ kind: 'set', name, value });
const setMany = (...pairs: Array<[string, string]>): EditOp => ({ kind: 'setMany', pairs });
const remove = (...names: string[]): EditOp => ({ kind: 'remove', names });
const commentOut = (...names: string[]): EditOp => ({ kind: 'commentOut', names });

/** One hand-written case per rule of reference §2. */
const HAND_CASES: Array<{ title: string } & EditCase> = [
  {
    title: 'rewrite in place',
    text: 'a = 1\nrelayhost = old\nb = 2\n',
    ops: [set('relayhost', '[smtp.example.com]:587')],
  },
  {
    title: 'every duplicate rewritten',
    text: 'relayhost = a\nx = 1\nrelayhost = b\nrelayhost=c\n',
    ops: [set('relayhost', 'z')],
  },
  { title: 'duplicates removed', text: 'relayhost = a\nx = 1\nrelayhost = b\n  cont\n', ops: [remove('relayhost')] },
  {
    title: 'duplicates commented out',
    text: 'relayhost = a\nx = 1\nrelayhost = b\n\tcont\n',
    ops: [commentOut('relayhost')],
  },
  { title: 'continuation lines dropped', text: 'relayhost = a\n  b\n\tc\nx = 1\n', ops: [set('relayhost', 'n')] },
  {
    title: 'continuation across comment and blank lines',
    text: 'relayhost = a\n# c\n\n  b\n   \n\tc\nx = 1\n',
    ops: [set('relayhost', 'n')],
  },
  { title: 'continuation across comments, -X', text: 'relayhost = a\n# c\n\n  b\nx = 1\n', ops: [remove('relayhost')] },
  {
    title: 'continuation across comments, -#',
    text: 'relayhost = a\n# c\n\n  b\nx = 1\n',
    ops: [commentOut('relayhost')],
  },
  {
    title: 'indented orphan line at the start',
    text: '  relayhost = x\nmyhostname = h\n',
    ops: [set('relayhost', 'y')],
  },
  {
    title: 'indented orphan line, -X and -#',
    text: '  relayhost = x\n\tmore\nmyhostname = h\n',
    ops: [remove('relayhost'), commentOut('myhostname')],
  },
  {
    title: 'commented example never uncommented',
    text: '#relayhost = x\n# relayhost = y\n  #relayhost = z\n',
    ops: [set('relayhost', 'r')],
  },
  { title: 'name without "=" matches', text: 'relayhost\nfoo = 1\n', ops: [set('relayhost', 'r')] },
  {
    title: 'name then TAB and text without "=" matches',
    text: 'relayhost\t[x]\nfoo = 1\n',
    ops: [set('relayhost', 'r')],
  },
  { title: 'name then CR (CRLF) matches', text: 'relayhost\r\nfoo = 1\r\n', ops: [set('relayhost', 'r')] },
  { title: 'name then \\v does not match', text: 'relayhost\v= x\nfoo = 1\n', ops: [set('relayhost', 'r')] },
  {
    title: 'prefix and suffix names never match',
    text: 'relayhost_x = 1\nrelay = 2\nrelayhostX = 3\n',
    ops: [set('relayhost', 'r'), remove('relay')],
  },
  {
    title: '\\f and \\v lead continuation lines',
    text: 'relayhost = a\n\fb\n\vc\nx = 1\n',
    ops: [set('relayhost', 'n')],
  },
  {
    title: '\\f and \\v continuation lines, -#',
    text: 'relayhost = a\n\fb\n\vc\nx = 1\n',
    ops: [commentOut('relayhost')],
  },
  { title: '\\f and \\v continuation lines, -X', text: 'relayhost = a\n\fb\n\vc\nx = 1\n', ops: [remove('relayhost')] },
  {
    title: 'CRLF file: untouched lines keep CRLF, written lines LF',
    text: 'a = 1\r\nrelayhost = x\r\n  cont\r\nb = 2\r\n',
    ops: [set('relayhost', 'y'), set('new', 'v')],
  },
  {
    title: 'CRLF file, -# keeps CR',
    text: 'a = 1\r\nrelayhost = x\r\n\tcont\r\nb = 2\r\n',
    ops: [commentOut('relayhost')],
  },
  { title: 'empty value gives trailing space', text: 'relayhost = x\n', ops: [set('relayhost', ''), set('fresh', '')] },
  { title: 'blank value trimmed to empty', text: 'relayhost = x\n', ops: [set('relayhost', ' \t ')] },
  {
    title: 'internal whitespace and TAB kept',
    text: 'smtpd_banner = x\n',
    ops: [set('smtpd_banner', '$myhostname\tESMTP  $mail_name')],
  },
  { title: 'leading and trailing blanks trimmed', text: 'relayhost = x\n', ops: [set('relayhost', '\t  [a]:25 \t')] },
  { title: 'value with #, =, {} and $', text: 'x = 1\n', ops: [set('relayhost', '#not = a {comment} ${x?{y}}')] },
  {
    title: 'long value (1000+ chars) on one line',
    text: 'mydestination = a\n',
    ops: [set('mydestination', longValue(new Rng(7)))],
  },
  {
    title: '$name values',
    text: 'myorigin = $myhostname\n',
    ops: [set('myorigin', '$mydomain'), set('mydestination', '$myhostname, localhost.$mydomain, localhost')],
  },
  {
    title: 'unknown and mixed-case names',
    text: 'relayhost = a\nRelayHost = b\n',
    ops: [set('RelayHost', 'c'), set('foo_bar', '1'), set('RELAYHOST', 'd')],
  },
  {
    title: 'odd names are plain text',
    text: 'a.b = 1\nfoo/bar = 2\n',
    ops: [set('a.b', '3'), set('foo/bar', '4'), set(CAFE, '5')],
  },
  {
    title: 'separator spellings all become " = "',
    text: 'relayhost=a\nrelayhost   =   a\nrelayhost\t=\ta\nrelayhost =a\n',
    ops: [set('relayhost', 'A')],
  },
  { title: 'CR inside a value is kept on untouched lines', text: 'relayhost = a\rb\nx = 1\n', ops: [set('x', '2')] },
  { title: '-X of a name that is not set', text: 'x = 1\n# relayhost = y\n', ops: [remove('relayhost')] },
  { title: '-X with several names', text: 'a = 1\nb = 2\n  b2\nc = 3\n', ops: [remove('a', 'b', 'zz')] },
  { title: '-# with several names', text: 'a = 1\nb = 2\n  b2\nc = 3\n', ops: [commentOut('c', 'a')] },
  {
    title: '-# on an unterminated last line (modern: ends in newline)',
    text: 'a = 1\nrelayhost = x',
    ops: [commentOut('relayhost')],
  },
  {
    title: '-# on an unterminated continuation line',
    text: 'a = 1\nrelayhost = x\n  y',
    ops: [commentOut('relayhost')],
  },
  { title: 'missing final newline, append (modern: no gluing)', text: 'myhostname = h', ops: [set('relayhost', 'x')] },
  {
    title: 'missing final newline after a comment, append',
    text: 'myhostname = h\n# last comment',
    ops: [set('relayhost', 'x')],
  },
  { title: 'missing final newline, rewrite the last line', text: 'a = 1\nrelayhost = h', ops: [set('relayhost', 'x')] },
  { title: 'missing final newline, -X elsewhere', text: 'a = 1\nb = 2', ops: [remove('a')] },
  {
    title: 'setMany of existing names: file order',
    text: 'c = 1\na = 2\nb = 3\n',
    ops: [setMany(['b', 'B'], ['c', 'C'], ['a', 'A'])],
  },
  {
    title: 'setMany of new names: sorted by name',
    text: 'x = 1\n',
    ops: [setMany(['zeta', '1'], ['alpha', '2'], ['Mid', '3'], ['_u', '4'], ['beta', '5'])],
  },
  {
    title: 'setMany mixed, same name twice (later wins)',
    text: 'b = 1\n',
    ops: [setMany(['d', '1'], ['b', '2'], ['a', '3'], ['d', '4'])],
  },
  { title: 'empty file', text: '', ops: [set('relayhost', 'x')] },
  {
    title: 'whitespace-only and form-feed lines stay',
    text: 'a = 1\n   \n\t\n\f\n \r\nb = 2\n',
    ops: [set('a', '2'), remove('b')],
  },
  {
    title: 'Debian main.cf.debian: a null-client configuration',
    text: readRef('main.cf.debian'),
    ops: [
      setMany(
        ['myhostname', 'mx.example.com'],
        ['mydestination', ''],
        ['relayhost', '[smtp.example.com]:587'],
        ['inet_interfaces', 'loopback-only'],
        ['mynetworks', '127.0.0.0/8 [::1]/128'],
      ),
      set('compatibility_level', '3.6'),
      commentOut('biff'),
      remove('readme_directory'),
    ],
  },
  {
    title: 'Debian main.cf.dist: edits next to commented examples',
    text: readRef('main.cf.dist'),
    ops: [
      set('myorigin', '/etc/mailname'),
      set('relayhost', '[relay.example.net]'),
      remove('debugger_command'),
      commentOut('inet_protocols', 'mynetworks'),
      setMany(['smtp_tls_security_level', 'may'], ['compatibility_level', '3.6'], ['alias_maps', 'hash:/etc/aliases']),
    ],
  },
  {
    title: 'Debian main.cf.tls',
    text: readRef('main.cf.tls'),
    ops: [set('smtpd_tls_security_level', 'may'), remove('smtpd_tls_cert_file')],
  },
];

describePostfix('MainCf vs postconf: one case per rule', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => cleanup(dir));

  for (const c of HAND_CASES) {
    it(c.title, async () => {
      expect(await runCase(dir, c, true)).toBe('');
      if (c.ops.some((op) => op.kind === 'setMany')) expect(await runCase(dir, c, false)).toBe('');
    });
  }

  it('reader: get() agrees with postconf -h on the Debian files', async () => {
    for (const f of ['main.cf.debian', 'main.cf.dist', 'main.cf.tls'] as const) {
      expect(await checkReader(dir, readRef(f), false, true)).toEqual({ kind: 'agree' });
    }
  });
});

const FIXED_SEED = 0x5eed2025;
const envSeed = process.env.MAILSETUP_SEED;
const RUN_SEED = envSeed !== undefined && envSeed !== '' ? Number(envSeed) >>> 0 : Math.floor(Math.random() * 2 ** 32);
/** MAILSETUP_DIFF_CASES overrides the number of cases per seed (default 300, two seeds). */
const CASES_PER_SEED = Number(process.env.MAILSETUP_DIFF_CASES ?? '300');
const CHUNK = 50;
/** postconf runs in flight at once (each worker has its own directory). */
const WORKERS = 4;

function randomSuite(label: string, seed: number): void {
  describePostfix(
    `MainCf vs postconf: ${CASES_PER_SEED} random cases, ${label} seed ${seed} (MAILSETUP_SEED=${seed} reproduces)`,
    () => {
      const dirs: string[] = [];
      beforeAll(() => {
        for (let w = 0; w < WORKERS; w++) dirs.push(tempDir());
      });
      afterAll(() => {
        for (const d of dirs) cleanup(d);
      });
      const rng = new Rng(seed);
      const cases = Array.from({ length: CASES_PER_SEED }, () => randomEditCase(rng));
      let readerRuns = 0;
      let readerAgreed = 0;
      for (let start = 0; start < cases.length; start += CHUNK) {
        const end = Math.min(start + CHUNK, cases.length);
        it(`cases ${start}..${end - 1}`, async () => {
          const failures: string[] = [];
          let next = start;
          const worker = async (dir: string): Promise<void> => {
            while (next < end) {
              const i = next++;
              const c = cases[i];
              const diff = await runCase(dir, c, i % 10 === 0);
              if (diff) failures.push(`case ${i} (seed ${seed}) file ${JSON.stringify(c.text)}\n  ${diff}`);
              if (i % 3 === 0) {
                const r = await checkReader(dir, c.text, true, i % 12 === 0);
                if (r.kind !== 'not-run') readerRuns++;
                if (r.kind === 'agree') readerAgreed++;
                if (r.kind === 'differ')
                  failures.push(`case ${i} (seed ${seed}) reader, file ${JSON.stringify(c.text)}\n  ${r.detail}`);
              }
            }
          };
          await Promise.all(dirs.map(worker));
          expect(failures.slice(0, 3).join('\n\n')).toBe('');
        });
      }
      it('the reader check compared most files it ran on, and enough of them', () => {
        expect(readerAgreed).toBeGreaterThanOrEqual(readerRuns * 0.6);
        expect(readerAgreed).toBeGreaterThanOrEqual(Math.floor(CASES_PER_SEED / 15));
      });
    },
  );
}

randomSuite('fixed', FIXED_SEED);
randomSuite(envSeed ? 'MAILSETUP_SEED' : 'per-run random', RUN_SEED);

describe('generator', () => {
  it('is deterministic for a seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect(Array.from({ length: 5 }, () => randomEditCase(a))).toEqual(
      Array.from({ length: 5 }, () => randomEditCase(b)),
    );
  });
});
