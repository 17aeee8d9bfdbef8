/**
 * onnxruntime-node as an independent ONNX runtime for tests: runs a model file (or bytes) on
 * one float32 input and returns the first output.
 */
import * as ort from 'onnxruntime-node';

export async function runOnnxRuntime(
  model: string | Uint8Array,
  input: { data: Float32Array; dims: readonly number[] },
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  try {
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input.data, [...input.dims]) };
    const out = (await session.run(feeds))[session.outputNames[0]!]!;
    return { data: Float32Array.from(out.data as Float32Array), dims: out.dims };
  } finally {
    await session.release();
  }
}
