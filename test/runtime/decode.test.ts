import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { encodeBundle } from '../../src/bundle/write.js';
import { mulberry32 } from '../../src/data/rng.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { decodeBundle } from '../../src/bundle/decode.js';
import { varints, varintsInt32 } from '../../src/bundle/protobuf.js';
import { decodeOnnx } from '../../src/runtime/decode-onnx.js';
import { ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

describe('the runtime decoders (no protobufjs, no .proto file)', () => {
  for (const [name, path] of Object.entries(ONNX_FIXTURES)) {
    it(`decode ${name} into the same graph as the Node ONNX reader`, () => {
      const expected = readOnnx(path).graph;
      const ours = decodeOnnx(new Uint8Array(readFileSync(path)));
      expect(ours.opset).toBe(expected.opset);
      expect(ours.inputs).toEqual(expected.inputs);
      expect(ours.outputs).toEqual(expected.outputs);
      expect(ours.nodes).toEqual(expected.nodes);
      expect([...ours.params.keys()]).toEqual([...expected.params.keys()]);
      for (const [k, p] of expected.params) expect(ours.params.get(k)).toEqual(p);
    });
  }

  it('packed varints into an Int32Array: the values varints gives, across fields; a truncated one is an error', () => {
    const values = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 31 - 1];
    const packed = (vs: number[]) => {
      const bytes: number[] = [];
      for (let v of vs) {
        while (v > 127) {
          bytes.push((v % 128) | 128);
          v = Math.floor(v / 128);
        }
        bytes.push(v);
      }
      return { no: 3, wire: 2, int: 0, bytes: Uint8Array.from(bytes) };
    };
    const fs = [packed(values), { no: 3, wire: 0, int: 42, bytes: new Uint8Array(0) }, packed([5, 7])];
    expect(Array.from(varintsInt32(fs))).toEqual(varints(fs));
    expect(Array.from(varintsInt32(fs))).toEqual([...values, 42, 5, 7]);
    const cut = packed([300]);
    expect(() => varintsInt32([{ ...cut, bytes: cut.bytes.subarray(0, 1) }])).toThrow(/truncated packed varint/);
  });

  it('decode a bundle exactly as protobufjs does from docs/swprune-bundle.proto', () => {
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
    const rand = mulberry32(3);
    for (const n of wg.nodes.filter((x) => x.op === 'WinogradConv')) {
      const w = wg.params.get(n.inputs[1]!)!.data as Float32Array;
      for (let i = 0; i < w.length; i++) if (rand() < 0.7) w[i] = 0;
    }
    const bytes = encodeBundle(wg, new Uint8Array([9, 8, 7]));
    const root = protobuf.parse(readFileSync(repoPath('docs/swprune-bundle.proto'), 'utf8')).root;
    const type = root.lookupType('swprune.bundle.Bundle');
    const ref = type.toObject(type.decode(bytes), { defaults: true, arrays: true }) as {
      formatVersion: number;
      producer: string;
      sourceSha256: Uint8Array;
      network: Uint8Array;
      tiles: {
        name: string;
        t: number;
        m: number;
        r: number;
        at: { rows: number; cols: number; values: number[] };
        g: { values: number[] };
        bt: { values: number[] };
      }[];
      layers: {
        name: string;
        weight: string;
        cin: number;
        cout: number;
        kernel: number;
        pads: number[];
        biasName: string;
        bias: number[];
        tile: number;
        positions: { rows: number; cols: number; rowPtr: number[]; colIdx: number[]; values: number[] }[];
      }[];
    };
    const ours = decodeBundle(bytes);
    expect(ours.formatVersion).toBe(ref.formatVersion);
    expect(ours.producer).toBe(ref.producer);
    expect(Array.from(ours.sourceSha256)).toEqual(Array.from(ref.sourceSha256));
    expect(Buffer.from(ours.network).equals(Buffer.from(ref.network))).toBe(true);
    expect(
      ours.tiles.map((t) => ({
        name: t.name,
        t: t.t,
        m: t.m,
        r: t.r,
        at: Array.from(t.at.values),
        g: Array.from(t.g.values),
        bt: Array.from(t.bt.values),
      })),
    ).toEqual(ref.tiles.map((t) => ({ name: t.name, t: t.t, m: t.m, r: t.r, at: t.at.values, g: t.g.values, bt: t.bt.values })));
    expect(ours.layers).toHaveLength(ref.layers.length);
    ours.layers.forEach((l, i) => {
      const r = ref.layers[i]!;
      expect({
        name: l.name,
        weight: l.weight,
        cin: l.cin,
        cout: l.cout,
        kernel: l.kernel,
        pads: l.pads,
        biasName: l.biasName,
        bias: Array.from(l.bias),
        tile: l.tile,
      }).toEqual({
        name: r.name,
        weight: r.weight,
        cin: r.cin,
        cout: r.cout,
        kernel: r.kernel,
        pads: r.pads,
        biasName: r.biasName,
        bias: r.bias,
        tile: r.tile,
      });
      l.positions.forEach((c, p) => {
        const rc = r.positions[p]!;
        expect({
          rows: c.rows,
          cols: c.cols,
          rowPtr: Array.from(c.rowPtr),
          colIdx: Array.from(c.colIdx),
          values: Array.from(c.values),
        }).toEqual(rc);
      });
    });
  });

  it('bad bytes are one-line errors, not crashes', () => {
    expect(() => decodeBundle(new Uint8Array([0x08, 0x03]))).toThrow(/format version 3/);
    expect(() => decodeBundle(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/not a swprune bundle/);
    expect(() => decodeOnnx(new Uint8Array([0x3a, 0x10, 0x01]))).toThrow(/not a valid ONNX network/);
  });
});
