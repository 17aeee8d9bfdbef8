/**
 * The fused Winograd convolution kernels for the wasm backend (names and attributes:
 * src/tfjs-ops/winograd-fused.ts), on swprune's kernel library with both cores
 * (src/kernels/winograd.ts): operands copied into the kernel pool's shared memory, results back.
 * Replaces, per Winograd layer and step, ~100 tfjs ops (36 matMuls per stage, transposes,
 * concats) with one forward and one backward kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { winogradBackward, winogradForward, type WinogradGeometry } from '../../kernels/winograd.js';
import { WINOGRAD_BACKWARD_KERNEL, WINOGRAD_FORWARD_KERNEL, type FusedWinogradAttrs } from '../../tfjs-ops/winograd-fused.js';
import { planWinograd } from '../../tfjs-ops/winograd-plan.js';
import { getTile } from '../../winograd/tiles.js';
import { kernelRunner } from '../threads.js';
import { asWasm, copyIn, copyOut, sizeOf } from '../wasm-heap.js';

function geometry(x: tf.TensorInfo, w: tf.TensorInfo, attrs: FusedWinogradAttrs): WinogradGeometry {
  const tile = getTile(attrs.T, attrs.r);
  const plan = planWinograd(x.shape, tile, w.shape[2]!, attrs.pad);
  return {
    N: plan.N,
    H: plan.H,
    W: plan.W,
    cin: plan.cin,
    cout: plan.cout,
    m: tile.m,
    T: tile.T,
    padTop: plan.top,
    padLeft: plan.left,
    outH: plan.outH,
    outW: plan.outW,
    tilesH: plan.tilesH,
    tilesW: plan.tilesW,
    BT: tile.BT.flat(),
    AT: tile.AT.flat(),
  };
}

function forward({ inputs, attrs, backend: b }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, w } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo };
  const g = geometry(x, w, attrs as unknown as FusedWinogradAttrs);
  const backend = asWasm(b);
  const pool = kernelRunner();
  const mark = pool.heap.mark();
  try {
    const px = copyIn(backend, x, pool.heap);
    const pw = copyIn(backend, w, pool.heap);
    const shape = [g.N, g.outH, g.outW, g.cout];
    const py = pool.heap.alloc(sizeOf(shape));
    winogradForward(pool, g, px, pw, py);
    return copyOut(backend, pool.heap, py, shape);
  } finally {
    pool.heap.release(mark);
  }
}

function backward({ inputs, attrs, backend: b }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { x, w, dy } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; dy: tf.TensorInfo };
  const g = geometry(x, w, attrs as unknown as FusedWinogradAttrs);
  const backend = asWasm(b);
  const pool = kernelRunner();
  const mark = pool.heap.mark();
  try {
    const px = copyIn(backend, x, pool.heap);
    const pw = copyIn(backend, w, pool.heap);
    const pdy = copyIn(backend, dy, pool.heap);
    const pdx = pool.heap.alloc(sizeOf(x.shape));
    const pdw = pool.heap.alloc(sizeOf(w.shape));
    winogradBackward(pool, g, px, pdy, pw, pdx, pdw);
    return [copyOut(backend, pool.heap, pdx, [...x.shape]), copyOut(backend, pool.heap, pdw, [...w.shape])];
  } finally {
    pool.heap.release(mark);
  }
}

export const winogradForwardConfig: tf.KernelConfig = {
  kernelName: WINOGRAD_FORWARD_KERNEL,
  backendName: 'wasm',
  kernelFunc: forward as tf.KernelFunc,
};
export const winogradBackwardConfig: tf.KernelConfig = {
  kernelName: WINOGRAD_BACKWARD_KERNEL,
  backendName: 'wasm',
  kernelFunc: backward as unknown as tf.KernelFunc,
};
