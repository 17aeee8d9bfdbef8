import { defineConfig } from 'vitest/config';

// Tests import the TypeScript sources directly; end-to-end tests run bin/swprune.js, which
// needs `npm run build` (done by `npm ci` through the prepare script).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end training tests take ~20 s on two idle cores; the margin is for loaded machines.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
