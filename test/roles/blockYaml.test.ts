/**
 * The quick reader of plain block YAML (src/roles/blockYaml.ts) against the yaml library it
 * stands in for: on every generated and every mangled document it either gives up (undefined)
 * or gives exactly what the library gives, and it never takes a document the library refuses.
 * The state files mailsetup writes for every role are taken by it.
 */
import { describe, expect, it } from 'vitest';
import { Document, parseDocument, stringify, visit } from 'yaml';
import { plan } from '../../src/plan/plan.js';
import { detect } from '../../src/plan/detect.js';
import { parseState } from '../../src/plan/state.js';
import { parseAnswersYaml } from '../../src/roles/answers.js';
import { readBlockYaml } from '../../src/roles/blockYaml.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { ROLE_IDS } from '../../src/roles/index.js';
import { STATE_PATH } from '../../src/model/paths.js';
import { afterPlan, fakeHost, freshFiles, templates } from '../helpers/host.js';
import { generator, SEED } from '../helpers/gen-answers.js';
import { Rng } from '../helpers/prng.js';

/** What the library makes of `text`: its value, or 'error' when it reports one (or throws: an unknown alias). */
function library(text: string): { value: unknown } | 'error' {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return 'error';
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch {
    return 'error';
  }
}

/** The reader agrees with the library or gives up; returns whether it took the text. */
function agrees(text: string): boolean {
  const quick = readBlockYaml(text);
  if (quick === undefined) return false;
  const lib = library(text);
  expect(lib, text).not.toBe('error');
  expect(quick.value, text).toStrictEqual((lib as { value: unknown }).value);
  return true;
}

const WORDS = [
  'mail',
  'example.com',
  'hash:/etc/aliases',
  '[smtp.example.net]:587',
  'btree:${data_directory}/smtp_scache',
  '$mydomain',
  '127.0.0.0/8',
  '>=TLSv1.2',
  'a: b',
  'a #b',
  'a#b',
  'x:',
  '- y',
  '#c',
  '',
  ' lead',
  'trail ',
  'null',
  'Null',
  '~',
  'true',
  'FALSE',
  'yes',
  '0',
  '012',
  '42',
  '-1',
  '+5',
  '1.5',
  '.5',
  '1e3',
  '0x1F',
  '0o17',
  '.inf',
  '.NaN',
  '123456789012345678',
  "it's",
  'say "hi"',
  'back\\slash',
  'tab\there',
  'line\nbreak',
  'two\nlines\n',
  'smtp      inet  n       -       y       -       -       smtpd\n  -o syslog_name=postfix/$service_name\n',
  '  indented\nnext\n',
  'a\n\nb\n',
  'kept\n\n',
  '# not a comment\nin a block\n',
  'ünïcode ✓',
  '{a}',
  '[b]',
  '&anchor',
  '*alias',
  '!tag',
  '|',
  '>',
  '%x',
  '@x',
  '`x',
  '<<',
  '__proto__',
  'smtp/inet',
  'relay:[inside.example.com]',
];

function randomValue(rng: Rng, depth: number): unknown {
  const roll = rng.int(10);
  if (depth < 4 && roll < 2) {
    const out: Record<string, unknown> = {};
    for (let i = rng.int(4); i > 0; i--) out[rng.pick(WORDS) || 'k'] = randomValue(rng, depth + 1);
    return out;
  }
  if (depth < 4 && roll < 4) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  if (roll < 5) return rng.pick([null, true, false, 0, 7, 1234567, -3, 2.5]);
  return rng.pick(WORDS);
}

