/**
 * A VGG-nagadomi-shaped CIFAR-10 network (the paper's CIFAR-10 model, after nagadomi's
 * kaggle-cifar10-torch7 "vgg" model): eight 3x3 convolutions (64, 64, pool, 128, 128, pool,
 * 256 x 4, pool) with ReLU, then fully connected 4096 -> 1024 -> 1024 -> 10 with ReLU, on
 * 32x32x3 inputs. Random weights (He-normal, fixed seed): for speed measurements only.
 */
import type { Graph, GraphNode } from '#src/graph/ir.js';
import { randomParams } from './random-params.js';

export function vggNagadomi(seed = 1): Graph {
  const { params, param } = randomParams(seed);
  const nodes: GraphNode[] = [];
  let x = 'input';
  let c = 3;
  const conv = (i: number, cout: number) => {
    const w = param(`conv${i}.weight`, [cout, c, 3, 3], Math.sqrt(2 / (9 * c)));
    const b = param(`conv${i}.bias`, [cout], 0.01);
    nodes.push({
      name: `conv${i}`,
      op: 'Conv',
      domain: '',
      inputs: [x, w, b],
      outputs: [`conv${i}`],
      attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    });
    nodes.push({ name: `relu${i}`, op: 'Relu', domain: '', inputs: [`conv${i}`], outputs: [`relu${i}`], attrs: {} });
    x = `relu${i}`;
    c = cout;
  };
  const pool = (i: number) => {
    nodes.push({
      name: `pool${i}`,
      op: 'MaxPool',
      domain: '',
      inputs: [x],
      outputs: [`pool${i}`],
      attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    });
    x = `pool${i}`;
  };
  const fc = (i: number, k: number, o: number, relu: boolean) => {
    const w = param(`fc${i}.weight`, [o, k], Math.sqrt(2 / k));
    const b = param(`fc${i}.bias`, [o], 0.01);
    nodes.push({ name: `fc${i}`, op: 'Gemm', domain: '', inputs: [x, w, b], outputs: [`fc${i}`], attrs: { transB: 1 } });
    x = `fc${i}`;
    if (relu) {
      nodes.push({ name: `fc${i}.relu`, op: 'Relu', domain: '', inputs: [x], outputs: [`fc${i}.relu`], attrs: {} });
      x = `fc${i}.relu`;
    }
  };
  conv(1, 64);
  conv(2, 64);
  pool(1);
  conv(3, 128);
  conv(4, 128);
  pool(2);
  for (const i of [5, 6, 7, 8]) conv(i, 256);
  pool(3);
  nodes.push({ name: 'flatten', op: 'Flatten', domain: '', inputs: [x], outputs: ['flat'], attrs: { axis: 1 } });
  x = 'flat';
  fc(1, 256 * 4 * 4, 1024, true);
  fc(2, 1024, 1024, true);
  fc(3, 1024, 10, false);
  return {
    inputs: [{ name: 'input', dims: [null, 3, 32, 32], layout: 'NCHW' }],
    outputs: [{ name: x, dims: [null, 10] }],
    nodes,
    params,
    opset: 13,
  };
}
