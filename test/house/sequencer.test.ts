/**
 * The order the test files start in (test/sequencer.ts): unknown files first by size, then the
 * table's longest first; and the committed table names only test files that exist, each once with
 * a time.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DURATIONS_FILE, orderFiles, readDurations } from '../sequencer.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the test-file order', () => {
  test('longest first by the table; files missing from it first, largest first; ties by path', () => {
    const files = [
      { file: 'test/a.test.ts', size: 100 },
      { file: 'test/b.test.ts', size: 900 },
      { file: 'test/new-small.test.ts', size: 10 },
      { file: 'test/c.test.ts', size: 5 },
      { file: 'test/new-large.test.ts', size: 5000 },
      { file: 'test/d.test.ts', size: 1 },
    ];
    const durations = {
      'test/a.test.ts': 2000,
      'test/b.test.ts': 500,
      'test/c.test.ts': 70_000,
      'test/d.test.ts': 2000,
    };
    expect(orderFiles(files, durations).map((f) => f.file)).toEqual([
      'test/new-large.test.ts',
      'test/new-small.test.ts',
      'test/c.test.ts',
      'test/a.test.ts',
      'test/d.test.ts',
      'test/b.test.ts',
    ]);
    // The input is left as it was.
    expect(files[0].file).toBe('test/a.test.ts');
  });

  test('an absent or malformed table is empty; entries that are not times are left out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsetup-sequencer-'));
    try {
      expect(readDurations(dir)).toEqual({});
      mkdirSync(join(dir, 'test'));
      writeFileSync(join(dir, DURATIONS_FILE), '{ not json');
      expect(readDurations(dir)).toEqual({});
      writeFileSync(join(dir, DURATIONS_FILE), '[1, 2]');
      expect(readDurations(dir)).toEqual({});
      writeFileSync(join(dir, DURATIONS_FILE), JSON.stringify({ 'a.test.ts': 1200, b: '3', c: -1, d: null, e: 0 }));
      expect(readDurations(dir)).toEqual({ 'a.test.ts': 1200, e: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the committed table names existing test files only, each with a time (ms)', () => {
    const table = readDurations(ROOT);
    const files = Object.keys(table);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f, 'a test file').toMatch(/^test\/.+\.test\.tsx?$/);
      expect(existsSync(join(ROOT, f)), `${f} exists (refresh with npm run test:durations)`).toBe(true);
      expect(table[f], f).toBeGreaterThanOrEqual(0);
    }
  });
});
