/**
 * mailsetup --rollback: restore the files of the last apply from its backup. --only-last undoes
 * the last apply only while it is in place (a second run does nothing); --dry-run shows which
 * backup would be restored and each file's change, and writes nothing (--check: exit 1 when the
 * rollback would change something).
 */
import { MailsetupError, type ExitCode } from '../../model/errors.js';
import { renderRollbackText } from '../../output/preview.js';
import { detect } from '../../plan/detect.js';
import { planRollback, rollbackLatest, type RollbackPlan } from '../../system/apply.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { eventPrinter, type CommandContext } from '../context.js';
import { reportRollback } from '../report.js';
import { readPlanFiles } from '../session.js';

/** The role the files configure now, as detect() reads them (null when they cannot be read). */
async function roleNow(ctx: CommandContext): Promise<string | null> {
  try {
    return detect(await readPlanFiles(ctx.fx)).role;
  } catch {
    return null;
  }
}

function tell(ctx: CommandContext, p: RollbackPlan): void {
  ctx.json?.rollback({ backupDir: ctx.fx.resolve(p.dir), created: p.created, kind: p.kind }, p.files);
}

export async function rollback(ctx: CommandContext): Promise<ExitCode> {
  const { fx, opts, io, json } = ctx;
  const before = json ? await roleNow(ctx) : null;
  json?.role(before, before);
  if (opts.dryRun) {
    let p;
    try {
      p = await planRollback(fx, { onlyLast: opts.onlyLast });
    } catch (e) {
      throw new MailsetupError(`cannot tell what --rollback would do: ${(e as Error).message}`, 1);
    }
    if (p.kind === 'none') {
      if (!opts.onlyLast) throw new MailsetupError(p.reason, 1);
      io.out(`Nothing to roll back: ${p.reason}.\n`);
      return 0;
    }
    tell(ctx, p);
    json?.changed(p.changes);
    io.out(renderRollbackText({ ...p, dir: fx.resolve(p.dir) }, { color: opts.color }));
    if (p.changedSince.length > 0) {
      const what = `${p.changedSince.join(', ')} changed after that apply wrote ${p.changedSince.length > 1 ? 'them' : 'it'}`;
      if (opts.onlyLast) throw new MailsetupError(`${what}: --only-last would not roll back`, 1);
      json?.warning(`${what}; those changes would be replaced by the backup`);
      io.out(`warning: ${what}; those changes would be replaced by the backup\n`);
    }
    io.out('Nothing was written (--dry-run).\n');
    return opts.check && p.changes ? 1 : 0;
  }
  const host = await readHostFacts(fx);
  const r = await rollbackLatest(fx, host, {
    onEvent: eventPrinter(ctx),
    onlyLast: opts.onlyLast,
    onPlan: (p) => tell(ctx, p),
  });
  json?.result(r);
  if (json) json.role(before, await roleNow(ctx));
  return reportRollback(ctx, r);
}
