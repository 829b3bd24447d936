/**
 * Byte-exact snapshots of live system paths (files, directories, symlinks, with owner, group
 * and mode) for tests that must change the machine and put it back exactly: `snapshot` before,
 * `restore` after (also on failure). A path that did not exist is removed again.
 */
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

type Node =
  | { kind: 'file'; mode: number; uid: number; gid: number; content: Buffer }
  | { kind: 'dir'; mode: number; uid: number; gid: number; children: Map<string, Node> }
  | { kind: 'link'; target: string; uid: number; gid: number };

export interface Snapshot {
  entries: Map<string, Node | null>;
}

function capture(path: string): Node | null {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return null;
  }
  if (st.isSymbolicLink()) return { kind: 'link', target: readlinkSync(path), uid: st.uid, gid: st.gid };
  if (st.isDirectory()) {
    const children = new Map<string, Node>();
    for (const name of readdirSync(path).sort()) {
      const n = capture(join(path, name));
      if (n) children.set(name, n);
    }
    return { kind: 'dir', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, children };
  }
  if (st.isFile())
    return { kind: 'file', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, content: readFileSync(path) };
  throw new Error(`snapshot: ${path} is neither a file, a directory nor a symlink`);
}

/** Record `paths` (recursively). */
export function snapshot(paths: readonly string[]): Snapshot {
  return { entries: new Map(paths.map((p) => [p, capture(p)])) };
}

function sameFile(path: string, n: Extract<Node, { kind: 'file' }>): boolean {
  try {
    const st = lstatSync(path);
    return (
      st.isFile() &&
      (st.mode & 0o7777) === n.mode &&
      st.uid === n.uid &&
      st.gid === n.gid &&
      readFileSync(path).equals(n.content)
    );
  } catch {
    return false;
  }
}

function put(path: string, n: Node, changed: string[]): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    st = null;
  }
  if (n.kind === 'file') {
    if (sameFile(path, n)) return;
    if (st && !st.isFile()) rmSync(path, { recursive: true, force: true });
    writeFileSync(path, n.content);
    chownSync(path, n.uid, n.gid);
    chmodSync(path, n.mode);
    changed.push(path);
    return;
  }
  if (n.kind === 'link') {
    if (st?.isSymbolicLink() && readlinkSync(path) === n.target) return;
    if (st) rmSync(path, { recursive: true, force: true });
    symlinkSync(n.target, path);
    changed.push(path);
    return;
  }
  if (st && !st.isDirectory()) rmSync(path, { force: true });
  if (!st || !st.isDirectory()) {
    mkdirSync(path);
    changed.push(path);
  }
  for (const name of readdirSync(path)) {
    if (!n.children.has(name)) {
      rmSync(join(path, name), { recursive: true, force: true });
      changed.push(join(path, name));
    }
  }
  for (const [name, child] of n.children) put(join(path, name), child, changed);
  const now = lstatSync(path);
  if ((now.mode & 0o7777) !== n.mode || now.uid !== n.uid || now.gid !== n.gid) {
    chownSync(path, n.uid, n.gid);
    chmodSync(path, n.mode);
    changed.push(path);
  }
}

/** Put every recorded path back; returns the paths that had to change. */
export function restore(s: Snapshot): string[] {
  const changed: string[] = [];
  for (const [path, n] of s.entries) {
    if (n === null) {
      try {
        lstatSync(path);
        rmSync(path, { recursive: true, force: true });
        changed.push(path);
      } catch {
        // Still absent.
      }
    } else {
      put(path, n, changed);
    }
  }
  return changed;
}

/** The paths whose state differs from the snapshot now (nothing is changed). */
export function differences(s: Snapshot): string[] {
  const out: string[] = [];
  const cmp = (path: string, n: Node | null) => {
    const now = capture(path);
    if (n === null || now === null) {
      if (n !== now) out.push(path);
      return;
    }
    if (n.kind !== now.kind) {
      out.push(path);
    } else if (n.kind === 'file' && now.kind === 'file') {
      if (!n.content.equals(now.content) || n.mode !== now.mode || n.uid !== now.uid || n.gid !== now.gid)
        out.push(path);
    } else if (n.kind === 'link' && now.kind === 'link') {
      if (n.target !== now.target) out.push(path);
    } else if (n.kind === 'dir' && now.kind === 'dir') {
      if (n.mode !== now.mode || n.uid !== now.uid || n.gid !== now.gid) out.push(path);
      for (const name of new Set([...n.children.keys(), ...now.children.keys()]))
        cmp(join(path, name), n.children.get(name) ?? null);
    }
  };
  for (const [p, n] of s.entries) cmp(p, n);
  return out;
}
