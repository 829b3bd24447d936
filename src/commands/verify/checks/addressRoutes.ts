/**
 * Check: the route Postfix takes for a sample address of each class the role handles, asked
 * with `sendmail -bv` (null sender, so no report mail) and read from the log: status
 * deliverable, and the expected next hop. The role says which samples (RoleModule
 * .verifySamples); the foreign one is asked of the relay host only (RCPT, no mail): verify never
 * contacts strangers' MX hosts.
 */
import type { Answers } from '../../../model/answers.js';
import type { LiveParams, RoleModule, VerifySample } from '../../../roles/role.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import type { VerifyContext } from '../context.js';
import { parseDeliveryLine, type DeliveryLine } from '../log.js';

/** The foreign sample: asked of the relay host only. */
export const FOREIGN_SAMPLE = 'mailsetup-verify@example.net';

/** The report's label of a sample's check. */
export function addressLabel(sample: Pick<VerifySample, 'cls' | 'address'>): string {
  return `Address ${sample.cls}: ${sample.address}`;
}

/** The samples to ask about: the role's, then a foreign address when a relay host takes it; and the skipped classes. */
export function addressSamples(
  role: Pick<RoleModule, 'verifySamples'>,
  params: LiveParams,
  answers: Answers,
): { run: VerifySample[]; skipped: Array<{ cls: string; why: string }> } {
  const own = role.verifySamples(params, answers);
  const run = [...own.addresses];
  const skipped = [...own.skipped];
  if (params.relayhost) run.push({ cls: 'foreign', address: FOREIGN_SAMPLE, hop: params.relayhost });
  else
    skipped.push({
      cls: 'foreign',
      why: "delivered directly by MX lookup; not probed (verify does not contact other people's mail servers)",
    });
  return { run, skipped };
}

/** A relay= field names this next hop ("[h]:p", "h:p", "[h]", "h", with or without "relay:")? */
export function relayMatches(relay: string, hop: string): boolean {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hop.replace(/^(smtp|relay|lmtp):/, ''));
  if (!m) return false;
  const [, h, p] = m;
  const r = /^(\S+?)\[([^\]]+)\](?::(\d+))?$/.exec(relay);
  if (!r) return false;
  const hostOk = r[1].toLowerCase() === h.toLowerCase() || r[2] === h;
  return hostOk && (p === undefined || r[3] === p);
}

export async function checkAddressRoute(ctx: VerifyContext, sample: VerifySample): Promise<StepOutcomeReport> {
  if (!(await ctx.log.readable())) return { status: 'skipped', detail: `cannot read the log ${ctx.log.path}` };
  const start = (await ctx.log.lines()).length;
  const r = await ctx.fx.run('sendmail', ['-C', ctx.cfg, '-f', '', '-bv', sample.address], { timeoutMs: 30_000 });
  if (r.exitCode !== 0)
    return {
      status: 'failed',
      detail: `sendmail -bv exited ${r.exitCode}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').pop() ?? ''}`,
    };
  const want = sample.address.toLowerCase();
  // The result line for the address; or, when cleanup refuses the request ("message not
  // accepted, try again later": a map lookup failed), no result will ever come: stop waiting.
  const found = await ctx.log.wait(ctx.waitMs, (lines): DeliveryLine | { refused: string } | undefined => {
    const fresh = lines.slice(start);
    const d = fresh
      .map(parseDeliveryLine)
      .find(
        (x): x is DeliveryLine =>
          x !== null &&
          /^(deliverable|undeliverable)$/.test(x.status) &&
          (x.to.toLowerCase() === want || x.origTo?.toLowerCase() === want),
      );
    if (d) return d;
    const refused = fresh.find(
      (l) =>
        /message not accepted, try again later/.test(l) &&
        l.toLowerCase().includes(want.includes('@') ? want : `${want}@`),
    );
    return refused ? { refused } : undefined;
  });
  const fresh = async () => (await ctx.log.lines()).slice(start);
  if (!found)
    return {
      status: 'failed',
      detail: `no result in ${ctx.log.path} within ${Math.round(ctx.waitMs / 1000)} s`,
      explain: (await fresh()).slice(-10),
    };
  if ('refused' in found) {
    const id = /: ([0-9A-Za-z]+): /.exec(found.refused)?.[1] ?? '';
    return {
      status: 'failed',
      detail: 'Postfix did not accept the request: a lookup failed (see the warnings)',
      explain: (await fresh()).filter((l) => l.includes(` ${id}: `) || /warning:/.test(l)).slice(-10),
    };
  }
  const d = found;
  const explain = async () => (await ctx.log.lines()).filter((l) => l.includes(` ${d.queueId}: `));
  const result = `${d.status} via ${d.relay}${d.text ? ` (${d.text})` : ''}`;
  if (d.status !== 'deliverable') return { status: 'failed', detail: result, explain: await explain() };
  if (sample.notLocal && !/\[/.test(d.relay))
    return {
      status: 'failed',
      detail: `${result}: a null client must hand it to the relay host`,
      explain: await explain(),
    };
  if (sample.hop && !relayMatches(d.relay, sample.hop))
    return { status: 'failed', detail: `${result}: expected the next hop ${sample.hop}`, explain: await explain() };
  return { status: 'ok', detail: result };
}
