/**
 * Step events (an apply, a rollback, the checks of --verify) as the user sees them: one mark per
 * status, the same in the Ink screens and in plain text.
 */
import type { StepEvent, StepStatus } from '../model/events.js';
import { printable } from '../model/text.js';
import { paint, type Style } from './styled.js';

/** The mark and style of each finished status. */
export const STEP_MARKS: Readonly<Record<Exclude<StepStatus, 'running'>, { mark: string; style: Style }>> = {
  ok: { mark: '✓', style: 'ok' },
  failed: { mark: '✗', style: 'failed' },
  skipped: { mark: '-', style: 'dim' },
  'rolled-back': { mark: '↺', style: 'warning' },
};

export interface StepTextOptions {
  /**
   * Say "skipped: " before a skipped step's detail ("- Listening addresses: skipped: Postfix is
   * not running"), as the --verify report does, where the mark alone is too quiet.
   */
  skippedWord?: boolean;
}

/**
 * A finished step as plain text: "✓ label: detail", then the lines that explain it, indented
 * and faint. A running step prints nothing (the plain mode shows only outcomes).
 */
export function stepText(e: StepEvent, color: boolean, opts: StepTextOptions = {}): string {
  if (e.status === 'running') return '';
  const m = STEP_MARKS[e.status];
  const word = opts.skippedWord && e.status === 'skipped' ? 'skipped: ' : '';
  const detail = e.detail || word ? `: ${word}${e.detail ?? ''}` : '';
  // Details and explanations quote servers, logs and files: no control character reaches the terminal.
  const lines = [`${paint(color, m.style, m.mark)} ${printable(e.label)}${printable(detail)}\n`];
  for (const l of e.explain ?? []) lines.push(`    ${paint(color, 'dim', printable(l))}\n`);
  return lines.join('');
}
