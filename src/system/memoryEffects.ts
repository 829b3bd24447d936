/**
 * An in-memory `Effects` for tests of the planner, the UI, apply, the lock and --verify: files
 * live in a Map keyed by system path, commands are recorded in `calls` and answered by an
 * optional `run` function (default: exit 0, no output); the network is scripted: listening
 * sockets, interfaces, DNS MX answers, and peers that `connect` reaches (`smtpPeer` speaks
 * SMTP). Nothing touches the machine. Under a root other than '/' it behaves as the real
 * Effects does for a sandbox: no network, no listening sockets.
 */
import { posix } from 'node:path';
import { stagePathOf } from '../model/effects.js';
import type {
  CommandResult,
  Connection,
  DnssecProbeResult,
  Effects,
  FileMeta,
  InterfaceInfo,
  ListenSocket,
  MxRecord,
  RunOptions,
  StarttlsProbeResult,
  ScratchDir,
} from '../model/effects.js';
import { showEndpoint } from '../postfix/network.js';
import { commandLine } from './commands.js';

/** One file held in memory. */
export interface MemoryFile extends FileMeta {
  content: string;
  /** The bytes of a file written as bytes (a database); `content` is then their UTF-8 reading. */
  bytes?: Uint8Array;
}

/** What `createMemoryEffects` starts from. */
export interface MemoryEffectsInit {
  /** System path → content (root:root 0644) or a full file. */
  files?: Record<string, string | MemoryFile>;
  /** Answers commands; default: exit 0 with no output. */
  run?: (cmd: string, args: string[], opts: RunOptions) => CommandResult | Promise<CommandResult>;
  /** Default '/': `live` is true, so apply runs daemon commands (recorded, not executed). */
  root?: string;
  /** Pids that `processAlive` reports as running (besides this process). */
  alivePids?: number[];
  /** Files the user names on the command line (readUserFile, writeUserFile), by path as given. */
  userFiles?: Record<string, string>;
  /** What readStdin() reads; default: nothing (an empty standard input). */
  stdin?: string;
  /** Owner and mode of those files (default root:root 0600). */
  userFileMeta?: Record<string, FileMeta>;
  /** The uid the process runs as (default 0). */
  uid?: number;
  /**
   * The size of the file system, in bytes of file content (every file counts its UTF-8 bytes):
   * a write that would pass it fails with ENOSPC. Default: unlimited.
   */
  capacity?: number;
  /** Paths that exist but cannot be read (readFileRange gives null), e.g. a log of group adm. */
  unreadable?: string[];
  /** The LISTEN sockets that listeningSockets() reports. */
  sockets?: ListenSocket[];
  /** What kernelHostname() reports; default "vm". */
  hostname?: string;
  /** What networkInterfaces() reports; default: lo with 127.0.0.1/8 and ::1/128. */
  interfaces?: Record<string, InterfaceInfo[]>;
  /** DNS: domain → its MX records, or how the query fails; any other domain: ENOTFOUND. */
  mx?: Record<string, MxRecord[] | DnsFailure>;
  /** DNS for resolveDns: "TYPE name" ("A mail.example.com", "PTR 192.0.2.2") → records or failure; else ENOTFOUND. */
  dns?: Record<string, string[] | DnsFailure>;
  /** What connect() reaches: "host:port" ("[v6]:port") → the peer there; elsewhere ECONNREFUSED. */
  peers?: Record<string, MemoryPeer>;
  /** dnssecProbe(): resolver address → its answer, or no answer ever; elsewhere a timeout. */
  resolvers?: Record<string, DnssecProbeResult | 'silent'>;
  /** starttlsProbe(): "host:port" → what the probe sees, or how it fails; elsewhere ECONNREFUSED. */
  starttls?: Record<string, StarttlsProbeResult | { error: string }>;
}

/** A failing MX query: the resolver's error code (ENODATA, ESERVFAIL …), or no answer ever. */
export type DnsFailure = { code: string } | 'silent';

/** The server side of one memory connection. */
export interface PeerSocket {
  /** The client's address: its localAddress, else the loopback address of the target's family. */
  readonly clientAddress: string;
  /** Send text to the client. */
  send(text: string): void;
  /** Close the connection from the server's side. */
  end(): void;
}

/**
 * A peer that `connect` reaches: called once per connection with its server side, it returns
 * what receives the client's text.
 */
