/**
 * Entry point of the bundle: parses the command line and dispatches. --help and --version
 * answer from here without loading React, Ink or any Postfix code.
 */
import { parseArgs } from 'node:util';
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

/** Parse the command line; throws UsageError (exit 2) for an unknown option or a bad combination. */
export function parseCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  stdoutIsTty = process.stdout.isTTY === true,
): CliOptions | 'help' | 'version' {
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
function ignoreBrokenPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // A hung-up terminal (SIGHUP, a dropped SSH session) answers EIO: the run goes on.
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED' && err.code !== 'EIO') throw err;
    });
  }
}

/** Everything but the argument parser, loaded only when a mode runs (one import site: one chunk). */
function loadCommands(): Promise<typeof import('./commands/index.js')> {
  return import('./commands/index.js');
}

async function main(): Promise<number> {
  ignoreBrokenPipes();
  let opts: ReturnType<typeof parseCli>;
  const argv = process.argv.slice(2);
  try {
    opts = parseCli(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`mailsetup: ${err.message}\nTry 'mailsetup --help'.\n`);
      // Asked for JSON: a program reads stdout, so the refusal is a document there too.
      if (argv.includes('--json')) process.stdout.write((await loadCommands()).jsonErrorText(2, err.message));
      return 2;
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (opts === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const commands = await loadCommands();
  const write = (stream: NodeJS.WriteStream) => (s: string) => void stream.write(s);
  try {
    return await commands.run(opts, {
      stdinIsTty: process.stdin.isTTY === true,
      stdoutIsTty: process.stdout.isTTY === true,
      dumb: process.env.TERM === 'dumb',
      isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
      io: { out: write(process.stdout), err: write(process.stderr) },
      argv,
    });
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
