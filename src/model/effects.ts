/**
 * The one interface between mailsetup and the machine. The planner and the UI never touch the
 * file system or run commands themselves: the commands hand the system layer an `Effects` (real:
 * src/system/realEffects.ts; in memory for tests: src/system/memoryEffects.ts).
 */
import type { CertificateInfo } from './tls.js';

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
  /**
   * When aborted, the command (and everything it started) is terminated, as on a timeout: a
   * build or a check that a signal interrupted is rolled back rather than waited for.
   */
  signal?: AbortSignal;
  /**
   * Start the command and return once it runs, without waiting for it to end (postfix-script's
   * `postsuper &` after a reload): its standard streams are /dev/null, it runs in a session of
   * its own and outlives mailsetup. The result's exit code says only whether it started (127
   * when the program is not found); its command line ends in ` &`.
   */
  background?: boolean;
}

/** A TCP socket in LISTEN state. */
export interface ListenSocket {
  /** 127.0.0.1, ::1, 0.0.0.0, ::, ::ffff:7f00:1 (an IPv4 socket seen through tcp6) */
  address: string;
  port: number;
  family: 4 | 6;
  loopback: boolean;
  /** 0.0.0.0 or :: (every address). */
  wildcard: boolean;
}

/** One address of a network interface, as os.networkInterfaces() reports it. */
export interface InterfaceInfo {
  address: string;
  netmask: string;
  /** 'IPv4'/'IPv6' (Node 18.0–18.3 said 4/6). */
  family: 'IPv4' | 'IPv6' | 4 | 6;
  /** address/prefix, or null when the kernel gave no valid netmask. */
  cidr: string | null;
}

/** One MX record as DNS gives it: the exchange may end with a dot and be in any case. */
export interface MxRecord {
  exchange: string;
  priority: number;
}

/** Where `connect` dials, and how long it waits. */
export interface ConnectOptions {
  host: string;
  port: number;
  /** Local address to connect from (e.g. a loopback alias such as 127.0.0.9). */
  localAddress?: string;
  /** Bound on the connect. */
  timeoutMs: number;
}

/**
 * An open TCP connection. Text written goes out as UTF-8; what arrives is handed over as latin1
 * text (one character per byte), so no byte is lost or merged.
 */
export interface Connection {
  write(text: string): void;
  /**
   * Receive: `onData` with each chunk, then `onEnd` once when the peer closes (with the error
   * that ended the connection, if one did; also when it had ended before listen was called).
   * Returns the function that stops listening (before a TLS layer takes the socket over).
   */
  listen(onData: (chunk: string) => void, onEnd: (error?: Error) => void): () => void;
  /** Close at once. */
  close(): void;
}

/** What a resolver answered to a DNSSEC probe (Postfix's own dnssec_probe: NS records of the root). */
export interface DnssecProbeResult {
  /** The DNS response code (0 = NOERROR). */
  rcode: number;
  /** The AD bit: the resolver validated the answer. */
  ad: boolean;
}

/** Where a STARTTLS probe dials, and the name it greets with. */
export interface StarttlsProbeOptions {
  host: string;
  port: number;
  ehloName: string;
  /** Bound on the connect, on every reply and on the handshake. */
  timeoutMs: number;
}

/** What a STARTTLS probe saw: the offer, the handshake and the certificate presented. */
export interface StarttlsProbeResult {
  /** The server's greeting (first line). */
  greeting: string;
  /** The EHLO reply lists STARTTLS. */
  offered: boolean;
  /** The reply to STARTTLS (when offered): 220 to go ahead, 454 when TLS is not available. */
  reply?: string;
  /** After a completed handshake: "TLSv1.3", the cipher, and the server's certificate. */
  protocol?: string;
  cipher?: string;
  certificate?: CertificateInfo;
  /** The conversation ("S: …", "C: …", "-- …"). */
  transcript: string[];
}

