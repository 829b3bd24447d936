/** Quote `s` as one word for a POSIX shell (sh -c, tmux's commands, a shell reading its stdin): any bytes but NUL. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
