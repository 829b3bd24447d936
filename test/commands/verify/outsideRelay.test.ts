/**
 * The "No relaying for strangers" check: which local address is outside mynetworks, and a relay
 * probe from it against a scripted SMTP peer (the in-memory Effects): every relay attempt must
 * be refused; accepted ones are listed.
 */
import { describe, expect, it } from 'vitest';
import { checkOutsideRelay, outsideSource, parseMynetworks } from '../../../src/commands/verify/checks/outsideRelay.js';
import { inNetworks } from '../../../src/postfix/network.js';
import { smtpPeer, type SmtpPeerClient } from '../../../src/system/memoryEffects.js';
import { contextOf, hostWith, postfixTwin } from './twin.js';

const TARGET = { host: '127.0.0.1', port: 25 };

/** A peer that refuses RCPT from clients outside 127.0.0.1 as Postfix does (454), or accepts everything. */
function relayPeer(open: boolean, seen: string[] = []) {
  return smtpPeer({
    greeting: '220 mx.example.com ESMTP Postfix',
    reply(line: string, client: SmtpPeerClient) {
      seen.push(`${client.address} ${line}`);
      if (!line.startsWith('RCPT') || open || client.address === '127.0.0.1') return undefined;
      const rcpt = /<(.*)>/.exec(line)?.[1];
      return `454 4.7.1 <${rcpt}>: Relay access denied`;
    },
  });
}

