import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/select.js';
import { bufferStreams } from '../../../src/cli/streams.js';
import { EXIT, runCli } from '../../../src/cli/run.js';
import { compileGraph } from '../../../src/exec/compile.js';
import { loadModel } from '../../../src/io/load.js';
import { bundleLogits, type BundlePath } from '../../helpers/bundle-logits.js';
import { runOnnxRuntime } from '../../helpers/onnxruntime.js';
import { repoPath } from '../../helpers/fixtures.js';
import { writeCifarLike } from './cifar-like.js';
import { exportReference, relDiff, SAMPLE_DIR } from './sample.js';

/**
 * Pruning on the graphs exporters write: on a sample of the committed exports chosen for their
 * structures, `spatial` (one stage), `winograd` (one stage, --expand) and `report` run through
 * the CLI on a CIFAR-like slice; the files written run in onnxruntime to swprune's logits (the
 * Winograd form through its --expand file), and the bundle's sparse path to the dense
 * executor's. Tolerance: max |difference| / max |swprune| <= 1e-4.
 */
const TOL = 1e-4;
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

async function cli(args: string[]): Promise<void> {
  const io = bufferStreams();
  const training = args[0] === 'report' ? [] : ['--epochs', '1', '--limit', '16', '--batch-size', '8'];
  const code = await runCli([...args, '--data', data, ...training, '--backend', 'wasm'], io);
  expect(code, `${args.join(' ')}\n${io.stderr.text}`).toBe(EXIT.ok);
}

/** swprune's logits for the reference input (NCHW models) or a tfjs model's NHWC input. */
function ours(path: string, nhwc?: tf.Tensor4D): Float32Array {
  const model = compileGraph(loadModel(path).graph);
  const x =
    nhwc ?? (tf.transpose(tf.tensor4d(ref.input.data, ref.input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D);
  const y = model.forward(x);
  const out = y.dataSync() as Float32Array;
  tf.dispose(nhwc ? [y] : [x, y]);
  model.dispose();
  return out;
}

/** Each chosen for what it exercises (see the test name). */
const MODELS: Record<string, string> = {
  'mobilenet_v2-train-op17.onnx': 'depthwise layers, residual adds, separate BN from a training-mode export',
  'regnet_x_400mf-eval-op13.onnx': 'grouped 3x3 convolutions, BN folded by the exporter',
  'densenet121-train-op13.onnx': 'concatenations, BN after a concatenation, average pools',
  'se_net-eval-op17.onnx': 'squeeze-excitation products, HardSwish, depthwise and grouped layers',
  'cifar_resnet20-eval-op13.onnx': 'option-A shortcuts (strided Slice, channel Pad)',
  'shufflenet_v2-eval-op17.onnx': 'channel shuffle (run-time shape chains), split branches',
};
/** Where each bundle runs: the runtime, or the executor where the runtime lacks an op (docs/runtime.md lists its ops). */
const BUNDLE_PATH: Record<string, BundlePath> = {
  'mobilenet_v2-train-op17.onnx': 'runtime',
  'regnet_x_400mf-eval-op13.onnx': 'runtime',
  'densenet121-train-op13.onnx': 'runtime',
  'se_net-eval-op17.onnx': 'runtime',
  'cifar_resnet20-eval-op13.onnx': 'runtime',
  'shufflenet_v2-eval-op17.onnx': 'runtime',
  mobile: 'runtime',
};

describe('spatial, winograd and report on exported graphs', () => {
  for (const [file, what] of Object.entries(MODELS)) {
    it(`${file}: ${what}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'swprune-prune-'));
      const [sp, wg, exp, swb] = ['spatial.onnx', 'winograd.onnx', 'expanded.onnx', 'model.swb'].map((f) => join(dir, f)) as [
        string,
        string,
        string,
        string,
      ];
      const input = { data: ref.input.data, dims: ref.input.shape };
      await cli(['spatial', `${SAMPLE_DIR}/${file}`, '-o', sp, '--sparsity', '0.3']);
      expect(relDiff((await runOnnxRuntime(sp, input)).data, ours(sp)), 'spatial output').toBeLessThanOrEqual(TOL);
      await cli(['winograd', sp, '-o', wg, '--sparsity', '0.5', '--expand', exp]);
      const winograd = ours(wg);
      expect(relDiff((await runOnnxRuntime(exp, input)).data, winograd), 'expanded Winograd output').toBeLessThanOrEqual(TOL);
      await cli(['report', wg, '-o', swb]);
      const bundle = await bundleLogits(swb, ref.input.data, ref.input.shape[0]!);
      expect(bundle.via).toBe(BUNDLE_PATH[file]);
      expect(relDiff(bundle.data, winograd), 'bundle').toBeLessThanOrEqual(TOL);
    });
  }

  it('tfjs mobile (SeparableConv2D, depthwise, SE Multiply, Cropping2D, Permute): spatial writes a tfjs model tfjs predicts alike; winograd and report run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-prune-'));
    const src = repoPath('test/fixtures/tfjs/mobile');
    const io = JSON.parse(readFileSync(`${src}.io.json`, 'utf8')) as { input: { shape: number[]; data: number[] } };
    const [sp, wg, exp, swb] = ['spatial', 'winograd.onnx', 'expanded.onnx', 'model.swb'].map((f) => join(dir, f)) as [
      string,
      string,
      string,
      string,
    ];
    await cli(['spatial', src, '-o', sp, '--sparsity', '0.3']);
    expect(existsSync(join(sp, 'model.json'))).toBe(true);
    const x = tf.tensor4d(io.input.data, io.input.shape as [number, number, number, number]);
    const tfjsModel = await tf.loadLayersModel(`file://${join(sp, 'model.json')}`).catch(async () => {
      const json = JSON.parse(readFileSync(join(sp, 'model.json'), 'utf8')) as {
        modelTopology: object;
        weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
      };
      const bin = readFileSync(join(sp, 'weights.bin'));
      return tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0]!.weights,
          weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
        }),
      );
    });
    const predicted = (tfjsModel.predict(x) as tf.Tensor).dataSync() as Float32Array;
    expect(relDiff(predicted, ours(sp, x)), 'tfjs predict of the written model').toBeLessThanOrEqual(TOL);
    await cli(['winograd', sp, '-o', wg, '--sparsity', '0.5', '--expand', exp]);
    const winograd = ours(wg, x);
    expect(
      relDiff((await runOnnxRuntime(exp, { data: Float32Array.from(io.input.data), dims: io.input.shape })).data, winograd),
      'expanded',
    ).toBeLessThanOrEqual(TOL);
    await cli(['report', wg, '-o', swb]);
    const bundle = await bundleLogits(swb, Float32Array.from(io.input.data), io.input.shape[0]!);
    expect(bundle.via).toBe(BUNDLE_PATH.mobile);
    expect(relDiff(bundle.data, winograd), 'bundle').toBeLessThanOrEqual(TOL);
    x.dispose();
  });
});
