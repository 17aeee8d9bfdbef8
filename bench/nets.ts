/**
 * Benchmark networks built from a small description, with seeded random weights: the same graph
 * is written to ONNX for onnxruntime-node and for the PyTorch anchor (bench/torch-anchor.py
 * rebuilds its nn.Module from that file), so both sides run the same model.
 *
 * `vgg-nagadomi`: the CIFAR-10 net of the paper's first experiment (nagadomi's kaggle-cifar10
 * model): 3x3 conv-BN-ReLU blocks 64, 64, pool, 128, 128, pool, 256 x4, pool, then fully
 * connected 4096 -> 1024 -> 1024 -> 10 with ReLU; 32x32x3 input, 233M multiply-accumulates per
 * image (228M in the eight convolutions). Dropout is left out (it is not in an eval-mode export).
 */
import type { Graph, GraphNode, Param } from '#src/graph/ir.js';
import { mulberry32 } from '#src/data/rng.js';

/** One entry: a 3x3 'same' conv-BN-ReLU with this many output channels, 'M' a 2x2 max pool, or {fc: n}. */
export type NetLayer = number | 'M' | { readonly fc: number; readonly relu: boolean };

export interface NetDescription {
  readonly name: string;
  readonly input: readonly [channels: number, height: number, width: number];
  readonly layers: readonly NetLayer[];
}

export const VGG_NAGADOMI: NetDescription = {
  name: 'vgg-nagadomi',
  input: [3, 32, 32],
  layers: [
    64,
    64,
    'M',
    128,
    128,
    'M',
    256,
    256,
    256,
    256,
    'M',
    { fc: 1024, relu: true },
    { fc: 1024, relu: true },
    { fc: 10, relu: false },
  ],
};

/** Normal(0, std) from a uniform generator (Box-Muller). */
function normals(n: number, std: number, random: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const r = std * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** The graph (ONNX vocabulary, NCHW input `input` [N, C, H, W], output `logits`), He-initialised from `seed`. */
export function buildNet(desc: NetDescription, seed = 1): Graph {
  const random = mulberry32(seed);
  const params = new Map<string, Param>();
  const nodes: GraphNode[] = [];
  const param = (name: string, dims: number[], data: Float32Array) => params.set(name, { name, dims, data });
  let [c, h, w] = desc.input;
  let x = 'input';
  let flat = false;
  desc.layers.forEach((layer, i) => {
    const id = `l${i}`;
    const node = (op: string, inputs: string[], attrs: GraphNode['attrs'] = {}) => {
      const out = `${id}.${op.toLowerCase()}`;
      nodes.push({ name: `${id}_${op}`, op, domain: '', inputs, outputs: [out], attrs });
      x = out;
    };
    if (layer === 'M') {
      node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
      h /= 2;
      w /= 2;
    } else if (typeof layer === 'number') {
      param(`${id}.weight`, [layer, c, 3, 3], normals(layer * c * 9, Math.sqrt(2 / (9 * c)), random));
      node('Conv', [x, `${id}.weight`], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
      param(
        `${id}.bn.scale`,
        [layer],
        Float32Array.from({ length: layer }, () => 0.5 + random()),
      );
      param(
        `${id}.bn.bias`,
        [layer],
        Float32Array.from({ length: layer }, () => 0.2 * (random() - 0.5)),
      );
      param(
        `${id}.bn.mean`,
        [layer],
        Float32Array.from({ length: layer }, () => 0.2 * (random() - 0.5)),
      );
      param(
        `${id}.bn.var`,
        [layer],
        Float32Array.from({ length: layer }, () => 0.5 + random()),
      );
      node('BatchNormalization', [x, `${id}.bn.scale`, `${id}.bn.bias`, `${id}.bn.mean`, `${id}.bn.var`], { epsilon: 1e-5, momentum: 0.9 });
      node('Relu', [x]);
      c = layer;
    } else {
      if (!flat) {
        node('Flatten', [x], { axis: 1 });
        c = c * h * w;
        flat = true;
      }
      param(`${id}.weight`, [layer.fc, c], normals(layer.fc * c, Math.sqrt(2 / c), random));
      param(`${id}.bias`, [layer.fc], new Float32Array(layer.fc));
      node('Gemm', [x, `${id}.weight`, `${id}.bias`], { transB: 1 });
      if (layer.relu) node('Relu', [x]);
      c = layer.fc;
    }
  });
  const last = nodes[nodes.length - 1]!;
  nodes[nodes.length - 1] = { ...last, outputs: ['logits'] };
  return {
    inputs: [{ name: 'input', dims: [null, ...desc.input], layout: 'NCHW' }],
    outputs: [{ name: 'logits', dims: [null, c] }],
    nodes,
    params,
    opset: 13,
  };
}

/** Multiply-accumulates per image of the description's convolutions and fully connected layers. */
export function netMacs(desc: NetDescription): number {
  let [c, h, w] = desc.input;
  let macs = 0;
  let flat = false;
  for (const layer of desc.layers) {
    if (layer === 'M') {
      h /= 2;
      w /= 2;
    } else if (typeof layer === 'number') {
      macs += h * w * layer * c * 9;
      c = layer;
    } else {
      if (!flat) {
        c = c * h * w;
        flat = true;
      }
      macs += c * layer.fc;
      c = layer.fc;
    }
  }
  return macs;
}
