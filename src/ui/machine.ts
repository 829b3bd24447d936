/**
 * The wizard as a pure state machine: one reducer holding the step, the answers, the plan and the
 * apply events. It performs no I/O; src/ui/driver.ts calls the backend and feeds results back in as
 * actions. Invariant: the step becomes 'applying' only through 'confirm' from a plan without
 * blocking errors, so the backend's apply() cannot run before the user confirmed.
 *
 * Answers: `answers` holds the last value given to each question in this session; `edited` names
 * those that differ from the default their question offered. The others follow their default,
 * which may move with an earlier answer (the domain follows the host name) or with a role change
 * (the new role's default). A question shows its draft (what was typed before leaving it with
 * Esc), else its edited answer, else its default; and the plan gets exactly what was shown.
 *
 * The short path: the questions step asks only the questions that are not `advanced` (what the
 * role needs from the user, and any whose default does not fit this host), then the review step
 * lists every setting with its value and where it comes from; Enter on its first row builds the
 * plan, Enter on a setting opens that question (`editing`), whose answer returns to the review.
 * The settings not asked keep their default, which is the current or recorded value on a re-run
 * and the answers file's value with --answers: nothing is reset by not being asked.
 */
import type { Finding, Plan } from '../model/plan.js';
import { isEmptyPlan } from '../model/plan.js';
import type { AnswerKey, AnswerValue, Answers, Question, RoleId, RoleInfo } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import type { StepEvent, ApplyResult, Detection } from './backend.js';
import { cursorFor } from './roleFrame.js';

export type Step = 'role' | 'questions' | 'review' | 'planning' | 'preview' | 'applying' | 'summary';

/** Exit code when the user quits (Ctrl-C) before confirming: nothing was written. */
export const EXIT_CANCELLED = 130;

/** What was typed into a question not yet answered: a line of text, or the entries of a list. */
export type Draft = string | string[];

export interface WizardState {
  step: Step;
  /** Host facts; null until the probe answers. */
  host: HostFacts | null;
  /** What the files say (read before the first frame); null only before it is known. */
  detection: Detection | null;
  /** Lines from the slow probes (DNS, network, debconf); null while they run. */
  probes: string[] | null;
  /** A failure that ends the wizard (host probe or questions failed). */
  fatal: string | null;
  roles: RoleInfo[];
  /** The highlighted role on the role screen. */
  roleCursor: number;
  role: RoleId | null;
  /** The last answer given to each question in this session, kept across steps and roles (Esc never loses them). */
  answers: Partial<Answers>;
  /** The answers that differ from the default their question offered. */
  edited: AnswerKey[];
  /** What was typed into a question and left with Esc, not answered yet. */
  drafts: Partial<Record<AnswerKey, Draft>>;
  /** The chosen role's questions; null while they load. */
  questions: Question[] | null;
  /** The question shown. */
  index: number;
  /** The highlighted row of the review: 0 is "continue", 1… the questions in order. */
  reviewCursor: number;
  /** The question opened from the review (its answer returns there); null on the short path. */
  editing: AnswerKey | null;
  /** Incremented each time a plan is requested; results of older requests are ignored. */
  planRequest: number;
  plan: Plan | null;
  planError: string | null;
  /** The last apply, when it failed: the preview it returned to says what happened. */
  failure: ApplyResult | null;
  confirmed: boolean;
  events: StepEvent[];
  result: ApplyResult | null;
  /** Set when the wizard is over; the app exits with it. */
  exitCode: number | null;
}

export type WizardAction =
  | { type: 'host'; host: HostFacts }
  | { type: 'probed'; lines: string[] }
  | { type: 'fatal'; message: string }
  | { type: 'role-cursor'; index: number }
  | { type: 'role-move'; by: number }
  | { type: 'choose-role' }
  | { type: 'questions'; questions: Question[] }
  | { type: 'answer'; key: AnswerKey; value: AnswerValue; questions: Question[] }
  | { type: 'back'; draft?: Draft }
  | { type: 'review-move'; by: number }
  | { type: 'review-choose' }
  | { type: 'planned'; request: number; plan: Plan }
  | { type: 'plan-failed'; request: number; message: string }
  | { type: 'override'; ids: string[] }
  | { type: 'confirm' }
  | { type: 'apply-event'; event: StepEvent }
  | { type: 'applied'; result: ApplyResult }
  | { type: 'replanned'; plan: Plan; host: HostFacts }
  | { type: 'apply-crashed'; message: string }
  | { type: 'cancel' };

/**
 * The state before the first frame: role screen, the cursor on the role the files describe (the
 * state file and main.cf are read before the first frame, so it never moves under the user).
 */
