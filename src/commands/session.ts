/**
 * One run's wiring between the pure core (roles, plan, detect) and the machine (Effects): read
 * the files the planner needs, detect the current role, take the answers given (answers file,
 * --role), resolve and plan. Every mode that plans goes through here.
 */
import type { AnswerKey, Answers, RoleId } from '../model/answers.js';
import type { Effects, FileMeta } from '../model/effects.js';
import { UsageError } from '../model/errors.js';
import type { HostFacts } from '../model/host.js';
import type { CliOptions } from '../model/options.js';
import type { Detection, Finding, Plan } from '../model/plan.js';
import { detect } from '../plan/detect.js';
import { queuedMailFindings } from '../plan/queue.js';
import { factsNeeded } from '../plan/facts.js';
import { mxDomains, mxFindings } from '../plan/mx.js';
import { gatherFacts } from '../system/facts.js';
import { mxHostsOf } from '../system/dns.js';
import { resolveForPlan } from '../plan/lint/index.js';
import { plan, PLAN_PATHS, type PlanInput, type Templates } from '../plan/plan.js';
import { AnswersError, parseAnswersYaml } from '../roles/answers.js';
import { isRoleId, ROLE_IDS } from '../roles/index.js';
import { AnswersInvalid } from '../roles/resolve.js';
import { unusedAnswers, unusedReason, usedAnswersOnly } from '../roles/usage.js';
import { readQueue } from '../system/queue.js';
import { MAIN_CF } from '../model/paths.js';
import type { QueuedMessage } from '../model/queue.js';

export type Files = Record<string, string | null>;

/** Read every file the planner looks at. */
export async function readPlanFiles(fx: Effects): Promise<Files> {
  const entries = await Promise.all(PLAN_PATHS.map(async (p) => [p, await fx.readFile(p)] as const));
  return Object.fromEntries(entries);
}

/** Mode and owner of each existing file the planner looks at (the modes Postfix expects are planned). */
export async function readPlanMeta(fx: Effects): Promise<Record<string, FileMeta>> {
  const out: Record<string, FileMeta> = {};
  for (const p of PLAN_PATHS) {
    const m = await fx.stat(p);
    if (m !== null) out[p] = m;
  }
  return out;
}

/** Put the password of `smtp_sasl.password_file` into the answers (the file is read here, not by the planner). */
export async function loadSecrets(fx: Effects, answers: Partial<Answers>): Promise<Partial<Answers>> {
  const s = answers.smtp_sasl;
  if (!s?.password_file) return answers;
  let text: string;
  try {
    text = await fx.readUserFile(s.password_file);
  } catch (err) {
    throw new UsageError(`smtp_sasl.password_file: cannot read ${s.password_file}: ${(err as Error).message}`);
  }
  const password = text.split('\n')[0].replace(/\r$/, '');
  if (password === '') throw new UsageError(`smtp_sasl.password_file: ${s.password_file} is empty`);
  return { ...answers, smtp_sasl: { ...s, password } };
}

/** `--answers -`: standard input holds at most this much (an answers file is a few hundred bytes). */
export const MAX_ANSWERS_BYTES = 1024 * 1024;

/** The answers given on the command line, and the role the answers file itself names (if any). */
export interface Given {
  answers: Partial<Answers>;
  /** The answers file's own `role:` (before --role). */
  fileRole?: RoleId;
}

/**
 * The answers given on the command line: the answers file (`-`: standard input) with its
 * password file read, and --role.
 */
export async function readGiven(fx: Effects, opts: CliOptions): Promise<Given> {
  let given: Partial<Answers> = {};
  if (opts.answers !== undefined) {
    let text: string;
    try {
      text = opts.answers === '-' ? await fx.readStdin(MAX_ANSWERS_BYTES) : await fx.readUserFile(opts.answers);
    } catch (e) {
      const from = opts.answers === '-' ? 'the answers from standard input' : `answers file ${opts.answers}`;
      throw new UsageError(`cannot read ${from}: ${(e as Error).message}`);
    }
    try {
      given = await loadSecrets(fx, parseAnswersYaml(text, false));
    } catch (e) {
      if (e instanceof AnswersError) throw new UsageError(e.message);
      throw e;
    }
  }
  const fileRole = given.role;
  if (opts.role !== undefined) {
    if (!isRoleId(opts.role)) throw new UsageError(`--role: "${opts.role}" is not a role (${ROLE_IDS.join(', ')})`);
    given.role = opts.role;
  }
  return fileRole === undefined ? { answers: given } : { answers: given, fileRole };
}

