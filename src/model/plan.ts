/**
 * What one run of mailsetup intends to do, as data. `plan()` (src/plan/plan.ts) computes it
 * without I/O; the preview shows it; `apply()` (src/system/apply.ts) carries it out.
 */
import type { AnswerKey, AnswerValue, Answers, RoleId } from './answers.js';
import { STATE_PATH } from './paths.js';
import type { TlsSummary } from './tls.js';

/** What detect() found on the machine: the role configured now and the values that explain it. */
export interface Detection {
  /** From the state file, or recognised from main.cf; 'custom' = Postfix set up otherwise; null = no main.cf yet. */
  role: RoleId | 'custom' | null;
  /** The current values: the questions' defaults on a re-run. */
  answers: Partial<Answers>;
  source: 'state' | 'config' | 'none';
  /** Lines describing the current configuration, for the start header. */
  summary: string[];
  /** Parameters mailsetup set that were changed by hand since (state file present only). */
  handEdits?: HandEdit[];
}

/**
 * A main.cf parameter mailsetup set and someone changed by hand since, as detect() reports it:
 * it stays the user's until the user chooses mailsetup's value.
 */
export interface HandEdit {
  name: string;
  /** What mailsetup set (the state file's record). */
  ours: string;
  /** What main.cf says now (undefined: removed). */
  now: string | undefined;
  /** The question that asks for this parameter, when one does (mynetworks, relayhost, …). */
  key?: AnswerKey;
  /** mailsetup's value as that question's answer. */
  oursAnswer?: AnswerValue;
  /** The hand edit as that question's answer, when it is a valid one: the question's default. */
  nowAnswer?: AnswerValue;
}

/** One file's change. `before`/`after` null = absent (after null = remove the file). */
export interface FileChange {
  path: string; // system path, e.g. /etc/postfix/main.cf
  before: string | null;
  after: string | null;
  /** Mode for a new file; for an existing file, with `modeBefore`, the mode it is given (else it keeps its own). */
  mode?: number;
  /**
   * An existing file whose mode changes: from this to `mode` (Postfix warns of group or other
   * writable files; mailsetup writes what it owns as Postfix expects). `before` = `after` when
   * only the mode changes.
   */
  modeBefore?: number;
  /** Holds a secret: never shown in a diff or log, backups kept 0600. */
  secret?: boolean;
  /** mailsetup's own bookkeeping (the state file): the preview names it without its diff. */
  quiet?: boolean;
  /** One line: what the file is for ("Postfix main configuration"). */
  description: string;
}

export type Action =
  // map = "hash:/etc/postfix/transport"; secret: the database is made root-only (0600) too
  | { kind: 'postmap'; map: string; path: string; secret?: boolean }
  // a map no role uses any more: its source is removed, and so are its databases
  | { kind: 'unmap'; map: string; path: string }
  | { kind: 'newaliases'; path: string }
  | { kind: 'postfix-check' }
  | { kind: 'reload' }
  | { kind: 'restart'; reason: string }
  | { kind: 'syslog-restart'; reason: string };

/** A main.cf parameter whose value changes, for the preview's summary table. */
export interface ParamChange {
  name: string;
  before: string | undefined; // raw, undefined = not set (Postfix default applies)
  after: string | undefined;
  beforeExpanded: string; // $names resolved (default when unset)
  afterExpanded: string;
}

/** A linter or validation finding. Errors stop the plan unless overridden by id. */
export interface Finding {
  id: string; // e.g. "mynetworks-public"
  level: 'error' | 'warning' | 'info';
  message: string;
  /** For overridable errors: the override id to put in `answers.overrides`. */
  override?: string;
}

/** A parameter mailsetup set before and someone changed by hand since. */
export interface Drift {
  name: string;
  ours: string; // what mailsetup wrote last time
  now: string | undefined; // what main.cf says now
}

export interface Plan {
  role: RoleId;
  /** The role configured before (detect(): a role id, 'custom', or null on a fresh box), for the backup's record. */
  previousRole?: RoleId | 'custom' | null;
  answers: Answers;
  files: FileChange[]; // only files whose content changes
  actions: Action[]; // in the order they must run
  params: ParamChange[];
  findings: Finding[];
  drift: Drift[];
  /**
   * Clean-ups of main.cf lines mailsetup did not write that it does when the user accepts them (this run only):
   * how many deprecated parameters the override migrate-deprecated would migrate, and how many
   * values with a `# comment` inside the override fix-value-comments would fix. Absent: none.
   */
  offers?: { migrateDeprecated: number; fixValueComments: number };
  /** Why this plan is shown (again): lines at the top of the preview ("made again: … changed since"). */
  notes?: string[];
  /** What TLS each direction gets after the plan (absent in hand-made plans). */
  tls?: TlsSummary;
  /**
   * Debian's snakeoil certificate is to be made before anything is written (the inbound
   * certificate, and it does not exist yet): `make-ssl-cert generate-default-snakeoil`.
   */
  makeSnakeoil?: boolean;
}

/**
 * Whether two plans would do the same: the same files with the same contents and modes, the same
 * commands, the same snakeoil certificate to make.
 */
export function samePlan(a: Plan, b: Plan): boolean {
  const files = (p: Plan) => p.files.map((f) => [f.path, f.after, f.mode ?? null]);
  const does = (p: Plan) => [files(p), p.actions, p.makeSnakeoil ?? false];
  return JSON.stringify(does(a)) === JSON.stringify(does(b));
}