describe('check: No relaying for strangers', () => {
  it('mynetworks: addresses and CIDRs evaluated; anything else named', () => {
    const nets = parseMynetworks('127.0.0.1/32, 127.0.0.2/32 [::1]/128 10.1.0.0/16 [fd00::]/64');
    expect(inNetworks('127.0.0.2', nets)).toBe(true);
    expect(inNetworks('127.0.0.9', nets)).toBe(false);
    expect(inNetworks('10.1.200.3', nets)).toBe(true);
    expect(inNetworks('fd00::2', nets)).toBe(true);
    expect(inNetworks('fd01::2', nets)).toBe(false);
    expect(() => parseMynetworks('127.0.0.0/8, hash:/etc/postfix/network_table')).toThrow(
      'mynetworks has an entry verify cannot evaluate: hash:/etc/postfix/network_table',
    );
    expect(outsideSource('127.0.0.1', nets, ['127.0.0.1', '192.0.2.2'])).toBe('127.0.0.9');
    expect(outsideSource('127.0.0.1', parseMynetworks('127.0.0.0/8'), ['127.0.0.1', '192.0.2.2', 'fe80::1'])).toBe(
      '192.0.2.2',
    );
    expect(
      outsideSource('127.0.0.1', parseMynetworks('127.0.0.0/8 192.0.2.0/24'), ['127.0.0.1', '192.0.2.2', 'fd00::2']),
    ).toBeNull();
    expect(outsideSource('::1', parseMynetworks('[::1]/128'), ['::1', '192.0.2.2', 'fd00::2'])).toBe('fd00::2');
  });

  it('six relay attempts from 127.0.0.9, all refused: ok, with the first refusal; no DATA is sent', async () => {
    const seen: string[] = [];
    const fx = postfixTwin({ peers: { '127.0.0.1:25': relayPeer(false, seen) } });
    expect(await checkOutsideRelay(await contextOf(fx), TARGET)).toEqual({
      status: 'ok',
      detail:
        'from 127.0.0.9 (not in mynetworks) to 127.0.0.1:25: 6 of 6 relay attempts refused (454 4.7.1 <probe@relay-test.mailsetup.invalid>: Relay ' +
        'access denied)',
    });
    expect(fx.connections).toEqual([{ host: '127.0.0.1', port: 25, localAddress: '127.0.0.9' }]);
    expect(seen).toEqual([
      '127.0.0.9 EHLO relay-probe.mailsetup.invalid',
      '127.0.0.9 MAIL FROM:<relay-probe@relay-test.mailsetup.invalid>',
      '127.0.0.9 RCPT TO:<probe@relay-test.mailsetup.invalid>',
      '127.0.0.9 RCPT TO:<probe%relay-test.mailsetup.invalid@mx.example.com>',
      '127.0.0.9 RCPT TO:<@mx.example.com:probe@relay-test.mailsetup.invalid>',
      '127.0.0.9 RCPT TO:<probe@relay-test.mailsetup.invalid@mx.example.com>',
      '127.0.0.9 RCPT TO:<"probe@relay-test.mailsetup.invalid"@mx.example.com>',
      '127.0.0.9 RCPT TO:<probe@[198.51.100.7]>',
      '127.0.0.9 RSET',
      '127.0.0.9 QUIT',
    ]);
  });

  it('an open relay: failed, every accepted attempt listed', async () => {
    const fx = postfixTwin({ peers: { '127.0.0.1:25': relayPeer(true) } });
    const r = await checkOutsideRelay(await contextOf(fx), TARGET);
    expect(r.status).toBe('failed');
    expect(r.detail).toBe(
      'from 127.0.0.9 (not in mynetworks) to 127.0.0.1:25: 6 of 6 relay attempts ACCEPTED (open relay)',
    );
    expect(r.explain?.[0]).toBe('foreign recipient <probe@relay-test.mailsetup.invalid>: 250 2.1.5 Ok');
    expect(r.explain?.[5]).toBe('address literal <probe@[198.51.100.7]>: 250 2.1.5 Ok');
  });

  it("the address literal is not one of this host's own addresses", async () => {
    const fx = postfixTwin({ peers: { '127.0.0.1:25': relayPeer(true) } });
    const ctx = await contextOf(fx, {
      host: hostWith([
        ['127.0.0.1', 8],
        ['198.51.100.7', 24],
      ]),
    });
    const r = await checkOutsideRelay(ctx, TARGET);
    expect(r.explain?.[5]).toBe('address literal <probe@[198.51.100.8]>: 250 2.1.5 Ok');
  });

  it('refused at the greeting or at MAIL is a refusal too', async () => {
    const greeting = postfixTwin({ peers: { '127.0.0.1:25': smtpPeer({ greeting: '554 5.7.1 go away' }) } });
    expect(await checkOutsideRelay(await contextOf(greeting), TARGET)).toEqual({
      status: 'ok',
      detail: 'from 127.0.0.9 (not in mynetworks) to 127.0.0.1:25: refused at the greeting: 554 5.7.1 go away',
    });
    const mail = postfixTwin({
      peers: {
        '127.0.0.1:25': smtpPeer({ reply: (l) => (l.startsWith('MAIL') ? '553 5.7.1 sender rejected' : undefined) }),
      },
    });
    expect((await checkOutsideRelay(await contextOf(mail), TARGET)).detail).toBe(
      'from 127.0.0.9 (not in mynetworks) to 127.0.0.1:25: refused at MAIL: 553 5.7.1 sender rejected',
    );
  });

  it('skipped when every local address is trusted, when mynetworks names a table, or with nothing to probe', async () => {
    const fx = postfixTwin({ params: { mynetworks: '127.0.0.0/8' } });
    expect(await checkOutsideRelay(await contextOf(fx), TARGET)).toEqual({
      status: 'skipped',
      detail: 'every local address is in mynetworks',
    });
    expect(fx.connections).toEqual([]);
    const table = postfixTwin({ params: { mynetworks: '127.0.0.0/8 cidr:/etc/postfix/nets' } });
    expect(await checkOutsideRelay(await contextOf(table), TARGET)).toEqual({
      status: 'skipped',
      detail: 'mynetworks has an entry verify cannot evaluate: cidr:/etc/postfix/nets',
    });
    expect(await checkOutsideRelay(await contextOf(postfixTwin()), null)).toEqual({
      status: 'skipped',
      detail: 'no smtp listener to probe',
    });
  });

  it('no connection: failed with the reason; a connection that drops: failed with the transcript', async () => {
    const refused = postfixTwin();
    expect(await checkOutsideRelay(await contextOf(refused), TARGET)).toEqual({
      status: 'failed',
      detail: 'the probe could not connect: cannot connect to 127.0.0.1:25 from 127.0.0.9: ECONNREFUSED',
      explain: [],
    });
    const dropping = postfixTwin({
      peers: {
        '127.0.0.1:25': (sock) => {
          sock.send('220 mx ESMTP\r\n');
          return () => sock.end();
        },
      },
    });
    const r = await checkOutsideRelay(await contextOf(dropping), TARGET);
    expect(r).toEqual({
      status: 'failed',
      detail:
        'from 127.0.0.9 (not in mynetworks) to 127.0.0.1:25: 127.0.0.1:25 closed the connection while waiting for the reply to EHLO ' +
        'relay-probe.mailsetup.invalid',
      explain: ['S: 220 mx ESMTP', 'C: EHLO relay-probe.mailsetup.invalid'],
    });
  });
});
