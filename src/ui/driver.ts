/**
 * The driver hook: the only place where the wizard calls its backend. It owns the reducer of
 * machine.ts, runs the effects each step needs (probe the host, detect, load questions, plan,
 * apply) and hands the screens plain callbacks.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { AnswerKey, AnswerValue } from '../model/answers.js';
import type { WizardBackend } from './backend.js';
import { answersForPlan, initialState, reducer } from './machine.js';
import type { WizardState } from './machine.js';

/** What the screens may ask for. */
export interface WizardActions {
  moveRole(index: number): void;
  chooseRole(): void;
  answer(key: AnswerKey, value: AnswerValue): void;
  back(): void;
  override(ids: string[]): void;
  confirm(): void;
  cancel(): void;
}

/** The message of anything thrown. */
function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Run the wizard's state machine against `backend`. */
export function useWizard(backend: WizardBackend): [WizardState, WizardActions] {
  const [state, dispatch] = useReducer(reducer, backend, (b) => initialState(b.roles()));
  const latest = useRef(state);
  latest.current = state;
  const applyStarted = useRef(false);

  // Probe the host, then detect the current configuration. Both may arrive after the first frame.
  useEffect(() => {
    let live = true;
    void (async () => {
      let host;
      try {
        host = await backend.loadHost();
      } catch (err) {
        if (live) dispatch({ type: 'fatal', message: `Could not probe the host: ${messageOf(err)}` });
        return;
      }
      if (!live) return;
      dispatch({ type: 'host', host });
      try {
        const detection = await backend.detect(host);
        if (live) dispatch({ type: 'detected', detection });
      } catch (err) {
        if (live) {
          dispatch({
            type: 'detected',
            detection: {
              role: null,
              answers: {},
              summary: [`Could not read the current configuration: ${messageOf(err)}`],
            },
          });
        }
      }
    })();
    return () => {
      live = false;
    };
  }, [backend]);

  // Load the chosen role's questions once the host and the current values are known.
  const { step, questions, role, host, detection } = state;
  useEffect(() => {
    if (step !== 'questions' || questions !== null || role === null || host === null || detection === null) return;
    try {
      dispatch({ type: 'questions', questions: backend.questions(role, host, latest.current.answers) });
    } catch (err) {
      dispatch({ type: 'fatal', message: `Could not list the questions: ${messageOf(err)}` });
    }
  }, [backend, step, questions, role, host, detection]);

  // Build the plan whenever a new plan was requested.
  const { planRequest } = state;
  useEffect(() => {
    if (step !== 'planning' || host === null) return;
    const request = planRequest;
    let answers;
    try {
      answers = answersForPlan(latest.current);
    } catch (err) {
      dispatch({ type: 'plan-failed', request, message: messageOf(err) });
      return;
    }
    backend.plan(answers, host).then(
      (plan) => dispatch({ type: 'planned', request, plan }),
      (err: unknown) => dispatch({ type: 'plan-failed', request, message: messageOf(err) }),
    );
  }, [backend, step, planRequest, host]);

  // Apply, once, after the user confirmed.
  const { confirmed, plan } = state;
  useEffect(() => {
    if (step !== 'applying' || !confirmed || plan === null || host === null || applyStarted.current) return;
    applyStarted.current = true;
    let run;
    try {
      run = backend.apply(plan, host, (event) => dispatch({ type: 'apply-event', event }));
    } catch (err) {
      dispatch({ type: 'apply-crashed', message: messageOf(err) });
      return;
    }
    run.then(
      (result) => dispatch({ type: 'applied', result }),
      (err: unknown) => dispatch({ type: 'apply-crashed', message: messageOf(err) }),
    );
  }, [backend, step, confirmed, plan, host]);

  const answer = useCallback(
    (key: AnswerKey, value: AnswerValue) => {
      const s = latest.current;
      if (s.role === null || s.host === null) return;
      try {
        const questionsNow = backend.questions(s.role, s.host, { ...s.answers, [key]: value });
        dispatch({ type: 'answer', key, value, questions: questionsNow });
      } catch (err) {
        dispatch({ type: 'fatal', message: `Could not list the questions: ${messageOf(err)}` });
      }
    },
    [backend],
  );

  const actions = useMemo<WizardActions>(
    () => ({
      moveRole: (index) => dispatch({ type: 'role-cursor', index }),
      chooseRole: () => dispatch({ type: 'choose-role' }),
      answer,
      back: () => dispatch({ type: 'back' }),
      override: (ids) => dispatch({ type: 'override', ids }),
      confirm: () => dispatch({ type: 'confirm' }),
      cancel: () => dispatch({ type: 'cancel' }),
    }),
    [answer],
  );
  return [state, actions];
}