export interface Effects {
  /** '/' for the live system, or the sandbox directory of --root. */
  readonly root: string;
  /** True when root is '/': daemons may be started, stopped and reloaded. */
  readonly live: boolean;
  /**
   * --no-probes: this run asks nothing of the network (no DNS lookup, no connection, no test of
   * the smart-host login): connect, resolveMx, resolveDns, dnssecProbe and starttlsProbe reject
   * (code ENOPROBES), and the callers say what was not done (src/system/probes.ts, withoutProbes).
   */
  readonly noProbes?: boolean;
  /**
   * The standard input, read to its end (`--answers -`). Throws an Error saying so when it holds
   * more than `maxBytes` bytes or is not UTF-8 text.
   */
  readStdin(maxBytes: number): Promise<string>;
  /** Map a system path ('/etc/postfix/main.cf') to the real path under root. */
  resolve(path: string): string;
  /**
   * The real path of a system path: under --root inside the sandbox, with every symbolic link
   * resolved the way a chroot would (an absolute link target is taken under the root too), so it
   * names no link and never leads out of the sandbox. The path to show in messages. Throws a
   * UsageError for a loop of links.
   */
  realPath(path: string): Promise<string>;
  /**
   * The path to hand a command (postmap, postalias, postconf -c) for a system path. A program
   * follows symbolic links with the host's root, not the sandbox's: under --root a path whose
   * links it would follow elsewhere than mailsetup does (out of the sandbox) is refused, and so is
   * any of `outputs` (files the program writes beside it: transport.db) that is a symbolic link
   * or not a regular file. Throws a UsageError naming the link. Live: the path itself.
   */
  commandPath(path: string, outputs?: readonly string[]): Promise<string>;
  /** The file's text (UTF-8; refuses other encodings), or null when absent. Paths are system paths. */
  readFile(path: string): Promise<string | null>;
  /**
   * The file's bytes, or null when absent: for files that are not text (the databases postmap and
   * postalias build), copied into a backup and back exactly.
   */
  readFileBytes(path: string): Promise<Uint8Array | null>;
  stat(path: string): Promise<FileMeta | null>;
  /**
   * What is at a path (following symlinks under the root): a regular file, a directory, something
   * else (a FIFO, a device, a socket: never read those), or null when nothing is there.
   */
  fileKind(path: string): Promise<'file' | 'directory' | 'other' | null>;
  /**
   * A file the user named on the command line (the answers file, a password file): a path of the
   * machine mailsetup runs on, relative to the working directory, never mapped into --root.
   * Only a regular file of at most `maxBytes` (default 64 MiB) is read (a FIFO or a device is
   * never opened for reading), and only UTF-8 text. Throws an Error whose message is the system's
   * error code (ENOENT, EACCES, …) or says what is wrong ("not a regular file (a FIFO)",
   * "larger than 4096 bytes", "not UTF-8 text (byte 0xff at offset 3)").
   */
  readUserFile(path: string, maxBytes?: number): Promise<string>;
  /** Owner, group and mode of a user-named file (as readUserFile resolves it), or null when absent. */
  userFileMeta(path: string): Promise<FileMeta | null>;
  /** The uid this process runs as (0 for root). */
  readonly uid: number;
  /**
   * Write a file the user named on the command line (--save-answers): a path of the machine
   * mailsetup runs on, relative to the working directory, never mapped into --root. Atomic (a
   * temporary file beside it, then rename); a new file is 0600, an existing one keeps its mode.
   * Throws an Error whose message is the system's error code (ENOENT, EACCES, EISDIR, …).
   */
  writeUserFile(path: string, content: string): Promise<void>;
  /**
   * Write atomically (text as UTF-8, or bytes as they are): temp file in the same directory, fsync, rename. Keeps the existing owner,
   * group and mode unless `meta` says otherwise; new files get `meta` or root:root 0644. Follows
   * symlinks (writes the target). Creates missing parent directories (0755).
   */
  writeFileAtomic(path: string, content: string | Uint8Array, meta?: Partial<FileMeta>): Promise<void>;
  /** Remove a file; no error when it is already absent. */
  removeFile(path: string): Promise<void>;
  /** List a directory's entries (names), or [] when absent. */
  listDir(path: string): Promise<string[]>;
  /** Run a command (no shell). Never throws for a non-zero exit: see exitCode. */
  run(cmd: string, args: string[], opts?: RunOptions): Promise<CommandResult>;
  /** The size in bytes of a file, or null when absent. */
  fileSize(path: string): Promise<number | null>;
  /**
   * The text of bytes [start, end) of a file (fewer when it is shorter), decoded as UTF-8 with
   * invalid bytes replaced: for reading logs, never for files that are written back. null when
   * the file is absent or not readable (permissions).
   */
  readFileRange(path: string, start: number, end: number): Promise<string | null>;
  /**
   * The machine's TCP sockets in LISTEN state (/proc/net/tcp and tcp6), each address and port
   * once. The live /proc belongs to the live system's daemons, and no daemon runs from a
   * sandbox: [] under --root.
   */
  listeningSockets(): Promise<ListenSocket[]>;
  /**
   * The machine's network interfaces and their addresses (os.networkInterfaces()). Also under
   * --root: a sandbox is configured for this machine, and reading them sends nothing.
   */
  networkInterfaces(): Promise<Record<string, InterfaceInfo[]>>;
  /** The kernel's host name (os.hostname()): the machine's, also under --root. */
  kernelHostname(): string;
  /** `bytes` random bytes as lowercase hex (tags that tell one test message from another). */
  randomHex(bytes: number): string;
  /**
   * Open a TCP connection. Rejects with an Error naming the endpoint and the reason ("cannot
   * connect to 127.0.0.1:25 from 127.0.0.9: ECONNREFUSED", "no connection to … within 15 s"),
   * whose `code` is the system's (ECONNREFUSED, ENETUNREACH, …; ETIMEDOUT for the bound).
   * A sandbox never reaches the network: under --root it always rejects, saying so.
   */
  connect(opts: ConnectOptions): Promise<Connection>;
  /**
   * The MX records of a domain, as DNS answers (unsorted). Rejects with the resolver's Error,
   * whose `code` says why (ENOTFOUND, ENODATA: no such records). A sandbox never reaches the
   * network: under --root it always rejects (code ESANDBOX).
   */
  resolveMx(domain: string): Promise<MxRecord[]>;
  /**
   * DNS records of a name, as strings: A and AAAA the addresses, TXT each record's strings joined,
   * PTR the names an address maps back to (`name` is then the address). Rejects with the
   * resolver's Error, whose `code` says why (ENOTFOUND, ENODATA: no such records). A sandbox never
   * reaches the network: under --root it always rejects (code ESANDBOX).
   */
  resolveDns(name: string, type: 'A' | 'AAAA' | 'TXT' | 'PTR'): Promise<string[]>;
  /**
   * When the process exits without the returned function having been called, remove the file
   * at `path` if it still holds exactly `content` (a lock left by a run that never released it).
   * The returned function cancels that.
   */
  removeAtExit(path: string, content: string): () => void;
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
  /*
   * Optional members of the TLS checks (src/system/tls.ts, --verify). Both createRealEffects and
   * createMemoryEffects implement them; without them the checks say they could not probe.
   */
  /**
   * Ask the resolver at `server` (UDP port 53) whether it validates DNSSEC: the query Postfix's
   * dnssec_probe sends (NS records of the root, DNSSEC OK, AD asked for). Rejects with an Error
   * saying why when no answer comes within `timeoutMs`. A sandbox never reaches the network:
   * under --root it always rejects.
   */
  dnssecProbe?(server: string, timeoutMs: number): Promise<DnssecProbeResult>;
  /**
   * Connect to an SMTP server, EHLO, STARTTLS, complete the TLS handshake without verifying the
   * certificate (what the server presents is reported), QUIT. Rejects with an Error naming the
   * endpoint when the connection or the handshake fails. Under --root it always rejects.
   */
  starttlsProbe?(opts: StarttlsProbeOptions): Promise<StarttlsProbeResult>;
  /**
   * The file system that holds `path` (or would: the nearest existing directory above it): its
   * device number and the bytes free for this process; null when it cannot be told.
   */
  diskSpace(path: string): Promise<{ device: number; free: number } | null>;
  /** Give `path` a second name `link` (a hard link: no data is copied, no space is used). */
  link(path: string, link: string): Promise<void>;
  /** Rename `from` to `to` atomically (replacing `to`); needs no free space. */
  rename(from: string, to: string): Promise<void>;
  /** Copy a file's bytes (any content, also a database) with its owner and mode to `to`. */
  copyFile(from: string, to: string): Promise<void>;
  /** Set the owner, group and mode of an existing file. */
  setMeta(path: string, meta: FileMeta): Promise<void>;
  /**
   * A new private directory for copies handed to a command (a sandbox's `postfix check` runs on
   * one): root-only, outside the configuration, removed with `remove()`. Paths inside it are
   * real paths (they are given to commands as they are).
   */
  scratchDir(): Promise<ScratchDir>;
  /**
   * A private copy of the Postfix configuration directory `dir` for Postfix's tools to read
   * while an apply runs, made next to it as `<parent>/.<name>.mailsetup-stage` (one left behind
   * by a killed run is replaced; callers hold the apply lock). Sub-directories and symbolic
   * links are recreated and regular files hard-linked, so owners, modes and contents are the
   * live ones (where a link cannot be made: copied with owner, mode and times). The files named
   * in `settle` (names in `dir`, e.g. main.cf) are copies instead, finished and closed, whose
   * modification time is put `STAGE_SETTLE_MS` in the past: Postfix re-reads a main.cf modified
   * in the current or previous second every 300 ms until it is older, and the copy is complete
   * before any tool reads it. The live files' times are never changed. A name also in `replace`
   * gets that text instead of the live file's (the owner given, else the live file's, else root;
   * the mode given): an apply validates its new files on the stage before the live ones are
   * replaced.
   * Returns the system path of the stage; the caller removes it (removeTree).
   */
  stageCopy?(dir: string, settle: string[], replace?: Record<string, StagedText>): Promise<string>;
}

