/**
 * The modes behind the command line, one folder each: the wizard (interactive), apply (answers
 * file, dry run), rollback and verify. This file decides which one runs; each mode returns its
 * exit code or throws a MailsetupError that carries one (src/model/errors.ts): 0 success or
 * nothing to do, 1 apply failed (rolled back), 2 usage error or invalid answers. With --json the
 * mode's text goes to stderr and the one JSON document to stdout (./json.ts), also when it fails.
 */
import { isMailsetupError, UsageError, type ExitCode } from '../model/errors.js';
import type { CliOptions } from '../model/options.js';
import { errorDocument } from '../output/json.js';
import { writeCrashReport } from '../system/crashReport.js';
import { VERSION } from '../version.js';
import { toAscii } from '../output/ascii.js';
import { askOnTerminal, type CommandContext, type Io } from './context.js';
import { loadUi } from './loadUi.js';
import { appliesAtOnce, interactiveRun, otherMode, rootOf, type TerminalKind } from './mode.js';
import type { ShownFrame } from './wizard/firstFrame.js';
import type { JsonRun } from './json.js';

export { rootOf, writeCrashReport };

export interface Terminal extends TerminalKind {
  isRoot: boolean;
  io: Io;
  /** The command line (for the crash report of an unexpected error under --json). */
  argv: readonly string[];
  /**
   * The wizard's first frame on a fresh box, drawn by the front (src/cli.ts) before this module
   * loaded; Ink takes its place. Absent when the front drew none (the wizard draws the first
   * frame itself once it has read the files).
   */
  firstFrame?: ShownFrame;
}

/** The document of a command line refused before any mode ran (--json given): one line of JSON. */
export function jsonErrorText(exitCode: ExitCode, message: string, details: string[] = []): string {
  return `${JSON.stringify(errorDocument(VERSION, exitCode, message, details))}\n`;
}

/** Text for a terminal that shows only ASCII (opts.unicode false): the marks in ASCII. */
function asciiIo(io: Io): Io {
  return { out: (s) => io.out(toAscii(s)), err: (s) => io.err(toAscii(s)) };
}

