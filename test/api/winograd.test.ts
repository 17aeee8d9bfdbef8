import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWinograd, type WinogradOptions, type WinogradReport } from '../../src/api/winograd.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { loadDataset } from '../../src/data/index.js';
import { compileGraph } from '../../src/exec/index.js';
import { WINOGRAD_CONV } from '../../src/graph/ir.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { batchTensors } from '../../src/eval/evaluate.js';
import { FASHION_SLICE, firstBatch, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';
import { Killed, killAfterCheckpoints, recordEvents } from '../helpers/events.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-winograd-'));
const DATA = `fashion-mnist:${FASHION_SLICE}`;
const SHORT = ['--limit', '256', '--batch-size', '64', '--backend', 'wasm'];

const base = (out: string): WinogradOptions => ({
  model: ONNX_FIXTURES.fashionVgg,
  data: DATA,
  out,
  tile: 6,
  schedule: [0.5],
  importance: true,
  importanceNorm: 'none',
  importancePower: 1,
  epochs: 2,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  optimizer: 'sgd',
  lrSchedule: 'cosine',
  batchSize: 64,
  seed: 3,
  limit: 128,
  augment: false,
  backend: 'wasm',
});

describe('swprune winograd end to end', () => {
  it('converts without changing accuracy, prunes to the targets in the written file, and --expand runs in onnxruntime', async () => {
    const dir = tmp();
    const out = join(dir, 'wg.onnx');
    const expanded = join(dir, 'wg-standard.onnx');
    const json = join(dir, 'log.json');
    const io = bufferStreams();
    const code = await runCli(
      [
        'winograd',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        DATA,
        '-o',
        out,
        '--schedule',
        '0.3,0.5',
        '--epochs',
        '1',
        ...SHORT,
        '--expand',
        expanded,
        '--json',
        json,
      ],
      io,
    );
    expect(code).toBe(EXIT.ok);
    const log = JSON.parse(readFileSync(json, 'utf8'));
    expect(Math.abs(log.conversion.input.top1 - log.conversion.converted.top1)).toBeLessThanOrEqual(0.002);
    expect(io.stdout.text).toMatch(/converted 5 convolutions to F\(4x4,3x3\)/);
    expect(log.stages.map((s: { target: number }) => s.target)).toEqual([0.3, 0.5]);
    for (const s of log.stages) expect(s.retrainingLost).toBeCloseTo(Math.max(0, s.accuracyPruned.top1 - s.accuracy.top1), 12);
    expect(io.stderr.text.includes('RETRAINING LOST') || io.stdout.text.includes('RETRAINING LOST')).toBe(
      log.stages.some((s: { retrainingLost: number }) => s.retrainingLost > 0),
    );

    // The written file: WinogradConv nodes whose W has exactly the target's zeros, all +0.
    const graph = readOnnx(out).graph;
    const layers = graph.nodes.filter((n) => n.op === 'WinogradConv');
    expect(layers).toHaveLength(5);
    for (const n of layers) {
      expect(n.domain).toBe(WINOGRAD_CONV.domain);
      expect(n.attrs).toMatchObject({ tile: 6, m: 4, kernel: 3, pads: [1, 1, 1, 1] });
      const w = graph.params.get(n.inputs[1]!)!;
      expect(w.dims.slice(2)).toEqual([6, 6]);
      const zeros = Array.from(w.data as Float32Array).filter((v) => v === 0);
      expect(zeros.length).toBe(Math.round(0.5 * w.data.length));
      expect(zeros.every((v) => Object.is(v, 0))).toBe(true);
      expect(log.final.layers.find((l: { name: string }) => l.name === n.name).winogradSparsity).toBe(zeros.length / w.data.length);
    }
    // swprune reads its own output back: eval gives the logged accuracy.
    const evalJson = join(dir, 'eval.json');
    expect(await runCli(['eval', out, '--data', DATA, '--backend', 'wasm', '--json', evalJson], bufferStreams())).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(evalJson, 'utf8')).accuracy.top1).toBe(log.final.accuracy.top1);
    expect(existsSync(`${out}.ckpt`)).toBe(false);

    // The expanded standard-ONNX file gives the same logits in onnxruntime (1e-4 of max |logit|).
    const batch = batchTensors(await firstBatch(loadDataset({ kind: 'fashion-mnist', dir: FASHION_SLICE }).test, { batchSize: 64 }));
    const model = compileGraph(graph);
    const ours = tf.tidy(() => model.forward(batch.x).dataSync() as Float32Array);
    const nchw = tf.tidy(() => tf.transpose(batch.x, [0, 3, 1, 2]).dataSync() as Float32Array);
    const ort = await runOnnxRuntime(expanded, { data: nchw, dims: [64, 1, 28, 28] });
    const scale = Math.max(...Array.from(ours, Math.abs));
    ours.forEach((v, i) => {
      expect(Math.abs(v - ort.data[i]!) / scale).toBeLessThan(1e-4);
    });
    model.dispose();
    tf.dispose([batch.x, batch.y]);
  });

  it('continues from its own output: Winograd layers keep their tile (with a note when --tile differs), earlier zeros stay zero', async () => {
    const dir = tmp();
    const first = join(dir, 'wg50.onnx');
    const second = join(dir, 'wg60.onnx');
    await runWinograd({ ...base(first), epochs: 1, limit: 64 });
    const io = bufferStreams();
    expect(
      await runCli(
        [
          'winograd',
          first,
          '--data',
          DATA,
          '-o',
          second,
          '--tile',
          '4',
          '--sparsity',
          '0.6',
          '--epochs',
          '1',
          '--limit',
          '64',
          '--batch-size',
          '64',
          '--seed',
          '3',
          '--no-augment',
          '--backend',
          'wasm',
          '--json',
          `${second}.json`,
        ],
        io,
      ),
    ).toBe(EXIT.ok);
    expect(io.stderr.text).toMatch(/note: .*already has Winograd layers with F\(4x4,3x3\) tiles; they keep them \(--tile 4 applies only/);
    expect(io.stderr.text).toMatch(/note: .*wg50\.onnx is already in Winograd form \(5 layers\): nothing to convert/);
    expect(io.stdout.text).not.toMatch(/converted \d+ convolutions/);
    const report = JSON.parse(readFileSync(`${second}.json`, 'utf8')) as WinogradReport;
    expect(report.conversion.input).toEqual({ top1: report.baseline.top1, top5: report.baseline.top5 });
    expect(report.tile).toBe(6);
    const before = readOnnx(first).graph;
    const after = readOnnx(second).graph;
    for (const n of after.nodes.filter((x) => x.op === 'WinogradConv')) {
      expect(n.attrs).toMatchObject({ tile: 6 });
      const w0 = before.params.get(n.inputs[1]!)!.data as Float32Array;
      const w1 = after.params.get(n.inputs[1]!)!.data as Float32Array;
      expect(w1.filter((v) => v === 0).length).toBe(Math.round(0.6 * w1.length));
      w0.forEach((v, i) => {
        if (v === 0) expect(w1[i]).toBe(0);
      });
    }
  });

  it('continues a model whose remaining convolutions cannot be converted (strided, 1x1, --skip-first)', async () => {
    const dir = tmp();
    const cases = [
      { model: ONNX_FIXTURES.resnetSmall, skipFirst: false, spatial: 2 },
      { model: ONNX_FIXTURES.fashionVgg, skipFirst: true, spatial: 1 },
    ];
    for (const [i, { model, skipFirst, spatial }] of cases.entries()) {
      const first = join(dir, `first${i}.onnx`);
      const second = join(dir, `second${i}.onnx`);
      await runWinograd({ ...base(first), model, skipFirst, epochs: 1, limit: 64 });
      const events = recordEvents();
      const report = await runWinograd({ ...base(second), model: first, skipFirst, schedule: [0.6], epochs: 1, limit: 64 }, events.sink);
      expect(events.of('converted')).toEqual([]);
      expect(events.of('note').map((n) => n.message.join(''))).toEqual([
        expect.stringMatching(/is already in Winograd form \(\d layers\): nothing to convert/),
      ]);
      expect(report.final.winogradSparsity).toBeCloseTo(0.6, 2);
      expect(readOnnx(second).graph.nodes.filter((n) => n.op === 'Conv').length).toBe(spatial);
    }
  });

  it('accepts a tfjs model and writes the Winograd form as ONNX', async () => {
    const dir = tmp();
    const out = join(dir, 'from-tfjs.onnx');
    const report = await runWinograd({ ...base(out), model: repoPath('test/fixtures/tfjs/seq-cnn/model.json'), tile: 4, epochs: 1 });
    const graph = readOnnx(out).graph;
    expect(
      graph.nodes
        .filter((n) => n.op === 'WinogradConv')
        .map((n) => n.name)
        .sort(),
    ).toEqual(report.final.layers.map((l) => l.name).sort());
    expect(report.final.layers.length).toBeGreaterThan(0);
    for (const l of report.final.layers) expect(l.winogradSparsity).toBeCloseTo(0.5, 2);
    // The ONNX written for an NHWC (tfjs) model reads back as NHWC and evaluates to the logged accuracy.
    expect(graph.inputs[0]!.layout).toBe('NHWC');
    const evalJson = join(dir, 'eval.json');
    expect(await runCli(['eval', out, '--data', DATA, '--backend', 'wasm', '--json', evalJson], bufferStreams())).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(evalJson, 'utf8')).accuracy.top1).toBe(report.final.accuracy.top1);
  });

  it('kill after one epoch and --resume ends with the same weights as an uninterrupted run', async () => {
    const dir = tmp();
    const straight = join(dir, 'straight.onnx');
    await runWinograd(base(straight));
    const resumed = join(dir, 'resumed.onnx');
    await expect(runWinograd(base(resumed), killAfterCheckpoints(1))).rejects.toBeInstanceOf(Killed);
    expect(existsSync(resumed)).toBe(false);
    const events = recordEvents();
    await runWinograd({ ...base(resumed), resume: true }, events.sink);
    expect(events.of('resumed')).toEqual([expect.objectContaining({ stage: 1, stages: 1, epochsDone: 1, epochs: 2 })]);
    const a = readOnnx(straight).graph;
    const b = readOnnx(resumed).graph;
    for (const [name, p] of a.params) expect(Buffer.from(b.params.get(name)!.data.buffer).equals(Buffer.from(p.data.buffer))).toBe(true);
  });

  it('divergence ends with a one-line E_TRAIN error naming the flags to change, and writes no model', async () => {
    const dir = tmp();
    const out = join(dir, 'diverged.onnx');
    const io = bufferStreams();
    const code = await runCli(
      [
        'winograd',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        DATA,
        '-o',
        out,
        '--sparsity',
        '0.5',
        '--lr',
        '1e12',
        '--importance-norm',
        'min',
        '--importance-power',
        '0',
        ...SHORT,
      ],
      io,
    );
    expect(code).toBe(EXIT.failure);
    expect(io.stderr.text).toMatch(
      /swprune: error\[E_TRAIN\]: training diverged: .*lower --lr \(now 1000000000000\) or damp the Winograd gradients more \(--importance-norm none, or a smaller --importance-gain than 1\)\n$/,
    );
    expect(
      io.stderr.text
        .trim()
        .split('\n')
        .filter((l) => l.includes('error')).length,
    ).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it('--importance-gain must be positive: one E_USAGE line, no output', async () => {
    const dir = tmp();
    const out = join(dir, 'gain.onnx');
    const io = bufferStreams();
    const code = await runCli(['winograd', ONNX_FIXTURES.fashionVgg, '--data', DATA, '-o', out, '--importance-gain', '0', ...SHORT], io);
    expect(code).toBe(EXIT.usage);
    expect(io.stderr.text).toBe('swprune: error[E_USAGE]: --importance-gain must be > 0, got 0\n');
    expect(existsSync(out)).toBe(false);
  });

  it('a stage whose retraining ends below its accuracy right after pruning says so: stage line, warning with the hint, retrainingLost in the JSON', async () => {
    // Unscaled gradients (p = 0) at lr 0.05: F(4x4,3x3) steps up to 850x the spatial ones wreck
    // the model without overflowing; pruning to 30% alone costs almost nothing.
    const dir = tmp();
    const json = join(dir, 'log.json');
    const io = bufferStreams();
    const code = await runCli(
      [
        'winograd',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        DATA,
        '-o',
        join(dir, 'lost.onnx'),
        '--sparsity',
        '0.3',
        '--lr',
        '0.05',
        '--importance-power',
        '0',
        '--epochs',
        '1',
        ...SHORT,
        '--json',
        json,
      ],
      io,
    );
    expect(code).toBe(EXIT.ok);
    const stage = JSON.parse(readFileSync(json, 'utf8')).stages[0];
    expect(stage.accuracy.top1).toBeLessThan(stage.accuracyPruned.top1);
    expect(stage.retrainingLost).toBeCloseTo(stage.accuracyPruned.top1 - stage.accuracy.top1, 12);
    const points = (100 * stage.retrainingLost).toFixed(2);
    expect(io.stdout.text).toContain(`retrained (baseline 92.80%): RETRAINING LOST ${points} points\n`);
    expect(io.stderr.text).toContain(
      `warning: stage 1/1: retraining ended ${points} points below the accuracy right after pruning; lower --lr (now 0.05) or`,
    );
    expect(io.stderr.text).toMatch(/or damp the Winograd gradients more \(a smaller --importance-gain than 1\)\n/);
  });

  it('refuses an output that is not ONNX before doing any work', async () => {
    const io = bufferStreams();
    expect(await runCli(['winograd', ONNX_FIXTURES.fashionVgg, '--data', DATA, '-o', join(tmp(), 'model.json')], io)).toBe(EXIT.usage);
    expect(io.stderr.text).toMatch(/-o must be an \.onnx file/);
  });
});
