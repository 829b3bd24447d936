/**
 * The one interface between the wizard UI and the rest of mailsetup. The UI never touches the
 * machine: the CLI hands it a `WizardBackend` built from the planner and the apply engine (tests
 * hand it a fake). Every call the UI makes goes through src/ui/driver.ts, never a screen.
 */
import type { StepEvent, ApplyResult } from '../model/events.js';
import type { Plan } from '../model/plan.js';
import type { Answers, Question, RoleId, RoleInfo } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';

/** What detect() found on the machine. */
export interface Detection {
  /** The role configured now: from the state file or recognised; 'custom' = Postfix set up by hand; null = fresh box. */
  role: RoleId | 'custom' | null;
  /** The current values, used as the questions' defaults on a re-run. */
  answers: Partial<Answers>;
  /** Lines for the start header describing the current configuration (Postfix status, role, values). */
  summary: string[];
  /**
   * The answers given on the command line (--answers, --role): they pre-fill the questions and their
   * role is pre-selected, but they are not what the machine has now (the header never shows them).
   */
  prefill?: Partial<Answers>;
  /** The --root sandbox the wizard works in; undefined on the live system. */
  sandbox?: string;
}

export type { StepEvent, ApplyResult } from '../model/events.js';

export interface WizardBackend {
  /** Host facts; may arrive after the first frame (show "probing…" until then). */
  loadHost(): Promise<HostFacts>;
  /** Current role and answers found on the machine (state file or recognised), or null on a fresh box; plus Postfix status line. */
  detect(host: HostFacts): Promise<Detection>;
  roles(): RoleInfo[];
  questions(role: RoleId, host: HostFacts, current: Partial<Answers>): Question[];
  plan(answers: Answers, host: HostFacts): Promise<Plan>;
  apply(plan: Plan, host: HostFacts, onEvent: (e: StepEvent) => void): Promise<ApplyResult>;
}
