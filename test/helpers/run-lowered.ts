import { Engine } from '../../src/runtime/engine.js';
import { layout } from '../../src/runtime/plan/layout.js';
import type { Lowered } from '../../src/runtime/plan/lower.js';

/** A lowered network run on one thread, planned for n images: its outputs. */
export async function runLowered(l: Lowered, x: Float32Array, n: number): Promise<Float32Array> {
  const plan = layout(l, { batch: n });
  const engine = await Engine.create(plan);
  try {
    return engine.run(x, n).slice();
  } finally {
    engine.release();
  }
}
