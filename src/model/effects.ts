/**
 * The one interface between mailsetup and the machine. The planner and the UI never touch the
 * file system or run commands themselves: the commands hand the system layer an `Effects` (real:
 * src/system/realEffects.ts; in memory for tests: src/system/memoryEffects.ts).
 */

/** Owner, group and permission bits of a file. */
export interface FileMeta {
  mode: number; // permission bits only, e.g. 0o644
  uid: number;
  gid: number;
}

export interface CommandResult {
  command: string; // the command line, for messages
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number; // default 60 s
  env?: Record<string, string>;
  input?: string;
  /**
   * Run under a pseudo-terminal (script(1)) so programs that write their messages only to a
   * terminal (postfix(1) itself logs fatal errors to syslog otherwise) show them. stdout and
   * stderr then arrive merged, in `stderr`. Falls back to a plain run where script(1) is absent.
   */
  tty?: boolean;
}

export interface Effects {
  /** '/' for the live system, or the sandbox directory of --root. */
  readonly root: string;
  /** True when root is '/': daemons may be started, stopped and reloaded. */
  readonly live: boolean;
  /** Map a system path ('/etc/postfix/main.cf') to the real path under root. */
  resolve(path: string): string;
  /** The file's text (UTF-8; refuses other encodings), or null when absent. Paths are system paths. */
  readFile(path: string): Promise<string | null>;
  stat(path: string): Promise<FileMeta | null>;
  /**
   * A file the user named on the command line (the answers file, a password file): a path of the
   * machine mailsetup runs on, relative to the working directory, never mapped into --root.
   * Throws an Error whose message is the system's error code (ENOENT, EACCES, …).
   */
  readUserFile(path: string): Promise<string>;
  /**
   * Write atomically: temp file in the same directory, fsync, rename. Keeps the existing owner,
   * group and mode unless `meta` says otherwise; new files get `meta` or root:root 0644. Follows
   * symlinks (writes the target). Creates missing parent directories (0755).
   */
  writeFileAtomic(path: string, content: string, meta?: Partial<FileMeta>): Promise<void>;
  /** Remove a file; no error when it is already absent. */
  removeFile(path: string): Promise<void>;
  /** List a directory's entries (names), or [] when absent. */
  listDir(path: string): Promise<string[]>;
  /** Run a command (no shell). Never throws for a non-zero exit: see exitCode. */
  run(cmd: string, args: string[], opts?: RunOptions): Promise<CommandResult>;
  /*
   * Optional members used by apply/backup/lock (src/system). Both createRealEffects and
   * createMemoryEffects implement them; apply() refuses an Effects that lacks them.
   */
  /** Create a directory and its missing parents; a directory it creates gets `mode`. */
  mkdir?(path: string, mode: number): Promise<void>;
  /** Remove a directory and everything in it; no error when absent. */
  removeTree?(path: string): Promise<void>;
  /** Create a file only when nothing exists at `path` (atomic); false when something does. */
  createExclusive?(path: string, content: string): Promise<boolean>;
  /** Whether a process with this pid exists (stale-lock detection). */
  processAlive?(pid: number): boolean;
}
