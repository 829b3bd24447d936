/**
 * Entry point of the bundle, its front (built alone into dist/cli.cjs, a CommonJS file: Node
 * loads one such file sooner than an ES module): parses the command line and dispatches. --help
 * and --version answer from here without loading React, Ink or any Postfix code, and a fresh
 * box's wizard draws its first frame from here before the rest of mailsetup loads.
 */
import type { Terminal } from './commands/index.js';
import type { ShownFrame } from './commands/wizard/firstFrame.js';
import { isMailsetupError, UsageError } from './model/errors.js';
import { printable } from './model/text.js';
import type { CliOptions } from './model/options.js';
import { VERSION } from './version.js';

export type { CliOptions };

export const HELP = `mailsetup ${VERSION}: configure Postfix for a standard role

Usage: mailsetup [options]

Roles: null-client, mail-server, backup-mx, firewall-relay

Options:
  --answers FILE   answers YAML: pre-fills the questions (with --yes, skips them);
                   - reads them from standard input
  --save-answers FILE
                   write the answers of this run to FILE for another host:
                   what was typed or chosen, no password; replay it with
                   --answers FILE --yes
  --role ID        the role to configure (overrides the answers file)
  --all-questions  the wizard asks every question of the role in turn, not only
                   what the role needs from you (the rest is on its review screen)
  --yes            no prompts: apply when the answers are complete and valid
  --dry-run        show the plan and the diff, write nothing (exit 0)
  --check          with --dry-run: exit 1 when changes would be made
  --root DIR       treat DIR as the file system root; never touch the live system
  --rollback       undo the last apply from its backup (or finish a rollback
                   that did not complete); says which apply first and, on a
                   terminal, asks [y/N]
  --list-backups   the backups of earlier applies, and which one --rollback undoes
  --forget         hand the box back: show what mailsetup owned, then remove
                   its record (mailsetup.yaml); no Postfix setting changes
  --only-last      with --rollback: undo the last apply only while it is in place;
                   once it is undone, do nothing (never an older apply)
  --verify         check that the running Postfix does what its role promises
  --json           one JSON document on stdout (the plan, the result, the checks;
                   schema in the README); progress and messages go to stderr
  --fresh-start    when the state file (/etc/postfix/mailsetup.yaml) does not
                   validate: set it aside (the apply's backup keeps it) and
                   start as if mailsetup had never configured this host
  --no-probes      ask nothing of the network: no DNS lookups, no connection
                   tests, no test of the smart-host login (each says it was not
                   done); packages are still installed with apt-get
  --no-color       no colours (also NO_COLOR=1); without it, colours only on a
                   terminal, or wherever FORCE_COLOR=1 asks for them
  -h, --help       this text
  -v, --version    the version

Exit codes: 0 success or nothing to do, 1 apply failed (and was rolled back),
2 usage error or invalid answers.
`;

/**
 * Whether to colour the output: --no-color or a non-empty NO_COLOR turn it off; FORCE_COLOR
 * turns it on (or off when it is 0 or false) whatever stdout is; otherwise colours go only to a
 * terminal, so that `mailsetup --dry-run > plan.txt` and CI logs get plain text.
 */
export function colorWanted(noColorFlag: boolean, env: NodeJS.ProcessEnv, stdoutIsTty: boolean): boolean {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return stdoutIsTty && env.TERM !== 'dumb';
}

/**
 * Whether the terminal shows characters beyond ASCII: the locale's character set (LC_ALL, else
 * LC_CTYPE, else LANG; unset is POSIX, i.e. ASCII) is UTF-8, and the terminal is not the Linux
 * console, whose fonts lack ❯ ✓ ✗ and the braille spinner.
 */
export function unicodeWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.TERM === 'linux') return false;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

/**
 * node:util, loaded when first needed. In dist/cli.cjs (CommonJS) with require(): an import()
 * there would start Node's loader for ES modules before the first frame is drawn. Where this file
 * runs as an ES module (the tests' module-by-module build of src/), there is no require().
 */
async function nodeUtil(): Promise<typeof import('node:util')> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return typeof require === 'function' ? (require('node:util') as typeof import('node:util')) : import('node:util');
}

