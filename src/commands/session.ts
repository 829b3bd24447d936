/**
 * One run's wiring between the pure core (roles, plan, detect) and the machine (Effects): read
 * the files the planner needs, detect the current role, take the answers given (answers file,
 * --role), resolve and plan. Every mode that plans goes through here. Every input problem (a
 * file Postfix would misread, a state file that does not validate, an unusable answers or
 * password file) ends here as a UsageError naming the file: exit 2, no stack trace.
 */
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import type { AnswerKey, Answers, RoleId } from '../model/answers.js';
import type { Effects, FileMeta } from '../model/effects.js';
import { isMailsetupError, UsageError } from '../model/errors.js';
import type { HostFacts } from '../model/host.js';
import type { CliOptions } from '../model/options.js';
import { MAIN_CF, STATE_PATH } from '../model/paths.js';
import type { Detection, Finding, Plan, PlannedFiles } from '../model/plan.js';
import { certFilesKey, type CertificateCheck } from '../model/tls.js';
import { quoteValue } from '../model/text.js';
import { MainCf } from '../postfix/mainCf.js';
import { detect } from '../plan/detect.js';
import { dropsDomains, queuedMailFindings } from '../plan/queue.js';
import { factsNeeded } from '../plan/facts.js';
import { mxDomains, mxFindings } from '../plan/mx.js';
import { gatherFacts } from '../system/facts.js';
import { mxHostsOf } from '../system/dns.js';
import { resolveForPlan } from '../plan/lint/index.js';
import { plan, planFiles, type PlanInput, type Templates } from '../plan/plan.js';
import { certificateCandidates } from '../plan/tls.js';
import type { Resolved } from '../roles/role.js';
import { inspectCertificate } from '../system/tls.js';
import { withStoredPassword } from '../plan/secrets.js';
import { parseState, StateError, type State } from '../plan/state.js';
import { AnswersError, parseAnswersYaml } from '../roles/answers.js';
import { isRoleId, ROLE_IDS } from '../roles/index.js';
import { AnswersInvalid } from '../roles/resolve.js';
import { unusedAnswers, unusedReason, usedAnswersOnly } from '../roles/usage.js';
import { readQueue } from '../system/queue.js';
import { directoriesOf } from '../system/sandbox.js';
import type { QueuedMessage } from '../model/queue.js';
import { readPlanFiles, readPlanMeta, type Files } from './files.js';

export { readPlanFiles, readPlanMeta, type Files };

/** The most a password file holds. */
export const MAX_PASSWORD_FILE_BYTES = 4096;

/**
 * Put the password of `smtp_sasl.password_file` into the answers (the file is read here, not by
 * the planner). The file must be a regular file of at most 4 KiB, owned by root or the user
 * running mailsetup, writable by no one else, holding the password alone on one line (so
 * /etc/shadow or a key file is never taken for one); UTF-8 only. A relative path is relative to
 * the answers file. `warn` hears that the file is readable by others.
 */
export async function loadSecrets(
  fx: Effects,
  answers: Partial<Answers>,
  baseDir?: string,
  warn: (message: string) => void = () => undefined,
): Promise<Partial<Answers>> {
  const s = answers.smtp_sasl;
  if (!s?.password_file) return answers;
  const given = s.password_file;
  const path = baseDir && !isAbsolute(given) ? resolvePath(baseDir, given) : given;
  const what = `smtp_sasl.password_file: ${quoteValue(path)}`;
  let text: string;
  try {
    const meta = await fx.userFileMeta(path);
    if (meta === null) throw new Error('ENOENT');
    if (meta.uid !== 0 && meta.uid !== fx.uid) {
      throw new UsageError(`${what} belongs to uid ${meta.uid}: a password file must belong to root (or to you)`);
    }
    if ((meta.mode & 0o022) !== 0) {
      throw new UsageError(`${what} is writable by others (mode ${octal(meta.mode)}): chmod 600 it`);
    }
    text = await fx.readUserFile(path, MAX_PASSWORD_FILE_BYTES);
    if ((meta.mode & 0o044) !== 0) warn(`${path} is readable by others (mode ${octal(meta.mode)}): chmod 600 it`);
  } catch (err) {
    if (isMailsetupError(err)) throw err;
    throw new UsageError(`${what}: cannot read it: ${(err as Error).message}`);
  }
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length > 1) {
    throw new UsageError(`${what} holds ${lines.length} lines; a password file holds the password alone on one line`);
  }
  const password = lines[0];
  if (password === '') throw new UsageError(`${what} is empty`);
  return { ...answers, smtp_sasl: { ...s, password } };
}

