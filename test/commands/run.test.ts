/**
 * The dispatch of src/commands/index.ts and the answers from standard input, without a machine:
 * `--answers -` refuses a terminal (its keys are the wizard's), with --json every refusal is one
 * document on stdout and the text goes to stderr, and the answers are read through Effects
 * (readStdin), bounded in size and strict about UTF-8.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run, type Terminal } from '../../src/commands/index.js';
import { givenAnswers, MAX_ANSWERS_BYTES } from '../../src/commands/session.js';
import { UsageError } from '../../src/model/errors.js';
import type { CliOptions } from '../../src/model/options.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { readStream } from '../../src/system/realEffects.js';
import { expectSchema, onlyDocument } from '../helpers/jsonSchema.js';
import { cliOptions } from '../helpers/options.js';

const OPTS: CliOptions = cliOptions({ dryRun: true });

function terminal(over: Partial<Terminal> = {}): Terminal & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdinIsTty: false,
    stdoutIsTty: false,
    isRoot: false,
    argv: [],
    io: { out: (s) => void out.push(s), err: (s) => void err.push(s) },
    out,
    err,
    ...over,
  };
}

describe('--answers - on a terminal', () => {
  it('is refused: the terminal is for the wizard', async () => {
    const t = terminal({ stdinIsTty: true, stdoutIsTty: true });
    await expect(run({ ...OPTS, answers: '-' }, t)).rejects.toThrow(
      new UsageError(
        '--answers -: standard input is a terminal; pipe the answers in (… | mailsetup --answers - --yes)',
      ),
    );
    expect(t.out).toEqual([]);
  });

  it('with --json: exit 2, the one document on stdout, the message on stderr', async () => {
    const t = terminal({ stdinIsTty: true });
    expect(await run({ ...OPTS, answers: '-', json: true }, t)).toBe(2);
    const doc = onlyDocument(t.out.join(''));
    expectSchema(doc);
    expect(doc).toMatchObject({
      mode: 'apply',
      dryRun: true,
      root: '/',
      exitCode: 2,
      ok: false,
      error: {
        message: '--answers -: standard input is a terminal; pipe the answers in (… | mailsetup --answers - --yes)',
        details: [],
      },
    });
    expect(t.err.join('')).toBe(
      'mailsetup: --answers -: standard input is a terminal; pipe the answers in (… | mailsetup --answers - --yes)\n',
    );
  });

  it('with --json, a refusal that names the root check is a document too', async () => {
    const t = terminal();
    expect(await run({ ...OPTS, dryRun: false, yes: true, answers: '-', json: true }, t)).toBe(2);
    expect(onlyDocument(t.out.join('')).error).toMatchObject({ message: expect.stringContaining('root is needed') });
  });
});

describe('the answers from standard input', () => {
  it('are read through Effects and parsed like a file (JSON is YAML too)', async () => {
    const fx = createMemoryEffects({ stdin: '{"role": "null-client", "myhostname": "a.example.com"}' });
    expect(await givenAnswers(fx, { ...OPTS, answers: '-' })).toEqual({
      role: 'null-client',
      myhostname: 'a.example.com',
    });
  });

  it('more than the bound, or invalid YAML: a usage error that says so', async () => {
    const big = createMemoryEffects({ stdin: `# ${'x'.repeat(MAX_ANSWERS_BYTES)}\nrole: null-client\n` });
    await expect(givenAnswers(big, { ...OPTS, answers: '-' })).rejects.toThrow(
      `cannot read the answers from standard input: standard input holds more than ${MAX_ANSWERS_BYTES} bytes`,
    );
    const bad = createMemoryEffects({ stdin: 'role: [\n' });
    await expect(givenAnswers(bad, { ...OPTS, answers: '-' })).rejects.toThrow(/^answers file is not valid YAML/);
  });

  it('the real reader: stops at the bound, refuses bytes that are not UTF-8, reads the rest whole', async () => {
    await expect(readStream(Readable.from([Buffer.alloc(10, 0x61), Buffer.alloc(10, 0x62)]), 15)).rejects.toThrow(
      'standard input holds more than 15 bytes',
    );
    await expect(readStream(Readable.from([Buffer.from([0x72, 0xff, 0x0a])]), 100)).rejects.toThrow(
      /^standard input is not UTF-8 text \(byte 0xff at offset 1\)/,
    );
    // A character split across two chunks is put back together.
    const euro = Buffer.from('role: €\n');
    expect(await readStream(Readable.from([euro.subarray(0, 7), euro.subarray(7)]), 100)).toBe('role: €\n');
    expect(await readStream(Readable.from([]), 100)).toBe('');
  });
});
