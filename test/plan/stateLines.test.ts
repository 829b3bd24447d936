/**
 * The state file's `main.lines`: the original text of a definition mailsetup changed (Debian 13's
 * `relayhost =`), written back into main.cf when the parameter gets its earlier value again. It is
 * read like the rest of the state file, as hostile input: exactly one definition of the parameter
 * it is recorded for, with the value main.previous records, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { parseState, serializeState, StateError, emptyState } from '../../src/plan/state.js';
import type { Answers } from '../../src/model/answers.js';

const ANSWERS = { role: 'null-client', myhostname: 'client.example.com', relayhost: '[relay.example.com]' } as Answers;

/** A state file whose main records relayhost (before: empty) with `lines`. */
function withLines(
  lines: Record<string, unknown>,
  previous: Record<string, string | null> = { relayhost: '' },
): string {
  const s = emptyState(ANSWERS);
  s.main = { owned: { relayhost: '[relay.example.com]' }, previous };
  const text = serializeState(s);
  // The lines are added by hand, as a tampered file would have them.
  return text.replace(/^main:\n/m, `main:\n  lines: ${JSON.stringify(lines)}\n`);
}

describe('main.lines in the state file', () => {
  it('round trips: written only when there are any, read back the same', () => {
    const s = emptyState(ANSWERS);
    s.main = { owned: { relayhost: '[relay.example.com]' }, previous: { relayhost: '' } };
    expect(serializeState(s)).not.toContain('lines');
    s.main.lines = { relayhost: 'relayhost =\n' };
    const back = parseState(serializeState(s));
    expect(back.main.lines).toEqual({ relayhost: 'relayhost =\n' });
    expect(parseState(withLines({ relayhost: 'relayhost =   \n' })).main.lines).toEqual({
      relayhost: 'relayhost =   \n',
    });
    // A definition over continuation lines is one definition.
    const multi = withLines({ relayhost: 'relayhost =\n    [a.example.com]\n' }, { relayhost: '[a.example.com]' });
    expect(parseState(multi).main.lines?.relayhost).toBe('relayhost =\n    [a.example.com]\n');
  });

  const refused: Array<[string, Record<string, unknown>, string]> = [
    [
      'a second parameter after the definition',
      { relayhost: 'relayhost =\nmynetworks = 0.0.0.0/0\n' },
      'must be one definition of relayhost and nothing else',
    ],
    [
      'another parameter than its key',
      { relayhost: 'mynetworks = 0.0.0.0/0\n' },
      'must be one definition of relayhost',
    ],
    ['a comment line', { relayhost: '# hello\nrelayhost =\n' }, 'must be one definition of relayhost'],
    ['a blank line after it', { relayhost: 'relayhost =\n\n' }, 'must be one definition of relayhost'],
    ['no final newline', { relayhost: 'relayhost =' }, 'ending in a newline'],
    ['a control character', { relayhost: 'relayhost = \u001b[2J\n' }, 'without control characters'],
    ['a value other than the recorded one', { relayhost: 'relayhost = [evil.example]\n' }, 'main.previous.relayhost'],
    ['a parameter mailsetup never sets', { daemon_directory: 'daemon_directory = /tmp\n' }, 'is not a parameter'],
    ['not a string', { relayhost: ['relayhost ='] }, 'must be a string'],
  ];
  for (const [what, lines, message] of refused) {
    it(`refuses ${what}`, () => {
      expect(() => parseState(withLines(lines))).toThrow(StateError);
      expect(() => parseState(withLines(lines))).toThrow(message);
    });
  }

  it('refuses lines for a parameter whose earlier value was "not set"', () => {
    expect(() => parseState(withLines({ relayhost: 'relayhost =\n' }, { relayhost: null }))).toThrow(
      'main.previous.relayhost',
    );
  });
});
