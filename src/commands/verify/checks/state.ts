/**
 * Check: mailsetup's state file is there and readable. It says which role was set up (the
 * SMTP and address checks need it) and what mailsetup wrote (the map checks compare it).
 */
import type { Effects } from '../../../model/effects.js';
import { STATE_PATH } from '../../../model/paths.js';
import { parseState, type State } from '../../../plan/state.js';
import type { StepOutcomeReport } from '../../../system/runner.js';

export const STATE_LABEL = 'mailsetup state';

/** The outcome, and the state (`value`) when it could be read. */
export async function checkState(
  fx: Pick<Effects, 'readFile' | 'resolve'>,
  configDir?: string,
): Promise<{ outcome: StepOutcomeReport; value: State | null }> {
  const path = configDir ? `${configDir}/mailsetup.yaml` : fx.resolve(STATE_PATH);
  const text = await fx.readFile(configDir ? path : STATE_PATH);
  if (text === null)
    return {
      outcome: {
        status: 'failed',
        detail: `no ${path}: mailsetup has not configured this Postfix (run mailsetup first)`,
      },
      value: null,
    };
  let state: State;
  try {
    state = parseState(text);
  } catch (e) {
    return { outcome: { status: 'failed', detail: (e as Error).message }, value: null };
  }
  return {
    outcome: { status: 'ok', detail: `role ${state.answers.role}, set up by mailsetup (${path})` },
    value: state,
  };
}
