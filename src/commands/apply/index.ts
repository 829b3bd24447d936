/**
 * The non-interactive mode: answers from a file (--answers) and/or --role, the plan printed as
 * plain text, and with --yes applied; with --dry-run nothing is written (--check: exit 1 when
 * something would change). Errors in the answers and unoverridden linter errors exit 2.
 */
import { MailsetupError, UsageError, type ExitCode } from '../../model/errors.js';
import type { HostFacts } from '../../model/host.js';
import type { QueuedMessage } from '../../model/queue.js';
import { isEmptyPlan, type Plan } from '../../model/plan.js';
import { printNextSteps } from '../nextSteps.js';
import { renderPlanText } from '../../output/preview.js';
import { isRoleId, roleIdList } from '../../roles/index.js';
import { apply, startLiveCheck, startSandboxCheck, type LiveCheck, type SandboxCheck } from '../../system/apply.js';
import { checkCommandPaths } from '../../system/services.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { loadTemplates } from '../../system/templates.js';
import { eventPrinter, type CommandContext } from '../context.js';
import { appliesAtOnce } from '../mode.js';
import { recoverIfNeeded } from '../recover.js';
import { guarded, signalExitCode } from '../signals.js';
import { reportApply } from '../report.js';
import { saveAnswers } from '../saveAnswers.js';
import { readGiven, Session, settleUnused } from '../session.js';
import { afterApply, installIfMissing, preflight, replanAfterStale, type Replan } from '../steps.js';

/**
 * `hostFacts`: the host's facts when the caller started gathering them already; `queue`: the
 * live queue likewise (postqueue -j).
 */
