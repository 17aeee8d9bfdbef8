import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSummary, summaryText } from '../../src/cli/demo-summary.js';
import { SwpruneError } from '../../src/errors.js';

/**
 * The demo's closing lines from its steps' JSON (fixtures written here): top-1 from `swprune
 * run` on each model, the speeds from report.json's pair timed in turns, never from the two
 * `run` processes (whose ratio, here 0.50x, is the machine's drift between them).
 */
describe('demoSummary', () => {
  let dir = '';
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
  const run = (model: string, top1: number, examplesPerSecond: number) => ({
    command: 'run',
    model: join(dir, model),
    accuracy: { top1, top5: 1, loss: 0.3 },
    speed: { threads: 2, batch1: { msPerImage: 9, examplesPerSecond: 111 }, batched: { batch: 64, examplesPerSecond } },
  });
  const report = (bundle: object | null, denseRuntime: object | null) => ({
    command: 'report',
    layers: [{ tile: null }, { tile: 'F(4x4,3x3)' }],
    overall: { winogradSparsity: 0.713, network: { direct: 5_532_544, sparseWinograd: 810_823 } },
    speed: { measuredInTurns: bundle !== null && denseRuntime !== null, bundle, denseRuntime, dense: { examplesPerSecond: 300 } },
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'swprune-demo-summary-'));
    writeFileSync(join(dir, 'dense.onnx'), new Uint8Array(100));
    writeFileSync(join(dir, 'model.swb'), new Uint8Array(250));
    write('spatial.json', { stages: [{}, {}] });
    write('winograd.json', { stages: [{}, {}, {}] });
    write('run-dense.json', run('dense.onnx', 0.928, 12_000));
    write('run-pruned.json', run('model.swb', 0.919, 6_000));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("takes both models' speeds from report.json's pair timed in turns, top-1 from the runs", () => {
    write(
      'report.json',
      report(
        { examplesPerSecond: 11_000, batch: 64, threads: 2, batch1MsPerImage: 0.1 },
        { examplesPerSecond: 10_000, batch: 64, threads: 2, batch1MsPerImage: 0.12 },
      ),
    );
    const d = demoSummary(dir);
    expect(d.speedInTurns).toBe(true);
    expect(d.pruned.speed).toEqual({ threads: 2, batch: 64, examplesPerSecond: 11_000, msPerImage: 0.1 });
    expect(d.dense.speed).toEqual({ threads: 2, batch: 64, examplesPerSecond: 10_000, msPerImage: 0.12 });
    expect([d.dense.top1, d.pruned.top1]).toEqual([0.928, 0.919]);
    expect([d.dense.bytes, d.pruned.bytes]).toEqual([100, 250]);
    expect(d.dropPoints).toBeCloseTo(0.9, 9);
    expect(d.met).toBe(true);
    expect(d.tile).toBe('F(4x4,3x3)');
    expect(d.stages).toEqual({ spatial: 2, winograd: 3 });
    const text = summaryText(d, dir);
    expect(text).toMatch(/^dense model +top-1 92\.80% +5\.53M multiplications\/image +10,000 images\/s, 0\.12 ms\/image/m);
    expect(text).toMatch(/^pruned model +top-1 91\.90% +0\.81M multiplications\/image +11,000 images\/s, 0\.10 ms\/image/m);
    expect(text).toContain(
      '6.8x fewer multiplications, 1.10x the images/s (swprune runtime, 2 threads, batches of 64, both timed in turns by swprune report)',
    );
    expect(text).not.toContain('0.50x');
  });

  it('fails with a one-line error when report.json has no speed of the bundle', () => {
    write('report.json', report(null, { examplesPerSecond: 10_000, batch: 64, threads: 2, batch1MsPerImage: 0.12 }));
    expect(() => demoSummary(dir)).toThrow(SwpruneError);
    expect(() => demoSummary(dir)).toThrow(/report\.json has no speed of the bundle/);
  });
});