/** `--answers -`: standard input holds at most this much (an answers file is a few hundred bytes). */
export const MAX_ANSWERS_BYTES = 1024 * 1024;

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** The answers given on the command line, and the role the answers file itself names (if any). */
export interface Given {
  answers: Partial<Answers>;
  /** The answers file's own `role:` (before --role). */
  fileRole?: RoleId;
}

/**
 * The answers given on the command line: the answers file (`-`: standard input) with its
 * password file read, and --role. `warn` hears what is allowed but unwise (a password file others can read).
 */
export async function readGiven(
  fx: Effects,
  opts: CliOptions,
  warn: (message: string) => void = () => undefined,
): Promise<Given> {
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
      given = await loadSecrets(fx, parseAnswersYaml(text, false), dirname(resolvePath(opts.answers)), warn);
    } catch (e) {
      if (e instanceof AnswersError) throw new UsageError(e.message);
      throw e;
    }
  }
  const fileRole = given.role;
  if (opts.role !== undefined) {
    if (!isRoleId(opts.role))
      throw new UsageError(`--role: ${quoteValue(opts.role)} is not a role (${ROLE_IDS.join(', ')})`);
    given.role = opts.role;
  }
  return fileRole === undefined ? { answers: given } : { answers: given, fileRole };
}

/** The answers given on the command line (see readGiven). */
export async function givenAnswers(
  fx: Effects,
  opts: CliOptions,
  warn: (message: string) => void = () => undefined,
): Promise<Partial<Answers>> {
  return (await readGiven(fx, opts, warn)).answers;
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

/** Options of a session. */
export interface SessionOptions {
  /**
   * The state file does not validate and the user chose a fresh start (--fresh-start): plan as
   * if mailsetup had never run here; the apply replaces the state file, and its backup keeps the
   * invalid one.
   */
  freshStart?: boolean;
  /**
   * The live queue (`postqueue -j`), being read already: src/commands/index.ts starts it beside
   * the host facts, so that the preview need not wait for it after the plan.
   */
  queue?: Promise<QueuedMessage[] | null>;
  /**
   * Read the live queue only when queueFindings asks for it, not from the start of plan() on (an
   * apply that starts its check first: the queue is read beside the check).
   */
  queueWhenAsked?: boolean;
}

export class Session {
  readonly detected: Detection;
  /** The state file, validated; null without one (or on a fresh start). */
  readonly state: State | null;
  /** The state file did not validate and is set aside (a fresh start): what was wrong with it. */
  readonly discardedState: string | null;

  constructor(
    readonly fx: Effects,
    readonly host: HostFacts,
    readonly files: Files,
    readonly templates: Templates,
    readonly meta: Readonly<Record<string, FileMeta>> = {},
    opts: SessionOptions = {},
  ) {
    if (opts.queue) this.queue = opts.queue;
    this.queueWhenAsked = opts.queueWhenAsked === true;
    let state: State | null = null;
    let discarded: string | null = null;
    const text = files[STATE_PATH] ?? null;
    if (text !== null) {
      try {
        state = parseState(text);
      } catch (e) {
        if (!(e instanceof StateError)) throw e;
        if (!opts.freshStart) {
          throw new UsageError(e.message.replace(STATE_PATH, fx.resolve(STATE_PATH)), [
            '  mailsetup trusts nothing in a state file it cannot have written: nothing was changed.',
            '  Restore it from a backup (mailsetup --rollback), or start afresh with --fresh-start: the',
            '  invalid file is kept in the backup of that apply, and mailsetup then owns only what it sets anew.',
          ]);
        }
        discarded = e.message;
      }
    }
    this.state = state;
    this.discardedState = discarded;
    this.detected = detect(discarded === null ? files : { ...files, [STATE_PATH]: null }, state ?? undefined);
  }

  static async open(fx: Effects, host: HostFacts, templates: Templates, opts: SessionOptions = {}): Promise<Session> {
    const { files, meta } = await Session.read(fx);
    return new Session(fx, host, files, templates, meta, opts);
  }

  /** The files a session plans against, with their owners and modes (Session.open reads them). */
  static async read(fx: Effects): Promise<{ files: Files; meta: Record<string, FileMeta> }> {
    const [files, meta] = await Promise.all([readPlanFiles(fx), readPlanMeta(fx)]);
    return { files, meta };
  }

  /**
   * Resolve (defaults + validation; throws AnswersInvalid), check the files of every certificate
   * the plan may name (before anything is written), look up what the answers refer to (tables,
   * users, names; src/system/facts.ts) and plan; on the live system add what DNS says of the MX
   * records.
   */
  async plan(given: Partial<Answers> & { role: RoleId }, handEdits?: PlanInput['handEdits']): Promise<Plan> {
    // The queue (postqueue -j) is read while the plan is made: queueFindings needs it next.
    if (this.fx.live && !this.queueWhenAsked)
      this.queue ??= readQueue(this.fx, directoriesOf(this.host)).catch(() => null);
    const answers = this.resolve(given);
    const certs = await this.checkCertificates(answers);
    const facts = await gatherFacts(this.fx, factsNeeded(answers, this.host));
    const p = plan({ ...this.planInput(answers), handEdits, certs, facts });
    // DNS is asked only on the live system (and not with --no-probes); a --root sandbox never reaches out.
    if (this.fx.live && !this.fx.noProbes)
      p.findings.push(...mxFindings(p.answers, await mxHostsOf(this.fx, mxDomains(p.answers))));
    return { ...p, previousRole: this.detected.role };
  }

  /**
   * The files and commands plan(given) will have (planFiles), made without what only its findings
   * need: no certificate is inspected, no fact gathered, no DNS asked. An apply starts its check
   * on them (src/commands/apply/index.ts). Throws AnswersInvalid as plan() does.
   */
  draft(given: Partial<Answers> & { role: RoleId }): PlannedFiles {
    return planFiles(this.planInput(this.resolve(given)));
  }

  /** The answers given, with their defaults, validated (AnswersInvalid), and the stored password where one is kept. */
  private resolve(given: Partial<Answers> & { role: RoleId }): Resolved {
    const resolved = resolveForPlan(given, this.host, this.detected.answers, this.detected.role);
    return withStoredPassword(resolved, this.files, this.state);
  }

  /** What the planner is given for `answers` in this session. */
  private planInput(answers: Resolved): PlanInput {
    return {
      answers,
      host: this.host,
      files: this.files,
      meta: this.meta,
      templates: this.templates,
      live: this.fx.live,
      freshState: this.discardedState !== null,
      ...(this.state ? { state: this.state } : {}),
    };
  }

  /** The system layer's checks of the certificates the plan may name, by certFilesKey. */
  async checkCertificates(answers: Resolved): Promise<Record<string, CertificateCheck>> {
    let main: MainCf;
    try {
      main = MainCf.parse(this.files[MAIN_CF] ?? '');
    } catch {
      // An unreadable main.cf is the planner's to report.
      main = MainCf.parse('');
    }
    const now = new Date();
    const out: Record<string, CertificateCheck> = {};
    for (const files of certificateCandidates(answers, this.host, main)) {
      out[certFilesKey(files)] = await inspectCertificate(this.fx, files, {
        myhostname: answers.myhostname,
        now,
        ...(this.host.tls?.sslCertGid !== undefined ? { sslCertGid: this.host.tls.sslCertGid } : {}),
      });
    }
    return out;
  }

  private queue: Promise<QueuedMessage[] | null> | null = null;
  private readonly queueWhenAsked: boolean;

  /**
   * Queued mail for domains the plan stops delivering or relaying here (`postqueue -j`, read once
   * per session): one warning per domain, with the count.
   */
  async queueFindings(p: Plan): Promise<Finding[]> {
    const after = p.files.find((f) => f.path === MAIN_CF);
    if (after === undefined || after.before === after.after) return [];
    // No domain dropped, no finding: the queue is not read (postqueue -j starts the master's showq).
    if (!dropsDomains(after.before, after.after, this.host.fqdn)) return [];
    const queue = await (this.queue ??= readQueue(this.fx, directoriesOf(this.host)).catch(() => null));
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

  /** draft(), with invalid answers turned into the UsageError that ends the run. */
  draftOrExit(given: Partial<Answers> & { role: RoleId }): PlannedFiles {
    try {
      return this.draft(given);
    } catch (e) {
      if (e instanceof AnswersInvalid) throw invalidAnswers(e);
      throw e;
    }
  }
}
