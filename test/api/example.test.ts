import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FASHION_SLICE, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

describe('docs/api.md example', () => {
  const script = repoPath('docs/examples/prune.mjs');

  it('is the script docs/api.md shows', () => {
    expect(readFileSync(repoPath('docs/api.md'), 'utf8')).toContain(readFileSync(script, 'utf8'));
  });

  it('prunes the bundled model from JavaScript through the package entry and writes the bundle', () => {
    const out = mkdtempSync(join(tmpdir(), 'swprune-api-'));
    const r = spawnSync(process.execPath, [script, ONNX_FIXTURES.fashionVgg, `fashion-mnist:${FASHION_SLICE}`, out], {
      encoding: 'utf8',
      cwd: repoPath('.'),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^backend: /m);
    expect(r.stdout.match(/^stage \d\/\d: Winograd sparsity/gm)).toHaveLength(2);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.overall.winogradSparsity).toBeGreaterThan(0.55);
    expect(r.stdout).toContain(`top-1 from the bundle ${(100 * report.accuracy.top1).toFixed(2)}%`);
    for (const f of ['spatial.onnx', 'winograd.onnx', 'model.swb']) expect(existsSync(join(out, f)), f).toBe(true);
  });
});
