/**
 * The modes behind the command line, one folder each: the wizard (interactive), apply (answers
 * file, dry run), rollback and verify. This file decides which one runs; each mode returns its
 * exit code or throws a MailsetupError that carries one (src/model/errors.ts): 0 success or
 * nothing to do, 1 apply failed (rolled back), 2 usage error or invalid answers. With --json the
 * mode's text goes to stderr and the one JSON document to stdout (./json.ts), also when it fails.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { isMailsetupError, UsageError, type ExitCode } from '../model/errors.js';
import type { CliOptions } from '../model/options.js';
import { errorDocument } from '../output/json.js';
import { writeCrashReport } from '../system/crashReport.js';
import { VERSION } from '../version.js';
import { toAscii } from '../output/ascii.js';
import { askOnTerminal, type CommandContext, type Io } from './context.js';
import type { ShownFrame } from './wizard/firstFrame.js';
import type { JsonRun } from './json.js';

export { writeCrashReport };

export interface Terminal {
  stdinIsTty: boolean;
  stdoutIsTty: boolean;
  /** TERM=dumb: a terminal that cannot move its cursor (an Emacs shell, a serial console). */
  dumb?: boolean;
  isRoot: boolean;
  io: Io;
  /** The command line (for the crash report of an unexpected error under --json). */
  argv: readonly string[];
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
  const otherMode = opts.rollback || opts.verify || opts.listBackups || opts.forget;
  const wantsQuestions = !opts.json && !opts.yes && !opts.dryRun && !otherMode;
  // A dumb terminal cannot redraw a screen: it is treated like no terminal at all.
  const interactive = wantsQuestions && term.stdinIsTty && term.stdoutIsTty && term.dumb !== true;
  if (!interactive && !opts.answers && !opts.yes && !opts.dryRun && !otherMode && !opts.role) {
    throw new UsageError(
      term.dumb === true && term.stdinIsTty && term.stdoutIsTty
        ? 'this terminal (TERM=dumb) cannot show the wizard: pass --answers FILE (and --yes to apply), ' +
            'or run it in a terminal that can'
        : 'no terminal to ask questions on: pass --answers FILE (and --yes to apply), or run it in a terminal',
    );
  }
  // A fresh box's first frame (the role list as plain text) is drawn now, before the wizard's
  // modules, the system layer and the files' parsers have loaded (./wizard/firstFrame.ts); then
  // the wizard's modules and the Ink UI (the largest module graph, with yoga's wasm) start loading,
  // beside the system layer's modules. Any other box's first frame needs the files read: the
  // wizard draws it, and loads the UI after it.
  const firstFrame =
    interactive && opts.answers === undefined && opts.role === undefined ? await freshFirstFrame(opts, root) : null;
  const wizardModule = interactive ? import('./wizard/index.js') : null;
  if (firstFrame !== null) import('../ui/render.js').catch(() => undefined); // an error surfaces where the wizard awaits it
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
  return (await import('./apply/index.js')).applyAnswers(ctx, host);
}

/**
 * The wizard's first frame on a fresh box, drawn with raw input on; null unless the box is told
 * fresh at first sight (./wizard/firstFrame.ts) and the frame fits.
 */
async function freshFirstFrame(opts: CliOptions, root: string): Promise<ShownFrame | null> {
  const first = await import('./wizard/firstFrame.js');
  const detection = first.freshAtFirstSight(root);
  if (detection === null) return null;
  // Raw input before anything is drawn (the wizard keeps it on): a key typed now is not echoed over the frame.
  first.rawInput();
  const frame = first.drawFirstFrame(process.stdout, first.roleInfoList(), detection, {
    color: opts.color,
    unicode: opts.unicode,
    sandbox: root === '/' ? undefined : root,
  });
  return frame === null ? null : first.watchFrame(frame);
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
