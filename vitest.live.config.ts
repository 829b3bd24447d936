import { defineConfig } from 'vitest/config';

// Tests that change the live machine (/etc/postfix, the postfix package itself): run after the
// main suite, one file at a time, so no other test sees Postfix half-configured or uninstalled.
export default defineConfig({
  test: {
    include: ['test/live/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
