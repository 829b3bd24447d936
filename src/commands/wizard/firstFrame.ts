/**
 * The wizard's first frame as plain text, drawn before the Ink UI (React, yoga's wasm) has
 * loaded: the role screen exactly as Ink draws it first (the same lines from src/ui/roleFrame.ts,
 * the same styles, the host not probed yet). Ink's first write then takes its place
 * (src/ui/render.tsx). The terminal is in raw mode already, so a key typed meanwhile waits in the
 * terminal's input queue until Ink reads it. Nothing is drawn when the frame would not fit (Ink
 * clears the screen for a frame as tall as the terminal).
 *
 * A fresh box (no main.cf, no backup of an apply that may be unfinished) is told from the files'
 * presence, looked up here before the system layer and the files' parsers have loaded, so its
 * frame is drawn first of all (commands/index.ts); every other box's frame is drawn by the wizard
 * once it has read the files. This module loads only the role list, the layout and node:fs.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { RoleInfo } from '../../model/answers.js';
import { BACKUP_ROOT, MAIN_CF, STATE_PATH } from '../../model/paths.js';
import { freshDetection } from '../../plan/detectFresh.js';
import type { Detection } from '../../ui/backend.js';
import { cursorFor, replacePlainFrame, roleFrameLines, roleFrameText, type PlainFrame } from '../../ui/roleFrame.js';

import { roleInfoList } from '../../roles/infos.js';

export type { PlainFrame };
export { roleInfoList };

export interface FirstFrameOptions {
  color: boolean;
  unicode: boolean;
  /** The --root sandbox; undefined on the live system. */
  sandbox?: string;
}

/** Text of one column per character: printable ASCII and the marks the role screen draws. */
const NARROW = /^[\x20-\x7e\u276f\u2014\u2013\u2026\u00b7\u2191\u2193\u2192\u2190]*$/u;

/**
 * Raw mode on stdin from now until the returned function is called (when stdin is a terminal): a
 * key typed while the wizard loads is neither echoed over the first frame nor lost. Turning it on
 * again when it is on already changes nothing.
 */
export function rawInput(): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => undefined;
  stdin.setRawMode(true);
  return () => {
    if (stdin.isTTY) stdin.setRawMode(false);
  };
}

/** Draw the role screen on `out` (a terminal); returns what Ink must replace, or null when nothing was drawn. */
export function drawFirstFrame(
  out: NodeJS.WriteStream,
  roles: RoleInfo[],
  detection: Detection,
  opts: FirstFrameOptions,
): PlainFrame | null {
  if (out.isTTY !== true || !(out.rows > 0) || !(out.columns > 0)) return null;
  const { rows, columns } = out;
  const lines = roleFrameLines({
    roles,
    index: cursorFor(roles, detection),
    detection,
    host: null,
    probes: null,
    rows,
    columns,
    sandbox: opts.sandbox,
  });
  if (lines.length >= rows) return null;
  // Ink measures text by its width on the screen; these lines are cut by their length. They agree
  // for ASCII and the marks the screen draws (one column each); for anything else (a sandbox or a
  // value from main.cf in a wide script, a control character) Ink draws the first frame alone.
  if (!lines.every((line) => line.every((span) => NARROW.test(span.text)))) return null;
  out.write(roleFrameText(lines, { color: opts.color, unicode: opts.unicode }));
  return { lines: lines.length, rows, columns };
}

/** Take a plain first frame off the terminal again (the wizard stopped before Ink drew anything). */
export function eraseFirstFrame(out: NodeJS.WriteStream, frame: PlainFrame): void {
  out.write(replacePlainFrame(frame, { rows: out.rows, columns: out.columns }));
}

/** The plain first frame while it is on the terminal: Ink takes it, or anything else written first erases it. */
export interface ShownFrame {
  /** The frame, for Ink's first write to replace; null when something written meanwhile took it off. Ends the watch. */
  take(): PlainFrame | null;
}

