/**
 * The wizard when the plan had to be made again before anything was written (issue 13): files
 * changed on disk since the preview, or Postfix installed and its files changed the plan. The new
 * plan is shown with the reason at the top and must be confirmed again; postfix check's warnings
 * are findings on the summary.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { initialState, reducer } from '../../src/ui/machine.js';
import type { Plan } from '../../src/model/plan.js';
import { HOST, ROLES, fakeBackend, fakePlan } from './fakeBackend.js';
import { KEY, plain, press, waitFor } from './keys.js';

afterEach(() => cleanup());

const NOTE =
  '/etc/postfix/main.cf changed on disk since the plan was made (another admin, a package upgrade?): nothing was ' +
  'written. This is the plan made again against the files as they are now.';

describe('a plan made again before the apply', () => {
  test('the reducer goes back to the preview with the new plan and the new host; only confirm applies it', () => {
    const plan = fakePlan({ role: 'null-client' });
    let s = reducer(initialState(ROLES), { type: 'host', host: HOST });
    s = { ...s, step: 'preview', role: 'null-client', plan, questions: [] };
    s = reducer(s, { type: 'confirm' });
    expect(s).toMatchObject({ step: 'applying', confirmed: true });
    const again: Plan = { ...fakePlan({ role: 'null-client', relayhost: '[b.example]' }), notes: [NOTE] };
    const installed = { ...HOST, postfix: { ...HOST.postfix, installed: true } };
    s = reducer(s, { type: 'replanned', plan: again, host: installed });
    expect(s).toMatchObject({ step: 'preview', confirmed: false, plan: again, host: installed, events: [] });
    // Not from any other step.
    expect(reducer(s, { type: 'replanned', plan, host: HOST })).toBe(s);
  });

  test('the wizard shows the new plan with its reason, and applies it after a second confirmation', async () => {
    const fake = fakeBackend();
    const first = fake.apply.bind(fake);
    let calls = 0;
    fake.apply = async (plan, host, onEvent) => {
      fake.applyCalls.push(plan);
      calls++;
      if (calls === 1) {
        onEvent({ id: 'lock', label: 'Take the lock', status: 'ok' });
        return { replanned: { ...plan, notes: [NOTE] }, host };
      }
      fake.applyCalls.pop();
      const r = await first(plan, host, onEvent);
      return 'replanned' in r
        ? r
        : {
            ...r,
            findings: [{ id: 'postfix-check', level: 'warning', message: 'warning: group or other writable: main.cf' }],
          };
    };
    const exits: number[] = [];
    const w = render(<App backend={fake} onExit={(c) => exits.push(c)} />);
    const wait = (t: string) => waitFor(w.lastFrame, t);
    await wait('Role:');
    await press(w.stdin, KEY.enter);
    await wait('question 1 of 5');
    await press(w.stdin, KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    await wait('Plan for role null-client');
    await press(w.stdin, 'y');
    const f = await wait('changed on disk since the plan was made');
    expect(f).toContain('Apply these changes? y apply');
    expect(calls).toBe(1);
    expect(exits).toEqual([]);
    await press(w.stdin, 'y');
    const done = await wait('Done');
    expect(calls).toBe(2);
    expect(plain(done)).toContain('⚠ postfix-check: warning: group or other writable: main.cf');
    expect(fake.applyCalls.at(-1)?.notes).toEqual([NOTE]);
    expect(exits).toEqual([0]);
  });
});
