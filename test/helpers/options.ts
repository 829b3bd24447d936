import type { CliOptions } from '../../src/model/options.js';

/**
 * The parsed command line with no flag given (no colour, a terminal that shows Unicode), with the
 * test's own flags on top: one place to grow when CliOptions gains a field.
 */
export function cliOptions(over: Partial<CliOptions> = {}): CliOptions {
  return {
    yes: false,
    dryRun: false,
    check: false,
    rollback: false,
    listBackups: false,
    forget: false,
    verify: false,
    onlyLast: false,
    freshStart: false,
    allQuestions: false,
    noProbes: false,
    json: false,
    color: false,
    unicode: true,
    ...over,
  };
}
