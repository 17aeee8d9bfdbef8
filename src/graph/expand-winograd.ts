import { isWinogradConv, type Graph, type GraphNode, type Param } from './ir.js';
import { getTile, tileGrid } from '../winograd/tiles.js';
import type { WinogradTile } from '../winograd/tiles.js';

/**
 * Rewrites every `WinogradConv` node (domain ai.swprune) as standard ONNX ops computing the
 * same function, so any ONNX runtime can run a Winograd-pruned model:
 *
 *   Pad -> tiling (Gather with [tiles, T] index tables on H, then W)
 *       -> input transform  V = B^T d B        (two MatMuls with constant matrices)
 *       -> per-position products  M[p] = V[p] W[p]   (one batched MatMul over the T*T positions,
 *          and over the groups of a grouped layer)
 *       -> output transform Y = A^T M A        (two MatMuls)
 *       -> untiling (Transpose + Reshape), crop (Gather), + bias.
 *
 * The Winograd weight [Cout, Cin, T, T] becomes a constant [T*T, Cin, Cout]; its zeros stay
 * exact zeros. Pure IR: `inputShape` gives each node's input [C, H, W] (static H and W).
 */
export function expandWinogradGraph(graph: Graph, inputShape: (node: GraphNode) => readonly number[]): Graph {
  const params = new Map(graph.params);
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    if (!isWinogradConv(n)) {
      nodes.push(n);
      continue;
    }
    const [, H, W] = inputShape(n) as [number, number, number];
    nodes.push(...expandNode(n, H!, W!, graph.opset, params));
  }
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const name of [...params.keys()]) if (!used.has(name)) params.delete(name);
  return { ...graph, nodes, params };
}

