/**
 * Role switches on a running Postfix: one sandbox and one private instance; each step applies
 * the next role's answers with the CLI into the same sandbox (the ledger drives the change),
 * derives the instance again and reloads or restarts it as the CLI's plan says. After each step
 * Postfix must still run (same master after a reload, a new one after a restart) and the new
 * role's key checks must pass: one accepted message that reaches the role's destination, one
 * refused relay attempt from outside, and the previous role's outside-accepted recipient refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RoleId } from '../../src/model/answers.js';
import { describeRealPostfix, waitFor } from './instance.js';
import { Lab, NAMES, OUTSIDE, TRUSTED, deliver, labAddrs, matrixAnswers, rcptReplies } from './smtp-lab.js';

/** The recipient an outside client may send to under each role (undefined: none from outside). */
const OUTSIDE_ACCEPT: Record<RoleId, string | undefined> = {
  'null-client': undefined,
  'mail-server': `postmaster@${NAMES['mail-server'].myhostname}`,
  'backup-mx': `alice@${NAMES['backup-mx'].domain}`,
  'firewall-relay': `alice@${NAMES['firewall-relay'].domain}`,
};

/** The key checks of `role` on a running lab. `tag` makes the messages unique. */
export async function keyChecks(lab: Lab, role: RoleId, tag: string): Promise<void> {
  // One accept, delivered where the role sends it.
  if (role === 'null-client') {
    const r = await deliver(lab.addrs.smtp, TRUSTED, 'user@example.com', 'friend@other.example', tag);
    expect(r.data?.code, r.transcript.join('\n')).toBe(250);
    await lab.relay.waitFor(
      (m) => m.data.includes(`mailsetup test ${tag}`),
      `${role}: mynetworks client through the relay host`,
    );
  } else {
    const rcpt = OUTSIDE_ACCEPT[role] as string;
    const r = await deliver(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', rcpt, tag);
    expect(r.data?.code, `${role}: <${rcpt}> from outside\n${r.transcript.join('\n')}`).toBe(250);
    const sink = role === 'mail-server' ? lab.relay : role === 'backup-mx' ? lab.primary : lab.inside;
    const m = await sink.waitFor((x) => x.data.includes(`mailsetup test ${tag}`), `${role}: <${rcpt}>`);
    expect(m.to).toEqual([role === 'mail-server' ? NAMES['mail-server'].postmaster : rcpt]);
  }
  // One relay refusal from outside: 554 from reject_unauth_destination, 454 from Postfix's default (null client).
  const [refused] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', ['friend@other.example']);
  expect(refused.text).toBe(
    `${role === 'null-client' ? '454 4.7.1' : '554 5.7.1'} <friend@other.example>: Relay access denied`,
  );
}

/**
 * A describe block that walks `roles` (r0 → r1 → … ), configuring r0 first. Slot `slot`.
 */
export function switchSuite(title: string, slot: number, roles: RoleId[]): void {
  describeRealPostfix(title, () => {
    let lab: Lab;
    const A = labAddrs(slot);

    beforeAll(async () => {
      lab = await Lab.start(slot, matrixAnswers(roles[0], A));
      await keyChecks(lab, roles[0], `sw${slot}-0`);
    }, 120_000);
    afterAll(async () => lab?.dispose(), 60_000);

    for (let i = 1; i < roles.length; i++) {
      const from = roles[i - 1];
      const to = roles[i];
      it(`${from} → ${to}: Postfix keeps running and the ${to} checks pass`, async () => {
        const before = lab.instance.masterPid();
        expect(before).not.toBeNull();
        const cli = await lab.switchTo(matrixAnswers(to, A));
        // The plan restarts when inet_interfaces changes (null client ↔ the rest), else reloads.
        const wantRestart = (from === 'null-client') !== (to === 'null-client');
        expect(
          cli.action,
          cli.stdout
            .split('\n')
            .filter((l) => /Postfix/.test(l))
            .join('\n'),
        ).toBe(wantRestart ? 'restart' : 'reload');
        const after = lab.instance.masterPid();
        expect(after).not.toBeNull();
        if (wantRestart) expect(after).not.toBe(before);
        else expect(after).toBe(before);
        // The state file names the new role; the instance runs mailsetup's new files.
        expect(readFileSync(join(lab.instance.conf, 'mailsetup.yaml'), 'utf8')).toMatch(
          new RegExp(`^  role: ${to}$`, 'm'),
        );
        expect(existsSync(join(lab.instance.conf, 'transport'))).toBe(to === 'backup-mx' || to === 'firewall-relay');
        await keyChecks(lab, to, `sw${slot}-${i}`);
        const old = OUTSIDE_ACCEPT[from];
        if (old && old !== OUTSIDE_ACCEPT[to]) {
          const [r] = await rcptReplies(lab.addrs.smtp, OUTSIDE, 'sender@outside.example', [old]);
          expect(
            r.code,
            `${to}: the ${from} recipient <${old}> is no longer accepted from outside: ${r.text}`,
          ).toBeGreaterThanOrEqual(400);
        }
        expect(await waitFor(1_000, () => (lab.instance.running() ? true : undefined))).toBe(true);
      }, 90_000);
    }
  });
}
