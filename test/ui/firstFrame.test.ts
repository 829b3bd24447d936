/**
 * A fresh box told at first sight (src/commands/wizard/firstFrame.ts): the wizard's first frame is
 * drawn from the files' presence before the system layer loads, so that lookup must say "fresh"
 * only where the wizard's own reading will say so too, and step aside (null) wherever it takes
 * more: a main.cf, a backup (an apply that may be unfinished), a link on the way (the wizard
 * follows links inside the sandbox as Postfix would).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { drawFirstFrame, freshAtFirstSight } from '../../src/commands/wizard/firstFrame.js';
import { roleInfoList } from '../../src/roles/infos.js';
import { freshDetection, STALE_STATE_LINE } from '../../src/plan/detectFresh.js';
import { MAIN_CF, STATE_PATH } from '../../src/model/paths.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A sandbox with `files` (path → text) and `dirs`. */
function box(files: Record<string, string> = {}, dirs: string[] = []): string {
  const root = mkdtempSync(join(tmpdir(), 'mailsetup-firstsight-'));
  made.push(root);
  mkdirSync(join(root, 'etc', 'postfix'), { recursive: true });
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

const FRESH = freshDetection({ [MAIN_CF]: null, [STATE_PATH]: null });

describe('freshAtFirstSight', () => {
  test("a box without main.cf is fresh, as the wizard's own detection says", () => {
    const d = freshAtFirstSight(box({ 'etc/postfix/master.cf': '' }));
    expect(d).toEqual({ role: FRESH?.role, answers: FRESH?.answers, summary: FRESH?.summary });
    expect(d?.summary).toEqual(['No Postfix configuration yet (no main.cf)']);
    // No /etc/postfix at all (Postfix not installed): fresh too.
    const bare = mkdtempSync(join(tmpdir(), 'mailsetup-firstsight-'));
    made.push(bare);
    expect(freshAtFirstSight(bare)?.summary).toEqual(['No Postfix configuration yet (no main.cf)']);
  });

  test('a state file that outlived main.cf is said, as detect() says it; an empty one is not', () => {
    expect(freshAtFirstSight(box({ 'etc/postfix/mailsetup.yaml': 'role: null-client\n' }))?.summary).toEqual([
      'No Postfix configuration yet (no main.cf)',
      STALE_STATE_LINE,
    ]);
    expect(freshAtFirstSight(box({ 'etc/postfix/mailsetup.yaml': '' }))?.summary).toEqual([
      'No Postfix configuration yet (no main.cf)',
    ]);
  });

  test('a main.cf, a backup, or a link on the way: not told at first sight (the wizard reads the files)', () => {
    expect(freshAtFirstSight(box({ 'etc/postfix/main.cf': '' }))).toBeNull();
    expect(freshAtFirstSight(box({ 'var/backups/mailsetup/20261206-010203-1/manifest.json': '{}' }))).toBeNull();
    // An empty backup directory holds no unfinished apply.
    expect(freshAtFirstSight(box({}, ['var/backups/mailsetup']))).not.toBeNull();
    const linked = box();
    symlinkSync('/etc/postfix/main.cf.proto', join(linked, 'etc', 'postfix', 'main.cf'));
    expect(freshAtFirstSight(linked)).toBeNull();
    const linkedDir = box();
    rmSync(join(linkedDir, 'etc', 'postfix'), { recursive: true });
    mkdirSync(join(linkedDir, 'elsewhere'));
    symlinkSync('/elsewhere', join(linkedDir, 'etc', 'postfix'));
    expect(freshAtFirstSight(linkedDir)).toBeNull();
    const stateDir = box({}, ['etc/postfix/mailsetup.yaml']);
    expect(freshAtFirstSight(stateDir)).toBeNull();
  });
});

describe('drawFirstFrame', () => {
  /** A terminal of 80×24 that records what is written. */
  function terminal(): { out: NodeJS.WriteStream; written: string[] } {
    const written: string[] = [];
    const out = { isTTY: true, rows: 24, columns: 80, write: (s: string) => written.push(s) > 0 };
    return { out: out as unknown as NodeJS.WriteStream, written };
  }
  const fresh = { role: null, answers: {}, summary: ['No Postfix configuration yet (no main.cf)'] };

  test('draws the role screen in one write and says how many lines it took', () => {
    const t = terminal();
    const frame = drawFirstFrame(t.out, roleInfoList(), fresh, { color: true, unicode: true, sandbox: '/srv/box' });
    expect(t.written).toHaveLength(1);
    expect(frame).toEqual({ lines: t.written[0].split('\n').length - 1, rows: 24, columns: 80 });
    expect(t.written[0]).toContain('Which role should this host play?');
  });

  test("draws nothing where its cut could differ from Ink's: wide characters, control characters, a terminal too small", () => {
    for (const sandbox of ['/srv/日本語', '/srv/a\u001b[2Jb', '/srv/tab\there']) {
      const t = terminal();
      expect(drawFirstFrame(t.out, roleInfoList(), fresh, { color: true, unicode: true, sandbox }), sandbox).toBeNull();
      expect(t.written).toEqual([]);
    }
    const small = terminal();
    (small.out as { rows: number }).rows = 8;
    expect(drawFirstFrame(small.out, roleInfoList(), fresh, { color: true, unicode: true })).toBeNull();
    expect(small.written).toEqual([]);
  });
});
