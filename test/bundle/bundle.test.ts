import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeBundle } from '../../src/bundle/decode.js';
import { winogradLayers } from '../../src/bundle/layers.js';
import { readBundle } from '../../src/bundle/read.js';
import { bundleType } from '../../src/bundle/schema.js';
import { encodeBundle } from '../../src/bundle/write.js';
import { mulberry32 } from '../../src/data/rng.js';
import type { Graph } from '../../src/graph/ir.js';
import { encodeFreshOnnx, readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { VERSION } from '../../src/version.js';
import { ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-bundle-'));

/** fashion-vgg in Winograd form (F(4x4,3x3)) with ~75% of every W zeroed. */
function prunedModel(): Graph {
  const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
  const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
  const rand = mulberry32(11);
  for (const n of wg.nodes.filter((x) => x.op === 'WinogradConv')) {
    const w = wg.params.get(n.inputs[1]!)!.data as Float32Array;
    for (let i = 0; i < w.length; i++) if (rand() < 0.75) w[i] = 0;
  }
  return wg;
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('the .swb bundle', () => {
  it('round trip: every parameter read back is bit-identical to the model', () => {
    const graph = prunedModel();
    const path = join(tmp(), 'm.swb');
    const source = readFileSync(ONNX_FIXTURES.fashionVgg);
    writeFileSync(path, encodeBundle(graph, source));
    const bundle = readBundle(path);
    expect(bundle.sourceSha256).toBe(createHash('sha256').update(source).digest('hex'));
    expect(bundle.layers.map((l) => l.name)).toEqual(graph.nodes.filter((n) => n.op === 'WinogradConv').map((n) => n.name));
    expect([...bundle.graph.params.keys()].sort()).toEqual([...graph.params.keys()].sort());
    for (const [name, p] of graph.params) {
      if (p.data instanceof Float32Array) expect(sameBits(bundle.graph.params.get(name)!.data as Float32Array, p.data)).toBe(true);
    }
    expect(bundle.graph.nodes.map((n) => n.op)).toEqual(graph.nodes.map((n) => n.op));
  });

  it('the layers built from the graph (what evaluation plans into the runtime) are the layers a written bundle decodes to', () => {
    const graph = prunedModel();
    const decoded = decodeBundle(encodeBundle(graph, new Uint8Array(0)));
    const built = winogradLayers(graph);
    expect(built.tiles).toEqual(decoded.tiles);
    expect(built.layers.map((l) => l.name)).toEqual(graph.nodes.filter((n) => n.op === 'WinogradConv').map((n) => n.name));
    expect(built.layers).toEqual(decoded.layers);
  });

  it('the directly written layers give the bytes protobufjs writes for the same message from the schema', () => {
    const graph = prunedModel();
    const source = new Uint8Array([7, 8]);
    const bytes = encodeBundle(graph, source);
    const data = winogradLayers(graph);
    const moved = new Set(data.layers.flatMap((l) => [l.weight, l.biasName].filter(Boolean)));
    const matrix = (m: { rows: number; cols: number; values: ArrayLike<number> }) => ({
      rows: m.rows,
      cols: m.cols,
      values: Array.from(m.values),
    });
    const message = {
      formatVersion: 1,
      producer: `swprune ${VERSION}`,
      sourceSha256: createHash('sha256').update(source).digest(),
      tiles: data.tiles.map((t) => ({ name: t.name, t: t.t, m: t.m, r: t.r, at: matrix(t.at), g: matrix(t.g), bt: matrix(t.bt) })),
      layers: data.layers.map((l) => ({
        name: l.name,
        weight: l.weight,
        cin: l.cin,
        cout: l.cout,
        kernel: l.kernel,
        pads: [...l.pads],
        biasName: l.biasName,
        bias: Array.from(l.bias),
        positions: l.positions.map((c) => ({
          rows: c.rows,
          cols: c.cols,
          rowPtr: Array.from(c.rowPtr),
          colIdx: Array.from(c.colIdx),
          values: Array.from(c.values),
        })),
        tile: l.tile,
        group: 0,
      })),
      network: encodeFreshOnnx({ ...graph, params: new Map([...graph.params].filter(([name]) => !moved.has(name))) }),
    };
    const type = bundleType();
    expect(Buffer.from(bytes).equals(Buffer.from(type.encode(type.fromObject(message)).finish()))).toBe(true);
  });

  it('decodes with protobufjs from docs/swprune-bundle.proto alone, following docs/bundle.md', () => {
    const graph = prunedModel();
    const bytes = encodeBundle(graph, new Uint8Array([1, 2, 3]));
    const root = protobuf.parse(readFileSync(repoPath('docs/swprune-bundle.proto'), 'utf8'), { keepCase: true }).root;
    const msg = root
      .lookupType('swprune.bundle.Bundle')
      .toObject(root.lookupType('swprune.bundle.Bundle').decode(bytes), { defaults: true, arrays: true }) as {
      format_version: number;
      tiles: { t: number; m: number; at: { rows: number; cols: number; values: number[] }; bt: { values: number[] } }[];
      layers: {
        name: string;
        cin: number;
        cout: number;
        tile: number;
        positions: { row_ptr: number[]; col_idx: number[]; values: number[] }[];
      }[];
    };
    expect(msg.format_version).toBe(1);
    // docs/method.md's F(4x4,3x3) A^T and B^T, exactly.
    expect(msg.tiles[0]!.at.values).toEqual([1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1]);
    expect(msg.tiles[0]!.bt.values.slice(0, 6)).toEqual([4, 0, -5, 0, 1, 0]);
    for (const layer of msg.layers) {
      const node = graph.nodes.find((n) => n.name === layer.name)!;
      const w = graph.params.get(node.inputs[1]!)!.data as Float32Array;
      const T = msg.tiles[layer.tile]!.t;
      expect(layer.positions).toHaveLength(T * T);
      // Rebuild W [Cout, Cin, T, T] from the CSR matrices as the spec says: W[co][ci][i][j] = W_p[ci][co].
      const rebuilt = new Float32Array(w.length);
      layer.positions.forEach((csr, p) => {
        for (let ci = 0; ci < layer.cin; ci++)
          for (let k = csr.row_ptr[ci]!; k < csr.row_ptr[ci + 1]!; k++)
            rebuilt[(csr.col_idx[k]! * layer.cin + ci) * T * T + p] = csr.values[k]!;
      });
      expect(sameBits(rebuilt, w)).toBe(true);
      const stored = layer.positions.reduce((s, c) => s + c.values.length, 0);
      expect(stored).toBe(w.filter((v) => v !== 0).length);
    }
  });

  it('a truncated or foreign file is a one-line E_MODEL error', () => {
    const dir = tmp();
    const bytes = encodeBundle(prunedModel(), new Uint8Array(0));
    const truncated = join(dir, 'cut.swb');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(() => readBundle(truncated)).toThrow(/cut\.swb/);
    const foreign = join(dir, 'model.swb');
    writeFileSync(foreign, readFileSync(ONNX_FIXTURES.smallCnn));
    expect(() => readBundle(foreign)).toThrow(/model\.swb/);
    try {
      readBundle(truncated);
    } catch (e) {
      expect((e as { code: string }).code).toBe('E_MODEL');
      expect((e as Error).message).not.toContain('\n');
    }
  });
});
