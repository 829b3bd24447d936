/**
 * The wizard. What the files say (the state file, main.cf: local and fast) is read before the
 * first frame, so the role list opens on the current role and never moves under the user; the
 * host probes and the slow network probes run behind the first frame and arrive as they finish.
 * The first frame waits only for the files and their parsers: it is the role screen written as
 * plain text (./firstFrame.ts, the same lines and styles Ink draws), and the Ink UI (React, yoga)
 * loads behind it and replaces it with its own identical frame. The role list is data
 * (roles/infos.ts), a box without main.cf is detected from the files' presence, and the planner,
 * the roles' logic and the apply (./rest.ts) load when the UI asks for the host, right after Ink's
 * first frame (before the first frame when an answers file, --role, a recovery or a main.cf to
 * recognise needs them). From the start the terminal is in raw mode: a key typed while the wizard
 * loads is neither echoed over the first frame nor lost (it waits in the terminal until Ink reads
 * it). Postfix, when missing, is installed as the first step of the confirmed apply. A failed apply
 * returns to the preview (the files are read again). After a successful apply it prints the next
 * steps (what the role needs outside this host, a test message, the log), offers to run --verify,
 * then to save the answers.
 */
import type { Answers } from '../../model/answers.js';
import type { ExitCode } from '../../model/errors.js';
import type { HostFacts } from '../../model/host.js';
import type { Detection as Detected, Plan } from '../../model/plan.js';
import type { Detection } from '../../ui/backend.js';
import { freshDetection } from '../../plan/detectFresh.js';
import { roleInfoList } from '../../roles/infos.js';
import { findUnfinished } from '../../system/apply.js';
import { loadTemplates } from '../../system/templates.js';
import type { CommandContext } from '../context.js';
import { readPlanFiles, type Files } from '../files.js';
import { loadUi } from '../loadUi.js';
import type { Given, Session } from '../session.js';
import type { Replan } from '../steps.js';
import { drawFirstFrame, eraseFirstFrame, rawInput, watchFrame, type ShownFrame } from './firstFrame.js';

/** The modules loaded after the first frame (./rest.ts). */
type Rest = typeof import('./rest.js');

