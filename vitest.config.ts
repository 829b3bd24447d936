import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    exclude: ['test/live/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real-Postfix tests start daemons on loopback; keep the file-level parallelism modest on 2 cores.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
