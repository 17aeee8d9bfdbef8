import { defineConfig } from 'vitest/config';

// Tests import the TypeScript sources directly; end-to-end tests run bin/swprune.js, which
// loads dist/: the global setup builds it first.
export default defineConfig({
  // bench/ and scripts/ import the product as #src/...: from tests, the sources (package.json's
  // imports map, condition swprune-source), the same modules the tests import, not dist/. The
  // rest are Vite's default server conditions, which setting the list replaces.
  ssr: { resolve: { conditions: ['swprune-source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // End-to-end training tests take ~20 s on two idle cores; the margin is for loaded machines.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
