import { describe, expect, it } from 'vitest';
import { encodeBundle } from '../../src/bundle/write.js';
import { mulberry32 } from '../../src/data/rng.js';
import type { Graph } from '../../src/graph/ir.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { loadBundle, loadGraph } from '../../src/runtime/index.js';
import type { Lowered } from '../../src/runtime/plan/lower.js';
import type { Step } from '../../src/runtime/plan/types.js';
import { OP, profileOf, stepOfDescriptors } from '../../src/runtime/profile.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

/** The graph in F(4x4,3x3) Winograd form with 60% of the Winograd-domain weights zeroed at random. */
function pruned(graph: Graph): Graph {
  const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
  const rand = mulberry32(3);
  for (const n of wg.nodes.filter((x) => x.op === 'WinogradConv')) {
    const w = wg.params.get(n.inputs[1]!)!.data as Float32Array;
    for (let i = 0; i < w.length; i++) if (rand() < 0.6) w[i] = 0;
  }
  return wg;
}

/** Steps of the given ops, as far as the profile reads them (op, node, dense). */
const fakeSteps = (ops: readonly (Step['op'] | 'winograd-dense')[]): Step[] =>
  ops.map((op, i) => ({ op: op === 'winograd-dense' ? 'winograd' : op, node: `n${i}`, dense: op === 'winograd-dense' }) as unknown as Step);

describe('profile: descriptors to steps, times to kinds', () => {
  it("maps thread 0's descriptors to steps: the input copy first, a Winograd step's zero step to it, the output copy last", () => {
    const steps = fakeSteps(['winograd', 'conv', 'winograd', 'fc']);
    expect(stepOfDescriptors([OP.copy, OP.winograd, OP.zero, OP.conv, OP.winograd, OP.conv, OP.copy], steps)).toEqual([
      -1, 0, 0, 1, 2, 3, 4,
    ]);
    // No zero step, output read in place (no output copy).
    expect(stepOfDescriptors([OP.copy, OP.winograd, OP.conv, OP.winograd, OP.conv], steps)).toEqual([-1, 0, 1, 2, 3]);
    // A program that does not match the steps is an error, not a wrong profile.
    expect(() => stepOfDescriptors([OP.winograd, OP.conv], steps)).toThrow(/input copy/);
    expect(() => stepOfDescriptors([OP.copy, OP.winograd], steps)).toThrow(/ends before step 1/);
    expect(() => stepOfDescriptors([OP.copy, OP.winograd, OP.conv, OP.winograd, OP.conv, OP.copy, OP.copy], steps)).toThrow(
      /1 descriptors of the program match no step/,
    );
  });

  it('sums injected times by kind: a Winograd step split by its measured share of transforms (its zero step all transform), kinds add up to the steps', () => {
    const steps = fakeSteps(['winograd', 'conv', 'winograd-dense', 'pool', 'fc']);
    const lowered = { steps } as unknown as Lowered;
    const summary = steps.map((s) => `${s.node}: what ${s.node}`);
    const ops = [OP.copy, OP.winograd, OP.zero, OP.conv, OP.winograd, OP.pool, OP.conv, OP.copy];
    const ms = [0.5, 10, 1, 4, 6, 2, 3, 0.25];
    const p = profileOf(
      lowered,
      summary,
      { ops, ms },
      new Map([
        [0, 0.4],
        [2, 0.5],
      ]),
      { images: 1, threads: 1, mode: 'one thread', reps: 3, callMs: 30 },
    );
    expect(p.steps.map((s) => [s.node, s.kind, s.ms])).toEqual([
      ['input', 'copy', 0.5],
      ['n0', 'winograd sparse products', 11],
      ['n1', 'direct conv', 4],
      ['n2', 'winograd dense products', 6],
      ['n3', 'pooling', 2],
      ['n4', 'fully connected', 3],
      ['output', 'copy', 0.25],
    ]);
    expect(p.steps[1]!.what).toBe('what n0');
    // n0: 40% of its Winograd descriptor's 10 ms plus the zero step's 1 ms are transforms.
    expect(p.steps[1]!.winograd!.transformsMs).toBeCloseTo(5, 12);
    expect(p.steps[1]!.winograd!.productsMs).toBeCloseTo(6, 12);
    expect(p.steps[3]!.winograd).toEqual({ productsMs: 3, transformsMs: 3 });
    expect(p.stepsMs).toBeCloseTo(26.75, 12);
    const kinds = Object.fromEntries(p.kinds.map((k) => [k.kind, [k.ms, k.steps]]));
    expect(kinds).toEqual({
      'winograd transforms': [8, 2],
      'winograd sparse products': [6, 1],
      'direct conv': [4, 1],
      'winograd dense products': [3, 1],
      'fully connected': [3, 1],
      pooling: [2, 1],
      copy: [0.75, 2],
    });
    expect(p.kinds[0]!.kind).toBe('winograd transforms');
    expect(p.kinds.reduce((s, k) => s + k.share, 0)).toBeCloseTo(1, 12);
  });
});

describe('Runtime.profile', () => {
  const graph = pruned(readOnnx(ONNX_FIXTURES.resnetSmall).graph);
  const bytes = encodeBundle(graph, new Uint8Array([1]));
  const rand = mulberry32(8);
  const x = Float32Array.from({ length: 4 * 784 }, () => rand() * 2 - 1);

  it('times every step on one thread, split by images and as a team; each leaves the runtime computing the same bits', async () => {
    const one = await loadBundle(bytes, { threads: 1 });
    const expected = await one.run(x, 4);
    const p1 = await one.profile(4, { input: x, reps: 2 });
    expect(Buffer.from((await one.run(x, 4)).buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    await one.close();
    expect(p1).toMatchObject({ images: 4, threads: 1, mode: 'one thread', reps: 2 });
    // One row per step of the runtime, in its order, with the input copy first.
    expect(p1.steps[0]!.node).toBe('input');
    const rows = p1.steps.filter((s) => s.node !== 'input' && s.node !== 'output');
    expect(rows.map((s) => `${s.node}: ${s.what}`)).toEqual(one.steps);
    expect(rows.filter((s) => s.winograd).length).toBe(one.steps.filter((s) => s.includes('sparse Winograd')).length);
    expect(rows.some((s) => s.kind === 'direct conv')).toBe(true);
    for (const s of p1.steps) expect(s.ms).toBeGreaterThanOrEqual(0);
    expect(p1.kinds.reduce((s, k) => s + k.ms, 0)).toBeCloseTo(p1.stepsMs, 9);
    expect(p1.callMs).toBeGreaterThan(0);

    const two = await loadBundle(bytes, { threads: 2, team: true, split: 2 });
    const p2 = await two.profile(4, { input: x, reps: 2 });
    const pTeam = await two.profile(1, { input: x, reps: 2 });
    expect(p2.mode).toBe('split by images');
    expect(pTeam.mode).toBe('team');
    for (const p of [p2, pTeam]) expect(p.steps.map((s) => s.node)).toEqual(p1.steps.map((s) => s.node));
    expect(Buffer.from((await two.run(x, 4)).buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(Buffer.from((await two.run(x, 1)).buffer).equals(Buffer.from(expected.buffer, 0, 40))).toBe(true);
    await two.close();
  }, 60_000);

  it('refuses a call size that is not a positive whole number (E_USAGE)', async () => {
    const m = await loadGraph(readOnnx(ONNX_FIXTURES.smallCnn).graph, undefined);
    await expect(m.profile(0)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/positive whole number of images, got 0/),
    });
    await expect(m.profile(1, { reps: 0 })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/at least 1 repetition/),
    });
    await m.close();
  });
});
