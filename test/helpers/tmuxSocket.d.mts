/** Where the tmux server of `socket` (`tmux -L socket`) has its socket: tmux(1) "-L". */
export function tmuxSocketPath(socket: string): string;
/** Kill the tmux server of `socket` and remove its socket file, which tmux (3.3) leaves behind. */
export function killTmuxServer(socket: string): void;
