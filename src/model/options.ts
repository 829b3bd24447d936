/** The command line, parsed (src/cli.ts): what every mode gets. */

export interface CliOptions {
  answers?: string;
  role?: string;
  yes: boolean;
  dryRun: boolean;
  check: boolean;
  root?: string;
  rollback: boolean;
  verify: boolean;
  color: boolean;
}
