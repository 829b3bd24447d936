/**
 * The "Test message to postmaster" check: a message over SMTP to a scripted peer that logs its
 * delivery the way Postfix does (in the twin's log), followed through forwarding to its final
 * status; a null client's message must leave through the relay host.
 */
import { describe, expect, it } from 'vitest';
import { checkPostmasterMessage } from '../../../src/commands/verify/checks/postmasterMessage.js';
import type { VerifySample } from '../../../src/roles/role.js';
import { smtpPeer, type MemoryEffects, type SmtpPeerScript } from '../../../src/system/memoryEffects.js';
import { LOG, contextOf, logLine, postfixTwin } from './twin.js';

const TARGET = { host: '127.0.0.1', port: 25 };
const NULL_CLIENT: VerifySample = { cls: 'postmaster', address: 'postmaster', notLocal: true };
const HERE: VerifySample = { cls: 'postmaster', address: 'postmaster@mx.example.com' };

/** A twin whose smtp service queues the message as MEMQ1 and logs these delivery lines for it. */
function twin(deliveries: string[], script: SmtpPeerScript = {}, messages: string[] = []): MemoryEffects {
  const fx: MemoryEffects = postfixTwin({
    peers: {
      '127.0.0.1:25': smtpPeer({
        ...script,
        message(text) {
          messages.push(text);
          for (const d of deliveries) fx.append(LOG, d);
          return '250 2.0.0 Ok: queued as MEMQ1';
        },
      }),
    },
  });
  return fx;
}

const RELAYED = logLine(
  'smtp',
  'MEMQ1: to=<admin@example.org>, orig_to=<postmaster>, relay=relay.example.net[192.0.2.9]:587, delay=0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 77)',
);

