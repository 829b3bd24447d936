/**
 * The Effects members behind --verify, the lock and the MX check: the mail log (size, byte
 * ranges), listening sockets, interfaces, random tags, TCP connections, DNS, removal at exit.
 * The real ones on this machine (loopback only, never real DNS) and the in-memory twin, and
 * what a --root sandbox allows: its own files, no network, no listening sockets.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/system/lock.js';
import { createMemoryEffects, smtpPeer } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { SmtpSession } from '../../src/system/smtpClient.js';
import { tempRoots } from '../helpers/postfix.js';

const sandbox = tempRoots('mailsetup-io-', 'var/log');

/** A TCP server on 127.0.0.1 that greets and echoes each line back; closed by the caller. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.write('220 hello ä\r\n');
    s.on('data', (d) => s.write(d));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('real Effects', () => {
  it('fileSize and readFileRange read a log under the root by bytes (UTF-8, lenient)', async () => {
    const r = sandbox();
    writeFileSync(
      join(r, 'var/log/mail.log'),
      Buffer.concat([Buffer.from('ab ä\n'), Buffer.from([0xff]), Buffer.from('z\n')]),
    );
    const fx = createRealEffects(r);
    expect(await fx.fileSize('/var/log/mail.log')).toBe(9);
    expect(await fx.readFileRange('/var/log/mail.log', 0, 6)).toBe('ab ä\n');
    expect(await fx.readFileRange('/var/log/mail.log', 6, 100)).toBe('\ufffdz\n');
    expect(await fx.readFileRange('/var/log/mail.log', 9, 9)).toBe('');
    expect(await fx.fileSize('/var/log/none.log')).toBeNull();
    expect(await fx.readFileRange('/var/log/none.log', 0, 10)).toBeNull();
  });

  it('listeningSockets: this machine’s LISTEN sockets live; none in a sandbox', async () => {
    const { server, port } = await echoServer();
    try {
      const live = await createRealEffects('/').listeningSockets();
      expect(live).toContainEqual({ address: '127.0.0.1', port, family: 4, loopback: true, wildcard: false });
      expect(new Set(live.map((s) => `${s.address}|${s.port}`)).size).toBe(live.length);
      expect(await createRealEffects(sandbox()).listeningSockets()).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("networkInterfaces: the machine's, also under --root; randomHex: fresh hex", async () => {
    const ifaces = await createRealEffects(sandbox()).networkInterfaces();
    expect(
      Object.values(ifaces)
        .flat()
        .map((i) => i.address),
    ).toContain('127.0.0.1');
    const fx = createRealEffects('/');
    const a = fx.randomHex(6);
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(fx.randomHex(6)).not.toBe(a);
  });

  it('connect: a connection that carries bytes both ways; refused and sandboxed connections say why', async () => {
    const { server, port } = await echoServer();
    try {
      const conn = await createRealEffects('/').connect({ host: '127.0.0.1', port, timeoutMs: 2_000 });
      let got = '';
      const ended = new Promise<Error | undefined>((resolve) => {
        conn.listen(
          (chunk) => (got += chunk),
          (e) => resolve(e),
        );
      });
      conn.write('EHLO ü\r\n');
      await new Promise((r) => setTimeout(r, 100));
      // Sent as UTF-8; received as latin1, one character per byte.
      expect(got).toBe(
        `220 hello ${Buffer.from('ä').toString('latin1')}\r\nEHLO ${Buffer.from('ü').toString('latin1')}\r\n`,
      );
      conn.close();
      expect(await ended).toBeUndefined();
    } finally {
      server.close();
    }
    await expect(
      createRealEffects('/').connect({ host: '127.0.0.1', port, localAddress: '127.0.0.9', timeoutMs: 2_000 }),
    ).rejects.toThrow(`cannot connect to 127.0.0.1:${port} from 127.0.0.9: ECONNREFUSED`);
    const r = sandbox();
    await expect(createRealEffects(r).connect({ host: '127.0.0.1', port, timeoutMs: 2_000 })).rejects.toThrow(
      `--root ${r}: a sandbox does not reach the network (no connection to 127.0.0.1:${port})`,
    );
  });

  it('resolveMx: a sandbox never queries DNS (code ESANDBOX)', async () => {
    const r = sandbox();
    await expect(createRealEffects(r).resolveMx('example.org')).rejects.toMatchObject({
      code: 'ESANDBOX',
      message: `--root ${r}: a sandbox does not query DNS (MX of example.org)`,
    });
  });

  it('removeAtExit: a lock never released is removed when the process exits, unless someone else holds it by then', () => {
    const child = (root: string, mode: string) =>
      spawnSync(process.execPath, ['node_modules/vite-node/vite-node.mjs', 'test/helpers/lock-child.ts', root, mode], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    const r = sandbox();
    const kept = child(r, 'keep');
    expect(kept.status, kept.stderr).toBe(0);
    expect(existsSync(join(r, 'held'))).toBe(true);
    expect(existsSync(join(r, 'run/mailsetup.lock'))).toBe(false);
    const other = sandbox();
    const replaced = child(other, 'replace');
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(readFileSync(join(other, 'run/mailsetup.lock'), 'utf8')).toBe('1\n');
  });
});

describe('memory Effects (the twin)', () => {
  it('an SMTP peer answers an SmtpSession; the connection is recorded with its local address', async () => {
    const received: string[] = [];
    const fx = createMemoryEffects({
      peers: {
        '[::1]:2525': smtpPeer({
          greeting: '220-mx.test\n220 ESMTP',
          reply: (l, c) => (l.startsWith('RCPT') && c.address !== '::1' ? '554 5.7.1 Relay access denied' : undefined),
          message: (text, c) => {
            received.push(`${c.from} -> ${c.rcpt.join(',')}: ${text}`);
            return '250 2.0.0 Ok: queued as Q1';
          },
        }),
      },
    });
    const s = await SmtpSession.connect(fx, { host: '::1', port: 2525, timeoutMs: 1_000 });
    expect(s.greeting.lines).toEqual(['220-mx.test', '220 ESMTP']);
    expect((await s.ehlo('me')).code).toBe(250);
    expect((await s.mail('a@b.example')).code).toBe(250);
    expect((await s.rcpt('c@d.example')).code).toBe(250);
    expect((await s.data('Subject: x\n.dot\n')).text).toBe('250 2.0.0 Ok: queued as Q1');
    await s.quit();
    expect(received).toEqual(['a@b.example -> c@d.example: Subject: x\n.dot\n']);
    const outside = await SmtpSession.connect(fx, {
      host: '::1',
      port: 2525,
      localAddress: 'fd00::2',
      timeoutMs: 1_000,
    });
    await outside.ehlo('x');
    await outside.mail('');
    expect((await outside.rcpt('c@d.example')).text).toBe('554 5.7.1 Relay access denied');
    outside.close();
    expect(fx.connections).toEqual([
      { host: '::1', port: 2525 },
      { host: '::1', port: 2525, localAddress: 'fd00::2' },
    ]);
    await expect(SmtpSession.connect(fx, { host: '::1', port: 25, timeoutMs: 1_000 })).rejects.toThrow(
      'cannot connect to [::1]:25: ECONNREFUSED',
    );
  });

  it('a silent peer and a peer that hangs up: bounded waits, exact errors', async () => {
    const fx = createMemoryEffects({
      peers: {
        '127.0.0.1:1': smtpPeer({ reply: () => null }),
        '127.0.0.1:2': (sock) => {
          sock.send('220 hi\r\n250-partial\r\n');
          return () => sock.end();
        },
      },
    });
    const silent = await SmtpSession.connect(fx, { host: '127.0.0.1', port: 1, timeoutMs: 100 });
    await expect(silent.ehlo('me')).rejects.toThrow(
      'timed out after 0.1 s waiting for the reply to EHLO me from 127.0.0.1:1',
    );
    silent.close();
    const hangs = await SmtpSession.connect(fx, { host: '127.0.0.1', port: 2, timeoutMs: 1_000 });
    await expect(hangs.ehlo('me')).rejects.toThrow(
      '127.0.0.1:2 closed the connection while waiting for the reply to EHLO me (partial reply: 250-partial)',
    );
  });

  it('DNS answers, failures and silence; a sandbox has no network and no listening sockets', async () => {
    const fx = createMemoryEffects({
      mx: {
        'a.example': [{ exchange: 'MX.a.example.', priority: 5 }],
        'b.example': { code: 'ESERVFAIL' },
        'c.example': 'silent',
      },
      sockets: [{ address: '0.0.0.0', port: 25, family: 4, loopback: false, wildcard: true }],
    });
    expect(await fx.resolveMx('a.example')).toEqual([{ exchange: 'MX.a.example.', priority: 5 }]);
    await expect(fx.resolveMx('b.example')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    await expect(fx.resolveMx('z.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const silence = await Promise.race([
      fx.resolveMx('c.example'),
      new Promise((r) => setTimeout(() => r('no answer'), 50)),
    ]);
    expect(silence).toBe('no answer');
    expect(fx.dnsQueries).toEqual(['a.example', 'b.example', 'z.example', 'c.example']);
    expect(await fx.listeningSockets()).toHaveLength(1);
    const box = createMemoryEffects({ root: '/srv/box', sockets: fx.sockets, peers: { '127.0.0.1:25': smtpPeer() } });
    expect(await box.listeningSockets()).toEqual([]);
    await expect(box.connect({ host: '127.0.0.1', port: 25, timeoutMs: 100 })).rejects.toThrow(
      '--root /srv/box: a sandbox does not reach the network (no connection to 127.0.0.1:25)',
    );
    await expect(box.resolveMx('a.example')).rejects.toMatchObject({ code: 'ESANDBOX' });
    expect(box.connections).toEqual([]);
  });

  it('the lock without a machine: held, refused to a second taker, removed at exit unless replaced', async () => {
    const fx = createMemoryEffects();
    const lock = await acquireLock(fx);
    expect(fx.files.get('/run/mailsetup.lock')?.content).toBe(`${process.pid}\n`);
    await expect(acquireLock(fx)).rejects.toThrow(`another mailsetup (pid ${process.pid}) is running`);
    expect([...fx.exitRemovals]).toEqual([['/run/mailsetup.lock', `${process.pid}\n`]]);
    fx.exit();
    expect(fx.files.has('/run/mailsetup.lock')).toBe(false);
    await lock.release(); // already gone: nothing to do
    const again = await acquireLock(fx);
    await again.release();
    expect(fx.exitRemovals.size).toBe(0);
    const replaced = await acquireLock(fx);
    fx.files.set('/run/mailsetup.lock', { content: '1\n', mode: 0o644, uid: 0, gid: 0 });
    fx.exit();
    expect(fx.files.get('/run/mailsetup.lock')?.content).toBe('1\n');
    await replaced.release();
    expect(fx.files.get('/run/mailsetup.lock')?.content).toBe('1\n');
  });

  it('the log grows; an unreadable one reads as null; random tags are deterministic', async () => {
    const fx = createMemoryEffects({ unreadable: ['/var/log/secret.log'] });
    fx.append('/var/log/mail.log', 'ä\n');
    expect(await fx.fileSize('/var/log/mail.log')).toBe(3);
    expect(await fx.readFileRange('/var/log/mail.log', 2, 3)).toBe('\n');
    fx.append('/var/log/secret.log', 'x');
    expect(await fx.readFileRange('/var/log/secret.log', 0, 1)).toBeNull();
    expect([fx.randomHex(2), fx.randomHex(2)]).toEqual(['0001', '0002']);
  });
});
