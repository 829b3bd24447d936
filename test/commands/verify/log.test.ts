/**
 * The mail log as --verify reads it, through the in-memory Effects: only what is written after
 * verify started, across rotation, bounded waits; the end of the log; delivery lines and their
 * forwarding chains.
 */
import { describe, expect, it } from 'vitest';
import { LogTail, deliveryChain, parseDeliveryLine, problemsIn, tailOf } from '../../../src/commands/verify/log.js';
import { parseEndpoint } from '../../../src/postfix/network.js';
import { createMemoryEffects } from '../../../src/system/memoryEffects.js';

const LOG = '/var/log/mail.log';

describe('the mail log', () => {
  it('LogTail reads only the lines written after it was opened, a rotated log from its start', async () => {
    const fx = createMemoryEffects({ files: { [LOG]: 'old line 1\nold line 2\n' } });
    const log = await LogTail.open(fx, LOG);
    expect(await log.readable()).toBe(true);
    expect(await log.lines()).toEqual([]);
    fx.append(LOG, 'new ä line\nhalf');
    expect(await log.lines()).toEqual(['new ä line', 'half']);
    fx.append(LOG, ' done\n');
    expect(await log.lines()).toEqual(['new ä line', 'half done']);
    fx.files.set(LOG, { content: 'after rotation\n', mode: 0o640, uid: 0, gid: 4 });
    expect(await log.lines()).toEqual(['new ä line', 'half done', 'after rotation']);
  });

  it('LogTail of a log that is not there yet, or not readable', async () => {
    const fx = createMemoryEffects({ root: '/srv/box' });
    const log = await LogTail.open(fx, LOG);
    expect(log.path).toBe('/srv/box/var/log/mail.log');
    expect(await log.readable()).toBe(false);
    fx.append(LOG, 'first\n');
    expect(await log.lines()).toEqual(['first']);
    fx.unreadable.add(LOG);
    expect(await log.readable()).toBe(false);
  });

  it('wait: returns what pick finds as soon as it is logged, undefined after the bound', async () => {
    const fx = createMemoryEffects({ files: { [LOG]: '' } });
    const log = await LogTail.open(fx, LOG);
    setTimeout(() => fx.append(LOG, 'x: status=sent\n'), 200);
    expect(await log.wait(5_000, (ls) => ls.find((l) => l.includes('status=')))).toBe('x: status=sent');
    expect(await log.wait(200, (ls) => ls.find((l) => l.includes('never')))).toBeUndefined();
  });

  it("tailOf: the log's last lines (at most its last 256 KiB); problemsIn: the last ten complaints", async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i}${i % 1000 === 0 ? ' warning: w' : ''}`);
    const fx = createMemoryEffects({ files: { [LOG]: `${lines.join('\n')}\n` } });
    const tail = await tailOf(fx, LOG, 400);
    expect(tail).toHaveLength(400);
    expect(tail.at(-1)).toBe('line 29999');
    const big = await tailOf(fx, LOG, 1_000_000);
    expect(big.length).toBeLessThan(30_000);
    expect(big.join('\n').length).toBeLessThanOrEqual(256 * 1024);
    expect(problemsIn(lines)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${(20 + i) * 1000} warning: w`));
    expect(await tailOf(fx, '/var/log/none.log', 10)).toEqual([]);
  });

  it('delivery lines and forwarding chains', () => {
    const log = [
      'Nov 26 08:11:34 mx postfix/local[1]: 8C19: to=<postmaster@example.com>, relay=local, delay=0.04, delays=0/0.04/0/0, dsn=2.0.0, status=sent ' +
        '(forwarded as 95FD)',
      'Nov 26 08:11:34 mx postfix/smtp[2]: 95FD: to=<admin@example.org>, orig_to=<postmaster@example.com>, relay=127.0.0.1[127.0.0.1]:2525, ' +
        'delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    ];
    expect(parseDeliveryLine(log[1])).toEqual({
      queueId: '95FD',
      to: 'admin@example.org',
      origTo: 'postmaster@example.com',
      relay: '127.0.0.1[127.0.0.1]:2525',
      status: 'sent',
      text: '250 2.0.0 Ok',
      line: log[1],
    });
    expect(deliveryChain(log.slice(0, 1), '8C19')).toBeNull();
    expect(deliveryChain(log, '8C19')?.map((d) => [d.queueId, d.status])).toEqual([['95FD', 'sent']]);
    expect(parseEndpoint('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(() => parseEndpoint('localhost')).toThrow('"localhost" is not host:port (or [ipv6]:port)');
  });
});