describe('check: Test message to postmaster', () => {
  it('a null client: accepted, handed to the relay host; the message says what sent it', async () => {
    const messages: string[] = [];
    const fx = twin([RELAYED], {}, messages);
    fx.files.set('/etc/mailname', { content: 'mail.example.com\n', mode: 0o644, uid: 0, gid: 0 });
    const ctx = await contextOf(fx, { params: { ...(await contextOf(fx)).params, myorigin: '/etc/mailname' } });
    expect(await checkPostmasterMessage(ctx, TARGET, NULL_CLIENT, 'null-client')).toEqual({
      status: 'ok',
      detail:
        '<postmaster> accepted over SMTP on 127.0.0.1:25 (queued as MEMQ1); to=<admin@example.org> via relay.example.net[192.0.2.9]:587: sent',
    });
    expect(messages).toEqual([
      [
        'From: mailsetup --verify <root@mail.example.com>',
        'To: <postmaster>',
        'Subject: mailsetup --verify test message 000000000001',
        'Message-ID: <verify-000000000001@mx.example.com>',
        '',
        'mailsetup --verify sent this message to check that mail for postmaster is accepted and delivered (null-client).',
        '',
      ].join('\n'),
    ]);
  });

  it('a null client that delivered it here: failed, not handed to the relay host, with its log lines', async () => {
    const local = logLine(
      'local',
      'MEMQ1: to=<postmaster@example.com>, relay=local, delay=0, dsn=2.0.0, status=sent (delivered to mailbox)',
    );
    const fx = twin([local]);
    expect(await checkPostmasterMessage(await contextOf(fx), TARGET, NULL_CLIENT, 'null-client')).toEqual({
      status: 'failed',
      detail:
        '<postmaster> accepted over SMTP on 127.0.0.1:25 (queued as MEMQ1), but not handed to the relay host: to=<postmaster@example.com> relay=local ' +
        'status=sent (delivered to mailbox)',
      explain: [local.trimEnd()],
    });
  });

  it('forwarded by the aliases: followed to the final delivery', async () => {
    const fx = twin([
      logLine('local', 'MEMQ1: to=<postmaster@mx.example.com>, relay=local, status=sent (forwarded as F00D)'),
      logLine('smtp', 'F00D: to=<admin@example.org>, relay=mx.example.org[192.0.2.7]:25, status=sent (250 Ok)'),
    ]);
    expect(await checkPostmasterMessage(await contextOf(fx), TARGET, HERE, 'mail-server')).toEqual({
      status: 'ok',
      detail:
        '<postmaster@mx.example.com> accepted over SMTP on 127.0.0.1:25 (queued as MEMQ1); to=<admin@example.org> via mx.example.org[192.0.2.7]:25: sent',
    });
  });

  it('bounced: failed, not delivered', async () => {
    const fx = twin([
      logLine(
        'local',
        'MEMQ1: to=<postmaster@mx.example.com>, relay=local, status=bounced (unknown user: "postmaster")',
      ),
    ]);
    const r = await checkPostmasterMessage(await contextOf(fx), TARGET, HERE, 'mail-server');
    expect(r.detail).toBe(
      '<postmaster@mx.example.com> accepted over SMTP on 127.0.0.1:25 (queued as MEMQ1), but not delivered: to=<postmaster@mx.example.com> relay=local ' +
        'status=bounced (unknown user: "postmaster")',
    );
  });

  it('no final status within the bound: failed, with the lines logged for it so far', async () => {
    const deferredHop = logLine(
      'local',
      'MEMQ1: to=<postmaster@mx.example.com>, relay=local, status=sent (forwarded as BEEF)',
    );
    const fx = twin([deferredHop, logLine('qmgr', 'BEEF: from=<root@example.com>, size=420, nrcpt=1 (queue active)')]);
    expect(await checkPostmasterMessage(await contextOf(fx, { waitMs: 300 }), TARGET, HERE, 'mail-server')).toEqual({
      status: 'failed',
      detail:
        '<postmaster@mx.example.com> accepted over SMTP on 127.0.0.1:25 (queued as MEMQ1), but no delivery status in /var/log/mail.log within 0 s',
      explain: [
        deferredHop.trimEnd(),
        'Nov 26 08:11:34 mx postfix/qmgr[4242]: BEEF: from=<root@example.com>, size=420, nrcpt=1 (queue active)',
      ],
    });
  });

  it('refused at RCPT: failed with the reply and the end of the transcript', async () => {
    const fx = twin([], {
      reply: (l) => (l.startsWith('RCPT') ? '550 5.1.1 <postmaster>: Recipient address rejected' : undefined),
    });
    expect(await checkPostmasterMessage(await contextOf(fx), TARGET, NULL_CLIENT, 'null-client')).toEqual({
      status: 'failed',
      detail: 'RCPT <postmaster> refused: 550 5.1.1 <postmaster>: Recipient address rejected',
      explain: [
        'C: MAIL FROM:<root@example.com>',
        'S: 250 2.1.0 Ok',
        'C: RCPT TO:<postmaster>',
        'S: 550 5.1.1 <postmaster>: Recipient address rejected',
      ],
    });
  });

  it('no queue id, or an unreadable log: accepted, delivery not followed', async () => {
    const noId = postfixTwin({ peers: { '127.0.0.1:25': smtpPeer({ message: () => '250 2.0.0 Ok' }) } });
    expect(await checkPostmasterMessage(await contextOf(noId), TARGET, HERE, 'mail-server')).toEqual({
      status: 'ok',
      detail:
        '<postmaster@mx.example.com> accepted over SMTP on 127.0.0.1:25; no queue id in the reply, delivery not followed',
    });
    const fx = twin([RELAYED]);
    fx.unreadable.add(LOG);
    expect(await checkPostmasterMessage(await contextOf(fx), TARGET, HERE, 'mail-server')).toEqual({
      status: 'skipped',
      detail:
        '<postmaster@mx.example.com> accepted over SMTP on 127.0.0.1:25 (queued as MEMQ1); delivery not checked: cannot read the log /var/log/mail.log',
    });
  });

  it('nothing to talk to: skipped; a refused connection: failed', async () => {
    expect(await checkPostmasterMessage(await contextOf(postfixTwin()), null, HERE, 'mail-server')).toEqual({
      status: 'skipped',
      detail: 'no smtp listener',
    });
    expect(await checkPostmasterMessage(await contextOf(postfixTwin()), TARGET, HERE, 'mail-server')).toEqual({
      status: 'failed',
      detail: 'cannot connect to 127.0.0.1:25: ECONNREFUSED',
      explain: [],
    });
  });
});