/** What a step says of a probe or lookup that --no-probes left out (Effects.noProbes). */
export const NO_PROBES = 'not done: --no-probes';

/** A file's new text for the stage (Effects.stageCopy). */
export interface StagedText {
  content: string;
  mode: number;
  /** The owner the apply will give the file (a secret is root's whoever owned it). */
  uid?: number;
  gid?: number;
}

/** A private scratch directory (Effects.scratchDir). */
export interface ScratchDir {
  /** Its real path. */
  readonly path: string;
  /** Write a file at `rel` (creating parent directories), optionally with a modification time. */
  write(rel: string, content: string, mtimeMs?: number): Promise<void>;
  /**
   * Create the directory `rel` (and its parents); with `meta`, give it that owner (and group, when
   * one is given) and exactly that mode, also when it exists already.
   */
  mkdir(rel: string, meta?: { uid: number; gid?: number | undefined; mode: number }): Promise<void>;
  /** Remove the directory and everything in it. */
  remove(): Promise<void>;
}

/** How far in the past a staged copy's modification time is put (see Effects.stageCopy). */
export const STAGE_SETTLE_MS = 10_000;

/** The stage of configuration directory `dir` (a system path), as Effects.stageCopy names it. */
export function stagePathOf(dir: string): string {
  const i = dir.lastIndexOf('/');
  return `${dir.slice(0, i) || ''}/.${dir.slice(i + 1)}.mailsetup-stage`;
}
