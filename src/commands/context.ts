/**
 * What every mode gets: the parsed command line, the machine (Effects, the --root it serves),
 * where text goes, and the decisions about the terminal made once in src/cli.ts.
 */
import type { Effects } from '../model/effects.js';
import type { StepEvent } from '../model/events.js';
import type { CliOptions } from '../model/options.js';
import { stepText } from '../output/steps.js';
import type { JsonRun } from './json.js';

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

export interface CommandContext {
  opts: CliOptions;
  fx: Effects;
  /** '/' for the live system, else the --root sandbox (absolute). */
  root: string;
  io: Io;
  /** stdin and stdout are a terminal a person types on, and no flag asks for a non-interactive run. */
  interactive: boolean;
  /** The process runs as root. */
  isRoot: boolean;
  /** --json: the document the run fills (`io` then writes to stderr; the document alone goes to stdout). */
  json?: JsonRun;
}

/** Print step events as plain lines (the non-interactive step list); with --json also record them. */
export function eventPrinter(ctx: CommandContext): (e: StepEvent) => void {
  return (e) => {
    ctx.json?.event(e);
    ctx.io.out(stepText(e, ctx.opts.color));
  };
}

/** `s` quoted for a POSIX shell when it needs quoting. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
