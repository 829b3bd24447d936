/**
 * Null client on a real Postfix (private instance, chroot ON as Debian ships it): everything
 * posted locally leaves through the relay host with the sender domain of myorigin, nothing is
 * delivered locally, nothing but loopback is listened on, and strangers cannot relay.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRealEffects } from '../../src/system/realEffects.js';
import { describeRealPostfix } from '../helpers/instance.js';
import { slotOf } from '../helpers/slots.js';
import {
  Lab,
  NAMES,
  OUTSIDE,
  TRUSTED,
  deliver,
  matrixAnswers,
  messageText,
  labAddrs,
  rcptReplies,
  relayProbes,
} from '../helpers/smtp-lab.js';

const SLOT = slotOf('null-client');
const N = NAMES['null-client'];

describeRealPostfix('null client on a real Postfix (127.0.11.25:2411, chroot on)', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start(SLOT, matrixAnswers('null-client', labAddrs(SLOT), { chroot: true }));
  }, 120_000);
  afterAll(async () => lab?.dispose(), 60_000);

  it('mailsetup set loopback-only itself; the instance listens on loopback only (no substitution needed)', async () => {
    expect(lab.instance.substitutions.map((s) => s.what)).toEqual(['smtp/inet service (master.cf)']);
    expect(lab.sandbox.read('/etc/postfix/main.cf')).toMatch(/^inet_interfaces = loopback-only$/m);
    expect(lab.instance.param('inet_interfaces')).toBe('loopback-only');
    const socks = (await createRealEffects('/').listeningSockets()).filter((s) => s.port === lab.addrs.smtp.port);
    expect(socks.map((s) => s.address)).toContain(lab.addrs.smtp.host);
    expect(socks.filter((s) => !s.loopback)).toEqual([]);
  });

  it('chroot as Debian ships it: smtpd runs chrooted in the queue directory, which the package filled', () => {
    expect(
      lab.instance.postconf(['-Fh', `${lab.addrs.smtp.host}:${lab.addrs.smtp.port}/inet/chroot`]).stdout.trim(),
    ).toBe('y');
    expect(readFileSync(join(lab.instance.queue, 'etc', 'resolv.conf'), 'utf8')).toBe(
      readFileSync('/etc/resolv.conf', 'utf8'),
    );
  });

  it('sendmail -C: the message reaches the relay host; envelope sender domain = myorigin', async () => {
    expect(lab.instance.param('myorigin', true)).toBe(N.domain);
    const r = lab.instance.sendmail(['someone@other.example'], messageText('nc-out'));
    expect(r.status, r.stderr).toBe(0);
    const m = await lab.relay.waitFor(
      (x) => x.data.includes('mailsetup test nc-out'),
      'sendmail to someone@other.example',
    );
    expect(m.from).toBe(`root@${N.domain}`);
    expect(m.to).toEqual(['someone@other.example']);
  });

  it('root and user@myhostname are not delivered locally: root is rewritten to the postmaster address, both leave via the relay host', async () => {
    const from = lab.instance.log().length;
    expect(lab.instance.sendmail(['root'], messageText('nc-root')).status).toBe(0);
    expect(lab.instance.sendmail([`user@${N.myhostname}`], messageText('nc-user')).status).toBe(0);
    const root = await lab.relay.waitFor((x) => x.data.includes('mailsetup test nc-root'), 'sendmail root');
    expect(root.to).toEqual([N.postmaster]);
    expect(root.orcpt).toEqual([`root@${N.domain}`]);
    const user = await lab.relay.waitFor(
      (x) => x.data.includes('mailsetup test nc-user'),
      `sendmail user@${N.myhostname}`,
    );
    expect(user.to).toEqual([`user@${N.myhostname}`]);
    await lab.instance.waitForLog(
      /to=<user@client\.example\.com>, relay=127\.0\.11\.30\[127\.0\.11\.30\]:2530, .*status=sent/,
      'user@myhostname sent',
      from,
    );
    expect(lab.instance.log().slice(from)).not.toMatch(/relay=local/);
    expect(readdirSync(lab.instance.mail)).toEqual([]);
    expect(existsSync(join(lab.instance.mail, 'root'))).toBe(false);
  });

  it('a client in mynetworks (127.0.0.2) may send out through it; an outside client (127.0.0.9) relays nothing', async () => {
    const ok = await deliver(lab.addrs.smtp, TRUSTED, 'user@client.example.com', 'friend@other.example', 'nc-trusted');
    expect(ok.data?.code, ok.transcript.join('\n')).toBe(250);
    await lab.relay.waitFor((x) => x.data.includes('mailsetup test nc-trusted'), 'trusted client relay');
    const probes = relayProbes(N.myhostname);
    const replies = await rcptReplies(
      lab.addrs.smtp,
      OUTSIDE,
      'stranger@outside.example',
      probes.map((p) => p.rcpt),
    );
    const verdicts = probes.map((p, i) => `${p.name}: ${replies[i].code}`);
    expect(
      verdicts.every((v) => /: [45]\d\d$/.test(v)),
      verdicts.join('\n'),
    ).toBe(true);
    // The null client leaves smtpd_relay_restrictions at Postfix's default, whose last word is
    // defer_unauth_destination: a temporary 454, not the 554 of reject_unauth_destination.
    expect(lab.instance.param('smtpd_relay_restrictions', true)).toBe(
      'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
    );
    expect(replies[0].text).toBe('454 4.7.1 <user@other.example>: Relay access denied');
  });
});
