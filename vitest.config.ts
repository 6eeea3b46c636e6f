import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Native inference already uses both cores; parallel test files would only thrash.
    fileParallelism: false,
  },
});
