/**
 * Backup MX on a real Postfix: mail for the backed-up domain is accepted from anyone for the
 * listed recipients only and forwarded to the primary; nothing else is relayed; proxy_interfaces
 * makes user@[proxy address] local.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRealPostfix, waitFor } from '../helpers/instance.js';
import { slotOf } from '../helpers/slots.js';
import {
  Lab,
  NAMES,
  OUTSIDE,
  TRUSTED,
  deliver,
  labAddrs,
  matrixAnswers,
  rcptReplies,
  relayProbes,
} from '../helpers/smtp-lab.js';

const SLOT = slotOf('backup-mx');
const N = NAMES['backup-mx'];
const A = labAddrs(SLOT);

describeRealPostfix('backup MX on a real Postfix (127.0.13.25:2413, primary 127.0.13.32:2532)', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start(SLOT, matrixAnswers('backup-mx', A));
  }, 120_000);
  afterAll(async () => lab?.dispose(), 60_000);

  it('mail for a listed recipient of the backed-up domain, from outside, is forwarded to the primary', async () => {
    const r = await deliver(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', `alice@${N.domain}`, 'bmx-alice');
    expect(r.rcpt[0]?.code, r.transcript.join('\n')).toBe(250);
    expect(r.data?.code).toBe(250);
    const m = await lab.primary.waitFor((x) => x.data.includes('mailsetup test bmx-alice'), 'forward to the primary');
    expect(m.to).toEqual([`alice@${N.domain}`]);
    expect(m.from).toBe('sender@outside.example');
    await lab.instance.waitForLog(
      new RegExp(
        `${r.queueId}: to=<alice@backed\\.example>, relay=127\\.0\\.13\\.32\\[127\\.0\\.13\\.32\\]:2532, .*status=sent`,
      ),
      'relay transport',
    );
  });

  it('an unknown recipient of that domain: 550 5.1.1 User unknown in relay recipient table', async () => {
    const [r] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', [`mallory@${N.domain}`]);
    expect(r.text).toBe(
      `550 5.1.1 <mallory@${N.domain}>: Recipient address rejected: User unknown in relay recipient table`,
    );
  });

  it('relaying to any other domain is refused, from outside and (no relayhost role) every trick form too', async () => {
    const [r] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', ['friend@other.example']);
    expect(r.text).toBe('554 5.7.1 <friend@other.example>: Relay access denied');
    const probes = [...relayProbes(N.domain), ...relayProbes(N.myhostname).slice(1, 5)];
    const replies = await rcptReplies(
      lab.addrs.smtp,
      OUTSIDE,
      'sender@outside.example',
      probes.map((p) => p.rcpt),
    );
    const verdicts = probes.map((p, i) => `${p.name} <${p.rcpt}>: ${replies[i].text}`);
    expect(
      replies.filter((x) => x.code < 400),
      verdicts.join('\n'),
    ).toEqual([]);
  });

  it('a client in mynetworks may still relay to other domains (RCPT accepted)', async () => {
    const [r] = await rcptReplies(lab.addrs.smtp, TRUSTED, `user@${N.myhostname}`, ['friend@other.example']);
    expect(r.code).toBe(250);
  });

  it('proxy_interfaces: postmaster@[proxy address] is local — accepted and delivered locally (postmaster → nobody@myhostname)', async () => {
    expect(lab.instance.param('proxy_interfaces')).toBe(A.proxy);
    const rcpt = `postmaster@[${A.proxy}]`;
    const r = await deliver(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', rcpt, 'bmx-proxy');
    expect(r.rcpt[0]?.code, r.transcript.join('\n')).toBe(250);
    expect(r.data?.code).toBe(250);
    await lab.instance.waitForLog(
      new RegExp(
        `${r.queueId}: to=<nobody@backup\\.example\\.com>, orig_to=<postmaster@\\[127\\.0\\.13\\.44\\]>, relay=local, .*status=sent \\(delivered to mailbox\\)`,
      ),
      'local delivery via proxy_interfaces',
    );
    const mbox = join(lab.instance.mail, 'nobody');
    const got = await waitFor(20_000, () =>
      existsSync(mbox) && readFileSync(mbox, 'utf8').includes('mailsetup test bmx-proxy') ? true : undefined,
    );
    expect(got, lab.instance.log()).toBe(true);
    // Not an address of this host otherwise: the same literal one higher is foreign.
    const [other] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', ['postmaster@[127.0.13.45]']);
    expect(other.text).toBe('554 5.7.1 <postmaster@[127.0.13.45]>: Relay access denied');
  });
});
