/**
 * The files the planner reads, read and checked before anything else runs (the wizard's first
 * frame waits for them, so this module stays light: the parsers, no planner). A file that would
 * make the planner fail is a UsageError naming it (exit 2).
 */
import type { Effects, FileMeta } from '../model/effects.js';
import { isMailsetupError, UsageError } from '../model/errors.js';
import { ALIASES, MAIN_CF, MAP_PATHS, MASTER_CF, PLANNED_PATHS } from '../model/paths.js';
import { Aliases } from '../postfix/aliases.js';
import { LookupTable } from '../postfix/lookupTable.js';
import { MainCf } from '../postfix/mainCf.js';
import { MasterCf } from '../postfix/masterCf.js';

export type Files = Record<string, string | null>;

/** The parser of each file the planner reads (the state file is checked on its own). */
const PARSERS: Record<string, (text: string) => unknown> = {
  [MAIN_CF]: (t) => MainCf.parse(t),
  [MASTER_CF]: (t) => MasterCf.parse(t),
  [ALIASES]: (t) => Aliases.parse(t),
  ...Object.fromEntries(MAP_PATHS.map((p) => [p, (t: string) => LookupTable.parse(t)])),
};

/** An input file's problem as the run's error: its real path and what is wrong (exit 2). */
function fileError(path: string, realPath: string, e: unknown): UsageError {
  if (isMailsetupError(e)) return e as UsageError;
  const msg = (e as Error).message.replace(/^(main\.cf|master\.cf|aliases|lookup table)(: )?/, '').trim();
  return new UsageError(`${realPath}: ${msg.replace(/^: /, '')}`, [
    `  mailsetup does not edit a file that Postfix would misread; fix ${path} by hand, then run it again`,
  ]);
}

/**
 * Read every file the planner looks at, each checked by its parser: a file that would make the
 * planner fail (a NUL byte, a BOM, a broken master.cf entry, a loop of links, a FIFO) is a
 * UsageError naming it.
 */
export async function readPlanFiles(fx: Effects): Promise<Files> {
  const entries = await Promise.all(
    PLANNED_PATHS.map(async (p) => {
      try {
        const text = await fx.readFile(p);
        if (text !== null) PARSERS[p]?.(text);
        return [p, text] as const;
      } catch (e) {
        throw fileError(p, await fx.realPath(p).catch(() => fx.resolve(p)), e);
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Mode and owner of each existing file the planner looks at (the modes Postfix expects are planned). */
export async function readPlanMeta(fx: Effects): Promise<Record<string, FileMeta>> {
  const out: Record<string, FileMeta> = {};
  for (const p of PLANNED_PATHS) {
    const m = await fx.stat(p);
    if (m !== null) out[p] = m;
  }
  return out;
}
