/** The command line, parsed (src/cli.ts): what every mode gets. */

export interface CliOptions {
  answers?: string;
  /** Write the answers of this run to FILE, to replay them on another host (--save-answers). */
  saveAnswers?: string;
  role?: string;
  yes: boolean;
  dryRun: boolean;
  check: boolean;
  root?: string;
  rollback: boolean;
  /** --list-backups: the backups --rollback can undo, newest last. */
  listBackups: boolean;
  /** --forget: remove the state file (after showing what mailsetup owned); no Postfix setting changes. */
  forget: boolean;
  verify: boolean;
  /** With --rollback: undo the last apply only while it is in place (never an older one). */
  onlyLast: boolean;
  /** One JSON document on stdout (src/output/json.ts); progress and messages go to stderr. */
  json: boolean;
  color: boolean;
  /** The terminal shows more than ASCII (a UTF-8 locale, not the Linux console): ❯ ✓ ✗ and the spinner as they are. */
  unicode: boolean;
  /** An invalid state file is set aside (kept in the apply's backup) and mailsetup starts afresh. */
  freshStart: boolean;
  /** --all-questions: the wizard asks every question of the role in turn (no short path). */
  allQuestions: boolean;
  /** --no-probes: no DNS lookups, connection tests or login test (Effects.noProbes). */
  noProbes: boolean;
}
