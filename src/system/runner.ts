/**
 * The one step runner of apply, rollback and --verify: each step is announced (running), then
 * reported with its outcome as a StepEvent (src/model/events.ts); every event is kept and handed
 * to the caller's listener as it happens. A step whose body throws is reported failed and ends
 * the run (StepFailure); a step may also return a failed outcome and let the run go on (a
 * --verify check).
 */
import type { CommandRun, StepEvent } from '../model/events.js';
import { printable } from '../model/text.js';

export interface StepRunnerOptions {
  onEvent?: (e: StepEvent) => void;
  /** Called with each step id before the step runs; a throw fails that step (tests). */
  faultHook?: (stepId: string) => void | Promise<void>;
}

/** What a step's body reports; nothing = ok. */
export interface StepOutcomeReport {
  status?: 'ok' | 'skipped' | 'failed';
  detail?: string;
  explain?: string[];
  /** The commands the step ran, with their results. */
  commands?: CommandRun[];
}

/** A step whose body threw: the run stops here. */
export class StepFailure extends Error {}

/** What a step's body throws when a command it ran failed: the message, and the commands it ran. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly commands: CommandRun[],
  ) {
    super(message);
  }
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Collects events and warnings; runs steps with the fault hook. */
export class StepRunner {
  readonly events: StepEvent[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly opts: StepRunnerOptions = {}) {}

  emit(e: StepEvent): void {
    // Details quote servers, logs and files: no control character reaches a terminal (or a screen).
    const ev: StepEvent = {
      ...e,
      label: printable(e.label),
      ...(e.detail !== undefined ? { detail: printable(e.detail) } : {}),
      ...(e.explain !== undefined ? { explain: e.explain.map((l) => printable(l)) } : {}),
    };
    if (ev.detail === undefined) delete ev.detail;
    if (ev.explain === undefined || ev.explain.length === 0) delete ev.explain;
    if (ev.commands === undefined || ev.commands.length === 0) delete ev.commands;
    this.events.push(ev);
    this.opts.onEvent?.(ev);
  }

  async step(id: string, label: string, body: () => Promise<StepOutcomeReport | void>): Promise<StepOutcomeReport> {
    this.emit({ id, label, status: 'running' });
    let r: StepOutcomeReport | void;
    try {
      await this.opts.faultHook?.(id);
      r = await body();
    } catch (e) {
      const msg = messageOf(e);
      this.emit({
        id,
        label,
        status: 'failed',
        detail: msg,
        commands: e instanceof CommandFailure ? e.commands : undefined,
      });
      throw new StepFailure(`${label} failed: ${msg}`);
    }
    const res = r ?? {};
    this.emit({
      id,
      label,
      status: res.status ?? 'ok',
      detail: res.detail,
      explain: res.explain,
      commands: res.commands,
    });
    return res;
  }
}
