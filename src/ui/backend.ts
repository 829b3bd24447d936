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
  /** The role to select first when it is not the current one (the answers file names it). */
  suggested?: RoleId;
  /** Lines for the start header describing the current configuration (its source, the role, its values). */
  summary: string[];
}

export type { StepEvent, ApplyResult } from '../model/events.js';

/**
 * Nothing was written because the plan had to be made again first: files changed on disk since
 * the preview (another admin, a package upgrade), or Postfix was installed and its files changed
 * the plan. The wizard shows the new plan (its notes say why) and asks again.
 */
export interface Replanned {
  replanned: Plan;
  /** The host facts the new plan was made with (Postfix installed now). */
  host: HostFacts;
}

export interface WizardBackend {
  /**
   * What the files say (the state file and main.cf, both local and fast): the current role, its
   * values and the header's lines about them. Called once, for the first frame.
   */
  detection(): Detection;
  /** Host facts; may arrive after the first frame (show "probing…" until then). */
  loadHost(): Promise<HostFacts>;
  /**
   * The slow probes (DNS, the network, debconf): more lines for the start header. They arrive
   * after the first frame and never move the selection.
   */
  probe(host: HostFacts): Promise<string[]>;
  roles(): RoleInfo[];
  /** The role's questions; `given` holds the answers the user changed from their defaults. */
  questions(role: RoleId, host: HostFacts, given: Partial<Answers>): Question[];
  plan(answers: Answers, host: HostFacts): Promise<Plan>;
  apply(plan: Plan, host: HostFacts, onEvent: (e: StepEvent) => void): Promise<ApplyResult | Replanned>;
}
