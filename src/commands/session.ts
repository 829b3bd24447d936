/**
 * One run's wiring between the pure core (roles, plan, detect) and the machine (Effects): read
 * the files the planner needs, detect the current role, take the answers given (answers file,
 * --role), resolve and plan. Every mode that plans goes through here.
 */
import type { Answers, RoleId } from '../model/answers.js';
import type { Effects } from '../model/effects.js';
import { UsageError } from '../model/errors.js';
import type { HostFacts } from '../model/host.js';
import type { CliOptions } from '../model/options.js';
import type { Detection, Plan } from '../model/plan.js';
import { detect } from '../plan/detect.js';
import { resolveForPlan } from '../plan/lint/index.js';
import { plan, PLAN_PATHS, SECRET_PLACEHOLDER, type HandEdits, type Templates } from '../plan/plan.js';
import { LookupTable } from '../postfix/lookupTable.js';
import { SASL_PASSWD_MAP } from '../model/paths.js';
import { AnswersError, parseAnswersYaml } from '../roles/answers.js';
import { isRoleId, ROLE_IDS } from '../roles/index.js';
import { AnswersInvalid } from '../roles/resolve.js';

export type Files = Record<string, string | null>;

/** Read every file the planner looks at. */
export async function readPlanFiles(fx: Effects): Promise<Files> {
  const entries = await Promise.all(PLAN_PATHS.map(async (p) => [p, await fx.readFile(p)] as const));
  return Object.fromEntries(entries);
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

/**
 * The answers given on the command line: the answers file (`-`: standard input) with its
 * password file read, and --role.
 */
export async function givenAnswers(fx: Effects, opts: CliOptions): Promise<Partial<Answers>> {
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
  if (opts.role !== undefined) {
    if (!isRoleId(opts.role)) throw new UsageError(`--role: "${opts.role}" is not a role (${ROLE_IDS.join(', ')})`);
    given.role = opts.role;
  }
  return given;
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
  ) {
    this.detected = detect(files);
  }

  static async open(fx: Effects, host: HostFacts, templates: Templates): Promise<Session> {
    return new Session(fx, host, await readPlanFiles(fx), templates);
  }

  /** Resolve (defaults + validation; throws AnswersInvalid) and plan. */
  plan(given: Partial<Answers> & { role: RoleId }, handEdits?: HandEdits): Plan {
    const answers = resolveForPlan(given, this.host, this.detected.answers, this.detected.role);
    // A state file records "(secret)" where the password was: it stands for the login already in
    // sasl_passwd, and means nothing on a host (or sandbox) that has none for this relay host.
    if (answers.smtp_sasl?.password === SECRET_PLACEHOLDER && !this.hasStoredLogin(answers.relayhost)) {
      throw new AnswersInvalid([
        {
          key: 'smtp_sasl',
          message:
            `no password for ${answers.relayhost} here: a state file never holds one ("${SECRET_PLACEHOLDER}"); ` +
            'give smtp_sasl.password_file, or type it in the wizard',
        },
      ]);
    }
    return plan({ answers, host: this.host, files: this.files, templates: this.templates, handEdits });
  }

  /** Whether sasl_passwd already holds a login for this relay host. */
  private hasStoredLogin(relayhost: string): boolean {
    const text = this.files[SASL_PASSWD_MAP];
    if (!text) return false;
    try {
      return LookupTable.parse(text).get(relayhost) !== undefined;
    } catch {
      return false;
    }
  }

  /** plan(), with invalid answers turned into the UsageError that ends the run. */
  planOrExit(given: Partial<Answers> & { role: RoleId }): Plan {
    try {
      return this.plan(given);
    } catch (e) {
      if (e instanceof AnswersInvalid) throw invalidAnswers(e);
      throw e;
    }
  }
}
