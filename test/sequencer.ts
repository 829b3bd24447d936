/**
 * The order the test files start in: longest first, from the committed table test/durations.json
 * (each file's wall time in a full run, written by `npm run test:durations`). The files run on two
 * workers, each taking the next file when it is free; started longest first, the long files
 * overlap each other and the short ones fill the end, so no 70-second file starts last and runs
 * alone. vitest's own order (BaseSequencer) is longest first only from its cache of the last run
 * on this checkout; a clean clone (CI) has none and falls back to file size, which puts the long
 * but small files (the tmux and real-SMTP ones) late.
 *
 * A file missing from the table (new since the table was written) starts before the known ones,
 * largest first, as vitest starts files it has no results for: its time is unknown, and a long
 * file started last is the costly mistake. The order changes only when the files start, never
 * what they test: the workers run file after file (vitest.config.ts), and no file depends on what
 * ran before it in its worker.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The table's path, relative to the repository root. */
export const DURATIONS_FILE = 'test/durations.json';

/** The table: file (relative to the root, `/`-separated) → milliseconds. */
export type Durations = Record<string, number>;

/** Read the table; an absent or malformed one is an empty table (every file then goes by size). */
export function readDurations(root: string): Durations {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(root, DURATIONS_FILE), 'utf8'));
  } catch {
    return {};
  }
  const out: Durations = {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
  for (const [file, ms] of Object.entries(parsed as Record<string, unknown>))
    if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) out[file] = ms;
  return out;
}

/** One file to order: its path relative to the root and its size in bytes. */
export interface FileToOrder {
  file: string;
  size: number;
}

/**
 * The order: the files without a duration first (largest first), then the others longest first;
 * ties by path, so that the order is the same on every run.
 */
export function orderFiles<T extends FileToOrder>(files: readonly T[], durations: Durations): T[] {
  const known = (f: T) => Object.prototype.hasOwnProperty.call(durations, f.file);
  return [...files].sort((a, b) => {
    const ka = known(a);
    const kb = known(b);
    if (ka !== kb) return ka ? 1 : -1;
    const d = ka ? durations[b.file] - durations[a.file] : b.size - a.size;
    return d !== 0 ? d : a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
  });
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** vitest's `sequence.sequencer`: BaseSequencer's sharding, this file's order. */
export class DurationSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const durations = readDurations(root);
    const entries = files.map((spec) => ({
      spec,
      file: relative(root, spec.moduleId).split('\\').join('/'),
      size: sizeOf(spec.moduleId),
    }));
    return Promise.resolve(orderFiles(entries, durations).map((e) => e.spec));
  }
}
