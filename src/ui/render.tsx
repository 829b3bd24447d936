/**
 * Entry point of the interactive mode: renders the wizard with Ink on the terminal and resolves
 * with the exit code: 0 applied (or nothing to change), 1 apply failed or the host could not be
 * probed, 130 cancelled with Ctrl-C before confirming (nothing written). The caller checks that
 * stdin is a terminal (and not a dumb one) before calling it.
 */
import chalk from 'chalk';
import { render } from 'ink';
import { toAscii } from '../output/ascii.js';
import { App } from './App.js';
import type { WizardBackend } from './backend.js';
import { BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON } from './input/keys.js';
import { replacePlainFrame, type PlainFrame } from './roleFrame.js';

export interface RunOptions {
  /** Colours; bold, reverse video and underline are drawn either way. */
  color: boolean;
  /** The terminal shows more than ASCII; otherwise every mark is drawn in ASCII. */
  unicode?: boolean;
  /** The --root sandbox, named in the hints. */
  root?: string;
  /** The plain first frame on the terminal (commands/wizard/firstFrame.ts): Ink's first frame takes its place. */
  plainFrame?: PlainFrame | null;
}

/**
 * `out`, whose first write starts with `prefix`: Ink's first frame, in one write with the codes
 * that erase the plain frame it replaces.
 */
function prefixFirstWrite(out: NodeJS.WriteStream, prefix: () => string): NodeJS.WriteStream {
  let first = true;
  return mapWrites(out, (text) => {
    if (!first) return text;
    first = false;
    return prefix() + text;
  });
}

/** `out`, with the text of every write put through `map` first (everything else is out's own). */
function mapWrites(out: NodeJS.WriteStream, map: (text: string) => string): NodeJS.WriteStream {
  return new Proxy(out, {
    get(target, prop) {
      if (prop === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...a: unknown[]) => boolean)(typeof chunk === 'string' ? map(chunk) : chunk, ...rest);
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * `out`, with every write put into ASCII. The marks have ASCII stand-ins of the same width, so
 * the layout Ink computed for the text it writes holds.
 */
function asciiStream(out: NodeJS.WriteStream): NodeJS.WriteStream {
  return mapWrites(out, toAscii);
}

/** Run the wizard until it ends; resolves with the exit code. */
export async function runWizard(backend: WizardBackend, opts: RunOptions): Promise<number> {
  // Ink styles through chalk, which guesses from the environment (CI, TERM, --no-color in argv)
  // whether to style at all. The caller has decided about colours; bold, reverse video (the text
  // cursor, the yes/no choice) and underline are not colours and stay: level 1 is enough.
  chalk.level = Math.max(chalk.level, 1) as typeof chalk.level;
  const terminal = opts.unicode === false ? asciiStream(process.stdout) : process.stdout;
  const plain = opts.plainFrame;
  const stdout =
    plain === undefined || plain === null
      ? terminal
      : prefixFirstWrite(terminal, () => replacePlainFrame(plain, { rows: terminal.rows, columns: terminal.columns }));
  // Bracketed paste: a paste arrives marked, so a pasted line break never submits a field.
  const paste = process.stdout.isTTY === true;
  if (paste) process.stdout.write(BRACKETED_PASTE_ON);
  let code = 130;
  try {
    const instance = render(<App backend={backend} color={opts.color} root={opts.root} onExit={(c) => (code = c)} />, {
      stdout,
      exitOnCtrlC: false,
      patchConsole: true,
    });
    await instance.waitUntilExit();
  } finally {
    if (paste) process.stdout.write(BRACKETED_PASTE_OFF);
  }
  return code;
}
