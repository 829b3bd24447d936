/**
 * Check: Postfix runs (`postfix status`). When it does not, the end of the log says why
 * (fatal, panic, error and warning lines). A --root sandbox runs no Postfix: skipped, since
 * `postfix -c SANDBOX/etc/postfix status` would ask the system's queue directory.
 */
import type { StepOutcomeReport } from '../../../system/runner.js';
import type { VerifyContext } from '../context.js';
import { problemsIn, tailOf } from '../log.js';

export const RUNS_LABEL = 'Postfix runs';

/** The outcome, and whether Postfix runs (`value`: the SMTP checks need it). */
export async function checkPostfixRuns(ctx: VerifyContext): Promise<{ outcome: StepOutcomeReport; value: boolean }> {
  if (!ctx.fx.live && !ctx.configDir) {
    return {
      outcome: {
        status: 'skipped',
        detail: `--root ${ctx.fx.root}: no Postfix runs from a sandbox; only its files are checked`,
      },
      value: false,
    };
  }
  const r = await ctx.fx.run('postfix', ['-c', ctx.cfg, 'status'], { tty: true, timeoutMs: 30_000 });
  const said =
    (r.stderr.trim() || r.stdout.trim())
      .split('\n')
      .pop()
      ?.replace(/^postfix\/postfix-script: /, '') ?? '';
  if (r.exitCode === 0)
    return { outcome: { status: 'ok', detail: `postfix status: ${said || 'exit 0'}` }, value: true };
  const explain = (await ctx.log.readable()) ? problemsIn(await tailOf(ctx.fx, ctx.log.file, 400)) : [];
  return {
    outcome: { status: 'failed', detail: `postfix status exited ${r.exitCode}${said ? `: ${said}` : ''}`, explain },
    value: false,
  };
}
