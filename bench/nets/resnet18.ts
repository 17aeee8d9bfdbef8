/**
 * torchvision's ResNet-18 (the paper's ImageNet network) at 224x224, as `torch.onnx.export`
 * writes it from eval mode: batch norm folded into the convolutions (Conv with a bias), 7x7
 * stride-2 stem, 3x3 max pool stride 2, four stages of two basic blocks (64, 128, 256, 512
 * channels; the first block of stages 2-4 with stride 2 and a 1x1 stride-2 shortcut), global
 * average pooling, fully connected 512 -> 1000. Random weights (He-normal, fixed seed; each
 * block's second convolution scaled by 1/2 so activations stay in range without batch norm):
 * for speed measurements only.
 */
import type { Graph, GraphNode } from '#src/graph/ir.js';
import { randomParams } from './random-params.js';

export function resnet18(seed = 1): Graph {
  const { params, param } = randomParams(seed);
  const nodes: GraphNode[] = [];
  const conv = (name: string, x: string, cin: number, cout: number, k: number, stride: number, gain = 1): string => {
    const w = param(`${name}.weight`, [cout, cin, k, k], gain * Math.sqrt(2 / (k * k * cin)));
    const b = param(`${name}.bias`, [cout], 0.01);
    const p = (k - 1) >> 1;
    nodes.push({
      name,
      op: 'Conv',
      domain: '',
      inputs: [x, w, b],
      outputs: [name],
      attrs: { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p] },
    });
    return name;
  };
  const relu = (x: string): string => {
    nodes.push({ name: `${x}.relu`, op: 'Relu', domain: '', inputs: [x], outputs: [`${x}.relu`], attrs: {} });
    return `${x}.relu`;
  };
  const block = (name: string, x: string, cin: number, cout: number, stride: number): string => {
    const y = conv(`${name}.conv2`, relu(conv(`${name}.conv1`, x, cin, cout, 3, stride)), cout, cout, 3, 1, 0.5);
    const shortcut = stride === 1 && cin === cout ? x : conv(`${name}.downsample`, x, cin, cout, 1, stride);
    nodes.push({ name: `${name}.add`, op: 'Add', domain: '', inputs: [y, shortcut], outputs: [`${name}.add`], attrs: {} });
    return relu(`${name}.add`);
  };
  let x = relu(conv('conv1', 'input', 3, 64, 7, 2));
  nodes.push({
    name: 'maxpool',
    op: 'MaxPool',
    domain: '',
    inputs: [x],
    outputs: ['maxpool'],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  });
  x = 'maxpool';
  let c = 64;
  for (const [stage, cout] of [
    [1, 64],
    [2, 128],
    [3, 256],
    [4, 512],
  ] as const) {
    x = block(`layer${stage}.0`, x, c, cout, stage === 1 ? 1 : 2);
    x = block(`layer${stage}.1`, x, cout, cout, 1);
    c = cout;
  }
  nodes.push({ name: 'avgpool', op: 'GlobalAveragePool', domain: '', inputs: [x], outputs: ['avgpool'], attrs: {} });
  nodes.push({ name: 'flatten', op: 'Flatten', domain: '', inputs: ['avgpool'], outputs: ['flat'], attrs: { axis: 1 } });
  const w = param('fc.weight', [1000, 512], Math.sqrt(1 / 512));
  const b = param('fc.bias', [1000], 0.01);
  nodes.push({ name: 'fc', op: 'Gemm', domain: '', inputs: ['flat', w, b], outputs: ['fc'], attrs: { transB: 1 } });
  return {
    inputs: [{ name: 'input', dims: [null, 3, 224, 224], layout: 'NCHW' }],
    outputs: [{ name: 'fc', dims: [null, 1000] }],
    nodes,
    params,
    opset: 13,
  };
}
