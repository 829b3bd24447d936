/**
 * The facts the answers refer to: what to look up (pure, src/plan/facts.ts) and the lookups
 * themselves through Effects (src/system/facts.ts), on the in-memory twin and on this machine's
 * real files and name service (getent: local files only, no network).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { factsNeeded } from '../../src/plan/facts.js';
import { resolveForPlan } from '../../src/plan/lint/index.js';
import { gatherFacts, MAX_TABLE_BYTES } from '../../src/system/facts.js';
import { createMemoryEffects, okResult } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import type { CommandResult } from '../../src/model/effects.js';
import { fakeHost } from '../helpers/host.js';
import { cleanup, POSTFIX_AVAILABLE, tempDir } from '../helpers/postfix.js';
import { writeSettled } from '../helpers/settled.js';

const host = fakeHost();

describe('what the answers refer to (factsNeeded)', () => {
  it('names the table files, databases, users, host names and the relay host to look up', () => {
    const a = resolveForPlan(
      {
        role: 'mail-server',
        postmaster: 'you',
        aliases: { joe: 'joe, jane@example.net', ann: 'ann@example.net' },
        mydestination: ['$myhostname', 'localhost', '/etc/postfix/local_domains'],
        mynetworks: ['127.0.0.0/8', 'hash:/etc/postfix/network_table', 'cidr:/etc/postfix/nets.cidr'],
        smtpd_recipient_restrictions: ['check_client_access hash:/etc/postfix/access'],
        inet_interfaces: '$myhostname, 192.168.10.5',
        proxy_interfaces: ['nat.example.com'],
        relayhost: 'relay.example.net:587',
      },
      host,
    );
    expect(factsNeeded(a, host)).toEqual({
      files: [
        '/etc/postfix/network_table',
        '/etc/postfix/nets.cidr',
        '/etc/postfix/local_domains',
        '/etc/postfix/access',
      ],
      databases: ['/etc/postfix/network_table.db', '/etc/postfix/access.db'],
      mapTypes: true,
      users: ['you', 'joe'],
      names: ['mx.example.com', 'nat.example.com'],
      relayhostMx: 'relay.example.net',
    });
  });

  it('asks nothing of a plain configuration', () => {
    const a = resolveForPlan(
      { role: 'mail-server', postmaster: 'a@example.com', relayhost: '[smtp.example.net]' },
      host,
    );
    expect(factsNeeded(a, host)).toEqual({ files: [], databases: [], mapTypes: false, users: [], names: [] });
  });
});

describe('the lookups (gatherFacts) on the in-memory twin', () => {
  const getent =
    (table: Record<string, string>) =>
    (cmd: string, args: string[]): CommandResult => {
      if (cmd === 'getent') {
        const out = table[`${args[0]} ${args[1]}`];
        return out === undefined ? { ...okResult(cmd, args), exitCode: 2 } : { ...okResult(cmd, args), stdout: out };
      }
      if (cmd === 'postconf' && args.includes('-m')) return { ...okResult(cmd, args), stdout: 'btree\ncidr\nhash\n' };
      return okResult(cmd, args);
    };

  it('reads the files, checks the databases, asks getent and postconf -m, and DNS for the relay host', async () => {
    const fx = createMemoryEffects({
      files: {
        '/etc/postfix/main.cf': '',
        '/etc/postfix/network_table': '10.0.0.1 x\n',
        '/etc/postfix/network_table.db': 'db',
      },
      run: getent({
        'passwd you': 'you:x:1000:1000::/home/you:/bin/sh\n',
        'ahosts nat.example.com': '203.0.113.5     STREAM nat.example.com\n203.0.113.5     DGRAM\n',
      }),
      mx: { 'relay.example.net': [{ exchange: 'MX.example.com.', priority: 10 }] },
    });
    const facts = await gatherFacts(fx, {
      files: ['/etc/postfix/network_table', '/etc/postfix/missing'],
      databases: ['/etc/postfix/network_table.db', '/etc/postfix/missing.db'],
      mapTypes: true,
      users: ['you', 'nobody-here'],
      names: ['nat.example.com', 'gone.example.com'],
      relayhostMx: 'relay.example.net',
    });
    expect(facts).toEqual({
      files: { '/etc/postfix/network_table': '10.0.0.1 x\n', '/etc/postfix/missing': null },
      databases: { '/etc/postfix/network_table.db': true, '/etc/postfix/missing.db': false },
      users: { you: true, 'nobody-here': false },
      names: { 'nat.example.com': ['203.0.113.5'], 'gone.example.com': [] },
      mapTypes: ['btree', 'cidr', 'hash'],
      relayhostMx: ['mx.example.com'],
    });
  });

  it('a --root sandbox asks no name service and no DNS; files come from the sandbox', async () => {
    const fx = createMemoryEffects({
      root: '/sandbox',
      files: { '/etc/postfix/nets': '10.0.0.0/8\n' },
      run: getent({}),
    });
    const facts = await gatherFacts(fx, {
      files: ['/etc/postfix/nets'],
      databases: [],
      mapTypes: false,
      users: [],
      names: ['nat.example.com'],
      relayhostMx: 'relay.example.net',
    });
    expect(facts).toEqual({
      files: { '/etc/postfix/nets': '10.0.0.0/8\n' },
      databases: {},
      users: {},
      names: { 'nat.example.com': 'not looked up: a --root sandbox asks no name service' },
    });
    expect(fx.calls).toEqual([]);
    expect(fx.dnsQueries).toEqual([]);
  });

  it('a user lookup that cannot be made (no getent) leaves the user unchecked', async () => {
    const fx = createMemoryEffects({ run: (cmd, args) => ({ ...okResult(cmd, args), exitCode: 127 }) });
    const facts = await gatherFacts(fx, { files: [], databases: [], mapTypes: false, users: ['you'], names: [] });
    expect(facts.users).toEqual({});
  });
});

describe('the lookups on this machine', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(cleanup));

  it('reads only regular files of bounded size: a FIFO, a directory and a huge file are refused, not read', async () => {
    const root = tempDir();
    dirs.push(root);
    mkdirSync(join(root, 'etc/postfix/dir'), { recursive: true });
    expect(spawnSync('mkfifo', [join(root, 'etc/postfix/fifo')]).status).toBe(0);
    writeFileSync(join(root, 'etc/postfix/big'), Buffer.alloc(MAX_TABLE_BYTES + 1, 0x41));
    writeFileSync(join(root, 'etc/postfix/nets'), '10.0.0.0/8\n');
    const facts = await gatherFacts(createRealEffects(root), {
      files: ['/etc/postfix/fifo', '/etc/postfix/dir', '/etc/postfix/big', '/etc/postfix/nets', '/etc/postfix/none'],
      databases: ['/etc/postfix/nets.db'],
      mapTypes: false,
      users: [],
      names: [],
    });
    expect(facts.files).toEqual({
      '/etc/postfix/fifo': '!it is not a regular file',
      '/etc/postfix/dir': '!it is a directory',
      '/etc/postfix/big': '!it is larger than 4 MB',
      '/etc/postfix/nets': '10.0.0.0/8\n',
      '/etc/postfix/none': null,
    });
    expect(facts.databases).toEqual({ '/etc/postfix/nets.db': false });
  });

  it('asks the real getent for users and /etc/hosts names', async () => {
    const facts = await gatherFacts(createRealEffects('/'), {
      files: [],
      databases: [],
      mapTypes: false,
      users: ['root', 'no-such-user-mailsetup'],
      names: ['localhost'],
    });
    expect(facts.users).toEqual({ root: true, 'no-such-user-mailsetup': false });
    expect(facts.names.localhost).toContain('127.0.0.1');
  });

  it.skipIf(!POSTFIX_AVAILABLE)(
    "asks the real postconf -m for the table types, with the sandbox's main.cf; none without one",
    async () => {
      const root = tempDir();
      dirs.push(root);
      mkdirSync(join(root, 'etc/postfix'), { recursive: true });
      const need = { files: [], databases: [], mapTypes: true, users: [], names: [] };
      expect((await gatherFacts(createRealEffects(root), need)).mapTypes).toBeUndefined();
      writeSettled(join(root, 'etc/postfix/main.cf'), ''); // a fixture: postconf does not wait for it to settle
      const types = (await gatherFacts(createRealEffects(root), need)).mapTypes;
      expect(types).toEqual(
        spawnSync('postconf', ['-c', join(root, 'etc/postfix'), '-m'], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n'),
      );
      expect(types).toContain('hash');
    },
  );
});
