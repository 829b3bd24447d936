/** Step events as plain text: the marks, the explaining lines, and verify's "skipped: " word. */
import { describe, expect, it } from 'vitest';
import { stepText } from '../../src/output/steps.js';

describe('stepText', () => {
  it('a finished step: mark, label, detail; explaining lines indented and faint; a running one prints nothing', () => {
    expect(stepText({ id: 'a', label: 'Write main.cf', status: 'ok' }, false)).toBe('✓ Write main.cf\n');
    expect(stepText({ id: 'a', label: 'Reload', status: 'failed', detail: 'exit 1', explain: ['x', 'y'] }, false)).toBe(
      '✗ Reload: exit 1\n    x\n    y\n',
    );
    expect(stepText({ id: 'a', label: 'Reload', status: 'failed', detail: 'exit 1', explain: ['x'] }, true)).toBe(
      '\x1b[31m✗\x1b[0m Reload: exit 1\n    \x1b[2mx\x1b[0m\n',
    );
    expect(stepText({ id: 'a', label: 'Reload', status: 'running' }, false)).toBe('');
  });

  it('skippedWord: "skipped: " before a skipped step\'s detail (the --verify report), nothing else changes', () => {
    const skipped = {
      id: 'l',
      label: 'Listening addresses',
      status: 'skipped' as const,
      detail: 'Postfix is not running',
    };
    expect(stepText(skipped, false)).toBe('- Listening addresses: Postfix is not running\n');
    expect(stepText(skipped, false, { skippedWord: true })).toBe(
      '- Listening addresses: skipped: Postfix is not running\n',
    );
    expect(stepText(skipped, true, { skippedWord: true })).toBe(
      '\x1b[2m-\x1b[0m Listening addresses: skipped: Postfix is not running\n',
    );
    expect(stepText({ id: 'x', label: 'X', status: 'ok', detail: 'fine' }, false, { skippedWord: true })).toBe(
      '✓ X: fine\n',
    );
  });
});
