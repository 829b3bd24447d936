/**
 * Reading Postfix's queue (postqueue -j): the live queue, a sandbox's own queue, never the live one from a sandbox;
 * and only when a plan's change can leave queued mail behind.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { parseQueueJson, readQueue } from '../../src/system/queue.js';
import { Session } from '../../src/commands/session.js';
import { MAIN_CF } from '../../src/model/paths.js';
import type { Plan } from '../../src/model/plan.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';

const JSON_LINES =
  '{"queue_name": "deferred", "queue_id": "4ABC", "arrival_time": 1, "sender": "a@x", "recipients": ' +
  '[{"address": "bob@example.org", "delay_reason": "connect to 127.0.0.1[127.0.0.1]:2599: Connection refused"}]}\n' +
  'postqueue: warning: Mail system is down -- accessing queue directly\n' +
  '{"queue_name": "maildrop", "queue_id": "5DEF", "recipients": [{"address": "carol@example.org"}, {"address": 7}]}\n' +
  '{"queue_name": 3, "queue_id": "bad", "recipients": []}\n' +
  '{not json\n';

describe('postqueue -j', () => {
  it('parses the message lines and skips whatever else arrives', () => {
    expect(parseQueueJson(JSON_LINES)).toEqual([
      { queue: 'deferred', id: '4ABC', recipients: ['bob@example.org'] },
      { queue: 'maildrop', id: '5DEF', recipients: ['carol@example.org'] },
    ]);
  });

  it('live: postqueue -j; a failure (no Postfix) is no queue', async () => {
    const fx = createMemoryEffects({
      run: (cmd, args) => ({
        command: `${cmd} ${args.join(' ')}`,
        exitCode: 0,
        stdout: JSON_LINES,
        stderr: '',
        timedOut: false,
      }),
    });
    expect(await readQueue(fx)).toHaveLength(2);
    expect(fx.calls.map((c) => [c.cmd, ...c.args])).toEqual([['postqueue', '-j']]);
    const down = createMemoryEffects({
      run: (cmd) => ({
        command: cmd,
        exitCode: 1,
        stdout: '',
        stderr: 'postqueue: fatal: open /etc/postfix/main.cf',
        timedOut: false,
      }),
    });
    expect(await readQueue(down)).toBeNull();
  });

  it('a sandbox reads only its own queue: the one its main.cf names, never the live one', async () => {
    const none = createMemoryEffects({
      root: '/tmp/sb',
      files: { '/etc/postfix/main.cf': 'myhostname = a.example\n' },
    });
    expect(await readQueue(none)).toBeNull();
    expect(none.calls).toEqual([]);
    const own = createMemoryEffects({
      root: '/tmp/sb',
      files: { '/etc/postfix/main.cf': 'queue_directory = /tmp/sb/spool\n' },
      run: (cmd) => ({ command: cmd, exitCode: 0, stdout: JSON_LINES, stderr: '', timedOut: false }),
    });
    expect(await readQueue(own)).toHaveLength(2);
    expect(own.calls.map((c) => [c.cmd, ...c.args])).toEqual([['postqueue', '-c', '/tmp/sb/etc/postfix', '-j']]);
  });
});

describe('the queue, asked by a plan (Session.queueFindings)', () => {
  const queued = (cmd: string) => ({ command: cmd, exitCode: 0, stdout: JSON_LINES, stderr: '', timedOut: false });
  const planOf = (before: string, after: string) =>
    ({ role: 'mail-server', previousRole: 'backup-mx', files: [{ path: MAIN_CF, before, after }] }) as unknown as Plan;
  const backupMx =
    'myhostname = mx2.example.com\nmydestination = $myhostname, localhost\nrelay_domains = example.org\n';

  it('is not read when the change drops no domain (no postqueue, no showq), and is when it does', async () => {
    for (const [after, reads, findings] of [
      [`${backupMx}smtpd_banner = changed\n`, false, 0],
      [backupMx.replace('relay_domains = example.org', 'relay_domains = example.org, example.net'), false, 0],
      [backupMx.replace('relay_domains = example.org', 'relay_domains ='), true, 1],
    ] as const) {
      const fx = createMemoryEffects({ run: queued });
      const session = new Session(fx, fakeHost(), freshFiles(), templates(), {}, { queueWhenAsked: true });
      const found = await session.queueFindings(planOf(backupMx, after));
      expect(found.map((f) => f.id)).toEqual(findings ? ['queued-mail'] : []);
      expect(
        fx.calls.some((c) => c.cmd === 'postqueue'),
        after,
      ).toBe(reads);
    }
  });
});
