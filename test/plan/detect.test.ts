/** What the start header says of the current configuration: main.cf's values, and hand edits as such. */
import { describe, expect, it } from 'vitest';
import { detect, STALE_STATE_LINE } from '../../src/plan/detect.js';
import { freshDetection } from '../../src/plan/detectFresh.js';
import { plan } from '../../src/plan/plan.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { MAIN_CF, STATE_PATH } from '../../src/model/paths.js';
import { afterPlan, fakeHost, freshFiles, templates } from '../helpers/host.js';

const host = fakeHost();

function applied(): Record<string, string | null> {
  const files = freshFiles();
  const answers = resolveAnswers({ role: 'mail-server', postmaster: 'alice@example.com' }, host);
  return afterPlan(files, plan({ answers, host, files, templates: templates() }));
}

describe('detect: the header lines', () => {
  it('a fresh box has no role and no values', () => {
    const d = detect(freshFiles());
    expect(d.role).toBeNull();
    expect(d.summary).toEqual(['No Postfix configuration yet (no main.cf)']);
  });

  it("after an apply: main.cf's values", () => {
    const d = detect(applied());
    expect(d.summary).toEqual([
      'Current role: mail-server (set up by mailsetup)',
      '  myhostname = mx.example.com',
      '  mydomain = example.com',
      '  mynetworks = 127.0.0.0/8, [::1]/128, 192.168.10.0/24, [fd00::]/64',
    ]);
  });

  it('a value changed by hand since is shown as main.cf has it, and said to be a hand edit', () => {
    const files = applied();
    files[MAIN_CF] = (files[MAIN_CF] ?? '').replace(/^mynetworks = .*$/m, 'mynetworks = 127.0.0.0/8, 10.1.0.0/16');
    const d = detect(files);
    expect(d.source).toBe('state');
    // The hand edit is the current value (the questions offer it; issue 13's re-runs keep it).
    expect(d.answers.mynetworks).toEqual(['127.0.0.0/8', '10.1.0.0/16']);
    expect(d.summary).toContain(
      '  mynetworks = 127.0.0.0/8, 10.1.0.0/16 (changed by hand; mailsetup set 127.0.0.0/8, [::1]/128, 192.168.10.0/24, [fd00::]/64)',
    );
    expect(d.summary.join('\n')).not.toContain('mynetworks = 127.0.0.0/8, [::1]/128');
  });

  it('a state file without main.cf says that main.cf is gone: the box is treated as fresh', () => {
    const files = applied();
    files[MAIN_CF] = null;
    expect(files[STATE_PATH]).not.toBeNull();
    const d = detect(files);
    expect(d.role).toBeNull();
    expect(d.summary).toEqual(['No Postfix configuration yet (no main.cf)', STALE_STATE_LINE]);
    expect(STALE_STATE_LINE).toContain('main.cf is gone');
  });
});

describe("freshDetection: the wizard's first frame, without the parsers and the roles", () => {
  it('says what detect() says of a box without main.cf, with or without a state file left over', () => {
    const stale = applied();
    stale[MAIN_CF] = null;
    for (const files of [freshFiles(), stale]) {
      const d = freshDetection(files);
      expect(d).not.toBeNull();
      expect(d).toEqual(detect(files));
    }
    expect(freshDetection(stale)?.summary).toContain(STALE_STATE_LINE);
  });

  it('leaves a box with main.cf to detect(): null, with or without a state file', () => {
    const files = applied();
    expect(freshDetection(files)).toBeNull();
    expect(freshDetection({ ...files, [STATE_PATH]: null })).toBeNull();
    // An empty main.cf is a main.cf (detect() reads it: "custom").
    expect(freshDetection({ ...freshFiles(), [MAIN_CF]: '' })).toBeNull();
    expect(detect({ ...freshFiles(), [MAIN_CF]: '' }).role).toBe('custom');
  });
});
