/**
 * A ConvPool-CNN-C-shaped CIFAR-100 network (Springenberg et al., "Striving for Simplicity",
 * model C with max pooling; the paper's second CIFAR experiment): 3x3 convolutions 96, 96, 96,
 * 3x3 max pool stride 2, 192, 192, 192, 3x3 max pool stride 2, then a 3x3 convolution 192
 * without padding, 1x1 convolutions 192 and 100, global average pooling; ReLU after every
 * convolution but the last; 32x32x3 inputs. Random weights (He-normal, fixed seed): for speed
 * measurements only. The seven 3x3 convolutions (the last unpadded, 6x6 output) are Winograd
 * candidates; the two 1x1 convolutions run as direct convolutions.
 */
import type { Graph, GraphNode } from '#src/graph/ir.js';
import { randomParams } from './random-params.js';

export function convPoolCnnC(seed = 1): Graph {
  const { params, param } = randomParams(seed);
  const nodes: GraphNode[] = [];
  let x = 'input';
  let c = 3;
  const conv = (i: number, cout: number, k: number, pad: number, relu: boolean) => {
    const w = param(`conv${i}.weight`, [cout, c, k, k], Math.sqrt(2 / (k * k * c)));
    const b = param(`conv${i}.bias`, [cout], 0.01);
    nodes.push({
      name: `conv${i}`,
      op: 'Conv',
      domain: '',
      inputs: [x, w, b],
      outputs: [`conv${i}`],
      attrs: { kernel_shape: [k, k], pads: [pad, pad, pad, pad] },
    });
    x = `conv${i}`;
    if (relu) {
      nodes.push({ name: `relu${i}`, op: 'Relu', domain: '', inputs: [x], outputs: [`relu${i}`], attrs: {} });
      x = `relu${i}`;
    }
    c = cout;
  };
  const pool = (i: number) => {
    nodes.push({
      name: `pool${i}`,
      op: 'MaxPool',
      domain: '',
      inputs: [x],
      outputs: [`pool${i}`],
      attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    });
    x = `pool${i}`;
  };
  for (const i of [1, 2, 3]) conv(i, 96, 3, 1, true);
  pool(1);
  for (const i of [4, 5, 6]) conv(i, 192, 3, 1, true);
  pool(2);
  conv(7, 192, 3, 0, true);
  conv(8, 192, 1, 0, true);
  conv(9, 100, 1, 0, false);
  nodes.push({ name: 'gap', op: 'GlobalAveragePool', domain: '', inputs: [x], outputs: ['gap'], attrs: {} });
  nodes.push({ name: 'flatten', op: 'Flatten', domain: '', inputs: ['gap'], outputs: ['logits'], attrs: { axis: 1 } });
  return {
    inputs: [{ name: 'input', dims: [null, 3, 32, 32], layout: 'NCHW' }],
    outputs: [{ name: 'logits', dims: [null, 100] }],
    nodes,
    params,
    opset: 13,
  };
}
