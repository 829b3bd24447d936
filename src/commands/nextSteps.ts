/**
 * The next steps of a plan on this machine: the DNS lookups and the outbound probe they need,
 * bounded and made through Effects on the live system only (a --root sandbox never reaches out),
 * then worked out by the pure src/plan/nextSteps.ts.
 */
import { NO_PROBES, type Effects } from '../model/effects.js';
import type { HostFacts } from '../model/host.js';
import type { NextSteps, OutboundCheck } from '../model/nextSteps.js';
import type { Plan } from '../model/plan.js';
import type { CommandContext } from './context.js';
import { nextStepQueries, nextSteps, outboundTarget } from '../plan/nextSteps.js';
import { nextStepsLines } from '../output/nextSteps.js';
import { renderLines } from '../output/styled.js';
import { lookupAll } from '../system/dns.js';
import { outbound25 } from '../system/probes.js';

/** How long one DNS answer or the outbound connection may take. */
const DNS_TIMEOUT_MS = 3000;
const CONNECT_TIMEOUT_MS = 5000;

/** The bounded outbound probe: to the relay host, or to the MX of the postmaster's own domain. */
async function outbound(fx: Effects, plan: Plan, host: HostFacts): Promise<OutboundCheck> {
  const target = outboundTarget(plan.answers, host);
  if (target === undefined) {
    return {
      target: 'port 25 of other mail servers',
      verdict: null,
      advice: 'not tried (no outside server named): nc -vz -w 5 <the MX host of a domain you write to> 25',
    };
  }
  if (!fx.live) return { target, verdict: null, advice: 'not tried: a --root sandbox does not reach the network' };
  if (fx.noProbes) return { target, verdict: null, advice: `not tried (${NO_PROBES})` };
  try {
    const o = await outbound25(fx, target, { timeoutMs: CONNECT_TIMEOUT_MS });
    if (o === null) return { target, verdict: null, advice: null };
    const named = o.target.replace(/^\[([^\]]*)\].*$/, '$1').replace(/:\d+$/, '');
    return {
      target: `${o.host} port ${o.port}${o.host !== named ? ` (the MX of ${named})` : ''}`,
      verdict: o.verdict,
      advice: o.advice,
    };
  } catch (e) {
    return { target, verdict: null, advice: (e as Error).message };
  }
}

/** Look up and probe what the next steps need (live system only), and work them out. */
export async function nextStepsFor(fx: Effects, plan: Plan, host: HostFacts): Promise<NextSteps> {
  if (!fx.live || fx.noProbes) {
    return nextSteps(plan.answers, host, {
      dns: null,
      outbound: await outbound(fx, plan, host),
      notLookedUp: fx.live
        ? `not looked up (${NO_PROBES})`
        : 'not looked up: a --root sandbox does not reach the network',
    });
  }
  const [dns, out] = await Promise.all([
    lookupAll(fx, nextStepQueries(plan.answers, host), DNS_TIMEOUT_MS),
    outbound(fx, plan, host),
  ]);
  return nextSteps(plan.answers, host, { dns, outbound: out });
}

/**
 * The next steps after the plan (--dry-run) or the apply (non-interactive or the wizard's), as
 * plain text. Not with --json: its document is what a program asked for, and the lookups would
 * only slow a fleet down.
 */
export async function printNextSteps(ctx: CommandContext, p: Plan, host: HostFacts): Promise<void> {
  if (ctx.json) return;
  // On the live system the lookups may take a few seconds offline: say what the wait is.
  if (ctx.fx.live)
    ctx.io.out('\nLooking up the DNS records and trying the outgoing connection (a few seconds at most)…\n');
  const steps = await nextStepsFor(ctx.fx, p, host);
  ctx.io.out(`\n${renderLines(nextStepsLines(steps), { color: ctx.opts.color })}`);
}
