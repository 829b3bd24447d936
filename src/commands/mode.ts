/**
 * The two decisions the command line's front (src/cli.ts) and the modes (./index.ts) both make:
 * which root a run serves, and whether it is the interactive wizard. The front makes them first,
 * to draw a fresh box's first frame before the rest of mailsetup has loaded; ./index.ts makes
 * them again with the same functions, and its refusals are the ones the user sees.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { UsageError } from '../model/errors.js';
import type { CliOptions } from '../model/options.js';

/** What the terminal is, as far as the choice of the wizard goes. */
export interface TerminalKind {
  stdinIsTty: boolean;
  stdoutIsTty: boolean;
  /** TERM=dumb: a terminal that cannot move its cursor (an Emacs shell, a serial console). */
  dumb?: boolean;
}

/** The options ask for another mode than the wizard or an apply (rollback, verify, …). */
export function otherMode(opts: CliOptions): boolean {
  return opts.rollback || opts.verify || opts.listBackups || opts.forget;
}

/** The options apply without asking (--yes, not --dry-run): such a run checks its plan before the preview. */
export function appliesAtOnce(opts: CliOptions): boolean {
  return opts.yes && !opts.dryRun;
}

/** The options leave the questions to be asked (no --json, --yes, --dry-run or other mode). */
export function wantsQuestions(opts: CliOptions): boolean {
  return !opts.json && !opts.yes && !opts.dryRun && !otherMode(opts);
}

/**
 * The run is the interactive wizard: the options leave questions to ask and stdin and stdout are
 * a terminal that can redraw a screen (a dumb terminal is treated like no terminal at all).
 */
export function interactiveRun(opts: CliOptions, term: TerminalKind): boolean {
  return wantsQuestions(opts) && term.stdinIsTty && term.stdoutIsTty && term.dumb !== true;
}

/**
 * The root a --root value names: '/' without one; else the directory, its symbolic links
 * resolved (a sandbox whose path leads through a link is the directory the link names, and a
 * value that resolves to / is the live system). An empty value (an unset variable in a script)
 * and a missing directory are usage errors: neither may silently mean the live system or a new
 * tree built by a typo.
 */
export function rootOf(value: string | undefined): string {
  if (value === undefined) return '/';
  if (value === '') {
    throw new UsageError(
      '--root needs a sandbox directory, and the value is empty (an unset variable?); omit --root to configure this host',
    );
  }
  const abs = resolvePath(value);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`--root ${value}: no such directory`);
    throw new UsageError(`--root ${value}: ${code ?? (e as Error).message}`);
  }
  if (!statSync(real).isDirectory()) throw new UsageError(`--root ${value}: not a directory`);
  return real;
}