/**
 * A plan's files and commands alone: what its `postfix check` and its builds read. planFiles()
 * (src/plan/plan.ts) makes them without the rest of the plan, so that the check can start sooner.
 */
export type PlannedFiles = Pick<Plan, 'files' | 'actions'>;

/**
 * Whether a check started on `a`'s files serves `b`: the same commands, and the same files with
 * the same contents, modes and owners, but for mailsetup's state file (no Postfix tool reads it,
 * and planFiles() leaves it out).
 */
export function sameChecked(a: PlannedFiles, b: PlannedFiles): boolean {
  const files = (p: PlannedFiles) =>
    p.files
      .filter((f) => f.path !== STATE_PATH)
      .map((f) => [f.path, f.before, f.after, f.mode ?? null, f.modeBefore ?? null, f.secret === true]);
  return JSON.stringify([files(a), a.actions]) === JSON.stringify([files(b), b.actions]);
}

/** True when the plan changes nothing. */
export function isEmptyPlan(plan: PlannedFiles): boolean {
  return plan.files.length === 0 && plan.actions.length === 0;
}

/** How an action is shown: its step id in the event stream, its progress label, the command and why it runs. */
export interface ActionInfo {
  stepId: string; // action:<kind>[:<path>]
  label: string; // one line for the progress list
  command: string; // the command, as the preview names it
  reason: string;
}

/** The one description of an action, used by the preview, the progress list and the summary. */
export function describeAction(a: Action): ActionInfo {
  const stepId =
    a.kind === 'postmap' || a.kind === 'newaliases' || a.kind === 'unmap'
      ? `action:${a.kind}:${a.path}`
      : `action:${a.kind}`;
  switch (a.kind) {
    case 'unmap':
      return {
        stepId,
        label: `Remove the databases of ${a.path}`,
        command: `rm ${a.path}.db (and the other database files postmap made of it)`,
        reason: `${a.path} is no longer used: its database would keep its entries${
          a.path.endsWith('sasl_passwd') ? ' (the smart host password)' : ''
        }`,
      };
    case 'postmap':
      return {
        stepId,
        label: `Rebuild the lookup table ${a.path} (postmap)`,
        command: `postmap ${a.map}`,
        reason: `${a.path} changed: rebuild the lookup table`,
      };
    case 'newaliases':
      return {
        stepId,
        label: `Rebuild the aliases database of ${a.path} (newaliases)`,
        command: 'newaliases',
        reason: `${a.path} changed: rebuild the alias database`,
      };
    case 'postfix-check':
      return {
        stepId,
        label: 'Check the configuration (postfix check)',
        command: 'postfix check',
        reason: 'check the configuration and file permissions before Postfix uses them',
      };
    case 'reload':
      return {
        stepId,
        label: 'Reload Postfix',
        command: 'postfix reload',
        reason: 'Postfix reads the changed configuration',
      };
    case 'restart':
      return { stepId, label: `Restart Postfix (${a.reason})`, command: 'restart Postfix', reason: a.reason };
    case 'syslog-restart':
      return { stepId, label: `Restart rsyslog (${a.reason})`, command: 'restart rsyslog', reason: a.reason };
  }
}

/**
 * What the machine says of what the answers refer to, gathered before planning
 * (src/system/facts.ts) so that the planner stays pure: the tables and pattern files named in
 * parameters, the databases postmap built from them, local users, host names and the map types
 * Postfix supports. Each record holds only what was asked; a name absent from it was not checked.
 */
export interface PlanFacts {
  /** Text files: path → content, null = absent; a string starting "!" says why it was not read. */
  files: Readonly<Record<string, string | null>>;
  /** Indexed-table databases (FILE.db, FILE.lmdb …): path → exists. */
  databases: Readonly<Record<string, boolean>>;
  /** Local users (getent passwd): name → exists. */
  users: Readonly<Record<string, boolean>>;
  /** Host names: name → its addresses ([] = it does not resolve), or why it was not looked up. */
  names: Readonly<Record<string, readonly string[] | string>>;
  /** The lookup table types Postfix supports here (postconf -m); undefined when unknown. */
  mapTypes?: readonly string[];
  /** The MX hosts of the relay host's domain (lowercase, best first), when it was looked up. */
  relayhostMx?: readonly string[];
}

/** What to look up for PlanFacts (src/plan/facts.ts says it from the answers; src/system/facts.ts asks). */
export interface FactsNeeded {
  /** Table source files and pattern files to read. */
  files: string[];
  /** Databases whose existence to check. */
  databases: string[];
  /** Whether to ask `postconf -m` for the supported table types. */
  mapTypes: boolean;
  users: string[];
  /** Host names to resolve (live system only). */
  names: string[];
  /** The host whose MX records to ask (live system only): an unbracketed relay host. */
  relayhostMx?: string;
}

/** No facts gathered (a plan made without the machine). */
export const NO_FACTS: PlanFacts = { files: {}, databases: {}, users: {}, names: {} };

/**
 * The texts of files mailsetup writes when they are absent: main.cf and master.cf from this box's
 * Postfix package where it has them, else templates/ (src/system/templates.ts).
 */
export interface Templates {
  mainCf: string;
  masterCf: string;
  aliases: string;
  rsyslog: string;
  /** Where mainCf comes from, for the preview ("/usr/share/postfix/main.cf.debian"). */
  mainCfFrom?: string;
  /** Where masterCf comes from. */
  masterCfFrom?: string;
}
