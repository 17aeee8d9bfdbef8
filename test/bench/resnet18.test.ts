import { describe, expect, it } from 'vitest';
import { resnet18 } from '../../bench/nets/resnet18.js';
import { mulberry32 } from '../../src/data/rng.js';
import { encodeFreshOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { loadGraph } from '../../src/runtime/index.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';

describe("the bench's ResNet-18 (bench/nets/resnet18.ts)", () => {
  const graph = resnet18();

  it("has torchvision resnet18's parameters with batch norm folded into conv biases, and its 13 Winograd candidates", () => {
    // torchvision: 11,689,512 parameters of which 9,600 are BN weights and biases (4,800 channels);
    // folded, each of the 20 convolutions has a bias of its output channels (4,800): same count.
    const count = [...graph.params.values()].reduce((s, p) => s + p.data.length, 0);
    expect(count).toBe(11_689_512 - 9_600 + 4_800);
    // The 3x3 stride-1 convolutions: 16 minus the first of stages 2-4 (stride 2) = 13.
    expect(selectTargets(graph, { tile: 6 }).length).toBe(13);
  });

  it('runs in the runtime as in onnxruntime (one 224x224 image, within 1e-4 of the largest output)', async () => {
    const rand = mulberry32(2);
    const x = Float32Array.from({ length: 3 * 224 * 224 }, () => rand() * 2 - 1);
    const ref = await runOnnxRuntime(encodeFreshOnnx(graph), { data: x, dims: [1, 3, 224, 224] });
    const model = await loadGraph(graph, undefined, { batch: 1 });
    const y = model.runSync(x, 1);
    await model.close();
    const scale = ref.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0);
    expect(y.reduce((m, v, i) => Math.max(m, Math.abs(v - ref.data[i]!)), 0)).toBeLessThan(1e-4 * scale);
  }, 60_000);
});