/** What the files say; a file that cannot be read as expected is named, not fatal. */
function detectFiles(files: Files, rest: Rest): Detected {
  try {
    return rest.detect(files);
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

export async function wizard(ctx: CommandContext): Promise<ExitCode> {
  const { fx, opts } = ctx;
  // What the first frame does not need loads once, right after it (or before it, when the
  // answers file, a recovery or an existing main.cf needs it first).
  let restP: Promise<Rest> | null = null;
  let loadedRest: Rest | null = null;
  const later = (): Promise<Rest> =>
    (restP ??= import('./rest.js').then((m) => {
      loadedRest = m;
      return m;
    }));
  let given: Given = { answers: {} };
  if (opts.answers !== undefined || opts.role !== undefined) {
    const rest = await later();
    given = await rest.readGiven(fx, opts, (w) => ctx.io.err(`mailsetup: warning: ${w}\n`));
    // Answers the file's own role does not use stop the run before the wizard starts (exit 2).
    if (given.answers.role !== undefined) rest.settleUnused(given, given.answers.role);
  }
  const prefill = given.answers;
  const restore = rawInput();
  let code: number;
  // The plan applied and the host it was applied to (after an install, the host with Postfix).
  let applied: { plan: Plan; host: HostFacts } | null = null;
  // The last plan shown: the one confirmed when the wizard ends with 0.
  const shown: { last: { plan: Plan; host: HostFacts } | null } = { last: null };
  // The plain first frame: drawn already on a fresh box (commands/index.ts), else below once the files are read.
  let firstFrame: ShownFrame | null = ctx.firstFrame ?? null;
  let inkStarted = false;
  try {
    // Host probes start when the first frame is up (the UI asks for them); the frame does not wait for them.
    let hostP: Promise<HostFacts> | null = null;
    const host = (): Promise<HostFacts> => (hostP ??= later().then((rest) => rest.readHostFacts(fx)));
    // An apply killed half way is rolled back before anything else (it reports on stderr, before the first frame).
    if ((await findUnfinished(fx)) !== null) await (await later()).recoverIfNeeded(ctx, await host());
    let files = await readPlanFiles(fx);
    // A box without main.cf is told from the files' presence; otherwise detect() reads them.
    const detected = freshDetection(files) ?? detectFiles(files, await later());
    const { role: suggested, ...preset } = prefill;
    const detection: Detection = {
      role: detected.role,
      answers: detected.answers,
      summary: detected.summary,
      suggested,
    };
    const roles = roleInfoList();
    const sandbox = ctx.root === '/' ? undefined : ctx.root;
    // The role screen as plain text now (unless it is up already); the Ink UI loads behind it and takes its place.
    if (firstFrame === null) {
      const drawn = drawFirstFrame(process.stdout, roles, detection, {
        color: opts.color,
        unicode: opts.unicode,
        sandbox,
      });
      if (drawn !== null) firstFrame = watchFrame(drawn);
    }
    const ui = loadUi();
    const templates = await loadTemplates(fx);
    let sessionP: Promise<Session> | null = null;
    const session = (): Promise<Session> =>
      (sessionP ??= Promise.all([later(), host()]).then(
        async ([rest, h]) =>
          new rest.Session(fx, h, files, templates, await rest.readPlanMeta(fx), { freshStart: opts.freshStart }),
      ));
    /** The answers each plan was made from, to plan them again (after an install, or a change on disk). */
    const askedFor = new WeakMap<Plan, Answers>();
    const planAsked = async (s: Session, asked: Answers): Promise<Plan> => {
      const rest = await later();
      // The answers file's answers the role applies without asking (a null client's mynetworks).
      const answers: Answers = { ...asked };
      for (const key of rest.roleModule(asked.role).alsoApplies ?? [])
        if (prefill[key] !== undefined && answers[key] === undefined)
          (answers as unknown as Record<string, unknown>)[key] = prefill[key];
      // A question that offered a hand edit and got mailsetup's value back takes that value.
      const p = await s.plan(answers, rest.handEditChoices(answers, s.detected.handEdits ?? []));
      // The answers file's answers that the role chosen here does not use: left out, each said.
      for (const key of rest.unusedAnswers(prefill, answers.role))
        p.findings.push(rest.ignoredAnswer(key, answers.role, given.fileRole));
      askedFor.set(p, asked);
      return p;
    };
    const { runWizard } = await ui;
    // The plain frame, still up (nothing written since), for Ink's first write to replace.
    const plainFrame = firstFrame?.take() ?? null;
    inkStarted = true;
    code = await runWizard(
      {
        detection: () => detection,
        loadHost: host,
        probe: async (h) => (await later()).probeLines(fx, h, detected, files),
        roles: () => roles,
        questions: (role, h, given) => {
          // Asked for once the host is known, which waits for ./rest.ts: it is loaded by now.
          if (loadedRest === null) throw new Error('the questions were asked for before the host was probed');
          const qs = loadedRest.questionsFor(
            role,
            h,
            detected.answers,
            detected.role,
            given,
            preset,
            detected.handEdits ?? [],
          );
          // --all-questions: every question in turn, none left to the review alone.
          return opts.allQuestions ? qs.map((q) => ({ ...q, advanced: false })) : qs;
        },
        // The session gathers what the answers refer to and asks DNS on the live system only.
        plan: async (asked) => {
          const s = await session();
          const p = await planAsked(s, asked);
          p.findings.push(...(await s.queueFindings(p)));
          shown.last = { plan: p, host: s.host };
          return p;
        },
        apply: async (p, h, onEvent) => {
          const rest = await later();
          const asked = askedFor.get(p) ?? (p.answers as Answers);
          const replan: Replan = (s) => planAsked(s, asked);
          try {
            const result = await rest.applyPlan(ctx, p, h, onEvent, replan, (plan, host) => {
              applied = { plan, host };
            });
            // A plan made again is the one shown next (and the one whose answers may be saved).
            if ('replanned' in result) shown.last = { plan: result.replanned, host: result.host };
            return result;
          } finally {
            // Whatever happened, the next plan starts from the files as they are now.
            files = await readPlanFiles(fx);
            sessionP = null;
          }
        },
      },
      { color: opts.color, unicode: opts.unicode, root: sandbox, plainFrame },
    );
  } catch (e) {
    // Stopped before Ink drew anything (a file that cannot be read): the plain frame goes, the error shows alone.
    const left = inkStarted ? null : (firstFrame?.take() ?? null);
    if (left !== null) eraseFirstFrame(process.stdout, left);
    throw e;
  } finally {
    restore();
  }
  // Ctrl-C or Ctrl-D at a prompt after the wizard: no more questions (a --save-answers FILE asked
  // for on the command line is still written: that needs no answer).
  let interrupted = false;
  if (code === 0 && applied !== null) {
    // What the role needs outside this host, how to send a test message, where the log is.
    const done: { plan: Plan; host: HostFacts } = applied;
    const rest = await later();
    await rest.printNextSteps(ctx, done.plan, done.host);
    interrupted = await rest.offerVerify(ctx, done.host);
  }
  if (code === 0 && shown.last !== null && (!interrupted || opts.saveAnswers !== undefined))
    await (await later()).offerSave(ctx, shown.last.plan, shown.last.host);
  return code as ExitCode;
}
