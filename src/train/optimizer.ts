import * as tf from '@tensorflow/tfjs';

/** Optimizers swprune trains with (validated where built, src/train/config.ts). */
export type OptimizerConfig =
  | { readonly kind: 'sgd'; readonly momentum: number; readonly weightDecay: number }
  | { readonly kind: 'adam'; readonly beta1: number; readonly beta2: number; readonly epsilon: number; readonly weightDecay: number };

/**
 * Per-parameter hooks (DESIGN: masks and gradient scaling are optimizer hooks, not copies of
 * the training loop):
 *   gradScale — multiplies the gradient (and weight decay) element-wise: a pruning mask, or the
 *               mask times the importance-factor scaling Γ^(-p) in the Winograd domain;
 *   mask      — applied to the weight after every update, so pruned weights stay exactly zero
 *               (momentum and weight decay cannot revive them).
 */
export interface ParamHooks {
  readonly gradScale?: tf.Tensor;
  readonly mask?: tf.Tensor;
}

/**
 * SGD with momentum and (coupled) weight decay, PyTorch semantics:
 *   g = (grad + wd * w) * gradScale;  v = momentum * v + g;  w = (w - lr * v) * mask
 * or Adam (bias-corrected) with the same hooks. State is plain arrays for checkpoints.
 */
export class Optimizer {
  private readonly slots = new Map<string, tf.Variable[]>();
  private steps = 0;

  constructor(
    private readonly config: OptimizerConfig,
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    private hooks: ReadonlyMap<string, ParamHooks> = new Map(),
  ) {}

  setHooks(hooks: ReadonlyMap<string, ParamHooks>): void {
    this.hooks = hooks;
  }

  get stepCount(): number {
    return this.steps;
  }

  private slot(name: string, v: tf.Variable, count: number): tf.Variable[] {
    let s = this.slots.get(name);
    if (!s) {
      s = Array.from({ length: count }, () => tf.variable(tf.zerosLike(v), false));
      this.slots.set(name, s);
    }
    return s;
  }

  /** One update with gradients keyed by parameter name. */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.steps++;
    const t = this.steps;
    for (const [name, grad] of grads) {
      const w = this.variables.get(name)!;
      const hooks = this.hooks.get(name) ?? {};
      tf.tidy(() => {
        let g = this.config.weightDecay ? tf.add(grad, tf.mul(w, this.config.weightDecay)) : grad;
        if (hooks.gradScale) g = tf.mul(g, hooks.gradScale);
        let update: tf.Tensor;
        if (this.config.kind === 'sgd') {
          const [v] = this.slot(name, w, 1) as [tf.Variable];
          const nv = this.config.momentum ? tf.add(tf.mul(v, this.config.momentum), g) : g;
          if (this.config.momentum) v.assign(nv);
          update = tf.mul(nv, lr);
        } else {
          const { beta1, beta2, epsilon } = this.config;
          const [m, s] = this.slot(name, w, 2) as [tf.Variable, tf.Variable];
          m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
          s.assign(tf.add(tf.mul(s, beta2), tf.mul(tf.square(g), 1 - beta2)));
          const mh = tf.div(m, 1 - beta1 ** t);
          const sh = tf.div(s, 1 - beta2 ** t);
          update = tf.mul(tf.div(mh, tf.add(tf.sqrt(sh), epsilon)), lr);
          if (hooks.gradScale) update = tf.mul(update, tf.notEqual(hooks.gradScale, 0));
        }
        let next = tf.sub(w, update);
        // (x * 0) can be -0; adding +0 makes pruned weights +0 exactly.
        if (hooks.mask) next = tf.add(tf.mul(next, hooks.mask), 0);
        w.assign(next);
      });
    }
  }

  /** Slot values for a checkpoint. */
  state(): { steps: number; slots: Record<string, Float32Array[]> } {
    const slots: Record<string, Float32Array[]> = {};
    for (const [name, s] of this.slots) slots[name] = s.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    return { steps: this.steps, slots };
  }

  loadState(state: { steps: number; slots: Record<string, Float32Array[]> }): void {
    this.steps = state.steps;
    for (const [name, arrays] of Object.entries(state.slots)) {
      const w = this.variables.get(name);
      if (!w) continue;
      const s = this.slot(name, w, arrays.length);
      arrays.forEach((a, i) => {
        s[i]!.assign(tf.tensor(a, w.shape));
      });
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) for (const v of s) v.dispose();
    this.slots.clear();
  }
}
