import { describe, expect, it } from 'vitest';
import { decodeBundle } from '../../src/bundle/decode.js';
import { encodeBundle } from '../../src/bundle/write.js';
import { mulberry32 } from '../../src/data/rng.js';
import type { Graph, GraphNode, Param } from '../../src/graph/ir.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { decodeOnnx } from '../../src/runtime/decode-onnx.js';
import { loadBundle } from '../../src/runtime/index.js';
import { layout, type Plan, weightedShare } from '../../src/runtime/plan/layout.js';
import { lower } from '../../src/runtime/plan/lower.js';
import { OFFSET, OP } from '../../src/runtime/wasm/descriptors.js';

/**
 * A team's Winograd layers with fewer tiles than a chunk per thread (7x7 at batch 1: 4 tiles)
 * share their channels: each thread transforms its range of the input channels into one shared
 * V, meets the others, then computes its range of the output channels, cut where the products'
 * work is even. Channel counts that are not multiples of 16 (20, 36, 12), a layer whose
 * nonzeros sit mostly in its first output channels, and a residual.
 */
function net(): Graph {
  const rand = mulberry32(21);
  const params = new Map<string, Param>();
  const nodes: GraphNode[] = [];
  const param = (name: string, dims: number[], std: number) => {
    params.set(name, { name, dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * std) });
    return name;
  };
  const conv = (name: string, x: string, cin: number, cout: number) => {
    nodes.push({
      name,
      op: 'Conv',
      domain: '',
      inputs: [x, param(`${name}.w`, [cout, cin, 3, 3], 1 / Math.sqrt(9 * cin)), param(`${name}.b`, [cout], 0.1)],
      outputs: [name],
      attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    });
    return name;
  };
  const relu = (x: string) => {
    nodes.push({ name: `${x}.relu`, op: 'Relu', domain: '', inputs: [x], outputs: [`${x}.relu`], attrs: {} });
    return `${x}.relu`;
  };
  const a = relu(conv('a', 'x', 20, 36));
  const b = conv('b', a, 36, 36);
  nodes.push({ name: 'add', op: 'Add', domain: '', inputs: [b, a], outputs: ['add'], attrs: {} });
  const c = conv('c', relu('add'), 36, 12);
  return {
    inputs: [{ name: 'x', dims: [null, 20, 7, 7], layout: 'NCHW' }],
    outputs: [{ name: c, dims: [null, 12, 7, 7] }],
    nodes,
    params,
    opset: 13,
  };
}

/** The bundle: Winograd-domain weights half zero at random; layer b's output channels from 8 on 95% zero. */
function bundle(): Uint8Array {
  const g = net();
  const wg = toWinogradGraph(g, selectTargets(g, { tile: 6 }));
  const rand = mulberry32(3);
  for (const n of wg.nodes.filter((x) => x.op === 'WinogradConv')) {
    const p = wg.params.get(n.inputs[1]!)!;
    const w = p.data as Float32Array;
    const perChannel = w.length / p.dims[0]!;
    for (let i = 0; i < w.length; i++) if (rand() < (n.name.startsWith('b') && i >= 8 * perChannel ? 0.95 : 0.5)) w[i] = 0;
  }
  return encodeBundle(wg, new Uint8Array([1]));
}

/** Each thread's Winograd descriptors (fields by name) in program order, and the barrier descriptors' addresses. */
function winogradCopies(plan: Plan): { perThread: Record<string, number>[][]; barriers: Set<number> } {
  const i32 = (at: number): number => {
    const run = plan.image.find((r) => r.at <= at && at + 4 <= r.at + r.bytes.length)!;
    return new DataView(run.bytes.buffer, run.bytes.byteOffset).getInt32(at - run.at, true);
  };
  const barriers = new Set<number>();
  const perThread = Array.from({ length: plan.threads }, (_, t) =>
    plan.segments.flatMap((seg) => {
      const prog = seg.programs[t]!;
      return Array.from({ length: i32(prog) }, (_, k) => i32(prog + 4 + 4 * k)).flatMap((d) => {
        if (i32(d) === OP.barrier) barriers.add(d);
        if (i32(d) !== OP.winograd) return [];
        return [Object.fromEntries(Object.entries(OFFSET.winograd).map(([f, o]) => [f, i32(d + o)]))];
      });
    }),
  );
  return { perThread, barriers };
}

