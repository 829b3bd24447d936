/**
 * What every mode gets: the parsed command line, the machine (Effects, the --root it serves),
 * where text goes, and the decisions about the terminal made once in src/cli.ts.
 */
import type { Effects } from '../model/effects.js';
import type { StepEvent } from '../model/events.js';
import type { CliOptions } from '../model/options.js';
import { stepText } from '../output/steps.js';
import type { ShownFrame } from './wizard/firstFrame.js';
import type { JsonRun } from './json.js';
import { nodeReadlinePromises } from '../system/builtins.js';

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
  /**
   * Ask a yes/no question on the terminal and return the line typed (null: Ctrl-C/Ctrl-D).
   * Absent when stdin or stdout is not a terminal: a mode that would ask goes ahead instead.
   */
  ask?: (question: string) => Promise<string | null>;
  /** The wizard's first frame, drawn as plain text before the wizard loaded (a fresh box): Ink takes its place. */
  firstFrame?: ShownFrame;
}

/**
 * Whether to go ahead with something that changes the machine: with --yes, with --json (a program
 * reads stdout), or without a terminal to ask on, yes; otherwise the answer to `question` ([y/N]:
 * only y or yes).
 */
export async function confirmed(ctx: CommandContext, question: string): Promise<boolean> {
  if (ctx.opts.yes || ctx.json !== undefined || ctx.ask === undefined) return true;
  const answer = (await ctx.ask(`${question} [y/N] `))?.trim().toLowerCase() ?? '';
  return answer === 'y' || answer === 'yes';
}

/** A question on the process's terminal (readline); null when the user ends it (Ctrl-C, Ctrl-D). */
export async function askOnTerminal(question: string): Promise<string | null> {
  const { createInterface } = nodeReadlinePromises();
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const closed = new Promise<null>((resolve) => rl.once('close', () => resolve(null)));
  try {
    return await Promise.race([rl.question(question), closed]);
  } catch {
    return null;
  } finally {
    rl.close();
  }
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
