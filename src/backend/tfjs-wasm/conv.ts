/**
 * Convolutions on swprune's kernel library (src/kernels/conv2d.ts, and conv-winograd.ts for 3x3
 * stride-1 layers with enough channels, see useWinograd) with both cores: Conv2D,
 * FusedConv2D (bias and ReLU fused into the store), Conv2DBackpropFilter and, at stride 1,
 * Conv2DBackpropInput. Operands are copied from tfjs's wasm heap into the kernel pool's shared
 * memory and the result back into a new backend tensor; the copies cost a few percent of a
 * convolution. NHWC float32 only: callers keep their previous kernel for anything else.
 *
 * Measured against XNNPACK (tfjs-backend-wasm's Conv2D, one thread) on this project's 2-core
 * machine: see docs/results.md (npm run bench:profile).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2d, conv2dFilterGrad, conv2dInputGrad, type ConvGeometry } from '../../kernels/conv2d.js';
import { conv3x3Winograd, conv3x3WinogradFilterGrad, conv3x3WinogradInputGrad, winogradApplies } from '../../kernels/conv-winograd.js';
import { getConvAlgorithm, kernelRunner } from '../threads.js';
import { asWasm, copyIn, copyOut, sizeOf } from '../wasm-heap.js';

/**
 * Where 3x3 stride-1 convolutions go through Winograd F(4x4,3x3) (getConvAlgorithm 'auto'):
 * measured faster than the direct kernels with 16 or more channels in and out (forward, filter
 * gradient) and with 32 or more input channels for the input gradient (a convolution producing
 * the input's channels); npm run bench:profile shows both.
 */
const useWinograd = (g: ConvGeometry, minChannels: { cin: number; cout: number }) =>
  getConvAlgorithm() === 'auto' && winogradApplies(g) && g.cin >= minChannels.cin && g.cout >= minChannels.cout;

function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    N: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    cin: info.inChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    cout: info.outChannels,
    KH: info.filterHeight,
    KW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

const nhwcFloat = (format: string | undefined, ...ts: (tf.TensorInfo | undefined)[]) =>
  format !== 'NCHW' && ts.every((t) => !t || t.dtype === 'float32');

/** Runs `f` with the pool's heap marked and released around it. */
function inPool<T>(f: (pool: ReturnType<typeof kernelRunner>) => T): T {
  const pool = kernelRunner();
  const mark = pool.heap.mark();
  try {
    return f(pool);
  } finally {
    pool.heap.release(mark);
  }
}

/** Conv2D (and FusedConv2D with `bias`/`relu`); undefined when the case is not one of ours. */
function libraryConv2d(args: Parameters<tf.KernelFunc>[0], fused?: { bias?: tf.TensorInfo; relu: boolean }): tf.TensorInfo | undefined {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs;
  if (!nhwcFloat(dataFormat, x, filter, fused?.bias)) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  if (fused?.bias && sizeOf(fused.bias.shape) !== info.outChannels) return undefined;
  const backend = asWasm(args.backend);
  const g = geometry(info);
  return inPool((pool) => {
    const px = copyIn(backend, x, pool.heap);
    const pw = copyIn(backend, filter, pool.heap);
    const pb = fused?.bias ? copyIn(backend, fused.bias, pool.heap) : undefined;
    const py = pool.heap.alloc(sizeOf(info.outShape));
    if (!fused?.relu && useWinograd(g, { cin: 16, cout: 16 })) conv3x3Winograd(pool, g, px, pw, py, pb);
    else conv2d(pool, g, px, pw, py, { bias: pb, relu: fused?.relu });
    return copyOut(backend, pool.heap, py, info.outShape);
  });
}

/** Conv2DBackpropFilter; undefined when not ours (NCHW). */
export function libraryConv2dFilterGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | undefined {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!nhwcFloat(dataFormat, x, dy)) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const backend = asWasm(args.backend);
  return inPool((pool) => {
    const px = copyIn(backend, x, pool.heap);
    const pdy = copyIn(backend, dy, pool.heap);
    const pdw = pool.heap.alloc(sizeOf(filterShape));
    const g = geometry(info);
    if (useWinograd(g, { cin: 16, cout: 16 })) conv3x3WinogradFilterGrad(pool, g, px, pdy, pdw);
    else conv2dFilterGrad(pool, g, px, pdy, pdw);
    return copyOut(backend, pool.heap, pdw, [...filterShape]);
  });
}

/** Conv2DBackpropInput at stride 1; undefined when not ours (strides above 1, NCHW). */
export function libraryConv2dInputGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | undefined {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (!nhwcFloat(dataFormat, dy, filter)) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return undefined;
  const backend = asWasm(args.backend);
  return inPool((pool) => {
    const pdy = copyIn(backend, dy, pool.heap);
    const pw = copyIn(backend, filter, pool.heap);
    const pdx = pool.heap.alloc(sizeOf(inputShape));
    const g = geometry(info);
    if (useWinograd(g, { cin: 32, cout: 16 })) conv3x3WinogradInputGrad(pool, g, pdy, pw, pdx);
    else conv2dInputGrad(pool, g, pdy, pw, pdx);
    return copyOut(backend, pool.heap, pdx, [...inputShape]);
  });
}

/** Our Conv2D config around the registered one (kept for NCHW and other dtypes). */
export function makeConv2dConfig(previous: tf.KernelConfig): tf.KernelConfig {
  return { ...previous, kernelFunc: (args) => libraryConv2d(args) ?? previous.kernelFunc(args) };
}

/** Our FusedConv2D config: linear or ReLU activation with an optional per-channel bias; the rest to the registered one. */
export function makeFusedConv2dConfig(previous: tf.KernelConfig): tf.KernelConfig {
  return {
    ...previous,
    kernelFunc: (args) => {
      const { activation } = args.attrs as unknown as tf.FusedConv2DAttrs;
      const { bias, preluActivationWeights } = args.inputs as { bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
      if ((activation !== 'linear' && activation !== 'relu') || preluActivationWeights) return previous.kernelFunc(args);
      return libraryConv2d(args, { bias, relu: activation === 'relu' }) ?? previous.kernelFunc(args);
    },
  };
}
