import { defineConfig } from 'vitest/config';

// End-to-end tests of the built playground (dist-playground/) in Debian's chromium.
export default defineConfig({
  test: {
    include: ['playground/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
