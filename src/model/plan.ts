/**
 * What one run of mailsetup intends to do, as data. `plan()` (src/plan/plan.ts) computes it
 * without I/O; the preview shows it; `apply()` (src/system/apply.ts) carries it out.
 */
import type { Answers, RoleId } from './answers.js';

/** What detect() found on the machine: the role configured now and the values that explain it. */
export interface Detection {
  /** From the state file, or recognised from main.cf; 'custom' = Postfix set up otherwise; null = no main.cf yet. */
  role: RoleId | 'custom' | null;
  /** The current values: the questions' defaults on a re-run. */
  answers: Partial<Answers>;
  source: 'state' | 'config' | 'none';
  /** Lines describing the current configuration, for the start header. */
  summary: string[];
}

/** One file's change. `before`/`after` null = absent (after null = remove the file). */
export interface FileChange {
  path: string; // system path, e.g. /etc/postfix/main.cf
  before: string | null;
  after: string | null;
  /** Mode for a new file (existing files keep theirs). */
  mode?: number;
  /** Holds a secret: never shown in a diff or log, backups kept 0600. */
  secret?: boolean;
  /** mailsetup's own bookkeeping (the state file): the preview names it without its diff. */
  quiet?: boolean;
  /** One line: what the file is for ("Postfix main configuration"). */
  description: string;
}

export type Action =
  | { kind: 'postmap'; map: string; path: string } // map = "hash:/etc/postfix/transport"
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
  answers: Answers;
  files: FileChange[]; // only files whose content changes
  actions: Action[]; // in the order they must run
  params: ParamChange[];
  findings: Finding[];
  drift: Drift[];
  /**
   * Clean-ups of main.cf lines mailsetup did not write that it does when the answers' overrides ask (this run only):
   * how many deprecated parameters the override migrate-deprecated would migrate, and how many
   * values with a `# comment` inside the override fix-value-comments would fix. Absent: none.
   */
  offers?: { migrateDeprecated: number; fixValueComments: number };
}

/** True when the plan changes nothing. */
export function isEmptyPlan(plan: Plan): boolean {
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
  const stepId = a.kind === 'postmap' || a.kind === 'newaliases' ? `action:${a.kind}:${a.path}` : `action:${a.kind}`;
  switch (a.kind) {
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
