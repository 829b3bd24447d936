/**
 * Check: a test message to postmaster is accepted over SMTP on loopback and delivered: the log
 * shows status=sent for its queue id and for every message it was forwarded as. Where the role
 * delivers nothing here (a null client), it must have been handed to the relay host.
 */
import type { RoleId } from '../../../model/answers.js';
import { showEndpoint } from '../../../postfix/network.js';
import type { VerifySample } from '../../../roles/role.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import { SmtpSession, queueIdOf, type SmtpReply } from '../../../system/smtpClient.js';
import type { Target, VerifyContext } from '../context.js';
import { deliveryChain, linesOf, problemsIn } from '../log.js';

export const POSTMASTER_LABEL = 'Test message to postmaster';

/** The domain of the sender address: myorigin, read from its file when it names one (/etc/mailname). */
async function myorigin(ctx: Pick<VerifyContext, 'fx' | 'params'>): Promise<string> {
  const v = ctx.params.myorigin;
  if (!v.startsWith('/')) return v;
  try {
    return ((await ctx.fx.readFile(v)) ?? '').split('\n')[0].trim() || ctx.params.myhostname;
  } catch {
    return ctx.params.myhostname;
  }
}

export async function checkPostmasterMessage(
  ctx: VerifyContext,
  target: Target | null,
  postmaster: VerifySample,
  role: RoleId,
): Promise<StepOutcomeReport> {
  if (!target) return { status: 'skipped', detail: 'no smtp listener' };
  const rcpt = postmaster.address;
  const tag = ctx.fx.randomHex(6);
  const from = `root@${await myorigin(ctx)}`;
  const message = [
    `From: mailsetup --verify <${from}>`,
    `To: <${rcpt}>`,
    `Subject: mailsetup --verify test message ${tag}`,
    `Message-ID: <verify-${tag}@${ctx.params.myhostname}>`,
    '',
    `mailsetup --verify sent this message to check that mail for postmaster is accepted and delivered (${role}).`,
    '',
  ].join('\n');
  let s: SmtpSession;
  try {
    s = await SmtpSession.connect(ctx.fx, { host: target.host, port: target.port, timeoutMs: 15_000 });
  } catch (e) {
    return { status: 'failed', detail: (e as Error).message, explain: problemsIn(await ctx.log.lines()) };
  }
  let qid: string | undefined;
  try {
    const steps: Array<[string, () => Promise<SmtpReply>, number]> = [
      ['EHLO', () => s.ehlo(ctx.params.myhostname || 'localhost'), 250],
      ['MAIL', () => s.mail(from), 250],
      ['RCPT', () => s.rcpt(rcpt), 250],
      ['DATA', () => s.data(message), 250],
    ];
    if (s.greeting.code !== 220) return { status: 'failed', detail: `greeting: ${s.greeting.text}` };
    for (const [name, step, want] of steps) {
      const r = await step();
      if (r.code !== want)
        return { status: 'failed', detail: `${name} <${rcpt}> refused: ${r.text}`, explain: s.transcript.slice(-4) };
      if (name === 'DATA') qid = queueIdOf(r);
    }
  } catch (e) {
    return { status: 'failed', detail: (e as Error).message, explain: s.transcript.slice(-4) };
  } finally {
    await s.quit();
  }
  const accepted = `<${rcpt}> accepted over SMTP on ${showEndpoint(target.host, target.port)}${qid ? ` (queued as ${qid})` : ''}`;
  if (!qid) return { status: 'ok', detail: `${accepted}; no queue id in the reply, delivery not followed` };
  const id = qid;
  if (!(await ctx.log.readable()))
    return { status: 'skipped', detail: `${accepted}; delivery not checked: cannot read the log ${ctx.log.path}` };
  const chain = await ctx.log.wait(ctx.waitMs, (lines) => deliveryChain(lines, id) ?? undefined);
  if (!chain) {
    const lines = await ctx.log.lines();
    const forwarded = linesOf(lines, [id])
      .map((l) => /forwarded as ([0-9A-Za-z]+)/.exec(l)?.[1])
      .filter((x): x is string => !!x);
    return {
      status: 'failed',
      detail: `${accepted}, but no delivery status in ${ctx.log.path} within ${Math.round(ctx.waitMs / 1000)} s`,
      explain: linesOf(lines, [id, ...forwarded]),
    };
  }
  const relayed = (relay: string) => /\[/.test(relay);
  const bad = chain.filter((d) => d.status !== 'sent' || (postmaster.notLocal && !relayed(d.relay)));
  if (bad.length) {
    const why = bad
      .map((d) => `to=<${d.to}> relay=${d.relay} status=${d.status}${d.text ? ` (${d.text})` : ''}`)
      .join('; ');
    const what =
      postmaster.notLocal && bad.every((d) => d.status === 'sent') ? 'not handed to the relay host' : 'not delivered';
    return {
      status: 'failed',
      detail: `${accepted}, but ${what}: ${why}`,
      explain: linesOf(await ctx.log.lines(), [id, ...chain.map((d) => d.queueId)]),
    };
  }
  return {
    status: 'ok',
    detail: `${accepted}; ${chain.map((d) => `to=<${d.to}> via ${d.relay}: ${d.status}`).join('; ')}`,
  };
}
