/** An apply that was killed half way is rolled back before anything else runs. */
import { MailsetupError } from '../model/errors.js';
import type { HostFacts } from '../model/host.js';
import { LOCK_PATH } from '../model/paths.js';
import { findUnfinished, recoverUnfinished, runningApply } from '../system/apply.js';
import { lockedMessage } from '../system/lock.js';
import { eventPrinter, type CommandContext } from './context.js';
import { reportRollback } from './report.js';

/**
 * Roll back an unfinished apply, if there is one; throws (exit 1) when that cannot be done. An
 * apply that another mailsetup is running right now is not unfinished: the run stops and says so.
 */
export async function recoverIfNeeded(ctx: CommandContext, host: HostFacts): Promise<void> {
  const unfinished = await findUnfinished(ctx.fx);
  if (!unfinished) return;
  const pid = await runningApply(ctx.fx);
  if (pid !== null) {
    throw new MailsetupError(
      `${lockedMessage(pid, await ctx.fx.realPath(LOCK_PATH))}; it is applying a change right now (backup ${unfinished})`,
      1,
    );
  }
  ctx.io.err(`mailsetup: an earlier apply did not finish (backup ${unfinished}); completing its rollback first\n`);
  if (ctx.opts.dryRun) {
    throw new MailsetupError('--dry-run: not recovering; run mailsetup without --dry-run (or mailsetup --rollback)', 1);
  }
  const r = await recoverUnfinished(ctx.fx, host, { onEvent: eventPrinter(ctx) });
  if (!r.ok) {
    throw new MailsetupError('', reportRollback(ctx, r));
  }
}
