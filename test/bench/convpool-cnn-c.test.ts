import { describe, expect, it } from 'vitest';
import { convPoolCnnC } from '../../bench/nets/convpool-cnn-c.js';
import { mulberry32 } from '../../src/data/rng.js';
import { encodeFreshOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { loadGraph } from '../../src/runtime/index.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';

describe("the bench's ConvPool-CNN-C (bench/nets/convpool-cnn-c.ts)", () => {
  const graph = convPoolCnnC();

  it('has its seven 3x3 stride-1 convolutions (padded or not) as Winograd candidates, not the 1x1', () => {
    expect(selectTargets(graph, { tile: 6 }).map((t) => t.node.name)).toEqual([
      'conv1',
      'conv2',
      'conv3',
      'conv4',
      'conv5',
      'conv6',
      'conv7',
    ]);
  });

  it('runs in the runtime as in onnxruntime (two 32x32 images, within 1e-4 of the largest output)', async () => {
    const rand = mulberry32(2);
    const x = Float32Array.from({ length: 2 * 3 * 32 * 32 }, () => rand() * 2 - 1);
    const ref = await runOnnxRuntime(encodeFreshOnnx(graph), { data: x, dims: [2, 3, 32, 32] });
    expect(ref.dims).toEqual([2, 100]);
    const model = await loadGraph(graph, undefined, { batch: 2 });
    const y = model.runSync(x, 2);
    await model.close();
    const scale = ref.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    expect(y.reduce((m, v, i) => Math.max(m, Math.abs(v - ref.data[i]!)), 0)).toBeLessThan(1e-4 * scale);
  }, 60_000);
});
