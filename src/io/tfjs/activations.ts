import type { LayerBuilder, KerasLayer } from './layer-types.js';
import { unsupported } from './layer-types.js';

/**
 * Every activation tfjs-layers offers (its `activation` identifiers, and the Python names the
 * converter may write) as IR nodes after a layer. Ops newer than the opset tfjs models are
 * written at (13) — Gelu, Mish, Swish — are spelled out in standard ops, so a written model
 * runs in any ONNX runtime. Softmax is over the Keras channel axis.
 */
type ActivationMapper = (b: LayerBuilder, x: string, rank: number) => string;

const scalar = (b: LayerBuilder, suffix: string, v: number) => b.constant(suffix, [], Float32Array.of(v));
const softmaxAxis = (rank: number) => (rank === 4 ? 1 : -1);

const ACTIVATIONS: Readonly<Record<string, ActivationMapper>> = {
  linear: (_b, x) => x,
  relu: (b, x) => b.node('Relu', [x], {}, 'relu'),
  relu6: (b, x) => b.node('Clip', [x, scalar(b, 'clip_min', 0), scalar(b, 'clip_max', 6)], {}, 'relu6'),
  elu: (b, x) => b.node('Elu', [x], { alpha: 1 }, 'elu'),
  selu: (b, x) => b.node('Selu', [x], {}, 'selu'),
  sigmoid: (b, x) => b.node('Sigmoid', [x], {}, 'sigmoid'),
  // tfjs: clip(0.2 x + 0.5, 0, 1).
  hardSigmoid: (b, x) => b.node('HardSigmoid', [x], { alpha: 0.2, beta: 0.5 }, 'hard_sigmoid'),
  softplus: (b, x) => b.node('Softplus', [x], {}, 'softplus'),
  softsign: (b, x) => b.node('Softsign', [x], {}, 'softsign'),
  tanh: (b, x) => b.node('Tanh', [x], {}, 'tanh'),
  softmax: (b, x, rank) => b.node('Softmax', [x], { axis: softmaxAxis(rank) }, 'softmax'),
  logSoftmax: (b, x, rank) => b.node('LogSoftmax', [x], { axis: softmaxAxis(rank) }, 'log_softmax'),
  // x * sigmoid(x)
  swish: (b, x) => b.node('Mul', [x, b.node('Sigmoid', [x], {}, 'swish_sigmoid')], {}, 'swish'),
  // x * tanh(softplus(x))
  mish: (b, x) => b.node('Mul', [x, b.node('Tanh', [b.node('Softplus', [x], {}, 'mish_softplus')], {}, 'mish_tanh')], {}, 'mish'),
  // x * 0.5 (1 + erf(x / sqrt 2))
  gelu: (b, x) => {
    const erf = b.node('Erf', [b.node('Div', [x, scalar(b, 'gelu_sqrt2', Math.SQRT2)], {}, 'gelu_div')], {}, 'gelu_erf');
    const cdf = b.node(
      'Mul',
      [b.node('Add', [erf, scalar(b, 'gelu_one', 1)], {}, 'gelu_add'), scalar(b, 'gelu_half', 0.5)],
      {},
      'gelu_cdf',
    );
    return b.node('Mul', [x, cdf], {}, 'gelu');
  },
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  gelu_new: (b, x) => {
    const cube = b.node(
      'Mul',
      [b.node('Pow', [x, scalar(b, 'gelu_three', 3)], {}, 'gelu_pow'), scalar(b, 'gelu_c', 0.044715)],
      {},
      'gelu_cube',
    );
    const inner = b.node('Mul', [b.node('Add', [x, cube], {}, 'gelu_sum'), scalar(b, 'gelu_k', Math.sqrt(2 / Math.PI))], {}, 'gelu_inner');
    const t = b.node('Add', [b.node('Tanh', [inner], {}, 'gelu_tanh'), scalar(b, 'gelu_one', 1)], {}, 'gelu_plus');
    return b.node('Mul', [b.node('Mul', [x, scalar(b, 'gelu_half', 0.5)], {}, 'gelu_halfx'), t], {}, 'gelu');
  },
};

/** Python spellings the converter writes for the same activations. */
const ALIASES: Readonly<Record<string, string>> = { hard_sigmoid: 'hardSigmoid', log_softmax: 'logSoftmax', silu: 'swish' };

export const ACTIVATION_NAMES: readonly string[] = Object.keys(ACTIVATIONS);

/** Keras `activation` config -> nodes after the layer (`x` for linear). */
export function activation(layer: KerasLayer, b: LayerBuilder, x: string, name: unknown, rank: number): string {
  const id = typeof name === 'string' ? name : name == null ? 'linear' : (name as { class_name?: string }).class_name;
  const f = ACTIVATIONS[ALIASES[id ?? ''] ?? id ?? ''];
  if (!f) return unsupported(layer, `activation "${String(id)}"`);
  return f(b, x, rank);
}