export function initialState(roles: RoleInfo[], detection: Detection | null = null): WizardState {
  return {
    step: 'role',
    host: null,
    detection,
    probes: null,
    fatal: null,
    roles,
    roleCursor: cursorFor(roles, detection),
    role: null,
    answers: {},
    edited: [],
    drafts: {},
    questions: null,
    index: 0,
    reviewCursor: 0,
    editing: null,
    planRequest: 0,
    plan: null,
    planError: null,
    failure: null,
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

/** Two answer values are the same (lists and maps by content). */
export function sameValue(a: AnswerValue, b: AnswerValue): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The answers given that differ from their defaults: what the questions and the plan must keep. */
export function editedAnswers(state: Pick<WizardState, 'answers' | 'edited'>): Partial<Answers> {
  const out: Record<string, unknown> = {};
  for (const k of state.edited) if (state.answers[k] !== undefined) out[k] = state.answers[k];
  return out as Partial<Answers>;
}

/** The value a question stands for now: the edited answer, else the question's default. */
export function currentValue(state: Pick<WizardState, 'answers' | 'edited'>, q: Question): AnswerValue {
  return state.edited.includes(q.key) ? state.answers[q.key] : q.default;
}

/**
 * The answers the plan is built from: the role, the value of each of the role's questions as
 * the screen showed it (answers to another role's questions are kept in the state but not sent)
 * and the overrides.
 */
export function answersForPlan(state: WizardState): Answers {
  if (state.role === null) throw new Error('answersForPlan: no role chosen');
  const out: Answers = { role: state.role };
  const target = out as unknown as Record<string, unknown>;
  for (const q of state.questions ?? []) {
    const v = currentValue(state, q);
    if (v !== undefined) target[q.key] = v;
  }
  if (state.answers.overrides !== undefined && state.answers.overrides.length > 0)
    out.overrides = [...state.answers.overrides];
  return out;
}

/** Whether the short path asks `q` (else it is only on the review screen). */
export function isAsked(q: Question): boolean {
  return !q.advanced;
}

/** The first question at or after `from` that the short path asks, or -1. */
export function nextAsked(questions: readonly Question[], from: number): number {
  for (let i = Math.max(0, from); i < questions.length; i++) if (isAsked(questions[i])) return i;
  return -1;
}

/** The last question at or before `from` that the short path asks, or -1. */
export function previousAsked(questions: readonly Question[], from: number): number {
  for (let i = Math.min(from, questions.length - 1); i >= 0; i--) if (isAsked(questions[i])) return i;
  return -1;
}

/** Where the short path stands: question `position` of `total` asked (1-based; 0 when not one of them). */
export function askedPosition(questions: readonly Question[], index: number): { position: number; total: number } {
  const asked = questions.filter(isAsked);
  const q = questions[index];
  return { position: q === undefined || !isAsked(q) ? 0 : asked.indexOf(q) + 1, total: asked.length };
}

/**
 * After the last question asked: the review step, its cursor on "continue", when some settings
 * were not asked; else (every question was asked, nothing is hidden) the plan at once.
 */
function toReview(state: WizardState): WizardState {
  if (!(state.questions ?? []).some((q) => !isAsked(q))) return toPlanning(state);
  return { ...state, step: 'review', editing: null, reviewCursor: 0 };
}

/** Enter the planning step with a fresh request number. */
function toPlanning(state: WizardState): WizardState {
  return { ...state, step: 'planning', plan: null, planError: null, planRequest: state.planRequest + 1 };
}

/** `drafts` without `key`. */
function withoutDraft(drafts: WizardState['drafts'], key: AnswerKey): WizardState['drafts'] {
  const { [key]: _gone, ...rest } = drafts;
  return rest;
}

/** The pure transition function. Actions that make no sense in the current step leave the state unchanged. */
export function reducer(state: WizardState, action: WizardAction): WizardState {
  if (state.exitCode !== null && action.type !== 'apply-event') return state;
  switch (action.type) {
    case 'host':
      return { ...state, host: action.host };
    case 'probed':
      return { ...state, probes: action.lines };
    case 'fatal':
      return { ...state, fatal: action.message, exitCode: 1 };
    case 'role-cursor':
      if (state.step !== 'role' || state.roles.length === 0) return state;
      return { ...state, roleCursor: Math.min(Math.max(action.index, 0), state.roles.length - 1) };
    case 'role-move':
      return reducer(state, { type: 'role-cursor', index: state.roleCursor + action.by });
    case 'choose-role': {
      if (state.step !== 'role' || state.roles.length === 0) return state;
      const role = state.roles[state.roleCursor].id;
      return { ...state, step: 'questions', role, questions: null, index: 0, editing: null, reviewCursor: 0 };
    }
    case 'questions': {
      if (state.step !== 'questions') return state;
      if (action.questions.length === 0) return toPlanning({ ...state, questions: [], index: 0 });
      const next = { ...state, questions: action.questions };
      const first = nextAsked(action.questions, Math.min(state.index, action.questions.length - 1));
      // Nothing to ask: every setting has a default that fits; the review shows them.
      if (first < 0) return toReview({ ...next, index: 0 });
      return { ...next, index: first };
    }
    case 'answer': {
      if (state.step !== 'questions' || state.questions === null) return state;
      // Only the question on the screen can be answered (a key meant for it, never one that was).
      const shown = state.questions[state.index];
      if (shown === undefined || shown.key !== action.key) return state;
      const answers = { ...state.answers, [action.key]: action.value };
      const others = state.edited.filter((k) => k !== action.key);
      const edited = sameValue(action.value, shown.default) ? others : [...others, action.key];
      const found = action.questions.findIndex((q) => q.key === action.key);
      const pos = found >= 0 ? found : Math.min(state.index, action.questions.length - 1);
      const next = {
        ...state,
        answers,
        edited,
        drafts: withoutDraft(state.drafts, action.key),
        questions: action.questions,
      };
      // A setting changed from the review goes back there, its row still highlighted.
      if (state.editing !== null) return { ...next, step: 'review', editing: null, index: pos };
      // The next question the short path asks (this answer may have made one necessary).
      const index = nextAsked(action.questions, pos + 1);
      if (index < 0) return toReview({ ...next, index: pos });
      return { ...next, index };
    }
    case 'review-move': {
      if (state.step !== 'review' || state.questions === null) return state;
      const rows = state.questions.length + 1;
      return { ...state, reviewCursor: Math.min(Math.max(state.reviewCursor + action.by, 0), rows - 1) };
    }
    case 'review-choose': {
      if (state.step !== 'review' || state.questions === null) return state;
      if (state.reviewCursor === 0) return toPlanning(state);
      const q = state.questions[state.reviewCursor - 1];
      if (q === undefined) return state;
      return { ...state, step: 'questions', editing: q.key, index: state.reviewCursor - 1 };
    }
    case 'back':
      switch (state.step) {
        case 'questions': {
          const q = state.questions?.[state.index];
          const drafts =
            q !== undefined && action.draft !== undefined ? { ...state.drafts, [q.key]: action.draft } : state.drafts;
          // A setting opened from the review: back to the review, what was typed kept as a draft.
          if (state.editing !== null) return { ...state, drafts, step: 'review', editing: null };
          const prev = previousAsked(state.questions ?? [], state.index - 1);
          if (prev >= 0) return { ...state, drafts, index: prev };
          return { ...state, drafts, step: 'role' };
        }
        case 'review': {
          const last = previousAsked(state.questions ?? [], (state.questions?.length ?? 0) - 1);
          if (last < 0) return { ...state, step: 'role' };
          return { ...state, step: 'questions', index: last };
        }
        case 'planning':
        case 'preview':
          if (state.questions === null || state.questions.length === 0)
            return { ...state, step: 'role', plan: null, planError: null };
          // Back to the review when it lists settings not asked, else to the last question.
          if (state.questions.some((q) => !isAsked(q)))
            return { ...state, step: 'review', editing: null, reviewCursor: 0, plan: null, planError: null };
          return {
            ...state,
            step: 'questions',
            index: Math.max(0, previousAsked(state.questions, state.questions.length - 1)),
            plan: null,
            planError: null,
          };
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
      const events = result.events.length > 0 ? result.events : state.events;
      if (!result.ok) return failed(state, { ...result, events });
      return { ...state, step: 'summary', result, events, failure: null, exitCode: 0 };
    }
    case 'replanned':
      // Nothing was written: the new plan is shown and must be confirmed again.
      if (state.step !== 'applying') return state;
      return {
        ...state,
        step: 'preview',
        host: action.host,
        plan: action.plan,
        planError: null,
        confirmed: false,
        events: [],
      };
    case 'apply-crashed':
      if (state.step !== 'applying') return state;
      return failed(state, {
        ok: false,
        changed: false,
        error: action.message,
        rolledBack: false,
        warnings: [],
        events: state.events,
      });
    case 'cancel':
      if (state.step === 'applying') return state;
      // After a failed apply the run ends as that apply did: failed (exit 1), with its report.
      if (state.failure !== null) return { ...state, step: 'summary', result: state.failure, exitCode: 1 };
      return { ...state, exitCode: EXIT_CANCELLED };
  }
}

/**
 * A failed apply: back to the preview, every answer kept, with the failure to show there. The
 * plan is built again (the files may differ from the ones it was built from).
 */
function failed(state: WizardState, result: ApplyResult): WizardState {
  return toPlanning({ ...state, failure: result, result: null, confirmed: false, events: result.events });
}
