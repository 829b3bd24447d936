/**
 * Entry point of the interactive mode: renders the wizard with Ink on the terminal and resolves
 * with the exit code: 0 applied (or nothing to change), 1 apply failed or the host could not be
 * probed, 130 cancelled with Ctrl-C before confirming (nothing written). The caller checks that
 * stdin is a TTY before calling it.
 */
import { render } from 'ink';
import { App } from './App.js';
import type { WizardBackend } from './backend.js';

/** Run the wizard until it ends; resolves with the exit code. */
export async function runWizard(backend: WizardBackend, opts: { color: boolean; root?: string }): Promise<number> {
  let code = 130;
  const instance = render(<App backend={backend} color={opts.color} root={opts.root} onExit={(c) => (code = c)} />, {
    exitOnCtrlC: false,
    patchConsole: true,
  });
  await instance.waitUntilExit();
  return code;
}