/** Which mode the options ask for, and whether it may ask questions. */
export async function run(opts: CliOptions, term: Terminal): Promise<ExitCode> {
  let root: string;
  try {
    root = rootOf(opts.root);
  } catch (e) {
    // Refused before any mode ran: with --json, the refusal is a document on stdout too.
    if (!opts.json || !isMailsetupError(e)) throw e;
    term.io.err(`mailsetup: ${e.message}\n`);
    term.io.out(jsonErrorText(e.exitCode, e.message));
    return e.exitCode;
  }
  if (opts.root !== undefined && root === '/') {
    term.io.err(`mailsetup: --root ${opts.root} is / itself: this run configures this host (a live run)\n`);
  }
  if (!opts.json) return runMode(opts, term, root, term.io);
  // The JSON document's module (with the planner's secrets) loads only for --json: the wizard's
  // first frame does not wait for it.
  const json: JsonRun = new (await import('./json.js')).JsonRun(VERSION, opts, root);
  const err = (s: string) => term.io.err(s);
  try {
    const code = await runMode(opts, term, root, { out: err, err }, json);
    // --dry-run --check: exit 1 says "would change"; the run itself went well.
    term.io.out(json.finish(code, null, code === 0 || (opts.dryRun && opts.check && code === 1)));
    return code;
  } catch (e) {
    if (isMailsetupError(e)) {
      if (e.message !== '') err(`mailsetup: ${e.message}\n`);
      for (const line of e.details) err(`${line}\n`);
      term.io.out(json.finish(e.exitCode, { message: e.message, details: [...e.details] }));
      return e.exitCode;
    }
    const where = writeCrashReport(e, term.argv, VERSION);
    const message = `unexpected error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
    err(`mailsetup: ${message}${where ? ` (details in ${where})` : ''}\n`);
    term.io.out(json.finish(1, { message, details: where ? [`details in ${where}`] : [] }));
    return 1;
  }
}

async function runMode(opts: CliOptions, term: Terminal, root: string, io: Io, json?: JsonRun): Promise<ExitCode> {
  if (root === '/' && !opts.dryRun && !opts.verify && !term.isRoot) {
    // --list-backups too: the backups are root's alone (0700).
    throw new UsageError(
      'root is needed to configure Postfix: run it with sudo (or use --dry-run, or --root DIR for a sandbox)',
    );
  }
  if (opts.answers === '-' && term.stdinIsTty) {
    throw new UsageError(
      '--answers -: standard input is a terminal; pipe the answers in (… | mailsetup --answers - --yes)',
    );
  }
  const other = otherMode(opts);
  const interactive = interactiveRun(opts, term);
  if (!interactive && !opts.answers && !opts.yes && !opts.dryRun && !other && !opts.role) {
    throw new UsageError(
      term.dumb === true && term.stdinIsTty && term.stdoutIsTty
        ? 'this terminal (TERM=dumb) cannot show the wizard: pass --answers FILE (and --yes to apply), ' +
            'or run it in a terminal that can'
        : 'no terminal to ask questions on: pass --answers FILE (and --yes to apply), or run it in a terminal',
    );
  }
  // A fresh box's first frame (the role list as plain text) was drawn by the front before this
  // module loaded (src/cli.ts, ./wizard/firstFrame.ts); the wizard's modules and the Ink UI (the
  // largest module graph, with yoga's wasm) now start loading, beside the system layer's modules.
  // Any other box's first frame needs the files read: the wizard draws it, and loads the UI after it.
  const firstFrame = interactive ? (term.firstFrame ?? null) : null;
  const wizardModule = interactive ? import('./wizard/index.js') : null;
  if (firstFrame !== null) loadUi().catch(() => undefined); // an error surfaces where the wizard awaits it
  wizardModule?.catch(() => undefined); // awaited below, after the system layer's modules
  const { createRealEffects, loadCommandRunner } = await import('../system/realEffects.js');
  const real = createRealEffects(root);
  const ctx: CommandContext = {
    opts,
    fx: opts.noProbes ? (await import('../system/probes.js')).withoutProbes(real) : real,
    root,
    io: opts.unicode ? io : asciiIo(io),
    interactive,
    isRoot: term.isRoot,
    ...(json ? { json } : {}),
    ...(term.stdinIsTty && term.stdoutIsTty ? { ask: askOnTerminal } : {}),
    ...(firstFrame !== null ? { firstFrame } : {}),
  };
  if (wizardModule !== null) return (await wizardModule).wizard(ctx);
  if (opts.rollback) return (await import('./rollback/index.js')).rollback(ctx);
  if (opts.listBackups) return (await import('./rollback/index.js')).listBackupsMode(ctx);
  if (opts.forget) return (await import('./forget/index.js')).forget(ctx);
  if (opts.verify) return (await import('./verify/index.js')).verifyCommand(ctx);
  // The host's facts (a few short commands) are gathered while the apply's modules load: the
  // command runner and the facts' module first, so that the commands start before the rest loads.
  await loadCommandRunner();
  const host = (await import('../system/hostFacts.js')).readHostFacts(ctx.fx);
  host.catch(() => undefined); // an error surfaces where applyAnswers awaits it
  // Live, the queue (postqueue -j: queued mail for domains a change stops serving) is read beside
  // the facts, or the plan's preview would wait for it; an apply (--yes) reads it later, beside
  // its check (./apply/index.ts).
  const queue =
    ctx.fx.live && !appliesAtOnce(opts)
      ? (await import('../system/queue.js')).readQueue(ctx.fx).catch(() => null)
      : undefined;
  return (await import('./apply/index.js')).applyAnswers(ctx, host, queue);
}
