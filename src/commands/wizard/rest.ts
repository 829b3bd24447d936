/**
 * The wizard's modules that its first frame does not need: the planner's session, the host
 * probes, the apply and the prompts after it. ./index.ts draws the role list first and loads
 * this module right after (the host probes wait for it), so the first frame never waits for the
 * planner, the roles' logic, yaml or the apply engine.
 */
import { isMailsetupError } from '../../model/errors.js';
import type { ApplyResult, StepEvent } from '../../model/events.js';
import type { HostFacts } from '../../model/host.js';
import type { Plan } from '../../model/plan.js';
import { apply } from '../../system/apply.js';
import type { CommandContext } from '../context.js';
import { afterApply, installIfMissing, preflight, replanAfterStale, type Replan } from '../steps.js';
import { saveAnswers } from '../saveAnswers.js';
import { guarded } from '../signals.js';
import { nodeReadline } from '../../system/builtins.js';

export { detect } from '../../plan/detect.js';
export { handEditChoices } from '../../plan/handEdits.js';
export { roleModule } from '../../roles/index.js';
export { questionsFor } from '../../roles/questions.js';
export { unusedAnswers } from '../../roles/usage.js';
export { readHostFacts } from '../../system/hostFacts.js';
export { printNextSteps } from '../nextSteps.js';
export { recoverIfNeeded } from '../recover.js';
export { ignoredAnswer, readGiven, readPlanMeta, Session, settleUnused } from '../session.js';
export { probeLines } from '../steps.js';

/** An apply that stopped before writing anything, as the wizard shows it. */
function notApplied(error: string): ApplyResult {
  return { ok: false, changed: false, rolledBack: false, error, warnings: [], events: [] };
}

/** A plan made again (after an install, or files changed on disk) that the wizard shows before applying. */
export interface Replanned {
  replanned: Plan;
  host: HostFacts;
}

/**
 * Install Postfix when missing, the checks before the apply, the apply, and the steps after it.
 * When the install changed the plan, or files changed since the preview, nothing is written: the
 * plan made again goes back to the preview.
 */
export async function applyPlan(
  ctx: CommandContext,
  p: Plan,
  h: HostFacts,
  onEvent: (e: StepEvent) => void,
  replan: Replan,
  onApplied: (plan: Plan, host: HostFacts) => void,
): Promise<ApplyResult | Replanned> {
  const { fx } = ctx;
  let target;
  try {
    target = await installIfMissing(fx, h, p, onEvent, replan, { freshStart: ctx.opts.freshStart });
  } catch (e) {
    if (isMailsetupError(e)) return notApplied(e.message);
    throw e;
  }
  // Postfix was installed and its files changed the plan: show the new one first.
  if (target.changed) return { replanned: target.plan, host: target.host };
  const stop = await preflight(target.plan, fx, onEvent, target.host);
  if (stop) return notApplied(`nothing applied: ${stop.message}`);
  const { value: result } = await guarded(ctx.io, (abort) =>
    apply(target.plan, fx, target.host, { onEvent, signal: abort }),
  );
  // Files changed since the preview: never written over; the plan made again is shown.
  if (result.stale) {
    const again = await replanAfterStale(fx, result.stale, replan, { freshStart: ctx.opts.freshStart });
    return { replanned: again.plan, host: again.host };
  }
  if (result.ok && result.changed) {
    await afterApply(fx, target.host, onEvent);
    onApplied(target.plan, target.host);
  }
  return result;
}

/**
 * One line typed at a prompt after the wizard's screens, trimmed; null for Ctrl-C or Ctrl-D
 * (then only a line end is printed).
 */
async function ask(ctx: CommandContext, question: string): Promise<string | null> {
  const { createInterface } = nodeReadline();
  // Ink leaves stdin unref'd when it unmounts: without ref() Node would exit while we wait.
  process.stdin.ref();
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await new Promise<string | null>((resolve) => {
    let done = false;
    const finish = (a: string | null) => {
      if (done) return;
      done = true;
      resolve(a);
    };
    rl.on('SIGINT', () => finish(null));
    rl.on('close', () => finish(null));
    rl.question(question, (a) => finish(a));
  });
  rl.close();
  process.stdin.unref();
  if (answer === null) ctx.io.out('\n');
  return answer === null ? null : answer.trim();
}

/**
 * After the wizard: write the answers for another host, to --save-answers FILE when given, else
 * when the user names a file at the offer (Enter, Ctrl-C or Ctrl-D: no). A file that cannot be
 * written is said, and asked again; the exit code stays the wizard's.
 */
export async function offerSave(ctx: CommandContext, plan: Plan, host: HostFacts): Promise<void> {
  let path = ctx.opts.saveAnswers;
  for (;;) {
    path ??= (await ask(ctx, 'Save these answers to reuse on another host? File name (Enter: no): ')) ?? '';
    if (path === '') return;
    try {
      for (const line of await saveAnswers(ctx, plan.answers, host, path)) ctx.io.out(`${line}\n`);
      return;
    } catch (e) {
      ctx.io.err(`mailsetup: ${(e as Error).message}\n`);
      if (ctx.opts.saveAnswers !== undefined) return;
      path = undefined;
    }
  }
}

/**
 * After a wizard apply: offer to check the result at once with --verify (its outcome is shown;
 * the exit code stays the apply's). Ctrl-C or Ctrl-D at the prompt means no: nothing more is
 * printed than a line end, and true is returned: the user wants no more questions.
 */
export async function offerVerify(ctx: CommandContext, host: HostFacts): Promise<boolean> {
  const answer = (
    await ask(ctx, `Check it now with mailsetup --verify${ctx.root === '/' ? '' : ` --root ${ctx.root}`}? [Y/n] `)
  )?.toLowerCase();
  // Ctrl-C or Ctrl-D at the prompt (undefined): no check wanted; the apply's exit code stands.
  if (answer === undefined) return true;
  if (answer !== '' && answer !== 'y' && answer !== 'yes') return false;
  const { verify } = await import('../verify/index.js');
  await verify(ctx.fx, host, { color: ctx.opts.color, write: ctx.io.out });
  return false;
}
