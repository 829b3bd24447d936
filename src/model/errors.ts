/**
 * Errors that end a run with a message and an exit code. The exit code is decided where the
 * problem is found and carried to the one place that prints and exits (src/cli.ts); every other
 * error is unexpected and is reported as such, without a stack trace on the user's screen.
 */

const BRAND = Symbol.for('mailsetup.MailsetupError');

/**
 * 0 success or nothing to do, 1 apply (or rollback, or a check) failed, 2 usage or invalid input,
 * 130 cancelled; 129, 130, 143: an apply stopped by SIGHUP, SIGINT, SIGTERM and rolled back.
 */
export type ExitCode = 0 | 1 | 2 | 129 | 130 | 143;

/**
 * A problem the user can act on: its message is printed as it is ("mailsetup: <message>", then the
 * details), and the run exits with `exitCode`. An empty message prints nothing: the mode has
 * already said what went wrong.
 */
export class MailsetupError extends Error {
  /** Marks the error across bundles (dist/cli.cjs and dist/run.cjs each hold a copy of this class). */
  readonly [BRAND] = true;

  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** Lines printed after the message (the problems of an answers file, a server's transcript). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A bad command line or unusable input (answers file, state file, --root): exit 2. */
export class UsageError extends MailsetupError {
  constructor(message: string, details: readonly string[] = []) {
    super(message, 2, details);
  }
}

/** Whether `e` is a MailsetupError, also one made by the other bundle (instanceof would say no). */
export function isMailsetupError(e: unknown): e is MailsetupError {
  return typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}
