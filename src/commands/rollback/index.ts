/** mailsetup --rollback: restore the files of the last apply from its backup. */
import type { ExitCode } from '../../model/errors.js';
import { rollbackLatest } from '../../system/apply.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { eventPrinter, type CommandContext } from '../context.js';
import { reportRollback } from '../report.js';

export async function rollback(ctx: CommandContext): Promise<ExitCode> {
  const host = await readHostFacts(ctx.fx);
  const r = await rollbackLatest(ctx.fx, host, { onEvent: eventPrinter(ctx) });
  return reportRollback(ctx, r);
}
