/**
 * The modes behind the command line, one folder each: the wizard (interactive), apply (answers
 * file, dry run), rollback and verify. This file decides which one runs; each mode returns its
 * exit code or throws a MailsetupError that carries one (src/model/errors.ts): 0 success or
 * nothing to do, 1 apply failed (rolled back), 2 usage error or invalid answers.
 */
import { resolve as resolvePath } from 'node:path';
import { UsageError, type ExitCode } from '../model/errors.js';
import type { CliOptions } from '../model/options.js';
import { createRealEffects } from '../system/realEffects.js';
import type { CommandContext, Io } from './context.js';

export { writeCrashReport } from '../system/crashReport.js';

export interface Terminal {
  stdinIsTty: boolean;
  stdoutIsTty: boolean;
  isRoot: boolean;
  io: Io;
}

/** Which mode the options ask for, and whether it may ask questions. */
export async function run(opts: CliOptions, term: Terminal): Promise<ExitCode> {
  const root = opts.root ? resolvePath(opts.root) : '/';
  if (root === '/' && !opts.dryRun && !opts.verify && !term.isRoot) {
    throw new UsageError(
      'root is needed to configure Postfix: run it with sudo (or use --dry-run, or --root DIR for a sandbox)',
    );
  }
  const interactive =
    !opts.yes && !opts.dryRun && !opts.rollback && !opts.verify && term.stdinIsTty && term.stdoutIsTty;
  if (!interactive && !opts.answers && !opts.yes && !opts.dryRun && !opts.rollback && !opts.verify && !opts.role) {
    throw new UsageError(
      'no terminal to ask questions on: pass --answers FILE (and --yes to apply), or run it in a terminal',
    );
  }
  const ctx: CommandContext = {
    opts,
    fx: createRealEffects(root),
    root,
    io: term.io,
    interactive,
    isRoot: term.isRoot,
  };
  if (interactive) return (await import('./wizard/index.js')).wizard(ctx);
  if (opts.rollback) return (await import('./rollback/index.js')).rollback(ctx);
  if (opts.verify) {
    const { readHostFacts } = await import('../system/hostFacts.js');
    const { verify } = await import('./verify/index.js');
    return (await verify(ctx.fx, await readHostFacts(ctx.fx), { color: opts.color })) as ExitCode;
  }
  return (await import('./apply/index.js')).applyAnswers(ctx);
}
