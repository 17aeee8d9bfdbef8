import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpatial, type SpatialOptions } from '../../src/api/spatial.js';
import { runWinograd } from '../../src/api/winograd.js';
import { FASHION_SLICE, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';
import { compareModels } from '../helpers/model-diff.js';
import { torchInstall, torchMissing, torchRequired } from '../helpers/torch.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-torch-'));

/**
 * One SGD step from the bundled model: --limit = --batch-size, so the one batch is the whole
 * (64-example) split whatever each engine's shuffle, and the masks come from the same weights.
 */
const oneStep = (out: string, engine: 'builtin' | 'torch'): SpatialOptions => ({
  model: ONNX_FIXTURES.fashionVgg,
  data: `fashion-mnist:${FASHION_SLICE}`,
  out,
  tile: 6,
  epochs: 1,
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  optimizer: 'sgd',
  lrSchedule: 'constant',
  batchSize: 64,
  seed: 3,
  limit: 64,
  augment: false,
  backend: 'wasm',
  engine,
});

/**
 * Tolerances (largest absolute difference over every weight, of size ~0.1-1): float32 rounding
 * of the two engines' different summation orders (convolutions, batch-norm reductions over
 * 50k activations), amplified through one backward pass of a freshly pruned net. With one
 * process the torch engine runs batch norm in torch's fused kernel (its gradients are as close
 * to float64's as swprune's: 8e-6 relative on random inputs), whose sums round differently
 * from the built-in engine's: step 1 measured 1.5e-4 (3e-6 with the unfused formula): 5e-4.
 * Step 2 adds the F(4x4,3x3) transforms' float32 error (docs/winograd.md), measured up to 1e-4
 * in the bundled model's five layers (6e-8 in resnet-small's four, the network step 2 runs on
 * here for its strided and 1x1 convolutions): 5e-4. Both are far below what a wrong gradient, a missed mask or a
 * different batch gives (1e-2 to 5e-2, seen while building the engine) and below the step
 * itself (up to 0.5), which the test checks is large. Two processes (synchronised batch norm,
 * unfused) against one (fused), two steps: measured 2e-4: 5e-4.
 */
const TOL = { spatial: 5e-4, winograd: 5e-4, processes: 5e-4 };

