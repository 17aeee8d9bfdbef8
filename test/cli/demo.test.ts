import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DemoSummary } from '../../src/cli/demo-summary.js';
import { repoPath } from '../helpers/fixtures.js';

/**
 * `npm run demo` as a user runs it (its own process, the built CLI, the committed model and
 * slice): its schedule must reach the target it prints — within 1.5 points of the dense model
 * at >= 70% Winograd-domain sparsity F(4x4,3x3) — and end with the side-by-side lines. About a
 * minute on 2 idle cores; the run is seeded, so the figures are the same on every run.
 */
describe('npm run demo', () => {
  it('reaches its target on the slice and ends with the dense and pruned models side by side', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-demo-'));
    try {
      const run = spawnSync(process.execPath, [repoPath('dist/cli/demo.js'), '--out', dir], {
        cwd: repoPath('.'),
        encoding: 'utf8',
        timeout: 600_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const d = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as DemoSummary;
      expect(d.tile).toBe('F(4x4,3x3)');
      expect(d.winogradSparsity).toBeGreaterThanOrEqual(0.7);
      expect(d.dropPoints).toBeLessThanOrEqual(1.5);
      expect(d.met).toBe(true);
      expect(d.pruned.multiplications).toBeLessThan(d.dense.multiplications);
      // Both speeds from report.json's pair, timed in turns on the same threads and batch.
      expect(d.speedInTurns).toBe(true);
      expect(d.pruned.speed).toMatchObject({ threads: d.dense.speed.threads, batch: d.dense.speed.batch });
      expect(run.stdout).toMatch(
        /x the images\/s \(swprune runtime, \d+ threads?, batches of \d+, both timed in turns by swprune report\)$/m,
      );
      expect(run.stdout).toMatch(/^dense model +top-1 [\d.]+% .* images\/s/m);
      expect(run.stdout).toMatch(/^pruned model +top-1 [\d.]+% .* images\/s/m);
      expect(run.stdout).toMatch(/^result: [\d.]+ points below dense at [\d.]+% Winograd-domain sparsity .*: met$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
