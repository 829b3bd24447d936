/**
 * --json: the modes fill one document as they go (the plan, each step as it ends, the apply's
 * result) and it is written once, at the end, as the only thing on stdout; everything the modes
 * print goes to stderr meanwhile (src/commands/index.ts). An error that ends the run goes into
 * the document with the run's exit code, so a consumer always gets exactly one document.
 */
import type { ExitCode } from '../model/errors.js';
import type { ApplyResult, StepEvent } from '../model/events.js';
import type { CliOptions } from '../model/options.js';
import type { Action, FileChange, Plan } from '../model/plan.js';
import {
  commandsJson,
  emptyDocument,
  fileJson,
  planParts,
  scrubDocument,
  stepJson,
  type JsonDocument,
  type JsonError,
  type JsonMode,
  type JsonRollback,
} from '../output/json.js';
import { SECRET_PLACEHOLDER } from '../plan/plan.js';
import { secretForms } from '../system/smtpLogin.js';

/** The mode the options ask for, as the document names it. */
export function modeOf(opts: CliOptions): JsonMode {
  if (opts.verify) return 'verify';
  if (opts.rollback) return 'rollback';
  return 'apply';
}

/** The document of one run, filled as it goes. */
export class JsonRun {
  private readonly doc: JsonDocument;
  /** Each step as it last reported, in the order the steps first appeared. */
  private readonly steps = new Map<string, StepEvent>();
  private readonly checkIds = new Set<string>();
  private actions: readonly Action[] | null = null;
  private secrets: string[] = [];
  private failed: JsonError | null = null;

  constructor(version: string, opts: CliOptions, root: string) {
    this.doc = emptyDocument(version, modeOf(opts), opts.dryRun, root);
  }

  /** A step event of the run (apply, rollback, recovery, install, login test). */
  event(e: StepEvent): void {
    this.steps.set(e.id, e); // a later event replaces the step's, in the place it first took
  }

  /** A --verify check's event. */
  check(e: StepEvent): void {
    this.checkIds.add(e.id);
    this.event(e);
  }

  /** The role before the run (detected) and after it. */
  role(before: string | null, after: string | null): void {
    this.doc.role = { before, after };
  }

  /** The plan the run shows (and applies). */
  plan(p: Plan): void {
    const { actions, ...parts } = planParts(p);
    Object.assign(this.doc, parts);
    this.actions = actions;
    const pw = p.answers.smtp_sasl?.password;
    if (pw !== undefined && pw !== SECRET_PLACEHOLDER) this.secrets = secretForms(p.answers.smtp_sasl!.username, pw);
  }

  /** What a rollback restores (or would). */
  rollback(r: JsonRollback, files: readonly FileChange[]): void {
    this.doc.rollback = r;
    this.doc.files = files.map(fileJson);
  }

  changed(changed: boolean): void {
    this.doc.changed = changed;
  }

  /** How an apply or a rollback ended. */
  result(r: ApplyResult): void {
    this.doc.changed ||= r.changed;
    this.doc.backupDir = r.backupDir ?? null;
    this.doc.warnings.push(...r.warnings);
    if (!r.ok) this.doc.ok = false;
  }

  /** The run failed (exit 1) with this message: the document's error. */
  failure(message: string): void {
    this.failed = { message, details: [] };
    this.doc.ok = false;
  }

  warning(w: string): void {
    this.doc.warnings.push(w);
  }

  /** The finished document as text (one line of JSON and a newline). */
  finish(exitCode: ExitCode, thrown: JsonError | null, ok = exitCode === 0): string {
    const error = thrown ?? this.failed;
    const all = [...this.steps.values()].map(stepJson);
    const failed = error !== null || !this.doc.ok;
    const doc: JsonDocument = {
      ...this.doc,
      // A run that failed leaves the role it found (nothing written, or everything restored).
      role: failed && !this.doc.dryRun ? { ...this.doc.role, after: this.doc.role.before } : this.doc.role,
      exitCode,
      ok: ok && this.doc.ok && error === null,
      steps: all.filter((s) => !this.checkIds.has(s.id)),
      checks: all.filter((s) => this.checkIds.has(s.id)),
      commands: this.actions === null ? [] : commandsJson(this.actions, this.doc.dryRun ? null : all),
      error,
    };
    return `${JSON.stringify(scrubDocument(doc, this.secrets))}\n`;
  }
}
