/**
 * The geometry of an ONNX window op (Conv, MaxPool, AveragePool, WinogradConv) along its
 * spatial axes: `auto_pad` resolved to pads, and the output size. The one home of these
 * formulas: shape inference, the executor, the runtime's planner and the Winograd conversion
 * all use them.
 */
import { nums, str } from './attrs.js';
import type { GraphNode } from './ir.js';

/**
 * [begin, end] pads of one axis under SAME_UPPER (or SAME_LOWER): the total that makes the
 * output ceil(size / stride) long, halved, the odd one at the end (at the beginning).
 */
export function samePads(size: number, kernel: number, stride: number, dilation: number, lower = false): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  const small = Math.floor(total / 2);
  return lower ? [total - small, small] : [small, total - small];
}

/**
 * A node's pads in ONNX order ([begins..., ends...], so [top, left, bottom, right] in 2-D) for
 * inputs of spatial size `sizes`: zero for auto_pad VALID, samePads for SAME_*, else the node's
 * `pads` (zero where absent).
 */
export function windowPads(
  n: GraphNode,
  sizes: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): number[] {
  const auto = str(n, 'auto_pad', 'NOTSET');
  const k = sizes.length;
  if (auto === 'VALID') return new Array<number>(2 * k).fill(0);
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const axes = sizes.map((size, i) => samePads(size, kernel[i]!, strides[i] ?? 1, dilations[i] ?? 1, auto === 'SAME_LOWER'));
    return [...axes.map((p) => p[0]), ...axes.map((p) => p[1])];
  }
  const p = nums(n, 'pads', []);
  return Array.from({ length: 2 * k }, (_, i) => p[i] ?? 0);
}

/**
 * Output size along one axis (ONNX / PyTorch): floor, or with ceil_mode ceil, of
 * (size + pads - effective kernel) / stride, plus one; with ceil_mode a last window that would
 * start in the end padding is dropped.
 */
export function windowOutSize(
  size: number,
  padBegin: number,
  padEnd: number,
  kernel: number,
  stride: number,
  dilation: number,
  ceil: boolean,
): number {
  const span = size + padBegin + padEnd - ((kernel - 1) * dilation + 1);
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (out - 1) * stride >= size + padBegin) out--;
  return out;
}
