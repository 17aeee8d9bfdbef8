import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/select.js';
import { compileGraph } from '../../../src/exec/compile.js';
import { encodeOnnx } from '../../../src/io/onnx/index.js';
import { loadModel } from '../../../src/io/load.js';
import { runOnnxRuntime } from '../../helpers/onnxruntime.js';
import { describeExport, exportFiles, exportReference, relDiff, SAMPLE_DIR } from './sample.js';

/**
 * The committed sample of PyTorch exports (torchvision families at reduced width and CIFAR
 * nets, eval and training mode, opsets 11/13/17): each loads; its logits equal PyTorch's
 * model.eval() (for a training-mode export too, with one warning saying so) and
 * onnxruntime's on the original eval-mode file; the model swprune writes back runs in
 * onnxruntime to swprune's logits. Tolerance: max |difference| / max |reference| <= 1e-4.
 */
const TOL = 1e-4;
const ref = exportReference(SAMPLE_DIR);
const files = exportFiles(SAMPLE_DIR);
let previous = 'cpu';

beforeAll(async () => {
  previous = tf.getBackend() ?? 'cpu';
  await selectBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend(previous);
});

describe('PyTorch exports of the torchvision families and CIFAR nets (wasm)', () => {
  it('cover every family in both modes and opsets 11, 13, 17', () => {
    const seen = files.map(describeExport);
    expect(new Set(seen.map((s) => s.family)).size).toBe(13);
    for (const mode of ['eval', 'train'])
      for (const opset of [11, 13, 17])
        expect(
          seen.some((s) => s.mode === mode && s.opset === opset),
          `${mode} ${opset}`,
        ).toBe(true);
  });

  for (const file of files) {
    const { mode } = describeExport(file);
    it(`${file}: loads, equals PyTorch${mode === 'eval' ? ' and onnxruntime' : ' eval mode (with a warning)'}, writes back a file onnxruntime runs alike`, async () => {
      const loaded = loadModel(`${SAMPLE_DIR}/${file}`);
      if (mode === 'train') {
        expect(loaded.warnings).toHaveLength(1);
        expect(loaded.warnings[0]).toMatch(/exported in training mode .*model\.eval\(\)/);
      } else {
        expect(loaded.warnings).toEqual([]);
      }
      const model = compileGraph(loaded.graph);
      const x = tf.transpose(tf.tensor4d(ref.input.data, ref.input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
      const logits = model.forward(x);
      const ours = logits.dataSync() as Float32Array;
      tf.dispose([x, logits]);
      const want = ref.outputs.get(file)!;
      expect(relDiff(ours, want.data), 'vs PyTorch').toBeLessThanOrEqual(TOL);
      const input = { data: ref.input.data, dims: ref.input.shape };
      if (mode === 'eval')
        expect(relDiff(ours, (await runOnnxRuntime(`${SAMPLE_DIR}/${file}`, input)).data), 'vs onnxruntime').toBeLessThanOrEqual(TOL);
      const written = await runOnnxRuntime(encodeOnnx(loaded, model.toGraph()), input);
      expect(relDiff(written.data, ours), 'written file in onnxruntime').toBeLessThanOrEqual(TOL);
      model.dispose();
    });
  }
});
