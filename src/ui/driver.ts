/**
 * The driver hook: the only place where the wizard calls its backend. It owns the reducer of
 * machine.ts, runs the effects each step needs (probe the host, load questions, plan, apply)
 * and hands the screens plain callbacks. Every callback reads the state as it is now (not as it
 * was when the screen last rendered) and moves it with relative actions.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { AnswerKey, AnswerValue } from '../model/answers.js';
import type { WizardBackend } from './backend.js';
import { answersForPlan, editedAnswers, initialState, reducer, sameValue, type Draft } from './machine.js';
import type { WizardState } from './machine.js';

/** What the screens may ask for. */
export interface WizardActions {
  /** Move the role cursor by `by` rows. */
  moveRole(by: number): void;
  chooseRole(): void;
  answer(key: AnswerKey, value: AnswerValue): void;
  /** One step back; `draft` is what was typed into the question being left. */
  back(draft?: Draft): void;
  /** Move the review's cursor by `by` rows. */
  moveReview(by: number): void;
  /** Enter on the review: continue to the plan, or open the highlighted setting. */
  chooseReview(): void;
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
  const [state, dispatch] = useReducer(reducer, backend, (b) => initialState(b.roles(), b.detection()));
  const latest = useRef(state);
  latest.current = state;
  const applyStarted = useRef(false);

  // Probe the host, then the slow probes. Both may arrive after the first frame.
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
      let lines: string[];
      try {
        lines = await backend.probe(host);
      } catch (err) {
        lines = [`Could not probe the network: ${messageOf(err)}`];
      }
      if (live) dispatch({ type: 'probed', lines });
    })();
    return () => {
      live = false;
    };
  }, [backend]);

  // Load the chosen role's questions once the host is known.
  const { step, questions, role, host } = state;
  useEffect(() => {
    if (step !== 'questions' || questions !== null || role === null || host === null) return;
    try {
      dispatch({ type: 'questions', questions: backend.questions(role, host, editedAnswers(latest.current)) });
    } catch (err) {
      dispatch({ type: 'fatal', message: `Could not list the questions: ${messageOf(err)}` });
    }
  }, [backend, step, questions, role, host]);

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

  // Apply, once per confirmation.
  const { confirmed, plan } = state;
  useEffect(() => {
    if (step !== 'applying') applyStarted.current = false;
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
      (result) => {
        if ('replanned' in result) {
          // Shown again and confirmed again: the next confirm applies the new plan.
          applyStarted.current = false;
          dispatch({ type: 'replanned', plan: result.replanned, host: result.host });
        } else dispatch({ type: 'applied', result });
      },
      (err: unknown) => dispatch({ type: 'apply-crashed', message: messageOf(err) }),
    );
  }, [backend, step, confirmed, plan, host]);

  const answer = useCallback(
    (key: AnswerKey, value: AnswerValue) => {
      const s = latest.current;
      const shown = s.questions?.[s.index];
      if (s.role === null || s.host === null || shown === undefined || shown.key !== key) return;
      // The questions again, with this answer: later defaults may follow it.
      const edited = sameValue(value, shown.default)
        ? s.edited.filter((k) => k !== key)
        : [...s.edited.filter((k) => k !== key), key];
      try {
        const given = editedAnswers({ answers: { ...s.answers, [key]: value }, edited });
        dispatch({ type: 'answer', key, value, questions: backend.questions(s.role, s.host, given) });
      } catch (err) {
        dispatch({ type: 'fatal', message: `Could not list the questions: ${messageOf(err)}` });
      }
    },
    [backend],
  );

  const actions = useMemo<WizardActions>(
    () => ({
      moveRole: (by) => dispatch({ type: 'role-move', by }),
      chooseRole: () => dispatch({ type: 'choose-role' }),
      answer,
      back: (draft) => dispatch({ type: 'back', draft }),
      moveReview: (by) => dispatch({ type: 'review-move', by }),
      chooseReview: () => dispatch({ type: 'review-choose' }),
      override: (ids) => dispatch({ type: 'override', ids }),
      confirm: () => dispatch({ type: 'confirm' }),
      cancel: () => dispatch({ type: 'cancel' }),
    }),
    [answer],
  );
  return [state, actions];
}
