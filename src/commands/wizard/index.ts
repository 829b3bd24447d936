/**
 * The wizard. The first frame is drawn at once; host probes and the reading of the files run
 * behind it and arrive as they finish. Postfix, when missing, is installed as the first step of
 * the confirmed apply. After a successful apply it prints the next steps (what the role needs outside
 * this host, a test message, the log), offers to run --verify, then to save the answers.
 */
import type { Answers, RoleId } from '../../model/answers.js';
import { isMailsetupError, type ExitCode } from '../../model/errors.js';
import type { ApplyResult } from '../../model/events.js';
import type { Plan } from '../../model/plan.js';
import type { HostFacts } from '../../model/host.js';
import { mxDomains, mxFindings } from '../../plan/mx.js';
import { mxHostsOf } from '../../system/dns.js';
import { roleInfos } from '../../roles/index.js';
import { questionsFor } from '../../roles/questions.js';
import { apply } from '../../system/apply.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { loadTemplates } from '../../system/templates.js';
import type { CommandContext } from '../context.js';
import { printNextSteps } from '../nextSteps.js';
import { recoverIfNeeded } from '../recover.js';
import { saveAnswers } from '../saveAnswers.js';
import { givenAnswers, Session } from '../session.js';
import { afterApply, hostSummary, installIfMissing, preflight } from '../steps.js';

/**
 * The answers the user gave in this run (typed, chosen, or from the answers file): those of the
 * wizard's answers that differ from what the machine has now. Defaults follow these.
 */
export function givenAnswersOf(answers: Partial<Answers>, detected: Partial<Answers>): Partial<Answers> {
  const out: Partial<Answers> = {};
  for (const [k, v] of Object.entries(answers) as Array<[keyof Answers, unknown]>) {
    if (k === 'role' || v === undefined) continue;
    if (JSON.stringify(v) !== JSON.stringify(detected[k])) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** An apply that stopped before writing anything, as the wizard shows it. */
function notApplied(error: string): ApplyResult {
  return { ok: false, changed: false, rolledBack: false, error, warnings: [], events: [] };
}

export async function wizard(ctx: CommandContext): Promise<ExitCode> {
  const { fx, opts } = ctx;
  const prefill = await givenAnswers(fx, opts);
  // Host probes and file reads start when the wizard first asks for them, after its first frame
  // is drawn: spawning them before would make the user wait for the first screen.
  let hostP: Promise<HostFacts> | null = null;
  let sessionP: Promise<Session> | null = null;
  let detectedRole: RoleId | 'custom' | null = null;
  let detectedAnswers: Partial<Answers> = {};
  const host = (): Promise<HostFacts> => (hostP ??= readHostFacts(fx));
  const session = (): Promise<Session> =>
    (sessionP ??= host().then(async (h) => {
      await recoverIfNeeded(ctx, h);
      const s = await Session.open(fx, h, loadTemplates());
      detectedRole = s.detected.role;
      detectedAnswers = s.detected.answers;
      return s;
    }));
  const { runWizard } = await import('../../ui/render.js');
  // The plan applied and the host it was applied to (after an install, the host with Postfix).
  let applied: { plan: Plan; host: HostFacts } | null = null;
  // The last plan shown: the one confirmed when the wizard ends with 0.
  const shown: { last: { plan: Plan; host: HostFacts } | null } = { last: null };
  const code = await runWizard(
    {
      loadHost: host,
      detect: async () => {
        const s = await session();
        // The header says what the machine has; the answers given on the command line only pre-fill.
        return {
          ...s.detected,
          prefill,
          summary: await hostSummary(fx, s.host, s.detected, s.files),
          ...(fx.live ? {} : { sandbox: ctx.root }),
        };
      },
      roles: () => roleInfos(),
      questions: (role, host, answers) =>
        questionsFor(role, host, detectedAnswers, detectedRole, givenAnswersOf(answers, detectedAnswers)),
      plan: async (answers) => {
        const s = await session();
        const p = s.plan(answers);
        // DNS is asked only on the live system; a --root sandbox never reaches out.
        if (fx.live) p.findings.push(...mxFindings(p.answers, await mxHostsOf(fx, mxDomains(p.answers))));
        shown.last = { plan: p, host: s.host };
        return p;
      },
      apply: async (p, h, onEvent) => {
        let target;
        try {
          target = await installIfMissing(fx, h, p, onEvent);
        } catch (e) {
          if (isMailsetupError(e)) return notApplied(e.message);
          throw e;
        }
        const stop = await preflight(target.plan, fx, onEvent);
        if (stop) return notApplied(`nothing applied: ${stop.message}`);
        const result = await apply(target.plan, fx, target.host, { onEvent });
        if (result.ok && result.changed) {
          await afterApply(fx, target.host, onEvent);
          applied = { plan: target.plan, host: target.host };
        }
        return result;
      },
    },
    { color: opts.color, root: ctx.root === '/' ? undefined : ctx.root },
  );
  if (code === 0 && applied !== null) {
    // What the role needs outside this host, how to send a test message, where the log is.
    const done: { plan: Plan; host: HostFacts } = applied;
    await printNextSteps(ctx, done.plan, done.host);
    await offerVerify(ctx, done.host);
  }
  if (code === 0 && shown.last !== null) await offerSave(ctx, shown.last.plan, shown.last.host);
  return code as ExitCode;
}

/** One line typed at a prompt after the wizard's screens; null for Ctrl-C or Ctrl-D. */
async function ask(question: string): Promise<string | null> {
  const { createInterface } = await import('node:readline/promises');
  // Ink leaves stdin unref'd when it unmounts: without ref() Node would exit while we wait.
  process.stdin.ref();
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } catch {
    return null;
  } finally {
    rl.close();
  }
}

/**
 * After the wizard: write the answers for another host, to --save-answers FILE when given, else
 * when the user names a file at the offer (Enter, Ctrl-C or Ctrl-D: no). A file that cannot be
 * written is said, and asked again; the exit code stays the wizard's.
 */
async function offerSave(ctx: CommandContext, plan: Plan, host: HostFacts): Promise<void> {
  let path = ctx.opts.saveAnswers;
  for (;;) {
    path ??= (await ask('Save these answers to reuse on another host? File name (Enter: no): ')) ?? '';
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
 * the exit code stays the apply's).
 */
async function offerVerify(ctx: CommandContext, host: HostFacts): Promise<void> {
  const answer = (
    await ask(`Check it now with mailsetup --verify${ctx.root === '/' ? '' : ` --root ${ctx.root}`}? [Y/n] `)
  )?.toLowerCase();
  // Ctrl-C or Ctrl-D at the prompt (null): no check wanted; the apply's exit code stands.
  if (answer === undefined || (answer !== '' && answer !== 'y' && answer !== 'yes')) return;
  const { verify } = await import('../verify/index.js');
  await verify(ctx.fx, host, { color: ctx.opts.color });
}
