import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { compileGraph } from '../../src/exec/compile.js';
import { loadModel } from '../../src/io/load.js';
import { writeCifarLike } from '../io/models/cifar-like.js';
import { exportReference, SAMPLE_DIR } from '../io/models/sample.js';
import { compareModels } from '../helpers/model-diff.js';
import { torchInstall, torchMissing } from '../helpers/torch.js';

/**
 * The zoo sample through the torch engine from the CLI: torchvision's ResNet-18 (training-mode
 * export, opset 17), MobileNetV2 (training-mode, opset 10: Clip, depthwise layers, Dropout) and
 * a CIFAR ResNet-20 (eval-mode, option-A shortcuts), the committed reduced-width exports
 * (test/fixtures/torchvision), each through one stage of step 1 (`spatial --engine torch`, 30%)
 * and then one of step 2 (`winograd --engine torch`, 50%, from that output), two steps of 8 on
 * a 16-image CIFAR-like slice. The built-in engine runs the same commands from the same inputs;
 * against it: the same JSON fields, the same sparsities and zero sets (the masks held through
 * the stage), the same pruned accuracies, and the weights within float32 rounding where training
 * has no random draws (MobileNetV2's dropout draws differ between engines: there the written
 * weights only have to be finite and the model to evaluate). Each written model loads and runs.
 */
const MODELS: Record<string, { file: string; dropout: boolean }> = {
  resnet18: { file: 'resnet18-train-op17.onnx', dropout: false },
  mobilenet_v2: { file: 'mobilenet_v2-train-op10.onnx', dropout: true },
  cifar_resnet20: { file: 'cifar_resnet20-eval-op13.onnx', dropout: false },
};
/**
 * Two SGD steps at lr 1e-3 on random-weight nets, no augmentation: the engines' float32 rounding
 * (summation orders; torch's fused batch norm) measured up to 2.4e-7 on the weights and running
 * statistics (ResNet-18; ResNet-20 1.5e-8); a missed mask, a wrong gradient or another batch
 * moves them by 1e-4 or more (augmentation on, so other crops: 0.16).
 */
const TOL = 2e-5;

const ref = exportReference(SAMPLE_DIR);
let data = '';
let previous = 'cpu';

beforeAll(async () => {
  previous = tf.getBackend() ?? 'cpu';
  await selectBackend('wasm');
  data = `cifar10:${writeCifarLike(mkdtempSync(join(tmpdir(), 'swprune-cifar-')))}`;
});
afterAll(async () => {
  await tf.setBackend(previous);
});

/** Runs a command through the CLI; its --json. */
async function cli(args: string[], json: string, engine: 'builtin' | 'torch'): Promise<Record<string, unknown>> {
  const io = bufferStreams();
  // No augmentation: the engines draw their random crops and flips differently (docs/scale.md).
  const training = [
    '--epochs',
    '1',
    '--limit',
    '16',
    '--batch-size',
    '8',
    '--lr',
    '0.001',
    '--no-augment',
    '--backend',
    'wasm',
    '--json',
    json,
  ];
  const code = await runCli([...args, '--data', data, ...training, ...(engine === 'torch' ? ['--engine', 'torch'] : [])], io);
  expect(code, `${args.join(' ')} (${engine})\n${io.stderr.text}`).toBe(EXIT.ok);
  return JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
}

/** The JSON's field paths (array elements as []), sorted. */
function fields(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return [...new Set(v.flatMap((x) => fields(x, `${at}[]`)))].sort();
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...fields(x, `${at}.${k}`)]);
  return [];
}

/** Logits of the written model for the sample's reference images: finite, one row of classes per image. */
function evaluates(path: string): boolean {
  const model = compileGraph(loadModel(path).graph);
  try {
    const x = tf.transpose(tf.tensor4d(ref.input.data, ref.input.shape as [number, number, number, number]), [0, 2, 3, 1]);
    const y = model.forward(x as tf.Tensor4D);
    const out = y.dataSync() as Float32Array;
    tf.dispose([x, y]);
    return out.length === ref.input.shape[0]! * 10 && out.every(Number.isFinite);
  } finally {
    model.dispose();
  }
}

/** The weights of the pruned layers (the JSON's layers: their nodes' second input). */
function prunedParams(path: string, layers: readonly { name: string }[]): Set<string> {
  const names = new Set(layers.map((l) => l.name));
  return new Set(
    loadModel(path)
      .graph.nodes.filter((n) => names.has(n.name))
      .map((n) => n.inputs[1]!),
  );
}

type StageJson = { accuracyPruned: unknown; accuracy: { top1: number } };
type RunJson = { stages: StageJson[]; final: { winogradSparsity: number; layers: { name: string; winogradSparsity: number }[] } };

describe.skipIf(!torchInstall)(`the zoo sample through --engine torch${torchInstall ? '' : ` (skipped: ${torchMissing})`}`, () => {
  for (const [name, { file, dropout }] of Object.entries(MODELS)) {
    it(`${name}: one stage of spatial and one of winograd, as the built-in engine runs them`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'swprune-torch-zoo-'));
      const at = (f: string) => join(dir, f);
      const step = async (command: 'spatial' | 'winograd', input: string, sparsity: string) => {
        const out = { builtin: at(`${command}-builtin.onnx`), torch: at(`${command}-torch.onnx`) };
        const run = async (engine: 'builtin' | 'torch') =>
          (await cli(
            [command, input, '-o', out[engine], '--sparsity', sparsity],
            at(`${command}-${engine}.json`),
            engine,
          )) as unknown as RunJson;
        const b = await run('builtin');
        const t = await run('torch');
        expect(fields(t), `${command} JSON fields`).toEqual(fields(b));
        expect(t.final.winogradSparsity).toBe(b.final.winogradSparsity);
        expect(t.final.winogradSparsity).toBeGreaterThan(Number(sparsity) - 0.1);
        expect(t.final.layers.map((l) => l.winogradSparsity)).toEqual(b.final.layers.map((l) => l.winogradSparsity));
        expect(t.stages[0]!.accuracyPruned).toEqual(b.stages[0]!.accuracyPruned);
        // With dropout, a batch-norm bias or an unpruned weight can also land on 0 in one engine: there only the pruned weights' zero sets count.
        const pruned = prunedParams(out.builtin, b.final.layers);
        const c = compareModels(out.builtin, out.torch, (p) => dropout && !pruned.has(p));
        expect(c.params).toBeGreaterThanOrEqual(pruned.size);
        expect(pruned.size).toBeGreaterThan(0);
        expect(c.zeroSetsDiffer, `${command}: zero sets`).toEqual([]);
        if (!dropout) expect(c.maxDiff, `${command}: weights`).toBeLessThanOrEqual(TOL);
        expect(evaluates(out.torch), `${command}: the written model evaluates`).toBe(true);
        return out.torch;
      };
      const spatial = await step('spatial', join(SAMPLE_DIR, file), '0.3');
      await step('winograd', spatial, '0.5');
    }, 180_000);
  }
});
