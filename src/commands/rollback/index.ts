/**
 * mailsetup --rollback: undo the last apply from its backup, or finish a rollback that did not
 * complete. It first says which apply it undoes (date, role before → after, the files and
 * databases), then on a terminal asks [y/N]; with --yes, --json or without a terminal it goes
 * ahead. --only-last undoes the last apply only while it is in place (a second run does
 * nothing). --dry-run says it and shows each file's change, and writes nothing (--check: exit 1
 * when the rollback would change something). mailsetup --list-backups lists the backups.
 */
import { MailsetupError, type ExitCode } from '../../model/errors.js';
import { renderRollbackText } from '../../output/preview.js';
import { detect } from '../../plan/detect.js';
import {
  findRollbackTarget,
  planRollback,
  rollbackLatest,
  type RollbackPlan,
  type RollbackTarget,
} from '../../system/apply.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { directoriesOf } from '../../system/sandbox.js';
import { confirmed, eventPrinter, type CommandContext } from '../context.js';
import { reportRollback } from '../report.js';
import { readPlanFiles } from '../session.js';
import { backupListLines, describeTarget } from './describe.js';

/** Exit code when the user answers no: nothing was done. */
const DECLINED: ExitCode = 130;

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

/** The target --rollback would undo; a damaged manifest is a clear error, not a crash. */
async function target(ctx: CommandContext): Promise<RollbackTarget | null> {
  try {
    return await findRollbackTarget(ctx.fx, { onlyLast: ctx.opts.onlyLast });
  } catch (e) {
    throw new MailsetupError(`cannot read the backups: ${(e as Error).message}`, 1);
  }
}

/** --rollback --dry-run, after the description: each file's change; nothing is written. */
async function dryRun(ctx: CommandContext): Promise<ExitCode> {
  const { fx, opts, io, json } = ctx;
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
  io.out('\n');
  const dir = await fx.realPath(p.dir).catch(() => fx.resolve(p.dir));
  io.out(renderRollbackText({ ...p, dir }, { color: opts.color, title: false }));
  if (p.changedSince.length > 0) {
    // The description said it; --only-last stops here, and the document records it.
    const what = `${p.changedSince.join(', ')} changed after that apply wrote ${p.changedSince.length > 1 ? 'them' : 'it'}`;
    if (opts.onlyLast) throw new MailsetupError(`${what}: --only-last would not roll back`, 1);
    json?.warning(`${what}; those changes would be replaced by the backup`);
  }
  io.out('--dry-run: nothing was rolled back.\n');
  return opts.check && p.changes ? 1 : 0;
}

export async function rollback(ctx: CommandContext): Promise<ExitCode> {
  const { fx, opts, io, json } = ctx;
  const before = json ? await roleNow(ctx) : null;
  json?.role(before, before);
  const host = await readHostFacts(fx);
  const t = await target(ctx);
  if (t !== null) for (const line of await describeTarget(fx, t, host.fqdn, directoriesOf(host))) io.out(`${line}\n`);
  if (opts.dryRun) return dryRun(ctx);
  if (t !== null && !(await confirmed(ctx, 'Roll back?'))) {
    io.out('Nothing was rolled back.\n');
    return DECLINED;
  }
  const r = await rollbackLatest(fx, host, {
    onEvent: eventPrinter(ctx),
    onlyLast: opts.onlyLast,
    onPlan: (p) => tell(ctx, p),
    ...(t !== null ? { expected: t.dir } : {}),
  });
  json?.result(r);
  if (json) json.role(before, await roleNow(ctx));
  return reportRollback(ctx, r);
}

export async function listBackupsMode(ctx: CommandContext): Promise<ExitCode> {
  const t = await target(ctx);
  for (const line of await backupListLines(ctx.fx, t)) ctx.io.out(`${line}\n`);
  return 0;
}
