/**
 * The preview screen on its own, on a small terminal: what a failed apply and the blocking errors
 * say above the plan never pushes the prompt off the screen.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import type { StepEvent } from '../../src/model/events.js';
import type { ApplyResult } from '../../src/ui/backend.js';
import { PreviewScreen } from '../../src/ui/PreviewScreen.js';
import { fakePlan } from './fakeBackend.js';
import { plain, waitFor } from './keys.js';

afterEach(() => cleanup());

/** A failed apply whose failed step has a long detail (a postfix check full of warnings). */
function failure(detailLines: number): ApplyResult {
  const detail = Array.from({ length: detailLines }, (_, i) => `postfix/postconf: warning: line ${i + 1}`).join(' ');
  const events: StepEvent[] = [
    { id: 'backup', label: 'Back up 1 file', status: 'ok' },
    { id: 'check', label: 'postfix check', status: 'failed', detail },
    { id: 'write', label: 'Write /etc/postfix/main.cf', status: 'rolled-back', detail: 'restored from the backup' },
  ];
  return {
    ok: false,
    changed: false,
    backupDir: '/var/backups/mailsetup/20240102T030405',
    error: 'postfix check failed',
    rolledBack: true,
    warnings: [],
    events,
  };
}

function show(opts: { height: number; failure: ApplyResult | null; open: boolean }) {
  const plan = fakePlan({ role: 'mail-server', mynetworks: opts.open ? ['0.0.0.0/0'] : ['127.0.0.0/8'] });
  const r = render(
    <PreviewScreen
      plan={plan}
      planError={null}
      failure={opts.failure}
      height={opts.height}
      width={60}
      onConfirm={() => undefined}
      onBack={() => undefined}
      onOverride={() => undefined}
    />,
  );
  return { ...r, frame: () => plain(r.lastFrame()) };
}

describe('the preview on a small terminal', () => {
  test('a failed apply with a long report keeps the prompt and some of the plan on 18 lines', async () => {
    const p = show({ height: 18, failure: failure(40), open: false });
    const f = await waitFor(p.lastFrame, 'Apply these changes?');
    const lines = f.split('\n');
    expect(lines.length).toBeLessThanOrEqual(18);
    expect(f).toContain('✗ Apply failed: postfix check failed');
    expect(f).toMatch(/… \d+ more lines \(a taller terminal shows them\)/);
    // What failed, and that the files are back, are never among the lines left out.
    expect(f).toContain('↺ Rolled back: the earlier files are back in place');
    expect(f).toContain('Backup:  /var/backups/mailsetup/20240102T030405');
    expect(f).toMatch(/lines 1–\d+ of \d+/);
  });

  test('a failed apply and a blocking error together: both named, the prompt still on screen', async () => {
    const p = show({ height: 18, failure: failure(40), open: true });
    const f = await waitFor(p.lastFrame, 'Blocked by 1 error');
    expect(f.split('\n').length).toBeLessThanOrEqual(18);
    expect(f).toContain('✗ Apply failed: postfix check failed');
    expect(f).toContain('↺ Rolled back: the earlier files are back in place');
    expect(f).toContain('o override');
  });

  test('on a tall terminal the whole report is shown, each failed step with its detail', async () => {
    const p = show({ height: 60, failure: failure(3), open: false });
    const f = await waitFor(p.lastFrame, 'Apply these changes?');
    expect(f).not.toContain('more lines');
    expect(f).toContain('✗ postfix check');
    expect(f).toContain('postfix/postconf: warning: line 3');
    expect(f).toContain('↺ Write /etc/postfix/main.cf (rolled back)');
    expect(f).toContain('Backup:  /var/backups/mailsetup/20240102T030405');
  });
});
