import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { compileGraph } from '../../src/exec/compile.js';
import { hasWinogradConv, type Graph } from '../../src/graph/ir.js';
import { loadModel } from '../../src/io/load.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { PYTHON_ROOT } from '../../src/torch/launch.js';
import { writeJob } from '../../src/torch/job.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { Optimizer } from '../../src/train/optimizer.js';
import type { StageTraining } from '../../src/train/retrain.js';
import { mulberry32 } from '../../src/data/rng.js';
import { ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';
import { torchInstall, torchMissing } from '../helpers/torch.js';

/**
 * The torch engine's op table (src/torch/python/swprune_torch/ops.py) against swprune's executor: the
 * same graph, the same weights and images, inference-mode logits through both. Models: the
 * bundled one, a ResNet-style and an all-ops fixture, and the zoo sample's families as
 * PyTorch exports them (ResNet-18 training-mode opset 17, MobileNetV2 training-mode opset 10
 * (Clip, depthwise), CIFAR ResNet-20), spatial and converted to WinogradConv (step 2's form).
 */
const MODELS: Record<string, string> = {
  'fashion-vgg': ONNX_FIXTURES.fashionVgg,
  'resnet-small': ONNX_FIXTURES.resnetSmall,
  'ops-zoo': repoPath('test/fixtures/ops-zoo.onnx'),
  resnet18: repoPath('test/fixtures/torchvision/resnet18-train-op17.onnx'),
  mobilenet_v2: repoPath('test/fixtures/torchvision/mobilenet_v2-train-op10.onnx'),
  cifar_resnet20: repoPath('test/fixtures/torchvision/cifar_resnet20-eval-op13.onnx'),
};

/** A job for `graph` in `dir` (the network, its weights) and the images `x` beside it. */
function writeForwardJob(dir: string, graph: Graph, x: Float32Array, shape: number[]): string[] {
  mkdirSync(dir, { recursive: true });
  const model = compileGraph(graph);
  try {
    const optimizer = new Optimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 0 }, model.trainable);
    const stage = {
      model,
      optimizer,
      masks: new Map(),
      gradScales: new Map(),
      stage: 0,
      stages: 1,
      startEpoch: 0,
      schedule: { kind: 'constant' },
      plan: { target: 0, epochs: 1, lr: 0.01 },
      training: { momentum: 0.9, weightDecay: 0, optimizer: 'sgd', lrSchedule: 'constant', batchSize: 2, seed: 1, augment: false },
      dataset: {
        kind: 'npz',
        dir,
        mean: [0],
        std: [1],
        imageShape: { height: shape[1], width: shape[2], channels: shape[3] },
        train: { size: () => 0 },
      },
    } as unknown as StageTraining;
    const job = writeJob(dir, stage, { threads: 2, device: 'cpu' });
    saveCheckpoint(join(dir, 'x.bin'), { meta: { shape }, arrays: new Map([['x', x]]) });
    return [job, join(dir, 'x.bin'), join(dir, 'y.bin')];
  } finally {
    model.dispose();
  }
}

interface Case {
  readonly graph: Graph;
  readonly x: Float32Array;
  readonly shape: number[];
  readonly out: string;
}

/** Each model spatial and in Winograd form, with random images at its input size. */
function cases(name: string, file: string): Case[] {
  const spatial = loadModel(file).graph;
  const converted = hasWinogradConv(spatial) ? spatial : toWinogradGraph(spatial, selectTargets(spatial, { tile: 6 }));
  const input = spatial.inputs[0]!;
  const nhwc = input.layout === 'NHWC';
  const [h, w, c] = nhwc ? [input.dims[1], input.dims[2], input.dims[3]] : [input.dims[2], input.dims[3], input.dims[1]];
  const shape = [2, (h ?? 32) as number, (w ?? 32) as number, (c ?? 3) as number];
  const random = mulberry32(7);
  const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1);
  return [
    { graph: spatial, x, shape, out: `${name}-spatial` },
    { graph: converted, x, shape, out: `${name}-winograd` },
  ];
}

const root = mkdtempSync(join(tmpdir(), 'swprune-torch-ops-'));
const all = new Map<string, Case[]>();

describe.skipIf(!torchInstall)(
  `the torch engine's network equals the executor's${torchInstall ? '' : ` (skipped: ${torchMissing})`}`,
  () => {
    beforeAll(async () => {
      await selectBackend('wasm');
      for (const [name, file] of Object.entries(MODELS)) all.set(name, cases(name, file));
      // Every model's forward passes in one Python process (importing torch takes seconds).
      const args = [...all.values()].flat().flatMap((k) => writeForwardJob(join(root, k.out), k.graph, k.x, k.shape));
      execFileSync(torchInstall!.python, ['-m', 'swprune_torch.forward', ...args], {
        cwd: PYTHON_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    }, 180_000);

    for (const name of Object.keys(MODELS)) {
      it(`${name}: spatial and Winograd form, inference logits within 1e-4 of max |logit|`, () => {
        for (const k of all.get(name)!) {
          const model = compileGraph(k.graph);
          const want = tf
            .tidy(() => model.forward(tf.tensor4d(k.x, k.shape as [number, number, number, number])).dataSync() as Float32Array)
            .slice();
          model.dispose();
          const got = loadCheckpoint(join(root, k.out, 'y.bin')).arrays.get('y')!;
          expect(got.length).toBe(want.length);
          const scale = Math.max(...Array.from(want, Math.abs), 1e-6);
          let diff = 0;
          for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
          expect(diff / scale, k.out).toBeLessThanOrEqual(1e-4);
        }
      });
    }
  },
);
