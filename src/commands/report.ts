/**
 * How an apply or a rollback ended, as the plain-text mode prints it. The exit code goes with
 * it: 0 success, 1 failed (and, for an apply, rolled back).
 */
import type { ExitCode } from '../model/errors.js';
import type { ApplyResult } from '../model/events.js';
import { printable } from '../model/text.js';
import { findingLines } from '../output/preview.js';
import { paint, renderLines } from '../output/styled.js';
import { shellWord, type CommandContext } from './context.js';

/** Print how an apply ended; returns the exit code. The undo hint names the sandbox under --root. */
export function reportApply(ctx: CommandContext, r: ApplyResult): ExitCode {
  const { io } = ctx;
  const color = ctx.opts.color;
  const findings = r.findings ?? [];
  if (findings.length > 0) {
    // postfix check's warnings are a tool's output: control characters shown, not obeyed.
    const lines = findings.flatMap((f) => findingLines({ ...f, message: printable(f.message) }));
    io.out(renderLines([[{ text: 'Findings', style: 'heading' }], ...lines], { color }));
  }
  for (const w of r.warnings) {
    if (!findings.some((f) => f.message === w)) io.out(`${paint(color, 'warning', 'warning:')} ${printable(w)}\n`);
  }
  if (r.ok) {
    if (!r.changed) io.out('Nothing to do: the configuration is already as asked.\n');
    else {
      io.out(`${paint(color, 'ok', 'Applied.')}${r.backupDir ? ` Backup: ${r.backupDir}` : ''}\n`);
      if (ctx.root === '/') io.out('Undo with: mailsetup --rollback    Check with: postconf -n; mailsetup --verify\n');
      else
        io.out(
          `Undo with: mailsetup --rollback --root ${shellWord(ctx.root)}    ` +
            `Check with: postconf -c ${shellWord(`${ctx.root}/etc/postfix`)} -n\n`,
        );
    }
    return 0;
  }
  ctx.json?.failure(r.error ?? 'unknown error');
  io.err(`${paint(color, 'failed', 'Apply failed:')} ${printable(r.error ?? 'unknown error')}\n`);
  if (r.rolledBack) io.err(`Every file was restored from the backup${r.backupDir ? ` (${r.backupDir})` : ''}.\n`);
  return 1;
}

/** Print how a rollback ended; returns the exit code. */
export function reportRollback(ctx: CommandContext, r: ApplyResult): ExitCode {
  const { io } = ctx;
  const color = ctx.opts.color;
  for (const w of r.warnings) io.out(`${paint(color, 'warning', 'warning:')} ${printable(w)}\n`);
  if (r.ok && r.backupDir === undefined) {
    io.out('Nothing was rolled back.\n');
    return 0;
  }
  if (r.ok) {
    io.out(
      `${paint(color, 'ok', 'Rolled back.')}` +
        `${r.backupDir ? ` The files are as they were before the apply of ${r.backupDir}` : ''}\n`,
    );
    return 0;
  }
  ctx.json?.failure(r.error ?? 'unknown error');
  io.err(`${paint(color, 'failed', 'Rollback failed:')} ${printable(r.error ?? 'unknown error')}\n`);
  return 1;
}
