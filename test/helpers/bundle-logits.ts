import * as tf from '@tensorflow/tfjs';
import { readBundle } from '../../src/bundle/read.js';
import { SwpruneError } from '../../src/errors.js';
import { compileGraph } from '../../src/exec/compile.js';
import { loadBundleFile } from '../../src/runtime/index.js';

/** Where a bundle's outputs were computed: the runtime, or (where the runtime lacks an op) the executor on the bundle's graph, as `swprune report` falls back. */
export type BundlePath = 'runtime' | 'executor';

/**
 * A bundle's outputs for n inputs laid out as its network takes them (NCHW for ONNX, NHWC for
 * tfjs), through the runtime; through the executor on the graph the bundle reads back into when
 * the runtime does not run one of its ops. Tests assert which path ran.
 */
export async function bundleLogits(path: string, input: Float32Array, n: number): Promise<{ data: Float32Array; via: BundlePath }> {
  let runtime: Awaited<ReturnType<typeof loadBundleFile>>;
  try {
    runtime = await loadBundleFile(path);
  } catch (e) {
    if (!(e instanceof SwpruneError && e.code === 'E_UNSUPPORTED_OP')) throw e;
    const bundle = readBundle(path);
    const model = compileGraph(bundle.graph);
    const { dims, layout } = bundle.graph.inputs[0]!;
    const shape = [n, ...dims.slice(1).map(Number)] as [number, number, number, number];
    const x = tf.tensor4d(
      input.subarray(
        0,
        shape.reduce((a, b) => a * b, 1),
      ),
      shape,
    );
    const nhwc = layout === 'NHWC' ? x : (tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D);
    const y = model.forward(nhwc);
    const data = y.dataSync() as Float32Array;
    tf.dispose([x, nhwc, y]);
    model.dispose();
    return { data, via: 'executor' };
  }
  try {
    return { data: runtime.runSync(input, n), via: 'runtime' };
  } finally {
    await runtime.close();
  }
}
