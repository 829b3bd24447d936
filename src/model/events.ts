/**
 * The one event model of every run that does things step by step: an apply, a rollback, the
 * checks of --verify. Each step is reported live (a later event with the same id replaces the
 * earlier one); the screens and the plain-text mode render the same events.
 */

import type { Finding } from './plan.js';

export type StepStatus = 'running' | 'ok' | 'failed' | 'skipped' | 'rolled-back';

/** One step, reported live; a later event with the same id replaces the earlier one. */
export interface StepEvent {
  id: string;
  label: string;
  status: StepStatus;
  /** One line: the outcome, or why the step failed or was skipped. */
  detail?: string;
  /** Log or command lines that explain a failure. */
  explain?: string[];
  /** The commands the step ran, each with how it ended (for --json). */
  commands?: CommandRun[];
}

/** One command a step ran, and how it ended. */
export interface CommandRun {
  /** The command line. */
  command: string;
  exitCode: number;
  timedOut: boolean;
  /** The last lines of what it printed (stderr, then stdout), at most a few kB; '' when nothing. */
  output: string;
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
  events: StepEvent[];
  /** What `postfix check` warned of (it succeeded): shown as findings after the apply. */
  findings?: Finding[];
  /**
   * Files that changed on disk since the plan was made: nothing was written, and the caller plans
   * again against them (and shows the new plan) instead of writing over someone's change.
   */
  stale?: string[];
}