function expandNode(n: GraphNode, H: number, W: number, opset: number, params: Map<string, Param>): GraphNode[] {
  const tile = getTile(n.attrs.tile as number, n.attrs.kernel as number);
  const { T, m } = tile;
  const [pt, pl, pb, pr] = n.attrs.pads as [number, number, number, number];
  const weight = params.get(n.inputs[1]!)!;
  const [cout, cinPerGroup] = weight.dims as [number, number];
  const group = typeof n.attrs.group === 'number' ? n.attrs.group : 1;
  const cin = cinPerGroup * group;
  const outH = H + pt + pb - tile.r + 1;
  const outW = W + pl + pr - tile.r + 1;
  const { tilesH: th, tilesW: tw } = tileGrid(outH, outW, m);
  const prefix = `${n.name}/expand`;
  const out: GraphNode[] = [];
  let k = 0;
  const constant = (what: string, dims: number[], data: Param['data']) => {
    const name = `${prefix}/${what}`;
    params.set(name, { name, dims, data });
    return name;
  };
  const ints = (what: string, values: number[], dims = [values.length]) => constant(what, dims, BigInt64Array.from(values, BigInt));
  const floats = (what: string, rows: readonly (readonly number[])[]) =>
    constant(what, [rows.length, rows[0]!.length], Float32Array.from(rows.flat()));
  const op = (opName: string, inputs: string[], attrs: GraphNode['attrs'] = {}, output?: string) => {
    const name = `${prefix}/${opName}_${k++}`;
    out.push({ name, op: opName, domain: '', inputs, outputs: [output ?? name], attrs });
    return output ?? name;
  };

  // Pad so that th x tw tiles of T (stride m) fit exactly.
  const pads = [0, 0, pt, pl, 0, 0, pb + th * m - outH, pr + tw * m - outW];
  let x = n.inputs[0]!;
  if (pads.some((p) => p !== 0)) x = opset >= 11 ? op('Pad', [x, ints('pads', pads)]) : op('Pad', [x], { pads, mode: 'constant' });
  // Tiles: [N, C, th, T, tw, T] -> [N, C, th, tw, T, T].
  const index = (tiles: number) => Array.from({ length: tiles * T }, (_, q) => Math.floor(q / T) * m + (q % T));
  x = op('Gather', [x, ints('rows', index(th), [th, T])], { axis: 2 });
  x = op('Gather', [x, ints('cols', index(tw), [tw, T])], { axis: 4 });
  x = op('Transpose', [x], { perm: [0, 1, 2, 4, 3, 5] });
  // V = B^T d B, then positions first: [T*T, N*th*tw, Cin].
  x = op('MatMul', [floats('BT', tile.BT), x]);
  x = op('MatMul', [x, floats('B', transpose(tile.BT))]);
  x = op('Transpose', [x], { perm: [4, 5, 0, 2, 3, 1] });
  x = op('Reshape', [x, ints('positions', [T * T, -1, cin])]);
  if (group === 1) {
    // Per-position products with W as [T*T, Cin, Cout].
    x = op('MatMul', [x, constant('weight', [T * T, cin, cout], perPosition(weight.data as Float32Array, cout, cin, T * T))]);
  } else {
    // Per position and group: [T*T, g, tiles, Cin/g] x [T*T, g, Cin/g, Cout/g], back to [T*T, tiles, Cout].
    const coutPerGroup = cout / group;
    x = op('Reshape', [x, ints('groups_in', [T * T, -1, group, cinPerGroup])]);
    x = op('Transpose', [x], { perm: [0, 2, 1, 3] });
    const w = perPositionGrouped(weight.data as Float32Array, cout, cinPerGroup, T * T, group);
    x = op('MatMul', [x, constant('weight', [T * T, group, cinPerGroup, coutPerGroup], w)]);
    x = op('Transpose', [x], { perm: [0, 2, 1, 3] });
    x = op('Reshape', [x, ints('groups_out', [T * T, -1, cout])]);
  }
  // Back to tiles [N, Cout, th, tw, T, T]; Y = A^T M A; untile to [N, Cout, th*m, tw*m].
  x = op('Reshape', [x, ints('tiles', [T, T, -1, th, tw, cout])]);
  x = op('Transpose', [x], { perm: [2, 5, 3, 4, 0, 1] });
  x = op('MatMul', [floats('AT', tile.AT), x]);
  x = op('MatMul', [x, floats('A', transpose(tile.AT))]);
  x = op('Transpose', [x], { perm: [0, 1, 2, 4, 3, 5] });
  x = op('Reshape', [x, ints('image', [-1, cout, th * m, tw * m])]);
  if (th * m !== outH) x = op('Gather', [x, ints('crop_rows', range(outH))], { axis: 2 });
  if (tw * m !== outW) x = op('Gather', [x, ints('crop_cols', range(outW))], { axis: 3 });
  const bias = n.inputs[2];
  if (bias) {
    const b = params.get(bias)!;
    op('Add', [x, constant('bias', [cout, 1, 1], Float32Array.from(b.data as Float32Array))], {}, n.outputs[0]);
  } else {
    op('Identity', [x], {}, n.outputs[0]);
  }
  return out;
}

/** [Cout, Cin, T*T] (ONNX layout of W) -> [T*T, Cin, Cout]. */
function perPosition(w: Float32Array, cout: number, cin: number, T2: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let co = 0; co < cout; co++)
    for (let ci = 0; ci < cin; ci++) for (let q = 0; q < T2; q++) out[(q * cin + ci) * cout + co] = w[(co * cin + ci) * T2 + q]!;
  return out;
}

/** [Cout, Cin/g, T*T] (ONNX layout of a grouped W) -> [T*T, g, Cin/g, Cout/g]. */
function perPositionGrouped(w: Float32Array, cout: number, cinPerGroup: number, T2: number, group: number): Float32Array {
  const coutPerGroup = cout / group;
  const out = new Float32Array(w.length);
  for (let co = 0; co < cout; co++) {
    const g = Math.floor(co / coutPerGroup);
    const local = co % coutPerGroup;
    for (let ci = 0; ci < cinPerGroup; ci++)
      for (let q = 0; q < T2; q++) out[((q * group + g) * cinPerGroup + ci) * coutPerGroup + local] = w[(co * cinPerGroup + ci) * T2 + q]!;
  }
  return out;
}

function transpose(a: WinogradTile['AT']): number[][] {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
