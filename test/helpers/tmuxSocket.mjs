// Killing a private tmux server (`tmux -L SOCKET`) for the terminal tests (helpers/tmux.ts and the
// files with their own server) and the bench (bench/lib.mjs). Plain JavaScript, so that the bench
// imports it without a TypeScript step.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** Where the tmux server of `socket` (`tmux -L socket`) has its socket: tmux(1) "-L". */
export function tmuxSocketPath(socket) {
  return join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket);
}

/** Kill the tmux server of `socket` and remove its socket file, which tmux (3.3) leaves behind. */
export function killTmuxServer(socket) {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  rmSync(tmuxSocketPath(socket), { force: true });
}