/** Line-level damage: indentation, comments, anchors, tabs, flow, repeats, document markers. */
function mangle(rng: Rng, text: string): string {
  const lines = text.split('\n');
  for (let n = rng.range(1, 3); n > 0; n--) {
    const i = rng.int(lines.length);
    const l = lines[i];
    switch (rng.int(12)) {
      case 0:
        lines[i] = ` ${l}`;
        break;
      case 1:
        lines[i] = l.replace(/^ {2}/, '');
        break;
      case 2:
        lines[i] = `${l} # note`;
        break;
      case 3:
        lines.splice(i, 0, l);
        break;
      case 4:
        lines[i] = l.replace(/: /, ': &a ');
        break;
      case 5:
        lines[i] = l.replace(/^( *)/, '$1\t');
        break;
      case 6:
        lines.splice(i, 0, rng.pick(['---', '...', '%YAML 1.2', '# comment', '', '  # indented comment']));
        break;
      case 7:
        lines[i] = l.replace(/: (.*)$/, ': [$1]');
        break;
      case 8:
        lines[i] = l.replace(/: (.*)$/, ': |\n  $1');
        break;
      case 9:
        lines[i] = l.replace(/^( *)- /, '$1');
        break;
      case 10:
        lines[i] = l.replace(/"/g, "'");
        break;
      default:
        lines[i] = `${l}\n${' '.repeat(rng.int(6))}${rng.pick(WORDS)}`;
    }
  }
  return lines.join('\n');
}

/** One item of a flow list written as plain, double-quoted or single-quoted text. */
function flowItem(rng: Rng): string {
  const word = rng.pick(WORDS);
  switch (rng.int(4)) {
    case 0:
      return JSON.stringify(word);
    case 1:
      return `'${word.replaceAll("'", "''")}'`;
    default:
      return rng.pick([word, word, String(rng.pick([0, 7, 42, -3, 2.5])), 'user1@example.com', '10.0.0.0/24']);
  }
}

/** A flow list on one line, now and then damaged (an empty item, a comma at the end, nesting, text after it). */
function flowList(rng: Rng): string {
  const items = Array.from({ length: rng.range(1, 5) }, () => flowItem(rng));
  if (rng.chance(0.05)) items.splice(rng.int(items.length), 0, '');
  if (rng.chance(0.05)) items.push(rng.pick(['[a]', '{a: b}', '[]']));
  const sep = () => rng.pick([', ', ',', ' , ', ',  ']);
  let text = items[0];
  for (const item of items.slice(1)) text += sep() + item;
  if (rng.chance(0.05)) text += ',';
  const pad = rng.pick(['', '', ' ']);
  return `[${pad}${text}${pad}]${rng.chance(0.05) ? rng.pick([' # c', 'x', ']', ' ']) : ''}`;
}

/** `value` as YAML with every list written as a flow list (`[a, b]`), mappings as blocks. */
function withFlowLists(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

describe('readBlockYaml', () => {
  it('agrees with the yaml library on generated documents, and takes most of them', () => {
    const rng = new Rng(SEED);
    let taken = 0;
    const N = 3000;
    for (let i = 0; i < N; i++) {
      const value = { top: randomValue(rng, 0), [rng.pick(WORDS) || 'k']: randomValue(rng, 1) };
      const text = stringify(value, { lineWidth: rng.chance(0.5) ? 0 : 40, sortMapEntries: false });
      if (agrees(text)) taken++;
    }
    // Most generated documents are plain enough; a reader that always gave up would fail here.
    expect(taken).toBeGreaterThan(N * 0.3);
  });

  it('never takes what the library refuses, and agrees on every mangled document it takes', () => {
    const rng = new Rng(SEED + 1);
    let taken = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const text = mangle(rng, stringify({ a: randomValue(rng, 0), b: randomValue(rng, 0) }, { lineWidth: 0 }));
      if (library(text) === 'error') {
        refused++;
        expect(readBlockYaml(text), text).toBeUndefined();
      } else if (agrees(text)) taken++;
    }
    expect(taken).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it.each([
    [
      'plain documents',
      '# a comment\nversion: 1\nanswers:\n  mynetworks:\n    - 127.0.0.0/8\n  relayhost: "[smtp.example.net]"\n' +
        "  note: 'it''s'\n  empty: []\n  none: {}\n  n: null\nmain:\n  owned:\n    relay_domains: \"\"\n",
      {
        version: 1,
        answers: {
          mynetworks: ['127.0.0.0/8'],
          relayhost: '[smtp.example.net]',
          note: "it's",
          empty: [],
          none: {},
          n: null,
        },
        main: { owned: { relay_domains: '' } },
      },
    ],
    [
      'literal blocks (lines starting with #, empty lines inside, chomping)',
      'master:\n  relay/unix: |\n    relay unix - - y - - smtp\n    # kept\n\n      -o syslog_name=x\n' +
        '  stripped: |-\n    one\n    two\n\n\nafter: 1\n',
      {
        master: { 'relay/unix': 'relay unix - - y - - smtp\n# kept\n\n  -o syslog_name=x\n', stripped: 'one\ntwo' },
        after: 1,
      },
    ],
  ])('reads %s as the library does', (_what, text, value) => {
    expect(agrees(text)).toBe(true);
    expect(readBlockYaml(text)?.value).toStrictEqual(value);
  });

  it('agrees with the library on flow lists of scalars, and never takes one it refuses', () => {
    const rng = new Rng(SEED + 4);
    let taken = 0;
    let refused = 0;
    const N = 4000;
    for (let i = 0; i < N; i++) {
      const list = flowList(rng);
      const text = rng.pick([
        `mynetworks: ${list}\n`,
        `role: mail-server\nrelay_domains: ${list}\npostmaster: a@b.example\n`,
        `transport:\n  example.com: ${list}\n`,
        `lists:\n  - ${list}\n  - x\n`,
      ]);
      if (library(text) === 'error') {
        refused++;
        expect(readBlockYaml(text), text).toBeUndefined();
      } else if (agrees(text)) taken++;
    }
    // Plain words, quoted words, numbers: most lists are taken; the damaged ones are refused.
    expect(taken).toBeGreaterThan(N * 0.3);
    expect(refused).toBeGreaterThan(50);
  });

  it.each([
    [
      'mynetworks: [127.0.0.0/8, "[::1]/128", 10.0.0.0/24]\n',
      { mynetworks: ['127.0.0.0/8', '[::1]/128', '10.0.0.0/24'] },
    ],
    [
      "relay_recipients: [ user1@example.com ,'it''s', \"a, b\" ]\n",
      { relay_recipients: ['user1@example.com', "it's", 'a, b'] },
    ],
    ['a: [42, true, null, x-y_z.1/2]\n', { a: [42, true, null, 'x-y_z.1/2'] }],
    ['- [a, b]\n- c\n', [['a', 'b'], 'c']],
  ])('reads the flow list in %j as the library does', (text, value) => {
    expect(agrees(text)).toBe(true);
    expect(readBlockYaml(text)?.value).toStrictEqual(value);
  });

  it.each([
    ['a comma at the end', 'a: [x, y,]\n'],
    ['an empty item', 'a: [x,, y]\n'],
    ['spaces only', 'a: [ ]\n'],
    ['a plain item of two words', 'a: [x y]\n'],
    ['a nested list', 'a: [[x], y]\n'],
    ['a pair in a list', 'a: [x: y]\n'],
    ['a colon in a plain item', 'a: [::1/128]\n'],
    ['a negative number', 'a: [-1]\n'],
    ['a comment after it', 'a: [x] # c\n'],
    ['a list over two lines', 'a: [x,\n  y]\n'],
    ['an unclosed quote', 'a: ["x, y]\n'],
  ])('leaves a flow list with %s to the library', (_what, text) => {
    expect(readBlockYaml(text)).toBeUndefined();
  });

  it.each([
    ['a kept block (|+)', 'a: |+\n  x\n\n'],
    ['a block with an indentation indicator', 'a: |2\n    x\n'],
    ['a block with a line of spaces', 'a: |\n  x\n   \n  y\n'],
    ['an empty block', 'a: |\nb: 1\n'],
    ['an alias bomb', 'a: &a [x, x]\nb: *a\n'],
    ['a merge key', 'a:\n  <<: {b: 1}\n'],
    ['the prototype as a key', '__proto__:\n  polluted: true\n'],
    ['a repeated key', 'a: 1\na: 2\n'],
    ['a number it does not read itself', 'a: 1.5\n'],
    ['a large number', 'a: 123456789012345678\n'],
    ['a list at the key’s own indentation', 'a:\n- x\n'],
    ['a list of mappings', 'a:\n  - b: 1\n'],
    ['a comment after a value', 'a: b # c\n'],
    ['a value over two lines', 'a: b\n  c\n'],
    ['tabs', 'a:\n\tb: 1\n'],
    ['a byte order mark', '\ufeffa: 1\n'],
    ['a document marker', '---\na: 1\n'],
    ['an empty document', '# nothing\n'],
    ['a scalar document', 'hello\n'],
    ['a nesting deeper than 32', Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' x\n'],
  ])('leaves %s to the library', (_what, text) => {
    expect(readBlockYaml(text)).toBeUndefined();
  });

  it('reads a flow list of 200,000 quoted and plain items in one pass (hostile input: no quadratic work)', () => {
    const items = Array.from({ length: 200_000 }, (_, i) => (i % 2 ? `"u${i}@example.com"` : `u${i}@example.com`));
    // ~4 MB on one line: a reader that went over the rest of the line for each item (splitting it at
    // its commas, say) would not finish in hours.
    const value = readBlockYaml(`relay_recipients: [${items.join(', ')}]\n`)?.value as { relay_recipients: string[] };
    expect(value.relay_recipients).toHaveLength(200_000);
    expect(value.relay_recipients[0]).toBe('u0@example.com');
    expect(value.relay_recipients[199_999]).toBe('u199999@example.com');
  });

  it('reads a document nested 10,000 deep without running out of stack (it gives up)', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(readBlockYaml(text)).toBeUndefined();
  });

  it('gives parseAnswersYaml the answers, or the error, the library path gives', () => {
    /** The outcome of parseAnswersYaml: its answers or its message. */
    const outcome = (text: string): { answers: unknown; error?: undefined } | { error: string } => {
      try {
        return { answers: parseAnswersYaml(text) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    const gen = generator(SEED + 2);
    const rng = new Rng(SEED + 3);
    let taken = 0;
    for (const role of ROLE_IDS) {
      for (let i = 0; i < 40; i++) {
        const text = stringify(gen.answers(role), { lineWidth: 0 });
        // The same answers with flow lists (`mynetworks: [127.0.0.0/8, …]`), as often written by hand.
        const flow = withFlowLists(gen.answers(role));
        const texts = [text, mangle(rng, text), flow, mangle(rng, flow)];
        for (const t of texts) {
          if (readBlockYaml(t) !== undefined) taken++;
          // Behind a document marker only the library reads it (the YAML errors' lines differ by one).
          const slow = outcome(`---\n${t}`);
          if (slow.error !== undefined && / at line \d+/.test(slow.error)) expect(readBlockYaml(t), t).toBeUndefined();
          else expect(outcome(t), t).toStrictEqual(slow);
        }
      }
    }
    expect(taken).toBeGreaterThan(ROLE_IDS.length * 80);
  });

  it.each([
    ['012345', 'a number'],
    ['12', 'a number'],
    ['0x1F', 'a number'],
    ['1e3', 'a number'],
    ['true', 'a boolean'],
    ['null', 'empty'],
    ['', 'empty'],
  ])('refuses an unquoted secret %j in a block document as in a flow one', (value, what) => {
    for (const key of ['username', 'password']) {
      const other = key === 'password' ? 'username: me@example.net' : 'password: x-y-z';
      const block = `role: null-client\nrelayhost: "[smtp.example.net]:587"\nsmtp_sasl:\n  ${other}\n  ${key}:${value ? ` ${value}` : ''}\n`;
      const flow = `role: null-client\nrelayhost: "[smtp.example.net]:587"\nsmtp_sasl: {${other}, ${key}: ${value}}\n`;
      const message = `smtp_sasl.${key}: YAML reads this unquoted value as ${what}, which would change it`;
      expect(() => parseAnswersYaml(block)).toThrow(message);
      expect(() => parseAnswersYaml(flow)).toThrow(message);
    }
  });

  it('takes the state file of every role, first run and re-run, as parseState reads it', () => {
    const host = fakeHost();
    const T = templates();
    const gen = generator(SEED);
    for (const role of ROLE_IDS) {
      for (let i = 0; i < 10; i++) {
        let files = freshFiles();
        for (const given of [gen.answers(role), gen.answers(role)]) {
          const d = detect(files);
          const answers = resolveAnswers(given, host, d.answers, d.role);
          const p = plan({ answers, host, files, templates: T });
          files = afterPlan(files, p);
          const state = files[STATE_PATH];
          if (typeof state !== 'string') throw new Error(`${role}: no state file`);
          expect(agrees(state), `${role}: the reader gave up on\n${state}`).toBe(true);
          // The same file behind a document marker, which only the library reads.
          expect(readBlockYaml(`---\n${state}`)).toBeUndefined();
          expect(parseState(state)).toStrictEqual(parseState(`---\n${state}`));
        }
      }
    }
  });
});
