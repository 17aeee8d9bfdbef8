import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../exec/compile.js';
import type { Pruner } from '../prune/pruner.js';
import type { ParamHooks } from './optimizer.js';

/**
 * A pruner's masks and gradient scales (ONNX layout) as optimizer hooks in the executor's
 * layout: the mask holds pruned weights at zero after every step, the gradient is multiplied by
 * the scale (the mask itself unless the pruner scales more, step 2's Γ^-p).
 */
export class MaskHooks {
  readonly hooks = new Map<string, ParamHooks>();

  constructor(model: CompiledModel, pruner: Pruner, masks: ReadonlyMap<string, Uint8Array>) {
    const scales = pruner.gradientScales(masks);
    for (const [name, m] of masks) {
      const mask = tf.keep(model.toExecLayout(name, Float32Array.from(m)));
      const scale = scales.get(name);
      this.hooks.set(name, { mask, gradScale: scale ? tf.keep(model.toExecLayout(name, scale)) : mask });
    }
  }

  /** Zeroes the masked weights of the model's variables in place (optimizer state is kept). */
  apply(model: CompiledModel): void {
    tf.tidy(() => {
      for (const [name, h] of this.hooks) {
        const v = model.trainable.get(name)!;
        // (x * 0) can be -0; adding +0 makes pruned weights +0 exactly.
        v.assign(tf.add(tf.mul(v, h.mask!), 0));
      }
    });
  }

  dispose(): void {
    tf.dispose([...new Set([...this.hooks.values()].flatMap((h) => [h.mask, h.gradScale]))].filter((t): t is tf.Tensor => t !== undefined));
    this.hooks.clear();
  }
}
