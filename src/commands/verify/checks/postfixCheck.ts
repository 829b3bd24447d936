/** Check: `postfix check` exits 0 and warns of nothing. */
import { directoriesOf, sandboxPostfixCheck } from '../../../system/sandbox.js';
import { warningLines } from '../../../system/services.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import type { VerifyContext } from '../context.js';

export const CHECK_LABEL = 'postfix check';

export async function checkPostfixCheck(
  ctx: Pick<VerifyContext, 'fx' | 'cfg' | 'configDir' | 'host'>,
): Promise<StepOutcomeReport> {
  // A sandbox's configuration is checked on a private copy, never with the host's queue.
  const r =
    !ctx.fx.live && !ctx.configDir
      ? await sandboxPostfixCheck(ctx.fx, directoriesOf(ctx.host), 180_000)
      : await ctx.fx.run('postfix', ['-c', ctx.cfg, 'check'], { tty: true, timeoutMs: 180_000 });
  const warnings = warningLines(r);
  if (r.exitCode === 0 && warnings.length === 0) return { status: 'ok', detail: 'no warnings' };
  return {
    status: 'failed',
    detail:
      r.exitCode !== 0
        ? `postfix check exited ${r.exitCode}`
        : `${warnings.length} warning${warnings.length > 1 ? 's' : ''}`,
    explain: warnings.length ? warnings : (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-10),
  };
}
