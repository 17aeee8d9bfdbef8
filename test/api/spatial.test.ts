import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpatial, type SpatialOptions } from '../../src/api/spatial.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { Killed, killAfterCheckpoints } from '../helpers/events.js';
import { FASHION_SLICE, ONNX_FIXTURES } from '../helpers/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-spatial-'));

/** F(4x4,3x3)'s G from docs/method.md, typed in here so the check is independent of src/winograd. */
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/** Fraction of exactly-zero entries of G g G^T (float64) over a whole OIHW 3x3 layer. */
function winogradZeros(g: Float32Array): number {
  let zeros = 0;
  const kernels = g.length / 9;
  for (let k = 0; k < kernels; k++)
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        let s = 0;
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += G[i]![a]! * g[k * 9 + a * 3 + b]! * G[j]![b]!;
        if (s === 0) zeros++;
      }
  return zeros / (kernels * 36);
}

const base = (out: string): SpatialOptions => ({
  model: ONNX_FIXTURES.fashionVgg,
  data: `fashion-mnist:${FASHION_SLICE}`,
  out,
  tile: 6,
  schedule: [0.3, 0.5],
  thresholdMode: 'layer',
  epochs: 1,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  optimizer: 'sgd',
  lrSchedule: 'cosine',
  batchSize: 64,
  seed: 7,
  limit: 256,
  augment: false,
  backend: 'wasm',
});