describe("a team's Winograd layers shared by channels", () => {
  it('share one V: each thread transforms a range of the input channels and computes a range of the output channels, the ranges covering each once, cut by the products work', () => {
    const data = decodeBundle(bundle());
    const lowered = lower(decodeOnnx(data.network), data);
    for (const threads of [2, 3]) {
      const { perThread, barriers } = winogradCopies(layout(lowered, { batch: 1, threads }));
      expect(perThread[0]).toHaveLength(3);
      for (let k = 0; k < 3; k++) {
        const copies = perThread.map((list) => list[k]!);
        const d0 = copies[0]!;
        expect(d0.CH).toBe(4);
        for (const [t, d] of copies.entries()) {
          expect(d.V).toBe(d0.V);
          if (t > 0) expect(d.M).not.toBe(d0.M);
          expect(barriers.has(d.sync!)).toBe(true);
          expect(d.chunkParts).toBe(1);
          for (const f of ['ciLo', 'ciHi', 'coLo', 'coHi']) expect(d[f]! % 4).toBe(0);
          expect(d.ciLo).toBe(t === 0 ? 0 : copies[t - 1]!.ciHi);
          expect(d.coLo).toBe(t === 0 ? 0 : copies[t - 1]!.coHi);
        }
        expect(copies.at(-1)!.ciHi).toBe(d0.cinp);
        expect(copies.at(-1)!.coHi).toBe(d0.coutp);
      }
      // Layer b: channels 0-7 hold most of the nonzeros, so the first thread takes fewer channels than an even split.
      expect(perThread[0]![1]!.coHi).toBeLessThan(Math.floor(36 / 4 / threads) * 4);
      expect(perThread[0]![1]!.coHi).toBeGreaterThan(0);
    }
  });

  it('chunks hold only the tiles a call of the plan can have: 4 at batch 1 (7x7), 12 at 3, 32 from 8 on; a thread alone keeps its own V', () => {
    const data = decodeBundle(bundle());
    const lowered = lower(decodeOnnx(data.network), data);
    for (const [batch, CH] of [
      [1, 4],
      [3, 12],
      [8, 32],
      [64, 32],
    ] as const) {
      const d = winogradCopies(layout(lowered, { batch })).perThread[0]!;
      expect(d.map((x) => [x.CH, x.sync, x.ciLo, x.ciHi, x.coLo, x.coHi])).toEqual(d.map((x) => [CH, 0, 0, x.cinp, 0, x.coutp]));
    }
  });

  it('give the bits of one thread, on 2 and 3 threads, as do plans for batches of 1 and 64', async () => {
    const bytes = bundle();
    const rand = mulberry32(8);
    const x = Float32Array.from({ length: 3 * 20 * 49 }, () => rand() * 2 - 1);
    const one = await loadBundle(bytes, { threads: 1, batch: 64 });
    const expected = await one.run(x, 3);
    await one.close();
    const runs: Float32Array[] = [];
    for (const opts of [
      { threads: 1, batch: 1 },
      { threads: 2, team: true },
      { threads: 3, team: true },
    ]) {
      const m = await loadBundle(bytes, opts);
      const got = new Float32Array(expected.length);
      for (let i = 0; i < 3; i++) got.set(await m.run(x.subarray(i * 980, (i + 1) * 980), 1), i * 12 * 49);
      await m.close();
      runs.push(got);
    }
    expect(expected.some((v) => v !== 0)).toBe(true);
    for (const got of runs) expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  });
});

describe('weightedShare', () => {
  it('cuts units of work where the running sum reaches each thread its share; ranges cover every unit once, some may be empty', () => {
    const cuts = (work: number[], threads: number) => Array.from({ length: threads }, (_, t) => weightedShare(work, t, threads));
    expect(cuts([1, 1, 1, 1], 2)).toEqual([
      [0, 2],
      [2, 4],
    ]);
    expect(cuts([6, 1, 1, 1, 1, 1, 1], 2)).toEqual([
      [0, 1],
      [1, 7],
    ]);
    expect(cuts([1, 1, 1, 1, 4], 2)).toEqual([
      [0, 4],
      [4, 5],
    ]);
    expect(cuts([5], 3)).toEqual([
      [0, 0],
      [0, 1],
      [1, 1],
    ]);
    const w = [3, 9, 2, 7, 7, 1, 4, 8, 2];
    const c = cuts(w, 3);
    expect(c[0]![0]).toBe(0);
    expect(c[2]![1]).toBe(w.length);
    for (let t = 1; t < 3; t++) expect(c[t]![0]).toBe(c[t - 1]![1]);
  });
});
