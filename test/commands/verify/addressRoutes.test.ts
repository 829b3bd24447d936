/**
 * The "Address …" checks: `sendmail -bv` for the role's samples, the result read from the
 * twin's log: deliverable, through the expected next hop; a request cleanup refuses stops the
 * wait at once.
 */
import { describe, expect, it } from 'vitest';
import {
  addressLabel,
  addressSamples,
  checkAddressRoute,
  relayMatches,
} from '../../../src/commands/verify/checks/addressRoutes.js';
import { LogTail } from '../../../src/commands/verify/log.js';
import { roleModule } from '../../../src/roles/index.js';
import type { VerifySample } from '../../../src/roles/role.js';
import { createMemoryEffects, okResult } from '../../../src/system/memoryEffects.js';
import { LOG, NULL_CLIENT_PARAMS, contextOf, postfixTwin, type TwinOptions } from './twin.js';

const ROOT: VerifySample = { cls: 'local (root)', address: 'root', notLocal: true, hop: '[relay.example.net]:587' };
const RELAYED = { relay: 'relay.example.net[192.0.2.9]:587', status: 'deliverable', text: '250 2.1.5 Ok' } as const;

async function route(o: TwinOptions, sample = ROOT, waitMs = 400) {
  const fx = postfixTwin(o);
  const r = await checkAddressRoute(await contextOf(fx, { waitMs }), sample);
  return { r, fx };
}

describe('check: Address routes (sendmail -bv)', () => {
  it("a null client's root: deliverable through the relay host; asked with the null sender", async () => {
    const { r, fx } = await route({ routes: { root: { ...RELAYED, to: 'root@example.com' } } });
    expect(r).toEqual({ status: 'ok', detail: 'deliverable via relay.example.net[192.0.2.9]:587 (250 2.1.5 Ok)' });
    expect(fx.calls.find((c) => c.cmd === 'sendmail')?.args).toEqual(['-C', '/etc/postfix', '-f', '', '-bv', 'root']);
  });

  it('delivered here although the role delivers nothing locally: failed, with its log line', async () => {
    const { r } = await route({
      routes: { root: { to: 'root@example.com', relay: 'local', status: 'deliverable', text: 'delivers to mailbox' } },
    });
    expect(r.status).toBe('failed');
    expect(r.detail).toBe('deliverable via local (delivers to mailbox): a null client must hand it to the relay host');
    expect(r.explain).toEqual([
      'Nov 26 08:11:34 mx postfix/smtp[4242]: BV1: to=<root@example.com>, orig_to=<root>, relay=local, delay=0, dsn=2.1.5, status=deliverable ' +
        '(delivers to mailbox)',
    ]);
  });

  it('through another next hop than the one configured: failed, naming the expected one', async () => {
    const sample = {
      cls: 'relay domain backed.example',
      address: 'alice@backed.example',
      hop: 'relay:[192.0.2.32]:2532',
    };
    const { r } = await route(
      {
        routes: {
          'alice@backed.example': {
            relay: 'mx.backed.example[192.0.2.50]:25',
            status: 'deliverable',
            text: '250 2.1.5 Ok',
          },
        },
      },
      sample,
    );
    expect(r.detail).toBe(
      'deliverable via mx.backed.example[192.0.2.50]:25 (250 2.1.5 Ok): expected the next hop relay:[192.0.2.32]:2532',
    );
  });

  it('undeliverable: failed with what Postfix said', async () => {
    const { r } = await route({
      routes: {
        root: {
          to: 'root@example.com',
          relay: 'none',
          status: 'undeliverable',
          text: 'connect to relay.example.net[192.0.2.9]:587: Connection refused',
        },
      },
    });
    expect(r.detail).toBe('undeliverable via none (connect to relay.example.net[192.0.2.9]:587: Connection refused)');
  });

  it('cleanup refused the request (a map lookup failed): failed at once, with the warnings', async () => {
    const { r } = await route({ refused: ['root'] }, ROOT, 30_000);
    expect(r).toEqual({
      status: 'failed',
      detail: 'Postfix did not accept the request: a lookup failed (see the warnings)',
      explain: [
        'Nov 26 08:11:34 mx postfix/cleanup[4242]: warning: BV1: virtual_alias_maps map lookup problem for root@example.com -- message not accepted, ' +
          'try again later',
      ],
    });
  });

  it('no result within the bound, a failing sendmail, an unreadable log', async () => {
    expect((await route({}, ROOT, 300)).r).toEqual({
      status: 'failed',
      detail: 'no result in /var/log/mail.log within 0 s',
      explain: [],
    });
    const failing = postfixTwin();
    const ctx = await contextOf(failing);
    const fx = createMemoryEffects({
      files: { [LOG]: '' },
      run: (cmd, args) => ({
        ...okResult(cmd, args),
        exitCode: 75,
        stderr: 'sendmail: fatal: open /etc/postfix/main.cf: Permission denied\n',
      }),
    });
    expect(await checkAddressRoute({ ...ctx, fx, log: await LogTail.open(fx, LOG) }, ROOT)).toEqual({
      status: 'failed',
      detail: 'sendmail -bv exited 75: sendmail: fatal: open /etc/postfix/main.cf: Permission denied',
    });
    const unreadable = await route({ extra: { unreadable: [LOG] } });
    expect(unreadable.r).toEqual({ status: 'skipped', detail: 'cannot read the log /var/log/mail.log' });
    expect(unreadable.fx.calls.some((c) => c.cmd === 'sendmail')).toBe(false);
  });

  it('the samples: the role’s own, then foreign through the relay host, or skipped without one', () => {
    const nc = addressSamples(roleModule('null-client'), NULL_CLIENT_PARAMS, { role: 'null-client' });
    expect(nc.run.map(addressLabel)).toEqual([
      'Address local (root): root',
      'Address foreign: mailsetup-verify@example.net',
    ]);
    expect(nc.run[1].hop).toBe('[relay.example.net]:587');
    expect(nc.skipped).toEqual([]);
    const ms = addressSamples(
      roleModule('mail-server'),
      { ...NULL_CLIENT_PARAMS, relayhost: '' },
      { role: 'mail-server' },
    );
    expect(ms.run.map(addressLabel)).toEqual(['Address local: postmaster@mx.example.com']);
    expect(ms.skipped).toEqual([
      {
        cls: 'foreign',
        why: "delivered directly by MX lookup; not probed (verify does not contact other people's mail servers)",
      },
    ]);
  });

  it('relay= fields against next hops', () => {
    expect(relayMatches('relay.example.net[192.0.2.9]:587', '[relay.example.net]:587')).toBe(true);
    expect(relayMatches('relay.example.net[192.0.2.9]:587', '[relay.example.net]:25')).toBe(false);
    expect(relayMatches('127.0.22.32[127.0.22.32]:2532', 'relay:[127.0.22.32]:2532')).toBe(true);
    expect(relayMatches('mx.example.org[192.0.2.7]:25', 'smtp:MX.example.org')).toBe(true);
    expect(relayMatches('local', 'relay.example.net')).toBe(false);
  });
});
