import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWinograd, type WinogradOptions, type WinogradReport } from '../../src/api/winograd.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { Killed, killAfterCheckpoints } from '../helpers/events.js';
import { FASHION_SLICE, ONNX_FIXTURES } from '../helpers/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-others-'));
const DATA = `fashion-mnist:${FASHION_SLICE}`;
const SHORT = ['--limit', '256', '--batch-size', '64', '--backend', 'wasm', '--epochs', '1', '--seed', '3'];
/** resnet-small's convolutions step 2 cannot take: a 3x3 stride-2 and a 1x1 stride-2 shortcut. */
const OTHERS = ['/block2/conv1/Conv', '/block2/shortcut/shortcut.0/Conv'];

describe('swprune winograd --prune-others (beyond the paper)', () => {
  it('zeroes the other convolutions per layer, keeps them zero through retraining, and reports them apart from the Winograd figures', async () => {
    const dir = tmp();
    const out = join(dir, 'wg.onnx');
    const json = join(dir, 'wg.json');
    const io = bufferStreams();
    const args = ['winograd', ONNX_FIXTURES.resnetSmall, '--data', DATA, '-o', out, '--schedule', '0.5,0.7', ...SHORT, '--json', json];
    const code = await runCli([...args, '--prune-others', '0.8'], io);
    expect(code, io.stderr.text).toBe(EXIT.ok);
    const r = JSON.parse(readFileSync(json, 'utf8')) as WinogradReport;

    const input = readOnnx(ONNX_FIXTURES.resnetSmall).graph;
    const written = readOnnx(out).graph;
    const weightOf = (g: typeof input, node: string) =>
      g.params.get(g.nodes.find((n) => n.name === node)!.inputs[1]!)!.data as Float32Array;
    expect(r.othersPruned!.fraction).toBe(0.8);
    expect(r.othersPruned!.layers.map((l) => l.name)).toEqual(OTHERS);
    for (const l of r.othersPruned!.layers) {
      const before = weightOf(input, l.name);
      const after = weightOf(written, l.name);
      // round(0.8·1152) = 922, round(0.8·128) = 102: the final stage's count, in the written file.
      expect(l.weights).toBe(before.length);
      expect(l.zeros).toBe(Math.round(0.8 * before.length));
      expect(after.filter((v) => v === 0)).toHaveLength(l.zeros);
      // Retrained: the kept weights moved (the zeros are not just the input's smallest set to zero after training).
      const moved = after.reduce((m, v, k) => (v === 0 ? m : Math.max(m, Math.abs(v - before[k]!))), 0);
      expect(moved, l.name).toBeGreaterThan(1e-4);
    }
    // The Winograd-domain figures are the Winograd layers' alone.
    expect(r.final.layers.map((l) => l.name)).not.toContain(OTHERS[0]);
    expect(r.final.layers).toHaveLength(4);
    for (const s of r.stages) for (const l of s.layers) expect(Math.abs(l.winogradSparsity - s.target)).toBeLessThan(0.005);
    expect(io.stdout.text).toContain(
      'other convolutions (magnitude-pruned, not in the Winograd figures): 2 layers, 1,024 of 1,280 weights zero (80.0%; target 80.0% per layer)',
    );

    // Without the option: othersPruned null, the other convolutions without zeros, the same Winograd-domain figures.
    const plain = join(dir, 'plain.onnx');
    const plainJson = join(dir, 'plain.json');
    expect(await runCli([...args.slice(0, 5), plain, ...args.slice(6, -1), plainJson], bufferStreams())).toBe(EXIT.ok);
    const p = JSON.parse(readFileSync(plainJson, 'utf8')) as WinogradReport;
    expect(p.othersPruned).toBeNull();
    expect(p.final.winogradSparsity).toBe(r.final.winogradSparsity);
    expect(p.final.layers.map((l) => [l.name, l.winogradSparsity])).toEqual(r.final.layers.map((l) => [l.name, l.winogradSparsity]));
    for (const name of OTHERS) expect(weightOf(readOnnx(plain).graph, name).filter((v) => v === 0)).toHaveLength(0);
  }, 120_000);

  it('a run killed inside a stage resumes under the masks of the others it checkpointed (the same bytes as one run), and not with another fraction', async () => {
    const dir = tmp();
    const opts = (out: string): WinogradOptions => ({
      model: ONNX_FIXTURES.resnetSmall,
      data: DATA,
      out,
      schedule: [0.5, 0.7],
      pruneOthers: 0.8,
      // Killed after stage 1's first epoch: its second trains under the checkpointed masks.
      epochs: [2, 1],
      batchSize: 64,
      limit: 128,
      seed: 3,
      augment: false,
      backend: 'wasm',
    });
    const straight = join(dir, 'straight.onnx');
    const resumed = join(dir, 'resumed.onnx');
    await runWinograd(opts(straight));
    await expect(runWinograd(opts(resumed), killAfterCheckpoints(1))).rejects.toBeInstanceOf(Killed);
    await expect(runWinograd({ ...opts(resumed), pruneOthers: 0.5, resume: true })).rejects.toThrow(/pruneOthers/);
    const r = await runWinograd({ ...opts(resumed), resume: true });
    expect(r.othersPruned!.layers.map((l) => l.zeros)).toEqual([922, 102]);
    const a = readOnnx(straight).graph;
    const b = readOnnx(resumed).graph;
    for (const [name, p] of a.params)
      expect(Buffer.from(b.params.get(name)!.data.buffer).equals(Buffer.from(p.data.buffer)), name).toBe(true);
  }, 120_000);

  for (const bad of ['1', '-0.1', '1.5']) {
    it(`--prune-others ${bad}: one E_USAGE line with the allowed range, no output`, async () => {
      const out = join(tmp(), 'bad.onnx');
      const io = bufferStreams();
      const code = await runCli(['winograd', ONNX_FIXTURES.resnetSmall, '--data', DATA, '-o', out, '--prune-others', bad, ...SHORT], io);
      expect(code).toBe(EXIT.usage);
      expect(io.stderr.text).toBe(
        `swprune: error[E_USAGE]: --prune-others is the fraction of each other convolution's weights to zero: from 0 up to but not including 1 (e.g. 0.8), got ${Number(bad)}\n`,
      );
      expect(existsSync(out)).toBe(false);
    });
  }
});