export async function applyAnswers(
  ctx: CommandContext,
  hostFacts?: Promise<HostFacts>,
  queue?: Promise<QueuedMessage[] | null>,
): Promise<ExitCode> {
  const { fx, opts, io } = ctx;
  // What needs no host facts is read while they are gathered (their commands run meanwhile): the
  // package's templates, the files to plan against (read again after a recovery) and the answers.
  // Each is awaited where it was always read, so errors and warnings come in the same order.
  const templates = loadTemplates(fx);
  const read = Session.read(fx);
  const warnings: string[] = [];
  const answers = readGiven(fx, opts, (w) => warnings.push(w));
  for (const p of [templates, read, answers]) p.catch(() => undefined);
  const host: HostFacts = await (hostFacts ?? readHostFacts(fx));
  const recovered = await recoverIfNeeded(ctx, host);
  const { files, meta } = recovered ? await Session.read(fx) : await read;
  // A recovery changed the files and perhaps the queue: then the session reads it again.
  const session = new Session(fx, host, files, await templates, meta, {
    freshStart: opts.freshStart,
    ...(queue && !recovered ? { queue } : {}),
    // An apply (--yes) reads it once its check runs (below); the preview waits for it there.
    queueWhenAsked: appliesAtOnce(opts),
  });
  if (session.discardedState !== null) {
    io.err(
      `mailsetup: --fresh-start: ${session.discardedState}; it is set aside (the apply's backup keeps it) ` +
        'and mailsetup starts afresh\n',
    );
  }
  const raw = await answers;
  for (const w of warnings) io.err(`mailsetup: warning: ${w}\n`);
  const role = raw.answers.role ?? (isRoleId(session.detected.role) ? session.detected.role : undefined);
  if (!role) throw new UsageError(`role: required (give role: in the answers file or --role): ${roleIdList()}`);
  ctx.json?.role(session.detected.role, role);
  const { answers: given, findings: ignored } = settleUnused(raw, role);
  // The one way these answers are planned: first, after an install, after files changed on disk.
  const replan: Replan = async (s) => {
    const p = await s.planOrExit({ ...given, role });
    p.findings.push(...ignored);
    return p;
  };
  // With --yes, the check of the planned configuration starts first, on the plan's files and
  // commands alone (Session.draft: no certificate inspected, no fact gathered, no linter run),
  // while the rest of the plan is made, the plan is shown and the checks before the apply run:
  // under --root on a private copy, live on the stage under the lock (it changes nothing either
  // way). apply() takes it over when the plan's files and commands are these; any other way out
  // (an error in the findings, a failed check before the apply, a changed plan) ends it.
  const draft = appliesAtOnce(opts) ? session.draftOrExit({ ...given, role }) : undefined;
  let sandboxCheck: SandboxCheck | undefined;
  let liveCheck: LiveCheck | undefined;
  try {
    if (draft !== undefined && !isEmptyPlan(draft)) {
      // Under --root, the paths the commands would be given are checked before any command runs
      // or anything is shown as doable: a link out of the sandbox stops the run here (exit 2).
      await checkCommandPaths(fx, draft.actions);
      sandboxCheck = await startSandboxCheck(draft, fx, host);
      liveCheck = await startLiveCheck(draft, fx, host);
    }
    // The session gathers what the answers refer to and asks DNS on the live system only.
    const p = await replan(session);
    await checkCommandPaths(fx, p.actions);
    // Live with --yes the queue is read only now (postqueue -j, and the showq it starts), beside
    // the check rather than before the plan, where it took the CPU the plan needed.
    p.findings.push(...(await session.queueFindings(p)));
    ctx.json?.plan(p);
    io.out(renderPlanText(p, { color: opts.color, current: session.detected.role }));
    refuseErrors(ctx, p);
    if (opts.saveAnswers !== undefined)
      for (const line of await saveAnswers(ctx, p.answers, host, opts.saveAnswers)) io.out(`${line}\n`);
    if (opts.dryRun) {
      ctx.json?.changed(!isEmptyPlan(p));
      if (!isEmptyPlan(p)) await printNextSteps(ctx, p, host);
      return opts.check && !isEmptyPlan(p) ? 1 : 0;
    }
    if (!opts.yes) throw new UsageError('nothing applied: pass --yes to apply these answers without questions');

    const onEvent = eventPrinter(ctx);
    // Install only now that the answers are valid; then plan again against what the package wrote
    // (--yes: the new plan is shown and applied).
    const target = await installIfMissing(fx, host, p, onEvent, replan, { freshStart: opts.freshStart });
    if (target.host !== host) ctx.json?.changed(true); // Postfix was installed
    if (target.plan !== p) ctx.json?.plan(target.plan);
    if (target.changed) {
      io.out(renderPlanText(target.plan, { color: opts.color }));
      refuseErrors(ctx, target.plan);
    }
    let plan = target.plan;
    if (isEmptyPlan(plan)) {
      io.out('Nothing to do: the configuration is already as asked.\n');
      return 0;
    }
    let applyHost = target.host;
    // What must be true before anything is written (TLS files, packages, the smart-host login).
    const checkBefore = async (p: Plan) => {
      const stop = await preflight(p, fx, onEvent, applyHost);
      if (stop) {
        throw new MailsetupError(
          `nothing applied: ${stop.message}`,
          2,
          (stop.login?.transcript ?? []).map((l) => `  ${l}`),
        );
      }
    };
    await checkBefore(plan);
    const run = (plan: Plan) => {
      // The check started above is apply()'s from now on (taken over, or ended when the plan changed).
      const given = sandboxCheck;
      const givenLive = liveCheck;
      sandboxCheck = undefined;
      liveCheck = undefined;
      return guarded(io, (abort) =>
        apply(plan, fx, applyHost, {
          onEvent,
          signal: abort,
          ...(given ? { sandboxCheck: given } : {}),
          ...(givenLive ? { liveCheck: givenLive } : {}),
        }),
      );
    };
    let { value: result, signal } = await run(plan);
    if (result.stale && signal === null) {
      // Someone changed a file since the plan was made: plan again against it, show it, and apply
      // that (--yes) after the same checks as the first; never write over the change. A second
      // change in between ends the run.
      ({ plan, host: applyHost } = await replanAfterStale(fx, result.stale, replan, { freshStart: opts.freshStart }));
      ctx.json?.plan(plan);
      io.out(renderPlanText(plan, { color: opts.color }));
      refuseErrors(ctx, plan);
      if (isEmptyPlan(plan)) {
        io.out('Nothing to do: the configuration is already as asked.\n');
        return 0;
      }
      await checkBefore(plan);
      ({ value: result, signal } = await run(plan));
    }
    ctx.json?.result(result);
    if (result.ok && result.changed) await afterApply(fx, applyHost, onEvent);
    const code = reportApply(ctx, result);
    if (signal !== null && !result.ok) return signalExitCode(signal) as ExitCode;
    if (result.ok && result.changed) await printNextSteps(ctx, plan, target.host);
    return code;
  } finally {
    await sandboxCheck?.discard();
    await liveCheck?.discard();
  }
}

/** Unoverridden linter errors end the run (exit 2) before anything is written. */
function refuseErrors(ctx: CommandContext, p: Plan): void {
  const blocking = p.findings.filter((f) => f.level === 'error');
  if (blocking.length === 0) return;
  const ids = blocking.map((f) => f.override).filter((x): x is string => !!x);
  // The text mode has just printed the findings; the JSON document's error names them.
  throw new MailsetupError(
    `refusing to apply: ${blocking.length} error${blocking.length > 1 ? 's' : ''}${ctx.json ? '' : ' above'}` +
      (ids.length ? ` (override knowingly with "overrides: [${ids.join(', ')}]" in the answers file)` : ''),
    2,
    ctx.json ? blocking.map((f) => `${f.id}: ${f.message}`) : [],
  );
}
