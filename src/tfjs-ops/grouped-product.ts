/**
 * The per-position product of a grouped Winograd convolution and its adjoints, on 2D tensors:
 *
 *   M = V ⋆ W:   V [P, Cin], W [Cin/g, Cout]  ->  M [P, Cout],
 *   M[:, group k's outputs] = V[:, group k's inputs] W[:, group k's outputs]
 *
 * (group k owns input channels [k*Cin/g, (k+1)*Cin/g) and output channels [k*Cout/g, ...), as
 * ONNX grouped Conv). One group is one matMul; depthwise layers (one input channel per group)
 * are element-wise products; other groupings a batched matMul over the groups.
 */
import * as tf from '@tensorflow/tfjs';

interface Groups {
  readonly g: number;
  /** Input and output channels per group. */
  readonly ci: number;
  readonly co: number;
}

const groupsOf = (cin: number, cout: number, g: number): Groups => ({ g, ci: cin / g, co: cout / g });

/** [P, g*c] -> [g, P, c]. */
const byGroup = (t: tf.Tensor2D, g: number, c: number) => tf.transpose(tf.reshape(t, [t.shape[0], g, c]), [1, 0, 2]) as tf.Tensor3D;
/** [g, P, c] -> [P, g*c]. */
const fromGroups = (t: tf.Tensor3D) => tf.reshape(tf.transpose(t, [1, 0, 2]), [t.shape[1], t.shape[0] * t.shape[2]]) as tf.Tensor2D;
/** W [ci, g*co] -> [g, ci, co]. */
const weightByGroup = (w: tf.Tensor2D, { g, ci, co }: Groups) => tf.transpose(tf.reshape(w, [ci, g, co]), [1, 0, 2]) as tf.Tensor3D;

/** M = V ⋆ W. */
export function groupedProduct(v: tf.Tensor2D, w: tf.Tensor2D, group: number): tf.Tensor2D {
  if (group === 1) return tf.matMul(v, w);
  const G = groupsOf(v.shape[1], w.shape[1], group);
  const P = v.shape[0];
  if (G.ci === 1) {
    if (G.co === 1) return tf.mul(v, w);
    return tf.reshape(tf.mul(tf.reshape(v, [P, G.g, 1]), tf.reshape(w, [1, G.g, G.co])), [P, G.g * G.co]) as tf.Tensor2D;
  }
  return fromGroups(tf.matMul(byGroup(v, G.g, G.ci), weightByGroup(w, G)));
}

/** dV = dM ⋆ W^T per group: [P, Cin]. */
export function groupedProductGradInput(dm: tf.Tensor2D, w: tf.Tensor2D, group: number): tf.Tensor2D {
  const G = groupsOf(w.shape[0] * group, w.shape[1], group);
  const P = dm.shape[0];
  if (G.ci === 1) {
    if (G.co === 1) return tf.mul(dm, w);
    return tf.sum(tf.mul(tf.reshape(dm, [P, G.g, G.co]), tf.reshape(w, [1, G.g, G.co])), 2) as tf.Tensor2D;
  }
  return fromGroups(tf.matMul(byGroup(dm, G.g, G.co), weightByGroup(w, G), false, true));
}

/** dW = V^T ⋆ dM per group: [Cin/g, Cout]. */
export function groupedProductGradWeight(v: tf.Tensor2D, dm: tf.Tensor2D, group: number): tf.Tensor2D {
  const G = groupsOf(v.shape[1], dm.shape[1], group);
  const P = v.shape[0];
  if (G.ci === 1) {
    if (G.co === 1) return tf.sum(tf.mul(v, dm), 0, true) as tf.Tensor2D;
    return tf.reshape(tf.sum(tf.mul(tf.reshape(v, [P, G.g, 1]), tf.reshape(dm, [P, G.g, G.co])), 0), [1, G.g * G.co]) as tf.Tensor2D;
  }
  const dw = tf.matMul(byGroup(v, G.g, G.ci), byGroup(dm, G.g, G.co), true, false); // [g, ci, co]
  return tf.reshape(tf.transpose(dw, [1, 0, 2]), [G.ci, G.g * G.co]) as tf.Tensor2D;
}
