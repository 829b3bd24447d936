/**
 * The wizard as a pure state machine: one reducer holding the step, the answers, the plan and the
 * apply events. It performs no I/O; src/ui/driver.ts calls the backend and feeds results back in as
 * actions. Invariant: the step becomes 'applying' only through 'confirm' from a plan without
 * blocking errors, so the backend's apply() cannot run before the user confirmed.
 */
import type { Finding, Plan } from '../model/plan.js';
import { isEmptyPlan } from '../model/plan.js';
import type { AnswerKey, AnswerValue, Answers, Question, RoleId, RoleInfo } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import type { StepEvent, ApplyResult, Detection } from './backend.js';

export type Step = 'role' | 'questions' | 'planning' | 'preview' | 'applying' | 'summary';

/** Exit code when the user quits (Ctrl-C) before confirming: nothing was written. */
export const EXIT_CANCELLED = 130;

export interface WizardState {
  step: Step;
  /** Host facts; null until the probe answers. */
  host: HostFacts | null;
  /** What detect() found; null until it answers. */
  detection: Detection | null;
  /** A failure that ends the wizard (host probe or questions failed). */
  fatal: string | null;
  roles: RoleInfo[];
  /** The highlighted role on the role screen. */
  roleCursor: number;
  /** The user moved the cursor: detection no longer moves it. */
  roleTouched: boolean;
  role: RoleId | null;
  /** Detected values overlaid with every answer given, kept across steps (Esc never loses them). */
  answers: Partial<Answers>;
  /** The chosen role's questions; null while they load. */
  questions: Question[] | null;
  /** The question shown. */
  index: number;
  /** Incremented each time a plan is requested; results of older requests are ignored. */
  planRequest: number;
  plan: Plan | null;
  planError: string | null;
  confirmed: boolean;
  events: StepEvent[];
  result: ApplyResult | null;
  /** Set when the wizard is over; the app exits with it. */
  exitCode: number | null;
}

export type WizardAction =
  | { type: 'host'; host: HostFacts }
  | { type: 'detected'; detection: Detection }
  | { type: 'fatal'; message: string }
  | { type: 'role-cursor'; index: number }
  | { type: 'choose-role' }
  | { type: 'questions'; questions: Question[] }
  | { type: 'answer'; key: AnswerKey; value: AnswerValue; questions: Question[] }
  | { type: 'back' }
  | { type: 'planned'; request: number; plan: Plan }
  | { type: 'plan-failed'; request: number; message: string }
  | { type: 'override'; ids: string[] }
  | { type: 'confirm' }
  | { type: 'apply-event'; event: StepEvent }
  | { type: 'applied'; result: ApplyResult }
  | { type: 'apply-crashed'; message: string }
  | { type: 'cancel' };

/** The state before anything is known: role screen, cursor on the first role. */
export function initialState(roles: RoleInfo[]): WizardState {
  return {
    step: 'role',
    host: null,
    detection: null,
    fatal: null,
    roles,
    roleCursor: 0,
    roleTouched: false,
    role: null,
    answers: {},
    questions: null,
    index: 0,
    planRequest: 0,
    plan: null,
    planError: null,
    confirmed: false,
    events: [],
    result: null,
    exitCode: null,
  };
}

/** One event per step id, in the order the steps started: a later event replaces the earlier one in place. */
export function latestEvents(events: StepEvent[]): StepEvent[] {
  const out: StepEvent[] = [];
  const at = new Map<string, number>();
  for (const e of events) {
    const i = at.get(e.id);
    if (i === undefined) {
      at.set(e.id, out.length);
      out.push(e);
    } else out[i] = e;
  }
  return out;
}

/** The findings that stop the plan from being applied. */
export function blockingFindings(plan: Plan): Finding[] {
  return plan.findings.filter((f) => f.level === 'error');
}

/** The override ids that would lift the blocking findings that have one. */
export function overrideIds(plan: Plan): string[] {
  const ids: string[] = [];
  for (const f of blockingFindings(plan))
    if (f.override !== undefined && !ids.includes(f.override)) ids.push(f.override);
  return ids;
}

/** True when the preview may be confirmed. */
export function canConfirm(state: WizardState): boolean {
  return (
    state.step === 'preview' &&
    state.plan !== null &&
    state.planError === null &&
    blockingFindings(state.plan).length === 0
  );
}

/**
 * The answers the plan is built from: the role, the values of the role's questions (answers to
 * another role's questions are kept in the state but not sent) and the overrides.
 */
export function answersForPlan(state: WizardState): Answers {
  if (state.role === null) throw new Error('answersForPlan: no role chosen');
  const out: Answers = { role: state.role };
  const target = out as unknown as Record<string, unknown>;
  for (const q of state.questions ?? []) {
    const v = state.answers[q.key];
    if (v !== undefined) target[q.key] = v;
  }
  if (state.answers.overrides !== undefined && state.answers.overrides.length > 0)
    out.overrides = [...state.answers.overrides];
  return out;
}

