/**
 * Firewall / gateway relay on a real Postfix: mail for the inside domain goes to the inside host,
 * nothing is delivered locally (a local address is refused at RCPT, and bounced by
 * local_transport = error:… when posted on the gateway), outbound relay only for mynetworks.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRealPostfix } from '../helpers/instance.js';
import { slotOf } from '../helpers/slots.js';
import {
  Lab,
  NAMES,
  OUTSIDE,
  TRUSTED,
  deliver,
  labAddrs,
  matrixAnswers,
  messageText,
  rcptReplies,
  relayProbes,
} from '../helpers/smtp-lab.js';

const SLOT = slotOf('firewall-relay');
const N = NAMES['firewall-relay'];

describeRealPostfix('firewall relay on a real Postfix (127.0.14.25:2414, inside host 127.0.14.31:2531)', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start(SLOT, matrixAnswers('firewall-relay', labAddrs(SLOT)));
  }, 120_000);
  afterAll(async () => lab?.dispose(), 60_000);

  it('mail for the inside domain from outside goes to the inside host', async () => {
    const r = await deliver(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', `bob@${N.domain}`, 'fw-in');
    expect(r.data?.code, r.transcript.join('\n')).toBe(250);
    const m = await lab.inside.waitFor((x) => x.data.includes('mailsetup test fw-in'), 'inbound to the inside host');
    expect(m.to).toEqual([`bob@${N.domain}`]);
    const [unknown] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', [`mallory@${N.domain}`]);
    expect(unknown.text).toBe(
      `550 5.1.1 <mallory@${N.domain}>: Recipient address rejected: User unknown in relay recipient table`,
    );
  });

  it('nothing is delivered locally: the local service is commented out; a local address is refused at RCPT, or bounced when posted locally', async () => {
    expect(lab.instance.postconf(['-M', 'local/unix']).stdout).toBe('');
    expect(lab.instance.param('local_transport')).toBe('error:local mail delivery is disabled');
    // The gateway's own name is neither local nor relayed: strangers get 554.
    const [byName] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', [`root@${N.myhostname}`]);
    expect(byName.text).toBe(`554 5.7.1 <root@${N.myhostname}>: Relay access denied`);
    // Its own address literal is local (inet_interfaces) and local_recipient_maps is empty, but
    // smtpd knows local_transport is an error transport: refused at RCPT with its text.
    const from = lab.instance.log().length;
    const [local] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', ['someone@[127.0.0.1]']);
    expect(local.text).toBe(
      '550 5.1.1 <someone@[127.0.0.1]>: Recipient address rejected: local mail delivery is disabled',
    );
    // Posted on the gateway itself to a local address: bounced by the error transport, never delivered.
    expect(
      lab.instance.sendmail(['-f', 'sender@other.example', 'someone@[127.0.0.1]'], messageText('fw-local')).status,
    ).toBe(0);
    await lab.instance.waitForLog(
      /to=<someone@\[127\.0\.0\.1\]>, relay=none, .*status=bounced \(local mail delivery is disabled\)/,
      'local_transport error',
      from,
    );
    const bounce = await lab.relay.waitFor(
      (x) => x.to.includes('sender@other.example') && x.data.includes('mailsetup test fw-local'),
      'the bounce to the sender',
    );
    expect(bounce.from).toBe('');
    expect(readdirSync(lab.instance.mail)).toEqual([]);
    expect(lab.instance.log().slice(from)).not.toMatch(/relay=local/);
  });

  it("postmaster at the gateway's address literal and root posted locally reach the postmaster address (inside host)", async () => {
    const r = await deliver(
      lab.addrs.smtp,
      OUTSIDE,
      'sender@outside.example',
      'postmaster@[127.0.0.1]',
      'fw-postmaster',
    );
    expect(r.data?.code, r.transcript.join('\n')).toBe(250);
    const m = await lab.inside.waitFor((x) => x.data.includes('mailsetup test fw-postmaster'), 'postmaster@[literal]');
    expect(m.to).toEqual([N.postmaster]);
    expect(lab.instance.sendmail(['root'], messageText('fw-root')).status).toBe(0);
    const root = await lab.inside.waitFor((x) => x.data.includes('mailsetup test fw-root'), 'sendmail root');
    expect(root.to).toEqual([N.postmaster]);
    expect(root.orcpt).toEqual([`root@${N.domain}`]);
  });

  it('relay elsewhere: refused from outside (554, every trick form too), allowed from mynetworks (via the relay host)', async () => {
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
    const ok = await deliver(lab.addrs.smtp, TRUSTED, `alice@${N.domain}`, 'friend@other.example', 'fw-out');
    expect(ok.data?.code, ok.transcript.join('\n')).toBe(250);
    const m = await lab.relay.waitFor((x) => x.data.includes('mailsetup test fw-out'), 'outbound via the relay host');
    expect(m.to).toEqual(['friend@other.example']);
  });
});
