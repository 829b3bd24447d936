/**
 * SIGINT, SIGTERM and SIGHUP while mailsetup changes the machine: the process does not die half
 * way. The step under way finishes, then everything is rolled back (src/system/apply.ts), the
 * lock is released, and the run exits 128 + the signal's number. A signal during the rollback
 * changes nothing: the rollback always finishes. (SIGKILL cannot be caught: the next run finds
 * the unfinished apply and rolls it back.)
 */
import type { Io } from './context.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Caught = (typeof SIGNALS)[number];
const NUMBER: Record<Caught, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** What guarded() reports: the body's result and the signal that arrived, if one did. */
export interface Guarded<T> {
  value: T;
  signal: Caught | null;
}

/** The exit code of a run a signal stopped: 129, 130, 143. */
export function signalExitCode(signal: Caught): number {
  return 128 + NUMBER[signal];
}

/**
 * Run `body` with the three signals caught: the first aborts the AbortSignal handed to it (its
 * reason is the signal's name) and says what happens; later ones only say to wait.
 */
export async function guarded<T>(io: Io, body: (signal: AbortSignal) => Promise<T>): Promise<Guarded<T>> {
  const controller = new AbortController();
  let caught: Caught | null = null;
  const handlers = SIGNALS.map((sig) => {
    const h = () => {
      if (caught === null) {
        caught = sig;
        io.err(`mailsetup: ${sig}: finishing the step under way, then rolling everything back\n`);
        controller.abort(sig);
      } else {
        io.err(`mailsetup: ${sig}: still rolling back; it ends by itself in a moment\n`);
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    const value = await body(controller.signal);
    return { value, signal: caught };
  } finally {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  }
}
