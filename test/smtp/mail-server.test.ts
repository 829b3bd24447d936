/**
 * Domain mail server on a real Postfix: mail for the domain from anywhere is delivered to the
 * local mailbox, its own networks relay through the relay host, strangers relay nothing, and
 * postmaster reaches the alias target.
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

const SLOT = slotOf('mail-server');
const N = NAMES['mail-server'];

describeRealPostfix('domain mail server on a real Postfix (127.0.12.25:2412)', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start(SLOT, matrixAnswers('mail-server', labAddrs(SLOT)));
  }, 120_000);
  afterAll(async () => lab?.dispose(), 60_000);

  it('mailsetup chose inet_interfaces = all; the instance stands in with loopback-only (recorded in main.cf)', () => {
    expect(lab.sandbox.read('/etc/postfix/main.cf')).toMatch(/^inet_interfaces = all$/m);
    expect(lab.instance.substitutions).toContainEqual({ what: 'inet_interfaces', from: 'all', to: 'loopback-only' });
    expect(readFileSync(join(lab.instance.conf, 'main.cf'), 'utf8')).toContain(
      '#   inet_interfaces: all -> loopback-only\n',
    );
    expect(lab.instance.param('mydestination', true)).toBe(
      'mx.example.com, localhost.example.com, localhost, example.com',
    );
  });

  it('mail for user@domain from an outside address is delivered to the local mailbox', async () => {
    const r = await deliver(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', `nobody@${N.domain}`, 'ms-local');
    expect(
      r.rcpt.map((x) => x.code),
      r.transcript.join('\n'),
    ).toEqual([250]);
    expect(r.data?.code).toBe(250);
    const mbox = join(lab.instance.mail, 'nobody');
    const text = await waitFor(20_000, () =>
      existsSync(mbox) && readFileSync(mbox, 'utf8').includes('mailsetup test ms-local')
        ? readFileSync(mbox, 'utf8')
        : undefined,
    );
    expect(text, lab.instance.log()).toBeDefined();
    expect(text).toContain(`Delivered-To: nobody@${N.domain}`);
    await lab.instance.waitForLog(
      new RegExp(`${r.queueId}: to=<nobody@example\\.com>, relay=local, .*status=sent \\(delivered to mailbox\\)`),
      'local delivery',
    );
  });

  it('an unknown local user is refused at RCPT', async () => {
    const [r] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', [`no-such-user@${N.domain}`]);
    expect(r.text).toBe(
      `550 5.1.1 <no-such-user@${N.domain}>: Recipient address rejected: User unknown in local recipient table`,
    );
  });

  it('a foreign recipient from mynetworks (127.0.0.2) is relayed through the relay host', async () => {
    const r = await deliver(lab.addrs.smtp, TRUSTED, `user@${N.domain}`, 'friend@other.example', 'ms-relay');
    expect(r.data?.code, r.transcript.join('\n')).toBe(250);
    const m = await lab.relay.waitFor((x) => x.data.includes('mailsetup test ms-relay'), 'relay from mynetworks');
    expect(m.to).toEqual(['friend@other.example']);
    expect(m.from).toBe(`user@${N.domain}`);
  });

  it('the same from the outside address: 554 5.7.1 Relay access denied; nor any trick form', async () => {
    const [r] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', ['friend@other.example']);
    expect(r.text).toBe('554 5.7.1 <friend@other.example>: Relay access denied');
    const probes = [...relayProbes(N.myhostname), ...relayProbes(N.domain).slice(1, 5)];
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

  it('mail to postmaster reaches the alias target (through the relay host)', async () => {
    const r = await deliver(
      lab.addrs.smtp,
      OUTSIDE,
      'sender@outside.example',
      `postmaster@${N.domain}`,
      'ms-postmaster',
    );
    expect(r.data?.code, r.transcript.join('\n')).toBe(250);
    const m = await lab.relay.waitFor((x) => x.data.includes('mailsetup test ms-postmaster'), 'postmaster alias');
    expect(m.to).toEqual([N.postmaster]);
    expect(m.orcpt).toEqual([`postmaster@${N.domain}`]);
  });
});
