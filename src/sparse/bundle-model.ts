import * as tf from '@tensorflow/tfjs';
import type { LoadedBundle } from '../bundle/read.js';
import type { CsrMessage, LayerMessage } from '../bundle/schema.js';
import { compileGraph, type CompiledModel } from '../exec/compile.js';
import { WINOGRAD_CONV } from '../graph/ir.js';
import type { OpCompiler } from '../exec/op-types.js';
import { asFloat, float, toNhwc } from '../exec/values.js';
import { sparseWinogradConv, type CsrMatrix, type SparseWinogradLayer } from './sparse-winograd-conv.js';

/**
 * The sparse Winograd inference path: a bundle compiled by the executor with every
 * WinogradConv replaced by sparseWinogradConv over the bundle's own CSR weights and
 * transform matrices (the dense W the reader restores is not used). For evaluation.
 */
export function compileBundle(bundle: LoadedBundle): CompiledModel {
  const layers = new Map(bundle.layers.map((l) => [l.name, sparseLayer(l, bundle)]));
  const sparseOp: OpCompiler = (node) => {
    const layer = layers.get(node.name)!;
    return ([x]) => {
      const xv = toNhwc(asFloat(x, node.name));
      const [n, h, w] = xv.shape;
      const y = sparseWinogradConv(layer, xv.dataSync() as Float32Array, n, h, w);
      return [float(tf.tensor4d(y.data, [n, y.outH, y.outW, layer.cout]), true)];
    };
  };
  return compileGraph(bundle.graph, { ops: { [`${WINOGRAD_CONV.domain}/${WINOGRAD_CONV.op}`]: sparseOp } });
}

function sparseLayer(l: LayerMessage, bundle: LoadedBundle): SparseWinogradLayer {
  const tile = bundle.tiles[l.tile]!;
  const csr = (c: CsrMessage): CsrMatrix => ({
    rows: c.rows, cols: c.cols, rowPtr: Int32Array.from(c.rowPtr), colIdx: Int32Array.from(c.colIdx), values: Float32Array.from(c.values),
  });
  const group = l.group || 1;
  return {
    T: tile.T, m: tile.m, r: tile.r, cin: l.cin * group, cout: l.cout, group, pads: l.pads as unknown as [number, number, number, number],
    AT: Float32Array.from(tile.AT.flat()), BT: Float32Array.from(tile.BT.flat()), positions: l.positions.map(csr),
    ...(l.biasName ? { bias: Float32Array.from(l.bias) } : {}),
  };
}