/** node:tty, loaded when first needed, as node:util above. */
async function nodeTty(): Promise<typeof import('node:tty')> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return typeof require === 'function' ? (require('node:tty') as typeof import('node:tty')) : import('node:tty');
}

/** Parse the command line; throws UsageError (exit 2) for an unknown option or a bad combination. */
export async function parseCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  stdoutIsTty = process.stdout.isTTY === true,
): Promise<CliOptions | 'help' | 'version'> {
  // The two one-word commands answer before the parser loads (node:util's parseArgs takes a few
  // ms to load on Node 18, a fifth of a --version): what it would answer for them alone.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return 'version';
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) return 'help';
  const { parseArgs } = await nodeUtil();
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        answers: { type: 'string' },
        'save-answers': { type: 'string' },
        role: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        'dry-run': { type: 'boolean' },
        check: { type: 'boolean' },
        root: { type: 'string' },
        rollback: { type: 'boolean' },
        'list-backups': { type: 'boolean' },
        forget: { type: 'boolean' },
        verify: { type: 'boolean' },
        'only-last': { type: 'boolean' },
        json: { type: 'boolean' },
        'fresh-start': { type: 'boolean' },
        'all-questions': { type: 'boolean' },
        'no-probes': { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.version) return 'version';
  if (v.check && !v['dry-run']) throw new UsageError('--check goes with --dry-run');
  if (v['only-last'] && !v.rollback) throw new UsageError('--only-last goes with --rollback');
  const modes = (['rollback', 'list-backups', 'forget', 'verify'] as const).filter((m) => v[m]);
  if (modes.length > 1) throw new UsageError(`--${modes[0]} and --${modes[1]} do different things: give one of them`);
  if (v.json && (v['list-backups'] || v.forget)) {
    throw new UsageError(`--json does not go with --${v.forget ? 'forget' : 'list-backups'}`);
  }
  if (v.json && !v.answers && !v.role && !v['dry-run'] && !v.yes && !v.verify && !v.rollback) {
    throw new UsageError('--json goes with --answers, --dry-run, --yes, --verify or --rollback (not with the wizard)');
  }
  if (v['save-answers'] !== undefined && (v.rollback || v.verify))
    throw new UsageError(
      `--save-answers goes with the wizard, --answers or --dry-run, not with --${v.rollback ? 'rollback' : 'verify'}`,
    );
  if (v['save-answers'] === '') throw new UsageError('--save-answers: give a file name');
  if (v['no-probes'] && v.verify)
    throw new UsageError('--no-probes does not go with --verify: its checks talk SMTP to Postfix and ask DNS');
  if (v['all-questions'] && (v.yes || v['dry-run'] || v.json || modes.length > 0))
    throw new UsageError(
      '--all-questions goes with the wizard (it asks questions), not with --yes, --dry-run or a mode',
    );
  return {
    answers: v.answers,
    saveAnswers: v['save-answers'],
    role: v.role,
    yes: v.yes ?? false,
    dryRun: v['dry-run'] ?? false,
    check: v.check ?? false,
    root: v.root,
    rollback: v.rollback ?? false,
    listBackups: v['list-backups'] ?? false,
    forget: v.forget ?? false,
    verify: v.verify ?? false,
    onlyLast: v['only-last'] ?? false,
    json: v.json ?? false,
    // --json: stdout holds only the document, and the text on stderr is for logs: no colours.
    color: v.json ? false : colorWanted(v['no-color'] ?? false, env, stdoutIsTty),
    unicode: unicodeWanted(env),
    freshStart: v['fresh-start'] ?? false,
    allQuestions: v['all-questions'] ?? false,
    noProbes: v['no-probes'] ?? false,
  };
}

/**
 * A closed stdout or stderr (`mailsetup --dry-run | head`) must not kill the process: an apply
 * in progress would stop half way. The output is lost; the run carries on and exits as usual.
 */
function ignoreBrokenPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // A hung-up terminal (SIGHUP, a dropped SSH session) answers EIO: the run goes on.
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED' && err.code !== 'EIO') throw err;
    });
  }
}

