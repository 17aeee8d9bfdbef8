import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/exec/index.js';
import { encodeOnnx, readOnnx } from '../../src/io/onnx/index.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';
import { ONNX_FIXTURES, referenceIO } from '../helpers/fixtures.js';

/** Executor vs PyTorch's own outputs: max abs difference / max |PyTorch output|. */
const TOL = 1e-4;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** NCHW reference input -> the NHWC batch the executor takes. */
function nhwc(input: { shape: number[]; data: Float32Array }): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]));
}

describe('compileGraph reproduces PyTorch on the ONNX fixtures', () => {
  for (const [key, path] of Object.entries(ONNX_FIXTURES)) {
    it(key, () => {
      const model = compileGraph(readOnnx(path).graph);
      const io = referenceIO(path);
      const x = nhwc(io.input);
      const before = tf.memory().numTensors;
      let logits = model.forward(x);
      expect(tf.memory().numTensors).toBe(before + 1);
      // ops-zoo ends in Softmax: the executor returns logits, so compare probabilities.
      if (key === 'opsZoo') logits = tf.softmax(logits);
      const got = logits.dataSync();
      const want = io.output.data;
      expect(logits.shape).toEqual(io.output.shape);
      const scale = Math.max(...Array.from(want, Math.abs));
      const err = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i]!)));
      expect(err / scale).toBeLessThan(TOL);
      tf.dispose([x, logits]);
      model.dispose();
    });
  }
});

describe('executor vs onnxruntime on written files', () => {
  for (const [key, path] of Object.entries(ONNX_FIXTURES)) {
    it(`${key}: a file written by swprune runs in onnxruntime with the executor's outputs (1e-4)`, async () => {
      const loaded = readOnnx(path);
      const model = compileGraph(loaded.graph);
      const bytes = encodeOnnx(loaded, model.toGraph());
      const io = referenceIO(path);
      const ort = await runOnnxRuntime(bytes, { data: io.input.data, dims: io.input.shape });
      const x = nhwc(io.input);
      const logits = model.forward(x);
      const ours = (key === 'opsZoo' ? tf.softmax(logits) : logits).dataSync();
      const scale = Math.max(...Array.from(ort.data, Math.abs));
      ours.forEach((v, i) => {
        expect(Math.abs(v - ort.data[i]!) / scale).toBeLessThan(TOL);
      });
      tf.dispose([x, logits]);
      model.dispose();
    });
  }
});
