/**
 * An in-memory `Effects` for tests of the planner, the UI and apply: files live in a Map keyed
 * by system path, commands are recorded in `calls` and answered by an optional `run` function
 * (default: exit 0, no output). Nothing touches the machine.
 */
import { posix } from 'node:path';
import type { CommandResult, Effects, FileMeta, RunOptions } from '../model/effects.js';
import { commandLine } from './commands.js';

/** One file held in memory. */
export interface MemoryFile extends FileMeta {
  content: string;
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
  /** Files the user names on the command line (readUserFile), by path as given. */
  userFiles?: Record<string, string>;
}

/** The memory Effects plus what a test inspects. */
export interface MemoryEffects extends Effects {
  files: Map<string, MemoryFile>;
  dirs: Map<string, number>;
  calls: Array<{ cmd: string; args: string[]; opts: RunOptions }>;
  /** System paths in the order writeFileAtomic/removeFile/createExclusive changed them. */
  writes: string[];
  alivePids: Set<number>;
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

  const fx: MemoryEffects = {
    root,
    live,
    files,
    dirs,
    calls,
    writes,
    alivePids,
    resolve(p) {
      const s = sys(p);
      return live ? s : posix.join(root, s);
    },
    async readFile(p) {
      const s = sys(p);
      if (dirs.has(s)) throw new Error(`${p} is a directory, not a file`);
      return files.get(s)?.content ?? null;
    },
    async readUserFile(p) {
      const text = init.userFiles?.[p];
      if (text === undefined) throw new Error('ENOENT');
      return text;
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
      addParents(s);
      const old = files.get(s);
      files.set(s, {
        content,
        mode: (meta?.mode ?? old?.mode ?? 0o644) & 0o7777,
        uid: meta?.uid ?? old?.uid ?? 0,
        gid: meta?.gid ?? old?.gid ?? 0,
      });
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
      return init.run ? init.run(cmd, args, opts) : okResult(cmd, args);
    },
    async mkdir(p, mode) {
      addParents(sys(p), mode, true);
    },
    async removeTree(p) {
      const s = sys(p);
      for (const k of [...files.keys()])
        if (k === s || k.startsWith(`${s}/`)) {
          files.delete(k);
          writes.push(k);
        }
      for (const k of [...dirs.keys()]) if (k === s || k.startsWith(`${s}/`)) dirs.delete(k);
    },
    async createExclusive(p, content) {
      const s = sys(p);
      if (files.has(s) || dirs.has(s)) return false;
      addParents(s);
      files.set(s, { content, mode: 0o644, uid: 0, gid: 0 });
      writes.push(s);
      return true;
    },
    processAlive(pid) {
      return pid === process.pid || alivePids.has(pid);
    },
  };
  return fx;
}
