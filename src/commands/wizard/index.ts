/**
 * The wizard. What the files say (the state file, main.cf: local and fast) is read before the
 * first frame, so the role list opens on the current role and never moves under the user; the
 * host probes and the slow network probes run behind the first frame and arrive as they finish.
 * From the start the terminal is in raw mode: a key typed while the wizard loads is neither
 * echoed over the first frame nor lost. Postfix, when missing, is installed as the first step of
 * the confirmed apply. A failed apply returns to the preview (the files are read again); after a
 * successful one it offers to run --verify.
 */
import type { Answers } from '../../model/answers.js';
import { isMailsetupError, type ExitCode } from '../../model/errors.js';
import type { ApplyResult, StepEvent } from '../../model/events.js';
import type { HostFacts } from '../../model/host.js';
import type { Detection, Plan } from '../../model/plan.js';
import { detect } from '../../plan/detect.js';
import { handEditChoices } from '../../plan/handEdits.js';
import { mxDomains, mxFindings } from '../../plan/mx.js';
import { roleInfos, roleModule } from '../../roles/index.js';
import { questionsFor } from '../../roles/questions.js';
import { unusedAnswers } from '../../roles/usage.js';
import { apply, findUnfinished } from '../../system/apply.js';
import { mxHostsOf } from '../../system/dns.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { loadTemplates } from '../../system/templates.js';
import type { CommandContext } from '../context.js';
import { recoverIfNeeded } from '../recover.js';
import {
  ignoredAnswer,
  readGiven,
  readPlanFiles,
  readPlanMeta,
  Session,
  settleUnused,
  type Files,
} from '../session.js';
import { afterApply, installIfMissing, preflight, probeLines, replanAfterStale, type Replan } from '../steps.js';

/** An apply that stopped before writing anything, as the wizard shows it. */
function notApplied(error: string): ApplyResult {
  return { ok: false, changed: false, rolledBack: false, error, warnings: [], events: [] };
}

/** What the files say; a file that cannot be read as expected is named, not fatal. */
function detectFiles(files: Files): Detection {
  try {
    return detect(files);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      role: null,
      answers: {},
      source: 'none',
      summary: [`Could not read the current configuration: ${message}`],
    };
  }
}

/** Raw mode on stdin from now until the wizard ends (when stdin is a terminal). */
function rawInput(): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => undefined;
  stdin.setRawMode(true);
  return () => {
    if (stdin.isTTY) stdin.setRawMode(false);
  };
}

