/**
 * An apply (or a rollback) that was killed half way is rolled back before anything else runs. A
 * rollback that ended with errors is said: --rollback retries it.
 */
import { MailsetupError } from '../model/errors.js';
import type { HostFacts } from '../model/host.js';
import { LOCK_PATH } from '../model/paths.js';
import { findRollbackTarget, recoverUnfinished, runningApply } from '../system/apply.js';
import { lockedMessage } from '../system/lock.js';
import { eventPrinter, type CommandContext } from './context.js';
import { reportRollback } from './report.js';

/**
 * Roll back an unfinished apply or rollback, if there is one (true: one was rolled back, and the
 * files read before are stale); throws (exit 1) when that cannot be done. An apply (or rollback)
 * that another mailsetup is running right now is not unfinished: the run stops and says so.
 */
export async function recoverIfNeeded(ctx: CommandContext, host: HostFacts): Promise<boolean> {
  const t = await findRollbackTarget(ctx.fx).catch(() => null);
  if (t === null || t.reason === 'applied') return false;
  const dir = await ctx.fx.realPath(t.dir).catch(() => ctx.fx.resolve(t.dir));
  if (t.reason === 'rollback-failed') {
    ctx.io.err(
      `mailsetup: the last rollback did not complete (backup ${dir}): mailsetup --rollback retries it; ` +
        'this run goes on from the files as they are\n',
    );
    return false;
  }
  const what = t.reason === 'apply-unfinished' ? 'apply' : 'rollback';
  const pid = await runningApply(ctx.fx);
  if (pid !== null) {
    const doing = what === 'apply' ? 'applying a change' : 'rolling back';
    throw new MailsetupError(
      `${lockedMessage(pid, await ctx.fx.realPath(LOCK_PATH))}; it is ${doing} right now (backup ${dir})`,
      1,
    );
  }
  ctx.io.err(`mailsetup: an earlier ${what} did not finish (backup ${dir}); completing its rollback first\n`);
  if (ctx.opts.dryRun) {
    throw new MailsetupError('--dry-run: not recovering; run mailsetup without --dry-run (or mailsetup --rollback)', 1);
  }
  const r = await recoverUnfinished(ctx.fx, host, { onEvent: eventPrinter(ctx) });
  if (!r.ok) {
    throw new MailsetupError('', reportRollback(ctx, r));
  }
  return true;
}
