import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ before any test runs: the end-to-end tests run bin/swprune.js (which loads
 * dist/), so even a bare `vitest` tests the current sources, never a stale build.
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', fileURLToPath(new URL('../tsconfig.json', import.meta.url))], { stdio: 'inherit' });
}
