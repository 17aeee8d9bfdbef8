/**
 * The gradient of Mean, registered in place of tfjs-core's (gradients are registered per kernel
 * name, for every backend). tfjs-core's builds `ones(x.shape)` in JavaScript on every call —
 * a full-activation-size array filled element by element and uploaded to the backend — and
 * multiplies the output gradient by it: the batch-norm statistics of every training step take
 * that path (measured ~300 ms per step on the bundled model, batch 128, wasm). The same value,
 * dy / n broadcast to the input's shape, is one small division and one broadcast (Tile, which
 * swprune's wasm Tile does as doubling copies):
 *
 *   dx = broadcastTo(reshape(dy, shape with reduced axes 1) / n, x.shape)     n = elements reduced
 *
 * (tfjs-core computes (dy * 1) / n: the same floats.)
 */
import * as tf from '@tensorflow/tfjs';

const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
    const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, kept), n), x.shape) };
  },
};

let registered = false;

/** Registers the Mean gradient above (once per process). */
export function registerMeanGradient(): void {
  if (registered) return;
  tf.registerGradient(meanGradConfig);
  registered = true;
}
