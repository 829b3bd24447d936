/** Queued mail for a domain a change stops relaying (issue 13): which domains, how many messages. */
import { describe, expect, it } from 'vitest';
import { dropsDomains, handledDomains, queuedMailFindings } from '../../src/plan/queue.js';
import { Rng } from '../helpers/prng.js';
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

  it('dropsDomains: false exactly when no queue can make a finding (generated main.cf pairs)', () => {
    const rng = new Rng(20261207);
    const pool = [
      'example.org',
      '.example.org',
      'a.example.org',
      'example.com',
      '$myhostname',
      'localhost',
      '$mydomain',
    ];
    const mainCf = () => {
      const list = () => pool.filter(() => rng.chance(0.35)).join(', ');
      return `myhostname = ${rng.pick(['mx.example.com', 'mx2.example.com'])}\nmydomain = example.com\nmydestination = ${list()}\nrelay_domains = ${list()}\n`;
    };
    const recipients = [
      'u@example.org',
      'u@a.example.org',
      'u@b.example.org',
      'u@example.com',
      'u@mx.example.com',
      'u@mx2.example.com',
      'u@localhost',
    ];
    let dropped = 0;
    for (let i = 0; i < 500; i++) {
      const before = mainCf();
      const after = mainCf();
      const queue = recipients.map((r) => msg('deferred', r));
      const findings = queuedMailFindings(queue, before, after, 'vm', 'x');
      // A queue with a message for every domain in play finds something exactly when a domain is dropped.
      expect(findings.length > 0, `${before}---\n${after}`).toBe(dropsDomains(before, after, 'vm'));
      if (findings.length > 0) dropped++;
    }
    expect(dropped).toBeGreaterThan(50);
    expect(dropped).toBeLessThan(450);
    expect(dropsDomains(BACKUP_MX, BACKUP_MX, 'vm')).toBe(false);
    expect(dropsDomains(BACKUP_MX, MAIL_SERVER, 'vm')).toBe(true);
    expect(dropsDomains(null, MAIL_SERVER, 'vm')).toBe(false);
  });
});
