/**
 * MaxPoolGrad for the wasm backend, replacing the registered one, which is wrong in
 * tfjs-backend-wasm 4.22: it starts each window's running maximum at FLT_MIN (the smallest
 * positive float) instead of -infinity, so a window whose values are all <= 0 sends its gradient
 * nowhere (or to pixel 0). Behind a ReLU those gradients are zero anyway; a max-pool whose
 * negative outputs reach the loss (e.g. conv - maxpool - batchnorm - relu) trains wrongly.
 *
 * Same rule as the cpu backend: each window's gradient goes to its first maximal pixel in
 * row-major order, padding excluded; computed in one pass by kernels.wat's maxpool_grad, in
 * place on the heap (the earlier composite of one-hot depthwise convolutions took ~25 passes).
 */
import * as tf from '@tensorflow/tfjs';
import { paramBlock } from '../../kernels/wasm/params.js';
import { asWasm, heapKernels, offsetOf, withHeapScratch } from '../wasm-heap.js';

function maxPoolGrad({ inputs, attrs, backend: b }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const dy = inputs.dy!;
  const x = inputs.input!;
  const backend = asWasm(b);
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const dx = backend.makeOutput([...x.shape], 'float32');
  const block = paramBlock('maxpool', {
    H: h,
    W: w,
    C: c,
    OH: info.outHeight,
    OW: info.outWidth,
    KH: info.filterHeight,
    KW: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
    N: n,
  });
  withHeapScratch(backend, block.length, (geo) => {
    new Int32Array(backend.wasm.asm.memory.buffer).set(block, geo >> 2);
    heapKernels(backend).maxpool_grad(offsetOf(backend, dx), offsetOf(backend, x), offsetOf(backend, dy), geo);
  });
  return dx;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as tf.KernelFunc,
};
