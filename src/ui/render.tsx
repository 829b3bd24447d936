/**
 * Entry point of the interactive mode: renders the wizard with Ink on the terminal and resolves
 * with the exit code: 0 applied (or nothing to change), 1 apply failed or the host could not be
 * probed, 130 cancelled with Ctrl-C before confirming (nothing written). The caller checks that
 * stdin is a TTY before calling it.
 */
import chalk from 'chalk';
import { render } from 'ink';
import { App } from './App.js';
import type { WizardBackend } from './backend.js';

/** Run the wizard until it ends; resolves with the exit code. */
export async function runWizard(backend: WizardBackend, opts: { color: boolean; root?: string }): Promise<number> {
  // Ink colours through chalk, which guesses from the environment (CI, TERM) whether to colour.
  // The caller has decided (--no-color, NO_COLOR, FORCE_COLOR, a terminal): say it explicitly.
  // Only the basic named colours are used, so level 1 is enough when colours are on.
  chalk.level = opts.color ? (Math.max(chalk.level, 1) as typeof chalk.level) : 0;
  let code = 130;
  const instance = render(<App backend={backend} color={opts.color} root={opts.root} onExit={(c) => (code = c)} />, {
    exitOnCtrlC: false,
    patchConsole: true,
  });
  await instance.waitUntilExit();
  return code;
}