export type MemoryPeer = (socket: PeerSocket) => (text: string) => void;

/** One connection made through a memory Effects. */
export interface MemoryConnectionRecord {
  host: string;
  port: number;
  localAddress?: string;
}

/** The memory Effects plus what a test inspects. */
export interface MemoryEffects extends Effects {
  files: Map<string, MemoryFile>;
  dirs: Map<string, number>;
  /** Files the user named on the command line, by path as given: read by readUserFile, written by writeUserFile. */
  userFiles: Map<string, string>;
  calls: Array<{ cmd: string; args: string[]; opts: RunOptions }>;
  /** System paths in the order writeFileAtomic/removeFile/createExclusive changed them. */
  writes: string[];
  alivePids: Set<number>;
  unreadable: Set<string>;
  sockets: ListenSocket[];
  /** Every connect() attempt, in order (refused ones too). */
  connections: MemoryConnectionRecord[];
  /** Every DNS query, in order: an MX query by its domain, the others as "TYPE name". */
  dnsQueries: string[];
  /** Every DNSSEC probe (the resolver asked), in order. */
  dnssecProbes: string[];
  /** Every STARTTLS probe ("host:port"), in order. */
  starttlsProbes: string[];
  /** Files to remove at exit (removeAtExit), by path. */
  exitRemovals: Map<string, string>;
  /** The scratch directories made (scratchDir), real path → file (relative path) → content. */
  scratch: Map<string, Map<string, string>>;
  /** The capacity (see MemoryEffectsInit.capacity); a test may change it between steps. */
  capacity: number;
  /** Append text to a file (created root:root 0644 when absent): a log growing as daemons write. */
  append(path: string, text: string): void;
  /** What happens to this Effects' files when the process exits: run the removeAtExit removals. */
  exit(): void;
}

/** A successful command result with no output. */
export function okResult(cmd: string, args: string[]): CommandResult {
  return { command: commandLine(cmd, args), exitCode: 0, stdout: '', stderr: '', timedOut: false };
}