describe.skipIf(!torchInstall)(`--engine torch on the bundled model${torchInstall ? '' : ` (skipped: ${torchMissing})`}`, () => {
  it('one SGD step of step 1 (spatial masks) leaves the same weights as the built-in engine', async () => {
    const dir = tmp();
    const [b, t] = [join(dir, 'builtin.onnx'), join(dir, 'torch.onnx')];
    const rb = await runSpatial({ ...oneStep(b, 'builtin'), sparsity: 0.5 });
    const rt = await runSpatial({ ...oneStep(t, 'torch'), sparsity: 0.5 });
    const c = compareModels(b, t);
    expect(c.params).toBeGreaterThan(20);
    expect(c.zeroSetsDiffer).toEqual([]);
    expect(c.maxDiff).toBeLessThanOrEqual(TOL.spatial);
    expect(rt.stages[0]!.trainLoss).toBeCloseTo(rb.stages[0]!.trainLoss, 4); // measured 8e-6 apart (batch norm's fused kernel sums in another order)
    expect(compareModels(ONNX_FIXTURES.fashionVgg, b).maxDiff).toBeGreaterThan(100 * TOL.spatial);
    expect(rt.final.winogradSparsity).toBe(rb.final.winogradSparsity);
  }, 120_000);

  it('one SGD step of step 2 (Winograd-domain W, Γ-scaled gradients; --prune-others: magnitude masks on the strided 3x3 and 1x1) leaves the same weights as the built-in engine', async () => {
    const dir = tmp();
    const [b, t] = [join(dir, 'builtin.onnx'), join(dir, 'torch.onnx')];
    // resnet-small: four Winograd layers, a residual block, and two convolutions step 2 cannot take.
    const opts = (out: string, engine: 'builtin' | 'torch') => ({
      ...oneStep(out, engine),
      model: ONNX_FIXTURES.resnetSmall,
      sparsity: 0.8,
      pruneOthers: 0.8,
    });
    const rb = await runWinograd(opts(b, 'builtin'));
    const rt = await runWinograd(opts(t, 'torch'));
    const c = compareModels(b, t);
    expect(c.zeroSetsDiffer).toEqual([]);
    expect(c.maxDiff).toBeLessThanOrEqual(TOL.winograd);
    expect(rt.stages[0]!.trainLoss).toBeCloseTo(rb.stages[0]!.trainLoss, 5);
    // The others' zeros, round(0.8·1152) = 922 and round(0.8·128) = 102, are in both files.
    expect(rt.othersPruned).toEqual(rb.othersPruned);
    expect(rt.othersPruned!.layers.map((l) => l.zeros)).toEqual([922, 102]);
    // The step moved the weights: equal outputs are not the input returned twice.
    expect(compareModels(ONNX_FIXTURES.resnetSmall, b).maxDiff).toBeGreaterThan(100 * TOL.winograd);
  }, 120_000);

  it('an image folder: the same files, decoding and preprocessing (one step, no augmentation) as the built-in engine', async () => {
    const dir = tmp();
    const [b, t] = [join(dir, 'builtin.onnx'), join(dir, 'torch.onnx')];
    const folder = (out: string, engine: 'builtin' | 'torch'): SpatialOptions => ({
      ...oneStep(out, engine),
      model: repoPath('test/fixtures/images/tiny-resnet.onnx'),
      data: `imagefolder:${repoPath('test/fixtures/images/folder')}`,
      limit: 16,
      batchSize: 16,
      lr: 0.01,
      sparsity: 0.4,
    });
    const rb = await runSpatial(folder(b, 'builtin'));
    const rt = await runSpatial(folder(t, 'torch'));
    // Measured: train loss equal to 1.5e-8, weights to float rounding.
    expect(rt.stages[0]!.trainLoss).toBeCloseTo(rb.stages[0]!.trainLoss, 5);
    const c = compareModels(b, t);
    expect(c.zeroSetsDiffer).toEqual([]);
    expect(c.maxDiff).toBeLessThanOrEqual(TOL.spatial);
  }, 120_000);

  it('a one-epoch stage (1024 examples, 16 steps) ends within 0.5 points of the built-in engine, with the same masks', async () => {
    const dir = tmp();
    const [b, t] = [join(dir, 'builtin.onnx'), join(dir, 'torch.onnx')];
    // Both engines take the same batches (the torch engine reads swprune's shuffle, order.bin) from the same weights and masks.
    const epoch = (out: string, engine: 'builtin' | 'torch'): SpatialOptions => ({
      ...oneStep(out, engine),
      limit: 1024,
      lr: 0.01,
      sparsity: 0.6,
    });
    const rb = await runSpatial(epoch(b, 'builtin'));
    const rt = await runSpatial(epoch(t, 'torch'));
    const [sb, st] = [rb.stages[0]!, rt.stages[0]!];
    expect(st.accuracyPruned).toEqual(sb.accuracyPruned);
    expect(compareModels(b, t).zeroSetsDiffer).toEqual([]);
    expect(rt.final.winogradSparsity).toBe(rb.final.winogradSparsity);
    // Retraining recovered far more than the tolerance (measured 13.6% pruned -> 69.7%).
    expect(sb.accuracy.top1 - sb.accuracyPruned.top1).toBeGreaterThan(0.2);
    // 0.5 points (5 of the 1,000 test images), the issue's bound: the engines differ only in float32 rounding (batch norm's fused kernel), which after 16 steps flips a few borderline images (measured 0.2 points; the full 4,000-example slice at batch 128: 84.00% both).
    expect(Math.abs(st.accuracy.top1 - sb.accuracy.top1)).toBeLessThanOrEqual(0.005);
    expect(Math.abs(st.trainLoss - sb.trainLoss)).toBeLessThanOrEqual(0.01);
  }, 180_000);

  it('--nproc 2 (gloo, synchronised batch norm) trains as --nproc 1 with the same global batch', async () => {
    const dir = tmp();
    // Two steps of 64: each process reads 32 examples of each global batch (the DistributedSampler interleaves the same shuffled order).
    const opts = (n: number, out: string): SpatialOptions => ({ ...oneStep(out, 'torch'), limit: 128, lr: 0.02, nproc: n, sparsity: 0.5 });
    const [one, two] = [join(dir, 'one.onnx'), join(dir, 'two.onnx')];
    const r1 = await runSpatial(opts(1, one));
    const r2 = await runSpatial(opts(2, two));
    const c = compareModels(one, two);
    expect(c.zeroSetsDiffer).toEqual([]);
    expect(c.maxDiff).toBeLessThanOrEqual(TOL.processes);
    expect(r2.stages[0]!.trainLoss).toBeCloseTo(r1.stages[0]!.trainLoss, 4);
    expect(compareModels(ONNX_FIXTURES.fashionVgg, one).maxDiff).toBeGreaterThan(100 * TOL.processes);
  }, 180_000);
});

it.runIf(torchRequired && !torchInstall)('SWPRUNE_TORCH_TESTS=required: a Python with torch is present', () => {
  expect(torchMissing, 'install python3-torch (apt-get install python3-torch python3-torchvision python3-numpy)').toBeUndefined();
});