/**
 * Everything but the argument parser, loaded only when a mode runs: dist/run.cjs (as this file is
 * dist/cli.cjs), compiled with V8's code cache when the build left one (./codeCache.ts); the
 * module itself where this file runs as an ES module (the tests' module-by-module build of src/).
 */
async function loadCommands(): Promise<typeof import('./commands/index.js')> {
  if (typeof require !== 'function') return import('./commands/index.js');
  const { loadBundle } = await import('./codeCache.js');
  // dist/ui.js is imported through here (an import() compiled with this file: see ./codeCache.ts).
  const bundle = loadBundle(`${__dirname}/run.cjs`, (specifier) => import(specifier));
  return bundle.exports as typeof import('./commands/index.js');
}

async function main(): Promise<number> {
  let opts: Awaited<ReturnType<typeof parseCli>>;
  const argv = process.argv.slice(2);
  try {
    opts = await parseCli(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      ignoreBrokenPipes();
      process.stderr.write(`mailsetup: ${err.message}\nTry 'mailsetup --help'.\n`);
      // Asked for JSON: a program reads stdout, so the refusal is a document there too.
      if (argv.includes('--json')) process.stdout.write((await loadCommands()).jsonErrorText(2, err.message));
      return 2;
    }
    throw err;
  }
  // --help and --version write to stdout only: stderr is not even opened (each stream Node opens
  // costs a few ms of a run this short).
  if (opts === 'help' || opts === 'version') {
    ignoreBrokenPipes([process.stdout]);
    process.stdout.write(opts === 'help' ? HELP : `${VERSION}\n`);
    return 0;
  }
  ignoreBrokenPipes();
  const write = (stream: NodeJS.WriteStream) => (s: string) => void stream.write(s);
  const term: Terminal = {
    // Asked of the descriptor: process.stdin would open a stream (~2 ms) that an apply never reads.
    stdinIsTty: (await nodeTty()).isatty(0),
    stdoutIsTty: process.stdout.isTTY === true,
    dumb: process.env.TERM === 'dumb',
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    io: { out: write(process.stdout), err: write(process.stderr) },
    argv,
  };
  const firstFrame = await freshFirstFrame(opts, term);
  const commands = await loadCommands();
  try {
    return await commands.run(opts, firstFrame === null ? term : { ...term, firstFrame });
  } catch (err) {
    if (isMailsetupError(err)) {
      // Messages quote answers, files and servers: control characters are shown, not obeyed.
      if (err.message !== '') process.stderr.write(`mailsetup: ${printable(err.message)}\n`);
      for (const line of err.details) process.stderr.write(`${printable(line)}\n`);
      return err.exitCode;
    }
    // Nothing the user can act on was expected here: one line, the details in a file.
    const where = commands.writeCrashReport(err, argv, VERSION);
    process.stderr.write(
      `mailsetup: unexpected error: ${printable(firstLine(err))}${where ? ` (details in ${where})` : ''}\n`,
    );
    return 1;
  }
}

/**
 * The wizard's first frame on a fresh box (the role list as plain text), drawn before the modes,
 * the system layer and the Ink UI have loaded; null when this run is not the wizard, is refused
 * (the modes say why, src/commands/index.ts), or the box is not told fresh at first sight.
 */
async function freshFirstFrame(opts: CliOptions, term: Terminal): Promise<ShownFrame | null> {
  // In dist/cli.cjs these modules' code is in the same file; it runs only now (a --version loads
  // neither node:fs nor the frame's text: on Node 18 node:fs alone takes a few ms to load).
  const { interactiveRun, rootOf } = await import('./commands/mode.js');
  if (!interactiveRun(opts, term) || opts.answers !== undefined || opts.role !== undefined) return null;
  let root: string;
  try {
    root = rootOf(opts.root);
  } catch {
    return null;
  }
  // Refused without root; a --root naming / is said first (the modes print it).
  if (root === '/' && (opts.root !== undefined || !term.isRoot)) return null;
  const { drawFreshFirstFrame } = await import('./commands/wizard/firstFrame.js');
  return drawFreshFirstFrame(root, {
    color: opts.color,
    unicode: opts.unicode,
    sandbox: root === '/' ? undefined : root,
  });
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mailsetup: unexpected error: ${firstLine(err)}\n`);
    process.exitCode = 1;
  },
);
