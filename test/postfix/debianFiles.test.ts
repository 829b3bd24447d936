/**
 * The Debian 12 files the tests compare against are in the repository (test/helpers/reference.ts):
 * every one is listed in test/fixtures/README.md with its SHA-256 as captured on a Debian box, so
 * that an edit to templates/ (which doubles as Debian's copy) or to a fixture fails here.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_FILES, debianPath, type DebianFile } from '../helpers/reference.js';

const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'test', 'fixtures', 'README.md'), 'utf8');

/** The README's table: repository path → sha256. */
const ROWS = new Map(
  [...README.matchAll(/^\| `([^`]+)` \| `([0-9a-f]{64})` \| ([^|]+) \| ([^|]+) \|$/gm)].map((m) => [m[1], m[2]]),
);

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('Debian 12 files in the repository (test/fixtures/README.md)', () => {
  it('the README lists every file the tests read, and each has the recorded SHA-256', () => {
    for (const name of Object.keys(DEBIAN_FILES) as DebianFile[]) {
      const rel = DEBIAN_FILES[name];
      expect(ROWS.get(rel), `${name}: no row for ${rel} in test/fixtures/README.md`).toBeDefined();
      expect(sha256(debianPath(name)), rel).toBe(ROWS.get(rel));
    }
  });

  it('every file under test/fixtures/ has a row, and every row is a file the tests read', () => {
    const dir = join(ROOT, 'test', 'fixtures');
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name !== 'README.md')
      .map((e) => join(e.parentPath, e.name).slice(ROOT.length + 1))
      .sort();
    expect(files).toEqual([...ROWS.keys()].filter((p) => p.startsWith('test/fixtures/')).sort());
    expect([...ROWS.keys()].sort()).toEqual(Object.values(DEBIAN_FILES).sort());
  });
});
