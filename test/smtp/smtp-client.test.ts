/**
 * The plain SMTP client (src/system/smtpClient.ts) against a scripted server on 127.0.0.1, and
 * the harness's pure parts (smtp-sink dumps, the CLI's planned service action). No root needed.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRealEffects } from '../../src/system/realEffects.js';
import { SmtpSession, dotStuff, queueIdOf, sendMessage } from '../../src/system/smtpClient.js';
import { parseSinkDump, plannedServiceAction } from '../helpers/instance.js';

const fx = createRealEffects('/');

let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (s) await new Promise<void>((r) => s.close(() => r()));
});

/** A server that answers each command line through `reply` (null: say nothing). */
async function scripted(greeting: string, reply: (line: string, sock: Socket) => string | null): Promise<number> {
  const received: string[] = [];
  server = createServer((sock) => {
    sock.write(greeting);
    let buf = '';
    let inData = false;
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        received.push(line);
        if (inData) {
          if (line === '.') {
            inData = false;
            sock.write('250 2.0.0 Ok: queued as 4AbC9xYz\r\n');
          }
          continue;
        }
        if (line === 'DATA') inData = true;
        const r = reply(line, sock);
        if (r !== null) sock.write(r);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

describe('smtpClient', () => {
  it('reads multi-line replies, sends the commands as given, dot-stuffs DATA and finds the queue id', async () => {
    const port = await scripted('220-first line\r\n220 mx.test ESMTP\r\n', (l) => {
      if (l.startsWith('EHLO')) return '250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n';
      if (l.startsWith('MAIL')) return '250 2.1.0 Ok\r\n';
      if (l === 'RCPT TO:<"a@b"@c.test>') return '250 2.1.5 Ok\r\n';
      if (l.startsWith('RCPT')) return '554 5.7.1 <x@y>: Relay access denied\r\n';
      if (l === 'DATA') return '354 End data with <CR><LF>.<CR><LF>\r\n';
      if (l === 'QUIT') return '221 2.0.0 Bye\r\n';
      return '502 5.5.2 Error: command not recognized\r\n';
    });
    const r = await sendMessage(fx, {
      host: '127.0.0.1',
      port,
      from: '',
      to: ['"a@b"@c.test'],
      message: 'Subject: t\n.hidden dot\n',
      timeoutMs: 5_000,
    });
    expect(r.greeting).toEqual({
      code: 220,
      lines: ['220-first line', '220 mx.test ESMTP'],
      text: '220-first line\n220 mx.test ESMTP',
    });
    expect(r.ehlo?.lines).toEqual(['250-mx.test', '250-PIPELINING', '250 8BITMIME']);
    expect(r.mail?.code).toBe(250);
    expect(r.rcpt.map((x) => x.code)).toEqual([250]);
    expect(r.queueId).toBe('4AbC9xYz');
    expect(r.transcript).toContain('C: MAIL FROM:<>');
    const refused = await sendMessage(fx, {
      host: '127.0.0.1',
      port,
      from: 'a@b.test',
      to: ['x@y'],
      message: 'x\n',
      timeoutMs: 5_000,
    });
    expect(refused.rcpt[0].text).toBe('554 5.7.1 <x@y>: Relay access denied');
    expect(refused.data).toBeUndefined();
    expect(dotStuff('a\r\n.b\n..c')).toBe('a\r\n..b\r\n...c\r\n');
    expect(queueIdOf({ code: 250, lines: [], text: '250 2.0.0 Ok: queued as 3fQ1' })).toBe('3fQ1');
  });

  it('bounded waits and exact errors: refused connection, silent server, closed connection, bad command', async () => {
    const silentPort = await scripted('220 ok\r\n', () => null);
    const s = await SmtpSession.connect(fx, { host: '127.0.0.1', port: silentPort, timeoutMs: 300 });
    await expect(s.ehlo('me')).rejects.toThrow(
      `timed out after 0.3 s waiting for the reply to EHLO me from 127.0.0.1:${silentPort}`,
    );
    s.close();
    await expect(s.command('NOOP\r\nRSET')).rejects.toThrow('an SMTP command must be one line: "NOOP\\r\\nRSET"');
    await new Promise<void>((r) => server?.close(() => r()));
    server = null;
    await expect(
      SmtpSession.connect(fx, {
        host: '127.0.0.1',
        port: silentPort,
        localAddress: '127.0.0.9',
        timeoutMs: 2_000,
      }),
    ).rejects.toThrow(`cannot connect to 127.0.0.1:${silentPort} from 127.0.0.9: ECONNREFUSED`);
    const closingPort = await scripted('220 ok\r\n', (_l, sock) => {
      sock.end('421 4.3.2 going away\r\n');
      return null;
    });
    const c = await SmtpSession.connect(fx, { host: '127.0.0.1', port: closingPort, timeoutMs: 2_000 });
    expect((await c.ehlo('me')).text).toBe('421 4.3.2 going away');
    await expect(c.rset()).rejects.toThrow(
      `127.0.0.1:${closingPort} closed the connection while waiting for the reply to RSET`,
    );
    c.close();
  });
});

describe('harness parsers', () => {
  it('parses an smtp-sink dump (envelope, ORCPT, data); an incomplete one is null', () => {
    const dump = [
      'X-Client-Addr: 127.0.0.1',
      'X-Client-Proto: ESMTP',
      'X-Helo-Args: mx.example.com',
      'X-Mail-Args: <a@b.example> SIZE=420',
      'X-Rcpt-Args: <admin@example.org> ORCPT=rfc822;postmaster@example.com',
      'X-Rcpt-Args: <bob@example.org>',
      'Received: from mx.example.com ([127.0.0.1])',
      '\tby smtp-sink (smtp-sink) with ESMTP id 1544e9bb;',
      '\tThu, 26 Nov 2026 08:11:34 +0000 (UTC)',
      'Subject: hi',
      '',
      'body',
      '',
    ].join('\n');
    expect(parseSinkDump('f', dump)).toEqual({
      file: 'f',
      clientAddr: '127.0.0.1',
      helo: 'mx.example.com',
      from: 'a@b.example',
      to: ['admin@example.org', 'bob@example.org'],
      orcpt: ['postmaster@example.com', ''],
      data: 'Subject: hi\n\nbody\n',
    });
    expect(parseSinkDump('f', dump.split('Received:')[0])).toBeNull();
  });

  it('reads the service action from the CLI output; "Postfix is not running" (the sandbox) alone means reload', () => {
    expect(
      plannedServiceAction(
        '- Restart Postfix (inet_interfaces changed (Postfix must stop and start); Postfix is not running): --root: daemons are not touched\n',
      ),
    ).toBe('restart');
    expect(
      plannedServiceAction('x\n- Restart Postfix (Postfix is not running): --root: daemons are not touched\n'),
    ).toBe('reload');
    expect(plannedServiceAction('- Reload Postfix: --root: daemons are not touched\n')).toBe('reload');
    expect(plannedServiceAction('Nothing to do: the configuration is already as asked.\n')).toBe('none');
  });
});
