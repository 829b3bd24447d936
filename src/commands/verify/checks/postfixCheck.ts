/**
 * Check: `postfix check` exits 0 and warns of nothing new. Warnings that come from lines mailsetup
 * offers to clean up (Postfix 3.9+'s deprecated parameters, 3.10's `#comment after other text`)
 * are told apart: alone they do not fail the check, they are named with what to run.
 */
import { directoriesOf, sandboxPostfixCheck } from '../../../system/sandbox.js';
import { warningLines } from '../../../system/services.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import type { VerifyContext } from '../context.js';

export const CHECK_LABEL = 'postfix check';

/** A warning of a deprecated parameter (3.9+): its name. */
const DEPRECATED = /support for parameter "([^"]+)" will be removed/;
/** A warning of a comment inside a value (3.10+). */
const VALUE_COMMENT = /#comment after other text is not allowed/;

/** Whether `line` is a warning mailsetup's clean-ups (migrate-deprecated, fix-value-comments) remove. */
export function isKnownWarning(line: string): boolean {
  return /\bwarning:/.test(line) && (DEPRECATED.test(line) || VALUE_COMMENT.test(line));
}

/** The known warnings in one line each: the deprecated parameters by name, the value comments counted. */
function summarizeKnown(lines: readonly string[]): string {
  const names = [...new Set(lines.map((l) => DEPRECATED.exec(l)?.[1]).filter((n): n is string => n !== undefined))];
  const comments = lines.filter((l) => VALUE_COMMENT.test(l)).length;
  const parts: string[] = [];
  if (names.length) parts.push(`deprecated parameter${names.length > 1 ? 's' : ''} ${names.join(', ')}`);
  if (comments) parts.push(`a # comment inside a value`);
  return (
    `known: ${parts.join(' and ')} (not new problems; run mailsetup and accept the clean-up: ` +
    `m / c in the preview, or overrides: [migrate-deprecated] / [fix-value-comments] in the answers)`
  );
}

export async function checkPostfixCheck(
  ctx: Pick<VerifyContext, 'fx' | 'cfg' | 'configDir' | 'host'>,
): Promise<StepOutcomeReport> {
  // A sandbox's configuration is checked on a private copy, never with the host's queue.
  const r =
    !ctx.fx.live && !ctx.configDir
      ? await sandboxPostfixCheck(ctx.fx, directoriesOf(ctx.host), 180_000)
      : await ctx.fx.run('postfix', ['-c', ctx.cfg, 'check'], { tty: true, timeoutMs: 180_000 });
  const warnings = warningLines(r);
  const known = warnings.filter(isKnownWarning);
  const fresh = warnings.filter((w) => !isKnownWarning(w));
  if (r.exitCode === 0 && warnings.length === 0) return { status: 'ok', detail: 'no warnings' };
  if (r.exitCode === 0 && fresh.length === 0)
    return { status: 'ok', detail: `no new warnings; ${summarizeKnown(known)}`, explain: known };
  const n = (k: number, w: string) => `${k} ${w}${k > 1 ? 's' : ''}`;
  return {
    status: 'failed',
    detail:
      r.exitCode !== 0
        ? `postfix check exited ${r.exitCode}`
        : known.length
          ? `${n(fresh.length, 'new warning')} (and ${n(known.length, 'known warning')}: deprecated parameters or value comments)`
          : n(fresh.length, 'warning'),
    explain: warnings.length
      ? [...fresh, ...(known.length ? [summarizeKnown(known)] : [])]
      : (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-10),
  };
}
