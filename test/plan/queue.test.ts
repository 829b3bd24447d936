/** Queued mail for a domain a change stops relaying (issue 13): which domains, how many messages. */
import { describe, expect, it } from 'vitest';
import { handledDomains, queuedMailFindings } from '../../src/plan/queue.js';
import type { QueuedMessage } from '../../src/model/queue.js';

const BACKUP_MX =
  'myhostname = mx2.example.com\nmydestination = $myhostname, localhost\nrelay_domains = example.org, .sub.example.net\n';
const MAIL_SERVER =
  'myhostname = mx2.example.com\nmydomain = example.com\nmydestination = $myhostname, localhost.$mydomain, localhost, $mydomain\nrelay_domains =\n';

const msg = (queue: string, ...recipients: string[]): QueuedMessage => ({
  queue,
  id: `${queue}${recipients[0]}`,
  recipients,
});

describe('queued mail a change leaves behind', () => {
  it('the domains a main.cf delivers or relays, expanded; tables and negations left out', () => {
    expect([...handledDomains(BACKUP_MX, 'vm')].sort()).toEqual([
      '.sub.example.net',
      'example.org',
      'localhost',
      'mx2.example.com',
    ]);
    expect([...handledDomains(MAIL_SERVER, 'vm')].sort()).toEqual([
      'example.com',
      'localhost',
      'localhost.example.com',
      'mx2.example.com',
    ]);
    expect([...handledDomains('mydestination = hash:/etc/postfix/dest, !x.example, a.example\n', 'vm')]).toEqual([
      'a.example',
    ]);
    expect(handledDomains(null, 'vm').size).toBe(0);
  });

  it('one warning per domain no longer relayed, with the messages and the deferred ones counted', () => {
    const queue = [
      msg('deferred', 'bob@example.org'),
      msg('deferred', 'carol@Example.ORG', 'dave@example.org'),
      msg('active', 'erin@example.org', 'x@elsewhere.example'),
      msg('hold', 'f@a.sub.example.net'),
      msg('deferred', 'g@example.com'),
      msg('maildrop', 'root'),
    ];
    expect(queuedMailFindings(queue, BACKUP_MX, MAIL_SERVER, 'vm', 'the change to mail-server')).toEqual([
      {
        id: 'queued-mail',
        level: 'warning',
        message:
          '1 message in the queue is for a.sub.example.net, which the change to mail-server stops delivering or ' +
          'relaying here: Postfix will route them by the new configuration (MX lookup or the relay host), or bounce ' +
          'them; see them with postqueue -p',
      },
      {
        id: 'queued-mail',
        level: 'warning',
        message:
          '3 messages in the queue (2 deferred) are for example.org, which the change to mail-server stops delivering ' +
          'or relaying here: Postfix will route them by the new configuration (MX lookup or the relay host), or bounce ' +
          'them; see them with postqueue -p',
      },
    ]);
    // The other way round: example.com stops being delivered here.
    expect(
      queuedMailFindings(queue, MAIL_SERVER, BACKUP_MX, 'vm', 'this rollback').map((f) => f.message.split(',')[0]),
    ).toEqual(['1 message in the queue (1 deferred) is for example.com']);
    expect(queuedMailFindings(queue, BACKUP_MX, BACKUP_MX, 'vm', 'x')).toEqual([]);
    expect(queuedMailFindings([], BACKUP_MX, MAIL_SERVER, 'vm', 'x')).toEqual([]);
  });
});
