/** The map checks: every key mailsetup wrote, asked of the database, gives what it wrote. */
import { describe, expect, it } from 'vitest';
import { checkMapKeys, mapTables } from '../../../src/commands/verify/checks/mapKeys.js';
import { createMemoryEffects, okResult } from '../../../src/system/memoryEffects.js';
import { NULL_CLIENT_STATE, contextOf, postfixTwin, stateWith } from './twin.js';

describe('check: map keys', () => {
  it('one check per lookup table, then the aliases', () => {
    expect(mapTables(NULL_CLIENT_STATE).map((t) => [t.label, t.cmd])).toEqual([
      ['Lookup table /etc/postfix/virtual', 'postmap'],
      ['Aliases /etc/aliases', 'postalias'],
    ]);
    expect(mapTables(stateWith({ role: 'mail-server' }))).toEqual([]);
  });

  it('every key as written: ok, naming the database asked', async () => {
    const fx = postfixTwin();
    const [virtual, aliases] = mapTables(NULL_CLIENT_STATE);
    expect(await checkMapKeys(await contextOf(fx), virtual)).toEqual({
      status: 'ok',
      detail: '2 keys as written (postmap -q hash:/etc/postfix/virtual)',
    });
    expect(await checkMapKeys(await contextOf(fx), aliases)).toEqual({
      status: 'ok',
      detail: '2 keys as written (postalias -q hash:/etc/aliases)',
    });
    expect(fx.calls.filter((c) => c.cmd === 'postmap').map((c) => c.args)).toEqual([
      ['-c', '/etc/postfix', '-q', 'postmaster', 'hash:/etc/postfix/virtual'],
      ['-c', '/etc/postfix', '-q', 'root', 'hash:/etc/postfix/virtual'],
    ]);
  });

  it('a changed value and a missing key: failed, each named; values compared as lists', async () => {
    const fx = postfixTwin({ tables: { 'hash:/etc/postfix/virtual': { postmaster: 'someone@example.org' } } });
    const t = {
      label: 'x',
      cmd: 'postmap' as const,
      path: '/etc/postfix/virtual',
      keys: { postmaster: 'a@example.org', root: 'a@example.org' },
    };
    expect(await checkMapKeys(await contextOf(fx), t)).toEqual({
      status: 'failed',
      detail: '2 of 2 keys differ from what mailsetup wrote (hash:/etc/postfix/virtual)',
      explain: [
        'postmaster: postmap -q gives "someone@example.org", mailsetup wrote "a@example.org"',
        'root: not found (mailsetup wrote "a@example.org")',
      ],
    });
    const spaced = postfixTwin({ tables: { 'hash:/etc/aliases': { root: 'a@example.org,b@example.org' } } });
    const list = {
      label: 'y',
      cmd: 'postalias' as const,
      path: '/etc/aliases',
      keys: { root: 'a@example.org, b@example.org' },
    };
    expect((await checkMapKeys(await contextOf(spaced), list)).status).toBe('ok');
  });

  it('a secret is never shown: only that it is there', async () => {
    const t = {
      label: 's',
      cmd: 'postmap' as const,
      path: '/etc/postfix/sasl_passwd',
      keys: { '[relay.example.net]:587': '(secret)' },
    };
    const there = postfixTwin({ tables: { 'hash:/etc/postfix/sasl_passwd': { '[relay.example.net]:587': 'me:pw' } } });
    expect(await checkMapKeys(await contextOf(there), t)).toEqual({
      status: 'ok',
      detail: '1 key as written (postmap -q hash:/etc/postfix/sasl_passwd)',
    });
    const gone = postfixTwin({ tables: {} });
    expect((await checkMapKeys(await contextOf(gone), t)).explain).toEqual([
      '[relay.example.net]:587: not found (mailsetup wrote a secret)',
    ]);
  });

  it('under --root the sandbox files are asked; with a configuration directory, its files', async () => {
    const run = (cmd: string, args: string[]) => ({ ...okResult(cmd, args), stdout: 'a@example.org\n' });
    const params = { default_database_type: 'lmdb' };
    const table = { ...mapTables(NULL_CLIENT_STATE)[0], keys: { root: 'a@example.org' } };
    const sandbox = createMemoryEffects({ root: '/srv/box', run });
    expect((await checkMapKeys({ fx: sandbox, cfg: '/srv/box/etc/postfix', params }, table)).detail).toBe(
      '1 key as written (postmap -q lmdb:/srv/box/etc/postfix/virtual)',
    );
    const instance = createMemoryEffects({ run });
    expect((await checkMapKeys({ fx: instance, cfg: '/tmp/pf', configDir: '/tmp/pf', params }, table)).detail).toBe(
      '1 key as written (postmap -q lmdb:/tmp/pf/virtual)',
    );
  });
});