/** The answers without the `role` key (a role is chosen on its own screen). */
function withoutRole(a: Partial<Answers>): Partial<Answers> {
  const { role: _role, ...rest } = a;
  return rest;
}

/** Enter the planning step with a fresh request number. */
function toPlanning(state: WizardState): WizardState {
  return { ...state, step: 'planning', plan: null, planError: null, planRequest: state.planRequest + 1 };
}

/** The pure transition function. Actions that make no sense in the current step leave the state unchanged. */
export function reducer(state: WizardState, action: WizardAction): WizardState {
  if (state.exitCode !== null && action.type !== 'apply-event') return state;
  switch (action.type) {
    case 'host':
      return { ...state, host: action.host };
    case 'detected': {
      const d = action.detection;
      let { roleCursor } = state;
      // The role asked for on the command line is pre-selected; else the one configured now.
      const preselect = d.prefill?.role ?? d.role;
      if (!state.roleTouched && preselect !== null && preselect !== undefined && preselect !== 'custom') {
        const i = state.roles.findIndex((r) => r.id === preselect);
        if (i >= 0) roleCursor = i;
      }
      const answers = { ...withoutRole(d.answers), ...withoutRole(d.prefill ?? {}), ...state.answers };
      return { ...state, detection: d, roleCursor, answers };
    }
    case 'fatal':
      return { ...state, fatal: action.message, exitCode: 1 };
    case 'role-cursor':
      if (state.step !== 'role' || state.roles.length === 0) return state;
      return {
        ...state,
        roleCursor: Math.min(Math.max(action.index, 0), state.roles.length - 1),
        roleTouched: true,
      };
    case 'choose-role': {
      if (state.step !== 'role' || state.roles.length === 0) return state;
      const role = state.roles[state.roleCursor].id;
      return { ...state, step: 'questions', role, questions: null, index: 0 };
    }
    case 'questions':
      if (state.step !== 'questions') return state;
      if (action.questions.length === 0) return toPlanning({ ...state, questions: [], index: 0 });
      return { ...state, questions: action.questions, index: Math.min(state.index, action.questions.length - 1) };
    case 'answer': {
      if (state.step !== 'questions' || state.questions === null) return state;
      const answers = { ...state.answers, [action.key]: action.value };
      const pos = action.questions.findIndex((q) => q.key === action.key);
      const index = (pos >= 0 ? pos : state.index) + 1;
      const next = { ...state, answers, questions: action.questions };
      if (index >= action.questions.length) return toPlanning({ ...next, index: action.questions.length - 1 });
      return { ...next, index };
    }
    case 'back':
      switch (state.step) {
        case 'questions':
          if (state.index > 0) return { ...state, index: state.index - 1 };
          return { ...state, step: 'role' };
        case 'planning':
        case 'preview':
          if (state.questions === null || state.questions.length === 0)
            return { ...state, step: 'role', plan: null, planError: null };
          return { ...state, step: 'questions', index: state.questions.length - 1, plan: null, planError: null };
        default:
          return state;
      }
    case 'planned':
      if (state.step !== 'planning' || action.request !== state.planRequest) return state;
      return { ...state, step: 'preview', plan: action.plan, planError: null };
    case 'plan-failed':
      if (state.step !== 'planning' || action.request !== state.planRequest) return state;
      return { ...state, step: 'preview', plan: null, planError: action.message };
    case 'override': {
      if (state.step !== 'preview' || state.plan === null || action.ids.length === 0) return state;
      const overrides = [...(state.answers.overrides ?? [])];
      for (const id of action.ids) if (!overrides.includes(id)) overrides.push(id);
      return toPlanning({ ...state, answers: { ...state.answers, overrides } });
    }
    case 'confirm':
      if (!canConfirm(state) || state.plan === null) return state;
      if (isEmptyPlan(state.plan)) return { ...state, step: 'summary', exitCode: 0 };
      return { ...state, step: 'applying', confirmed: true, events: [] };
    case 'apply-event': {
      if (state.step !== 'applying') return state;
      const i = state.events.findIndex((e) => e.id === action.event.id);
      const events = i < 0 ? [...state.events, action.event] : state.events.map((e, j) => (j === i ? action.event : e));
      return { ...state, events };
    }
    case 'applied': {
      if (state.step !== 'applying') return state;
      // The engine's result lists every event it emitted (running, then ok…): keep one row per step.
      const result = { ...action.result, events: latestEvents(action.result.events) };
      return {
        ...state,
        step: 'summary',
        result,
        events: result.events.length > 0 ? result.events : state.events,
        exitCode: action.result.ok ? 0 : 1,
      };
    }
    case 'apply-crashed':
      if (state.step !== 'applying') return state;
      return {
        ...state,
        step: 'summary',
        result: {
          ok: false,
          changed: false,
          error: action.message,
          rolledBack: false,
          warnings: [],
          events: state.events,
        },
        exitCode: 1,
      };
    case 'cancel':
      if (state.step === 'applying') return state;
      return { ...state, exitCode: EXIT_CANCELLED };
  }
}
