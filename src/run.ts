/** The modes behind the command line (interactive, answers file, dry run, rollback, verify). */
import type { CliOptions } from './cli.js';

export async function run(_opts: CliOptions): Promise<number> {
  process.stderr.write('mailsetup: not implemented yet\n');
  return 2;
}