type Write = NodeJS.WriteStream['write'];

/**
 * Watch the terminal while the plain frame is up: Ink's first write replaces it by going back
 * over its lines, which holds only when nothing else was written below it. So the first other
 * write to stdout or stderr meanwhile (a warning, an error, Ink's hint under DEV=true) takes the
 * frame off first, and that text and Ink's frame then show as they would without it.
 */
export function watchFrame(frame: PlainFrame): ShownFrame {
  const out = process.stdout;
  const streams = [process.stdout, process.stderr];
  const own = streams.map((s) => Object.prototype.hasOwnProperty.call(s, 'write'));
  const originals = streams.map((s) => s.write);
  let shown: PlainFrame | null = frame;
  const release = () =>
    streams.forEach((s, i) => {
      if (own[i]) s.write = originals[i];
      else delete (s as Partial<NodeJS.WriteStream>).write;
    });
  streams.forEach((s, i) => {
    const original = originals[i];
    s.write = function (this: NodeJS.WriteStream, ...args: Parameters<Write>) {
      if (shown !== null) {
        const f = shown;
        shown = null;
        release();
        eraseFirstFrame(out, f);
      }
      return (original as (...a: Parameters<Write>) => boolean).apply(this, args);
    } as Write;
  });
  return {
    take() {
      if (shown !== null) release();
      const f = shown;
      shown = null;
      return f;
    },
  };
}

/**
 * What a path under `root` is, each directory on the way looked at without following links:
 * 'absent' (it or a directory on the way does not exist), its Stats, or null when that cannot be
 * told without following a link or when it cannot be looked at (the wizard's own reads, which
 * follow links inside the sandbox as Postfix would, decide then).
 */
function plainLookup(root: string, path: string): Stats | 'absent' | null {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    let st: Stats;
    try {
      st = lstatSync(join(root, ...parts.slice(0, i)));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : null;
    }
    if (i === parts.length) return st.isSymbolicLink() ? null : st;
    if (!st.isDirectory()) return null;
  }
  return null;
}

/**
 * The detection of a fresh box, from the files' presence alone: no main.cf, the state file a
 * regular file or absent, no backups (so no apply that may be unfinished). null when it takes
 * more than that to tell (the wizard reads the files, and recovers first when it must).
 */
export function freshAtFirstSight(root: string): Detection | null {
  const main = plainLookup(root, MAIN_CF);
  const state = plainLookup(root, STATE_PATH);
  const backups = plainLookup(root, BACKUP_ROOT);
  if (main !== 'absent' || state === null || backups === null) return null;
  if (state !== 'absent' && !state.isFile()) return null;
  if (backups !== 'absent') {
    if (!backups.isDirectory()) return null;
    try {
      if (readdirSync(join(root, BACKUP_ROOT)).length > 0) return null;
    } catch {
      return null;
    }
  }
  // The state file's text is not read here: the header says only whether it is there (and not empty).
  const d = freshDetection({ [MAIN_CF]: null, [STATE_PATH]: state !== 'absent' && state.size > 0 ? 'present' : null });
  return d === null ? null : { role: d.role, answers: d.answers, summary: d.summary };
}

/**
 * The wizard's first frame on a fresh box, drawn with raw input on (the wizard keeps it on: a key
 * typed from now on is not echoed over the frame, and waits for the wizard); null, and nothing
 * drawn, unless the box is told fresh at first sight and the frame fits. The command line's front
 * (src/cli.ts) calls this before the rest of mailsetup has loaded.
 */
export function drawFreshFirstFrame(root: string, opts: FirstFrameOptions): ShownFrame | null {
  const detection = freshAtFirstSight(root);
  if (detection === null) return null;
  rawInput();
  const frame = drawFirstFrame(process.stdout, roleInfoList(), detection, opts);
  return frame === null ? null : watchFrame(frame);
}