export async function wizard(ctx: CommandContext): Promise<ExitCode> {
  const { fx, opts } = ctx;
  // The Ink UI chunk (the largest module graph) loads while the answers file is read.
  const ui = import('../../ui/render.js');
  ui.catch(() => undefined); // an error surfaces where it is awaited below
  const given = await readGiven(fx, opts);
  // Answers the file's own role does not use stop the run before the wizard starts (exit 2).
  if (given.answers.role !== undefined) settleUnused(given, given.answers.role);
  const prefill = given.answers;
  const restore = rawInput();
  let code: number;
  let applied: HostFacts | null = null;
  try {
    // Host probes start now; the first frame does not wait for them.
    let hostP: Promise<HostFacts> | null = null;
    const host = (): Promise<HostFacts> => (hostP ??= readHostFacts(fx));
    // An apply killed half way is rolled back before anything else (it reports on stderr, before the first frame).
    if ((await findUnfinished(fx)) !== null) await recoverIfNeeded(ctx, await host());
    let files = await readPlanFiles(fx);
    const detected = detectFiles(files);
    const { role: suggested, ...preset } = prefill;
    const templates = loadTemplates();
    let sessionP: Promise<Session> | null = null;
    const session = (): Promise<Session> =>
      (sessionP ??= host().then(async (h) => new Session(fx, h, files, templates, await readPlanMeta(fx))));
    /** The answers each plan was made from, to plan them again (after an install, or a change on disk). */
    const askedFor = new WeakMap<Plan, Answers>();
    const planAsked = (s: Session, asked: Answers): Plan => {
      // The answers file's answers the role applies without asking (a null client's mynetworks).
      const answers: Answers = { ...asked };
      for (const key of roleModule(asked.role).alsoApplies ?? [])
        if (prefill[key] !== undefined && answers[key] === undefined)
          (answers as unknown as Record<string, unknown>)[key] = prefill[key];
      // A question that offered a hand edit and got mailsetup's value back takes that value.
      const p = s.plan(answers, handEditChoices(answers, s.detected.handEdits ?? []));
      // The answers file's answers that the role chosen here does not use: left out, each said.
      for (const key of unusedAnswers(prefill, answers.role))
        p.findings.push(ignoredAnswer(key, answers.role, given.fileRole));
      askedFor.set(p, asked);
      return p;
    };
    const { runWizard } = await ui;
    code = await runWizard(
      {
        detection: () => ({ role: detected.role, answers: detected.answers, summary: detected.summary, suggested }),
        loadHost: host,
        probe: (h) => probeLines(fx, h, detected, files),
        roles: () => roleInfos(),
        questions: (role, h, changed) =>
          questionsFor(role, h, detected.answers, detected.role, changed, preset, detected.handEdits ?? []),
        plan: async (asked) => {
          const s = await session();
          const p = planAsked(s, asked);
          p.findings.push(...(await s.queueFindings(p)));
          // DNS is asked only on the live system; a --root sandbox never reaches out.
          if (fx.live) p.findings.push(...mxFindings(p.answers, await mxHostsOf(fx, mxDomains(p.answers))));
          return p;
        },
        apply: async (p, h, onEvent) => {
          const asked = askedFor.get(p) ?? (p.answers as Answers);
          const replan: Replan = (s) => planAsked(s, asked);
          let result: ApplyResult | Replanned;
          try {
            result = await applyPlan(ctx, p, h, onEvent, replan);
          } finally {
            // Whatever happened, the next plan starts from the files as they are now.
            files = await readPlanFiles(fx);
            sessionP = null;
          }
          if (!('replanned' in result) && result.ok && result.changed) applied = h;
          return result;
        },
      },
      { color: opts.color, unicode: opts.unicode, root: ctx.root === '/' ? undefined : ctx.root },
    );
  } finally {
    restore();
  }
  if (code === 0 && applied !== null) await offerVerify(ctx, applied);
  return code as ExitCode;
}

/** A plan made again (after an install, or files changed on disk) that the wizard shows before applying. */
interface Replanned {
  replanned: Plan;
  host: HostFacts;
}

/**
 * Install Postfix when missing, the checks before the apply, the apply, and the steps after it.
 * When the install changed the plan, or files changed since the preview, nothing is written: the
 * plan made again goes back to the preview.
 */
async function applyPlan(
  ctx: CommandContext,
  p: Plan,
  h: HostFacts,
  onEvent: (e: StepEvent) => void,
  replan: Replan,
): Promise<ApplyResult | Replanned> {
  const { fx } = ctx;
  let target;
  try {
    target = await installIfMissing(fx, h, p, onEvent, replan);
  } catch (e) {
    if (isMailsetupError(e)) return notApplied(e.message);
    throw e;
  }
  // Postfix was installed and its files changed the plan: show the new one first.
  if (target.changed) return { replanned: target.plan, host: target.host };
  const stop = await preflight(target.plan, fx, onEvent);
  if (stop) return notApplied(`nothing applied: ${stop.message}`);
  const result = await apply(target.plan, fx, target.host, { onEvent });
  // Files changed since the preview: never written over; the plan made again is shown.
  if (result.stale) {
    return { replanned: await replanAfterStale(fx, target.host, result.stale, replan), host: target.host };
  }
  if (result.ok && result.changed) await afterApply(fx, target.host, onEvent);
  return result;
}

/**
 * After a wizard apply: offer to check the result at once with --verify (its outcome is shown;
 * the exit code stays the apply's). Ctrl-C or Ctrl-D at the prompt means no: nothing more is
 * printed than a line end.
 */
async function offerVerify(ctx: CommandContext, host: HostFacts): Promise<void> {
  const { createInterface } = await import('node:readline');
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
    rl.question(`Check it now with mailsetup --verify${ctx.root === '/' ? '' : ` --root ${ctx.root}`}? [Y/n] `, (a) =>
      finish(a),
    );
  });
  rl.close();
  process.stdin.unref();
  if (answer === null) {
    ctx.io.out('\n');
    return;
  }
  const a = answer.trim().toLowerCase();
  if (a !== '' && a !== 'y' && a !== 'yes') return;
  const { verify } = await import('../verify/index.js');
  await verify(ctx.fx, host, { color: ctx.opts.color, write: ctx.io.out });
}