describe('swprune spatial end to end', () => {
  it('two short stages: targets met in the written file (0.5 pp), exact zeros, accuracy as logged, per-stage learning rates recorded', async () => {
    const dir = tmp();
    const out = join(dir, 'pruned.onnx');
    const json = join(dir, 'log.json');
    const io = bufferStreams();
    const inputBytes = readFileSync(ONNX_FIXTURES.fashionVgg);
    const code = await runCli(
      [
        'spatial',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        `fashion-mnist:${FASHION_SLICE}`,
        '-o',
        out,
        '--schedule',
        '0.3,0.5',
        '--epochs',
        '1',
        '--lr',
        '0.01,0.005',
        '--limit',
        '256',
        '--batch-size',
        '64',
        '--backend',
        'wasm',
        '--json',
        json,
      ],
      io,
    );
    expect(code).toBe(EXIT.ok);
    const log = JSON.parse(readFileSync(json, 'utf8'));
    expect(log.stages.map((s: { epochs: number; lr: number }) => [s.epochs, s.lr])).toEqual([
      [1, 0.01],
      [1, 0.005],
    ]);
    const written = readOnnx(out).graph;
    for (const layer of log.final.layers as { name: string; winogradSparsity: number }[]) {
      const node = written.nodes.find((n) => n.name === layer.name)!;
      const g = written.params.get(node.inputs[1]!)!.data as Float32Array;
      const sparsity = winogradZeros(g);
      expect(sparsity).toBe(layer.winogradSparsity);
      // The first conv has 16 kernels: its discrete groups may not reach the target; the log says so.
      if (!log.stages[1].belowTolerance.includes(layer.name)) expect(Math.abs(sparsity - 0.5)).toBeLessThanOrEqual(0.005);
      const zeros = Array.from(g).filter((v) => v === 0);
      expect(zeros.every((v) => Object.is(v, 0))).toBe(true);
    }
    expect(log.stages[1].belowTolerance.length).toBeLessThan(log.final.layers.length);
    // The input is byte for byte what it was; the output runs and evaluates to the logged accuracy.
    expect(readFileSync(ONNX_FIXTURES.fashionVgg).equals(inputBytes)).toBe(true);
    const evalJson = join(dir, 'eval.json');
    expect(
      await runCli(['eval', out, '--data', `fashion-mnist:${FASHION_SLICE}`, '--backend', 'wasm', '--json', evalJson], bufferStreams()),
    ).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(evalJson, 'utf8')).accuracy.top1).toBe(log.final.accuracy.top1);
    expect(existsSync(`${out}.ckpt`)).toBe(false);
  });

  it('kill after one epoch and --resume ends with the same weights as an uninterrupted run', async () => {
    const dir = tmp();
    const straight = join(dir, 'straight.onnx');
    await runSpatial(base(straight));
    const resumed = join(dir, 'resumed.onnx');
    await expect(runSpatial(base(resumed), killAfterCheckpoints(1))).rejects.toBeInstanceOf(Killed);
    expect(existsSync(`${resumed}.ckpt`)).toBe(true);
    expect(existsSync(resumed)).toBe(false);
    // The CLI's --resume continues it (and says where).
    const io = bufferStreams();
    const o = base(resumed);
    expect(
      await runCli(
        [
          'spatial',
          o.model,
          '--data',
          o.data,
          '-o',
          resumed,
          '--schedule',
          '0.3,0.5',
          '--epochs',
          '1',
          '--batch-size',
          '64',
          '--seed',
          '7',
          '--limit',
          '256',
          '--no-augment',
          '--backend',
          'wasm',
          '--resume',
        ],
        io,
      ),
    ).toBe(EXIT.ok);
    expect(io.stderr.text).toMatch(/resuming from .*resumed\.onnx\.ckpt at stage 1\/2, 1 of 1 epochs done/);
    const a = readOnnx(straight).graph;
    const b = readOnnx(resumed).graph;
    for (const [name, p] of a.params) expect(Buffer.from(b.params.get(name)!.data.buffer).equals(Buffer.from(p.data.buffer))).toBe(true);
  });

  it('on a ResNet-style net only the Winograd candidates are pruned', async () => {
    const dir = tmp();
    const out = join(dir, 'resnet.onnx');
    const report = await runSpatial({ ...base(out), model: ONNX_FIXTURES.resnetSmall, schedule: [0.4] });
    const graph = readOnnx(out).graph;
    const pruned = new Set(report.final.layers.map((l) => l.name));
    expect([...pruned].sort()).toEqual(['/block1/conv1/Conv', '/block1/conv2/Conv', '/block2/conv2/Conv', '/stem/stem.0/Conv']);
    for (const n of graph.nodes.filter((x) => x.op === 'Conv' && !pruned.has(x.name))) {
      const g = graph.params.get(n.inputs[1]!)!.data as Float32Array;
      expect(Array.from(g).some((v) => v === 0)).toBe(false);
    }
    expect(report.final.winogradSparsity).toBeGreaterThan(0.3);
  });

  it('divergence stops with a one-line E_TRAIN error and writes no model', async () => {
    const dir = tmp();
    const out = join(dir, 'diverged.onnx');
    const io = bufferStreams();
    const code = await runCli(
      [
        'spatial',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        `fashion-mnist:${FASHION_SLICE}`,
        '-o',
        out,
        '--sparsity',
        '0.3',
        '--lr',
        '1e12',
        '--limit',
        '256',
        '--batch-size',
        '64',
        '--backend',
        'wasm',
      ],
      io,
    );
    expect(code).toBe(EXIT.failure);
    expect(io.stderr.text).toMatch(
      /swprune: error\[E_TRAIN\]: training diverged: the loss became (NaN|Infinity) at epoch \d+, batch \d+; lower --lr \(now 1000000000000\)\n$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('one step so large that the weights stay finite but the outputs overflow: E_TRAIN after the retrained evaluation, no model, no checkpoint to resume', async () => {
    const dir = tmp();
    const out = join(dir, 'overflowed.onnx');
    const io = bufferStreams();
    // One batch (32 of 32 images): the loss of that step is finite, the update (lr 1e30) leaves weights ~1e28.
    const code = await runCli(
      [
        'spatial',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        `fashion-mnist:${FASHION_SLICE}`,
        '-o',
        out,
        '--sparsity',
        '0.3',
        '--lr',
        '1e30',
        '--epochs',
        '1',
        '--limit',
        '32',
        '--batch-size',
        '32',
        '--backend',
        'wasm',
      ],
      io,
    );
    expect(code).toBe(EXIT.failure);
    expect(io.stderr.text).toMatch(
      /swprune: error\[E_TRAIN\]: training diverged: the retrained model's test loss is NaN after stage 1; lower --lr \(now 1e\+30\)\n$/,
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.ckpt`)).toBe(false);
  });
});
