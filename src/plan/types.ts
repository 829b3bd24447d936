/**
 * What one run of mailsetup intends to do, as data. `plan()` (src/plan/plan.ts) computes it
 * without I/O; the preview shows it; `apply()` (src/system/apply.ts) carries it out.
 */
import type { Answers, RoleId } from '../roles/types.js';

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
}

/** True when the plan changes nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.files.length === 0 && plan.actions.length === 0;
}

/** One step of an apply, reported live; a later event with the same id replaces the earlier one. */
export interface ApplyEvent {
  id: string;
  label: string;
  status: 'running' | 'ok' | 'failed' | 'skipped' | 'rolled-back';
  detail?: string;
}

/** How an apply (or a rollback) ended. */
export interface ApplyResult {
  ok: boolean;
  /** Something on the machine changed and stayed changed. */
  changed: boolean;
  /** The backup directory (real path: under --root, inside the sandbox). */
  backupDir?: string;
  /** Which step failed and why (the command line, its exit and its output). */
  error?: string;
  rolledBack: boolean;
  warnings: string[];
  events: ApplyEvent[];
}
