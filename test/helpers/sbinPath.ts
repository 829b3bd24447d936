/**
 * Postfix's tools (postconf, postfix, postmap, postalias) are in /usr/sbin, which Debian leaves off
 * the PATH of users other than root (login.defs ENV_PATH). The tests run them, and the CLI that runs
 * them, as any user: the sbin directories a PATH lacks are added at its end.
 */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** `path` with the sbin directories it lacks appended. */
export function withSbin(path: string): string {
  const dirs = path.split(':').filter((d) => d !== '');
  return [...dirs, ...SBIN.filter((d) => !dirs.includes(d))].join(':');
}

/** Give this process (and every child it starts) a PATH with the sbin directories. */
export function addSbinToPath(): void {
  process.env.PATH = withSbin(process.env.PATH ?? '');
}
