/**
 * The "Listening addresses" check against the twin's LISTEN sockets: a null client on loopback
 * only, the other roles beyond it, an instance's given address; and where the SMTP checks go.
 */
import { describe, expect, it } from 'vitest';
import { checkListening, smtpService } from '../../../src/commands/verify/checks/listening.js';
import type { RoleId } from '../../../src/model/answers.js';
import type { ListenSocket } from '../../../src/model/effects.js';
import { contextOf, postfixTwin } from './twin.js';

const sock = (address: string, port = 25): ListenSocket => {
  const family = address.includes(':') ? 6 : 4;
  return {
    address,
    port,
    family,
    loopback: address.startsWith('127.') || address === '::1',
    wildcard: address === '0.0.0.0' || address === '::',
  };
};

async function listening(
  sockets: ListenSocket[],
  role: RoleId | null,
  over: { smtpAddress?: string; master?: string } = {},
) {
  const fx = postfixTwin({ sockets, ...(over.master !== undefined ? { master: over.master } : {}) });
  const ctx = await contextOf(fx, over.smtpAddress ? { smtpAddress: over.smtpAddress } : {});
  const master = await fx.readFile('/etc/postfix/master.cf');
  return checkListening(ctx, master, role);
}

describe('check: Listening addresses', () => {
  it('a null client on loopback only: ok, probes go to the loopback listener', async () => {
    expect(await listening([sock('127.0.0.1'), sock('::1'), sock('0.0.0.0', 587)], 'null-client')).toEqual({
      outcome: { status: 'ok', detail: 'loopback only: 127.0.0.1:25, [::1]:25' },
      value: { host: '127.0.0.1', port: 25 },
    });
  });

  it('a null client open beyond loopback: failed, naming the addresses and inet_interfaces', async () => {
    const r = await listening([sock('127.0.0.1'), sock('0.0.0.0')], 'null-client');
    expect(r.outcome).toEqual({
      status: 'failed',
      detail:
        'a null client must listen on loopback only, but port 25 is open on 0.0.0.0:25 (inet_interfaces = loopback-only)',
    });
    expect(r.value).toEqual({ host: '127.0.0.1', port: 25 });
  });

  it('a mail server listening on every address: ok; probes go to loopback through the wildcard', async () => {
    expect(await listening([sock('0.0.0.0'), sock('::')], 'mail-server')).toEqual({
      outcome: { status: 'ok', detail: '0.0.0.0:25, [::]:25' },
      value: { host: '127.0.0.1', port: 25 },
    });
  });

  it('a backup MX on loopback only receives nothing from the network', async () => {
    expect((await listening([sock('127.0.0.1')], 'backup-mx')).outcome).toEqual({
      status: 'failed',
      detail:
        'only loopback listens on port 25 (127.0.0.1:25): a backup-mx receives no mail from the network (inet_interfaces = loopback-only)',
    });
  });

  it('nothing on the port, or no smtp service in master.cf', async () => {
    expect(await listening([sock('127.0.0.1', 2525)], 'mail-server')).toEqual({
      outcome: { status: 'failed', detail: 'nothing listens on port 25' },
      value: null,
    });
    expect(await listening([sock('127.0.0.1')], 'mail-server', { master: 'pickup unix n - y 60 1 pickup\n' })).toEqual({
      outcome: { status: 'failed', detail: 'master.cf has no smtp service (smtpd or postscreen on an inet port)' },
      value: null,
    });
  });

  it('an instance given an address: that address must listen', async () => {
    const socks = [sock('127.0.21.25', 2421)];
    expect(await listening(socks, 'null-client', { smtpAddress: '127.0.21.25:2421' })).toEqual({
      outcome: { status: 'ok', detail: 'listening on 127.0.21.25:2421 (the address given for this instance)' },
      value: { host: '127.0.21.25', port: 2421 },
    });
    expect((await listening(socks, 'null-client', { smtpAddress: '127.0.21.26:2421' })).outcome).toEqual({
      status: 'failed',
      detail: 'nothing listens on 127.0.21.26:2421 (port 2421: 127.0.21.25:2421)',
    });
  });

  it("the smtp service's port and pinned host from master.cf", () => {
    expect(smtpService(null)).toEqual({ port: 25 });
    expect(smtpService('127.0.0.5:2525 inet n - y - - smtpd\n')).toEqual({ port: 2525, host: '127.0.0.5' });
    expect(smtpService('[::1]:smtp inet n - y - - smtpd\n')).toEqual({ port: 25, host: '::1' });
    expect(smtpService('smtp inet n - y - 1 postscreen\n')).toEqual({ port: 25 });
  });
});
