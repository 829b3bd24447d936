import { defineConfig } from 'vitest/config';
import { DurationSequencer } from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    exclude: ['test/live/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // In-process Ink renders (ink-testing-library) must not take Ink's CI mode, which drops the
    // final frame when the app exits; CI sets CI=true. setup-cost.ts records each file's CPU for
    // `npm run test:cost` (nothing otherwise).
    setupFiles: ['test/setup-env.ts', 'test/setup-cost.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Four files at a time on 2 cores: much of a file's time is waiting (Postfix starting and
    // stopping, SMTP, terminals, the wizard's keys), and other files' work fills it. Measured on
    // one 2-core machine (session 19), back to back: 3 workers 510 s, 4 workers 439 s, 6 workers
    // 560 s with RPC timeouts between vitest and its workers; in CI there, 518.6 s with three,
    // 468.8-507.1 s with four (three runs).
    maxWorkers: 4,
    // As many as at most: with shared workers, tinypool stops a worker left idle above the minimum
    // (at the end of the queue) and that stop can fail the file it was given next ("Terminating
    // worker thread"; seen with 3 workers and a minimum of 1).
    minWorkers: 4,
    // A worker runs file after file instead of a new process for each: starting one and loading
    // its modules took ~1.5 s, most of the run's last two minutes (dozens of sub-second files).
    // No test mocks a module; a file's timeouts are its suites' own options (`vi.setConfig` would
    // not last past a worker's first file: eslint.config.js, test/house/layers.test.ts).
    poolOptions: { forks: { isolate: false } },
    // Longest files first, from the committed table test/durations.json (test/sequencer.ts), so that
    // a clean clone (CI, no vitest cache) does not start a long file last.
    sequence: { sequencer: DurationSequencer },
  },
});
