import { defineConfig } from 'vitest/config';

// Tests import the TypeScript sources directly; end-to-end tests run bin/swprune.js, which
// loads dist/: the global setup builds it first.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // End-to-end training tests take ~20 s on two idle cores; the margin is for loaded machines.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