/** Create an in-memory Effects. */
export function createMemoryEffects(init: MemoryEffectsInit = {}): MemoryEffects {
  const root = posix.normalize(init.root ?? '/').replace(/(.)\/+$/, '$1');
  const live = root === '/';
  const files = new Map<string, MemoryFile>();
  const dirs = new Map<string, number>([['/', 0o755]]);
  const calls: MemoryEffects['calls'] = [];
  const writes: string[] = [];
  const alivePids = new Set<number>(init.alivePids ?? []);
  const unreadable = new Set<string>(init.unreadable ?? []);
  const connections: MemoryConnectionRecord[] = [];
  const dnsQueries: string[] = [];
  const dnssecProbes: string[] = [];
  const starttlsProbes: string[] = [];
  const exitRemovals = new Map<string, string>();
  const userFiles = new Map<string, string>(Object.entries(init.userFiles ?? {}));
  const staged = new Set<string>();
  let random = 0;

  function sys(p: string): string {
    if (!p.startsWith('/')) throw new Error(`not an absolute path: ${p}`);
    return posix.normalize(p);
  }
  function addParents(p: string, lastMode = 0o755, includeSelf = false): void {
    const parts = p.split('/').filter(Boolean);
    const n = includeSelf ? parts.length : parts.length - 1;
    for (let i = 1; i <= n; i++) {
      const d = `/${parts.slice(0, i).join('/')}`;
      if (files.has(d)) throw new Error(`${d} exists and is not a directory`);
      if (!dirs.has(d)) dirs.set(d, i === n && includeSelf ? lastMode : 0o755);
    }
  }
  for (const [p, f] of Object.entries(init.files ?? {})) {
    const file: MemoryFile = typeof f === 'string' ? { content: f, mode: 0o644, uid: 0, gid: 0 } : { ...f };
    addParents(sys(p));
    files.set(sys(p), file);
  }

  const scratch = new Map<string, Map<string, string>>();
  /** The bytes a file holds: its bytes when written as bytes, else its text's UTF-8. */
  const sizeOf = (content: string | Uint8Array): number =>
    typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.byteLength;
  const fileSize = (f: MemoryFile): number => sizeOf(f.bytes ?? f.content);
  const used = (): number => {
    let n = 0;
    for (const f of files.values()) n += fileSize(f);
    return n;
  };
  /** Throws ENOSPC when `content` replacing what is at `s` would pass the capacity. */
  const room = (s: string, content: string | Uint8Array, what: string): void => {
    const old = files.get(s);
    const after = used() - (old ? fileSize(old) : 0) + sizeOf(content);
    if (after > fx.capacity) {
      throw Object.assign(new Error(`cannot write ${what}: ENOSPC: no space left on device`), { code: 'ENOSPC' });
    }
  };
  const fx: MemoryEffects = {
    root,
    live,
    uid: init.uid ?? 0,
    capacity: init.capacity ?? Number.POSITIVE_INFINITY,
    scratch,
    files,
    dirs,
    calls,
    writes,
    alivePids,
    resolve(p) {
      const s = sys(p);
      return live ? s : posix.join(root, s);
    },
    async realPath(p) {
      return fx.resolve(p);
    },
    async commandPath(p) {
      return fx.resolve(p);
    },
    async readFile(p) {
      const s = sys(p);
      if (dirs.has(s)) throw new Error(`${p} is a directory, not a file`);
      return files.get(s)?.content ?? null;
    },
    async readStdin(maxBytes) {
      const text = init.stdin ?? '';
      if (Buffer.byteLength(text) > maxBytes) throw new Error(`standard input holds more than ${maxBytes} bytes`);
      return text;
    },
    userFiles,
    async readFileBytes(p) {
      const s = sys(p);
      if (dirs.has(s)) throw new Error(`${p} is a directory, not a file`);
      const f = files.get(s);
      if (!f) return null;
      return new Uint8Array(f.bytes ?? Buffer.from(f.content, 'utf8'));
    },
    async readUserFile(p, maxBytes = 64 * 1024 * 1024) {
      const text = userFiles.get(p);
      if (text === undefined) throw new Error('ENOENT');
      const size = Buffer.byteLength(text, 'utf8');
      if (size > maxBytes) throw new Error(`${size} bytes, larger than the ${maxBytes} bytes mailsetup reads`);
      return text;
    },
    async writeUserFile(p, content) {
      if (p === '' || p.endsWith('/')) throw new Error('EISDIR');
      userFiles.set(p, content);
    },
    async userFileMeta(p) {
      if (!userFiles.has(p)) return null;
      return init.userFileMeta?.[p] ?? { mode: 0o600, uid: 0, gid: 0 };
    },
    async fileKind(p) {
      const s = sys(p);
      if (files.has(s)) return 'file';
      return dirs.has(s) ? 'directory' : null;
    },
    async stat(p) {
      const s = sys(p);
      const f = files.get(s);
      if (f) return { mode: f.mode, uid: f.uid, gid: f.gid };
      const d = dirs.get(s);
      return d === undefined ? null : { mode: d, uid: 0, gid: 0 };
    },
    async writeFileAtomic(p, content, meta) {
      const s = sys(p);
      if (dirs.has(s)) throw new Error(`cannot write ${p}: it exists and is not a regular file`);
      room(s, content, p);
      addParents(s);
      const old = files.get(s);
      const file: MemoryFile = {
        content: typeof content === 'string' ? content : Buffer.from(content).toString('utf8'),
        mode: (meta?.mode ?? old?.mode ?? 0o644) & 0o7777,
        uid: meta?.uid ?? old?.uid ?? 0,
        gid: meta?.gid ?? old?.gid ?? 0,
      };
      if (typeof content !== 'string') file.bytes = new Uint8Array(content);
      files.set(s, file);
      writes.push(s);
    },
    async removeFile(p) {
      const s = sys(p);
      if (files.delete(s)) writes.push(s);
    },
    async listDir(p) {
      const s = sys(p);
      const prefix = s === '/' ? '/' : `${s}/`;
      const names = new Set<string>();
      for (const k of [...files.keys(), ...dirs.keys()]) {
        if (k.startsWith(prefix) && k !== s) names.add(k.slice(prefix.length).split('/')[0]);
      }
      return [...names].sort();
    },
    async run(cmd, args, opts = {}) {
      calls.push({ cmd, args: [...args], opts });
      const r = init.run ? await init.run(cmd, args, opts) : okResult(cmd, args);
      // Started in the background: only whether it started is known (as realEffects says it).
      return opts.background ? { ...r, command: `${commandLine(cmd, args)} &`, stdout: '', stderr: '' } : r;
    },
    async mkdir(p, mode) {
      addParents(sys(p), mode, true);
    },
    async removeTree(p) {
      const s = sys(p);
      // A stage is mailsetup's scratch copy, not a change to the system: not recorded in `writes`.
      const scratch = staged.delete(s);
      for (const k of [...files.keys()])
        if (k === s || k.startsWith(`${s}/`)) {
          files.delete(k);
          if (!scratch) writes.push(k);
        }
      for (const k of [...dirs.keys()]) if (k === s || k.startsWith(`${s}/`)) dirs.delete(k);
    },
    async stageCopy(p, settle, replace = {}) {
      const s = sys(p);
      if (!dirs.has(s)) throw new Error(`cannot stage a copy of ${p}: no such directory`);
      const stage = stagePathOf(s);
      for (const k of [...files.keys()]) if (k.startsWith(`${stage}/`)) files.delete(k);
      for (const k of [...dirs.keys()]) if (k === stage || k.startsWith(`${stage}/`)) dirs.delete(k);
      for (const [k, mode] of [...dirs])
        if (k === s || k.startsWith(`${s}/`)) dirs.set(stage + k.slice(s.length), mode);
      for (const [k, f] of [...files]) {
        if (!k.startsWith(`${s}/`)) continue;
        // One object for a hard link; a settled name gets its own copy.
        const name = k.slice(s.length + 1);
        files.set(stage + k.slice(s.length), settle.includes(name) ? { ...f } : f);
      }
      for (const name of settle) {
        const text = Object.hasOwn(replace, name) ? replace[name] : undefined;
        if (text === undefined) continue;
        const live = files.get(`${s}/${name}`);
        files.set(`${stage}/${name}`, {
          content: text.content,
          mode: text.mode,
          uid: text.uid ?? live?.uid ?? 0,
          gid: text.gid ?? live?.gid ?? 0,
        });
      }
      staged.add(stage);
      return stage;
    },
    async createExclusive(p, content) {
      const s = sys(p);
      if (files.has(s) || dirs.has(s)) return false;
      room(s, content, p);
      addParents(s);
      files.set(s, { content, mode: 0o644, uid: 0, gid: 0 });
      writes.push(s);
      return true;
    },
    processAlive(pid) {
      return pid === process.pid || alivePids.has(pid);
    },
    async diskSpace() {
      return fx.capacity === Number.POSITIVE_INFINITY ? null : { device: 1, free: Math.max(0, fx.capacity - used()) };
    },
    async link(p, to) {
      const f = files.get(sys(p));
      if (!f) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      if (files.has(sys(to))) throw Object.assign(new Error(`EEXIST: ${to}`), { code: 'EEXIST' });
      addParents(sys(to));
      files.set(sys(to), f); // the same object: a second name of one file, as a hard link is
      writes.push(sys(to));
    },
    async rename(from, to) {
      const f = files.get(sys(from));
      if (!f) throw Object.assign(new Error(`ENOENT: ${from}`), { code: 'ENOENT' });
      files.delete(sys(from));
      addParents(sys(to));
      files.set(sys(to), f);
      writes.push(sys(to));
    },
    async copyFile(from, to) {
      const f = files.get(sys(from));
      if (!f) throw Object.assign(new Error(`ENOENT: ${from}`), { code: 'ENOENT' });
      room(sys(to), f.bytes ?? f.content, to);
      addParents(sys(to));
      files.set(sys(to), { ...f });
      writes.push(sys(to));
    },
    async setMeta(p, meta) {
      const f = files.get(sys(p));
      if (!f) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      files.set(sys(p), { ...f, ...meta });
    },
    async scratchDir() {
      const path = `/tmp/mailsetup-scratch-${scratch.size + 1}`;
      const content = new Map<string, string>();
      scratch.set(path, content);
      const dir: ScratchDir = {
        path,
        async write(rel, text) {
          content.set(rel, text);
        },
        async mkdir(rel, meta) {
          content.set(`${rel}/`, meta ? JSON.stringify(meta) : '');
        },
        async remove() {
          scratch.delete(path);
        },
      };
      return dir;
    },
    unreadable,
    sockets: [...(init.sockets ?? [])],
    connections,
    dnsQueries,
    dnssecProbes,
    starttlsProbes,
    exitRemovals,
    append(p, text) {
      const s = sys(p);
      const f = files.get(s);
      if (f) f.content += text;
      else {
        addParents(s);
        files.set(s, { content: text, mode: 0o644, uid: 0, gid: 0 });
      }
    },
    exit() {
      for (const [p, content] of exitRemovals) if (files.get(p)?.content === content) files.delete(p);
      exitRemovals.clear();
    },
    async fileSize(p) {
      const f = files.get(sys(p));
      return f ? fileSize(f) : null;
    },
    async readFileRange(p, start, end) {
      const s = sys(p);
      const f = files.get(s);
      if (!f || unreadable.has(s)) return null;
      return Buffer.from(f.content, 'utf8').subarray(start, Math.max(start, end)).toString('utf8');
    },
    async listeningSockets() {
      return live ? fx.sockets.map((x) => ({ ...x })) : [];
    },
    async networkInterfaces() {
      return structuredClone(
        init.interfaces ?? {
          lo: [
            { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', cidr: '127.0.0.1/8' },
            { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', cidr: '::1/128' },
          ],
        },
      );
    },
    randomHex(bytes) {
      random++;
      return random
        .toString(16)
        .padStart(bytes * 2, '0')
        .slice(-bytes * 2);
    },
    kernelHostname() {
      return init.hostname ?? 'vm';
    },
    async connect(opts) {
      const where = showEndpoint(opts.host, opts.port);
      if (!live) throw new Error(`--root ${root}: a sandbox does not reach the network (no connection to ${where})`);
      connections.push({
        host: opts.host,
        port: opts.port,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      });
      const peer = init.peers?.[where];
      if (!peer) {
        const from = opts.localAddress ? ` from ${opts.localAddress}` : '';
        throw Object.assign(new Error(`cannot connect to ${where}${from}: ECONNREFUSED`), { code: 'ECONNREFUSED' });
      }
      const clientAddress = opts.localAddress ?? (opts.host.includes(':') ? '::1' : '127.0.0.1');
      return memoryConnection(peer, clientAddress);
    },
    async resolveMx(domain) {
      if (!live) {
        throw Object.assign(new Error(`--root ${root}: a sandbox does not query DNS (MX of ${domain})`), {
          code: 'ESANDBOX',
        });
      }
      dnsQueries.push(domain);
      const answer = init.mx?.[domain];
      if (answer === 'silent') return new Promise<never>(() => undefined);
      if (answer === undefined || !Array.isArray(answer)) {
        const code = answer?.code ?? 'ENOTFOUND';
        throw Object.assign(new Error(`queryMx ${code} ${domain}`), { code });
      }
      return answer.map((r) => ({ ...r }));
    },
    async resolveDns(name, type) {
      if (!live) {
        throw Object.assign(new Error(`--root ${root}: a sandbox does not query DNS (${type} of ${name})`), {
          code: 'ESANDBOX',
        });
      }
      const key = `${type} ${name}`;
      dnsQueries.push(key);
      const answer = init.dns?.[key];
      if (answer === 'silent') return new Promise<never>(() => undefined);
      if (answer === undefined || !Array.isArray(answer)) {
        const code = answer?.code ?? 'ENOTFOUND';
        throw Object.assign(new Error(`query ${code} ${name}`), { code });
      }
      return [...answer];
    },
    async dnssecProbe(server, timeoutMs) {
      if (!live) throw new Error(`--root ${root}: a sandbox does not query DNS (DNSSEC probe of ${server})`);
      dnssecProbes.push(server);
      const answer = init.resolvers?.[server];
      if (answer === undefined || answer === 'silent')
        throw new Error(`no answer to the DNSSEC probe within ${Math.round(timeoutMs / 100) / 10} s`);
      return { ...answer };
    },
    async starttlsProbe(opts) {
      const where = showEndpoint(opts.host, opts.port);
      if (!live)
        throw new Error(`--root ${root}: a sandbox does not reach the network (no STARTTLS probe of ${where})`);
      starttlsProbes.push(where);
      const r = init.starttls?.[where];
      if (r === undefined) throw new Error(`cannot connect to ${where}: ECONNREFUSED`);
      if ('error' in r) throw new Error(r.error);
      return structuredClone(r);
    },
    removeAtExit(p, content) {
      const s = sys(p);
      exitRemovals.set(s, content);
      return () => {
        if (exitRemovals.get(s) === content) exitRemovals.delete(s);
      };
    },
  };
  return fx;
}

/** Bytes as they travel: text written as UTF-8, received as latin1 (one character per byte). */
function wire(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A connection to a memory peer; everything arrives asynchronously, in order. */
function memoryConnection(peer: MemoryPeer, clientAddress: string): Connection {
  let onData: ((chunk: string) => void) | null = null;
  let onEnd: ((error?: Error) => void) | null = null;
  const pending: string[] = [];
  let ended = false;
  let closed = false;
  const later = (f: () => void) => queueMicrotask(f);
  const server: PeerSocket = {
    clientAddress,
    send(text) {
      if (closed || ended) return;
      later(() => {
        if (closed) return;
        if (onData) onData(wire(text));
        else pending.push(wire(text));
      });
    },
    end() {
      if (ended) return;
      later(() => {
        ended = true;
        onEnd?.();
      });
    },
  };
  const receive = peer(server);
  return {
    write(text) {
      if (closed || ended) return;
      later(() => {
        if (!closed && !ended) receive(wire(text));
      });
    },
    listen(data, end) {
      onData = data;
      onEnd = end;
      for (const c of pending.splice(0)) data(c);
      if (ended) end();
      return () => {
        onData = null;
        onEnd = null;
      };
    },
    close() {
      closed = true;
    },
  };
}

/** What an SMTP peer knows of the client in its session. */
export interface SmtpPeerClient {
  /** The client's address (the connection's local address). */
  address: string;
  /** MAIL FROM of the current transaction. */
  from?: string;
  /** RCPT TO addresses the peer accepted in the current transaction. */
  rcpt: string[];
}

/** How a scripted SMTP peer answers; every member is optional. */
export interface SmtpPeerScript {
  /** The greeting (default "220 memory.invalid ESMTP"). */
  greeting?: string;
  /**
   * The reply to one command line: a reply (lines joined with "\n"), null for silence, or
   * undefined for the default (EHLO/HELO 250, MAIL 250, RCPT 250, DATA 354, RSET 250, QUIT 221
   * and close, anything else 502).
   */
  reply?(line: string, client: SmtpPeerClient): string | null | undefined;
  /** The reply to the end of a message, given its text (default "250 2.0.0 Ok: queued as MEMQ1"). */
  message?(text: string, client: SmtpPeerClient): string;
}

/** A scripted SMTP server for `MemoryEffectsInit.peers`. */
export function smtpPeer(script: SmtpPeerScript = {}): MemoryPeer {
  return (sock) => {
    const client: SmtpPeerClient = { address: sock.clientAddress, rcpt: [] };
    const say = (reply: string) =>
      sock.send(
        reply
          .split('\n')
          .map((l) => `${l}\r\n`)
          .join(''),
      );
    say(script.greeting ?? '220 memory.invalid ESMTP');
    let buffer = '';
    let body: string[] | null = null;
    const defaults = (line: string): string => {
      const verb = line.split(/[\s:]/)[0].toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') return '250 memory.invalid';
      if (verb === 'MAIL') return '250 2.1.0 Ok';
      if (verb === 'RCPT') return '250 2.1.5 Ok';
      if (verb === 'DATA') return '354 End data with <CR><LF>.<CR><LF>';
      if (verb === 'RSET') return '250 2.0.0 Ok';
      if (verb === 'QUIT') return '221 2.0.0 Bye';
      return '502 5.5.2 Error: command not recognized';
    };
    const command = (line: string) => {
      const r = script.reply?.(line, client);
      if (r === null) return;
      const reply = r ?? defaults(line);
      const code = Number.parseInt(reply.slice(0, 3), 10);
      const verb = line.split(/[\s:]/)[0].toUpperCase();
      if (verb === 'MAIL' && code === 250) client.from = /<(.*)>/.exec(line)?.[1] ?? '';
      if (verb === 'RCPT' && code >= 250 && code < 260) client.rcpt.push(/<(.*)>/.exec(line)?.[1] ?? '');
      if (verb === 'RSET') {
        delete client.from;
        client.rcpt = [];
      }
      if (verb === 'DATA' && code === 354) body = [];
      say(reply);
      if (verb === 'QUIT') sock.end();
    };
    return (text) => {
      buffer += text;
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (body) {
          if (line === '.') {
            const message = body.map((l) => (l.startsWith('..') ? l.slice(1) : l)).join('\n') + '\n';
            body = null;
            say(script.message?.(message, client) ?? '250 2.0.0 Ok: queued as MEMQ1');
            delete client.from;
            client.rcpt = [];
          } else body.push(line);
        } else command(line);
      }
    };
  };
}