/** The answers given on the command line (see readGiven). */
export async function givenAnswers(fx: Effects, opts: CliOptions): Promise<Partial<Answers>> {
  return (await readGiven(fx, opts)).answers;
}

/**
 * Answers the role does not use. When --role overrides the answers file's role, each is left out
 * with a warning finding that names it (and so is never recorded); otherwise the answers file was
 * written for this role and giving them is an error (exit 2) that names each key and the role.
 */
export function settleUnused(given: Given, role: RoleId): { answers: Partial<Answers>; findings: Finding[] } {
  const unused = unusedAnswers(given.answers, role);
  if (unused.length === 0) return { answers: given.answers, findings: [] };
  if (given.fileRole !== undefined && given.fileRole !== role) {
    return {
      answers: usedAnswersOnly(given.answers, role),
      findings: unused.map((key) => ignoredAnswer(key, role, given.fileRole as RoleId)),
    };
  }
  throw new UsageError(
    `the answers give ${unused.length === 1 ? 'an answer' : `${unused.length} answers`} the ${role} role does not use; nothing was written:`,
    unused.map((key) => `  ${key}: ${unusedReason(key, role)}`),
  );
}

/** The warning for an answer left out because the role chosen (--role, or in the wizard) does not use it. */
export function ignoredAnswer(key: AnswerKey, role: RoleId, fileRole?: RoleId): Finding {
  return {
    id: 'answer-ignored',
    level: 'warning',
    message:
      `${key}: ignored and not recorded: ${unusedReason(key, role)}` +
      (fileRole === undefined ? '' : ` (the answers file was written for ${fileRole})`),
  };
}

/** Invalid answers as the error that stops the run (exit 2), one line per problem. */
export function invalidAnswers(e: AnswersInvalid): UsageError {
  return new UsageError(
    'invalid answers:',
    e.problems.map((p) => `  ${p.key}: ${p.message}`),
  );
}

export class Session {
  readonly detected: Detection;

  constructor(
    readonly fx: Effects,
    readonly host: HostFacts,
    readonly files: Files,
    readonly templates: Templates,
    readonly meta: Readonly<Record<string, FileMeta>> = {},
  ) {
    this.detected = detect(files);
  }

  static async open(fx: Effects, host: HostFacts, templates: Templates): Promise<Session> {
    const [files, meta] = await Promise.all([readPlanFiles(fx), readPlanMeta(fx)]);
    return new Session(fx, host, files, templates, meta);
  }

  /**
   * Resolve (defaults + validation; throws AnswersInvalid), look up what the answers refer to
   * (tables, users, names; src/system/facts.ts) and plan; on the live system add what DNS says
   * of the MX records.
   */
  async plan(given: Partial<Answers> & { role: RoleId }, handEdits?: PlanInput['handEdits']): Promise<Plan> {
    const answers = resolveForPlan(given, this.host, this.detected.answers, this.detected.role);
    const facts = await gatherFacts(this.fx, factsNeeded(answers, this.host));
    const p = plan({
      answers,
      host: this.host,
      files: this.files,
      meta: this.meta,
      templates: this.templates,
      handEdits,
      facts,
    });
    // DNS is asked only on the live system; a --root sandbox never reaches out.
    if (this.fx.live) p.findings.push(...mxFindings(p.answers, await mxHostsOf(this.fx, mxDomains(p.answers))));
    return { ...p, previousRole: this.detected.role };
  }

  private queue: Promise<QueuedMessage[] | null> | null = null;

  /**
   * Queued mail for domains the plan stops delivering or relaying here (`postqueue -j`, read once
   * per session): one warning per domain, with the count.
   */
  async queueFindings(p: Plan): Promise<Finding[]> {
    const after = p.files.find((f) => f.path === MAIN_CF);
    if (after === undefined || after.before === after.after) return [];
    const queue = await (this.queue ??= readQueue(this.fx).catch(() => null));
    if (queue === null || queue.length === 0) return [];
    const what = p.previousRole !== p.role ? `the change to ${p.role}` : 'this change';
    return queuedMailFindings(queue, after.before, after.after, this.host.fqdn, what);
  }

  /** plan(), with invalid answers turned into the UsageError that ends the run. */
  async planOrExit(given: Partial<Answers> & { role: RoleId }): Promise<Plan> {
    try {
      return await this.plan(given);
    } catch (e) {
      if (e instanceof AnswersInvalid) throw invalidAnswers(e);
      throw e;
    }
  }
}
