import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.js';
import { alternative, chooseKernels, forgetKernelChoices, type StepTimer } from '../../src/runtime/kernels.js';
import { layout } from '../../src/runtime/plan/layout.js';
import type { Lowered } from '../../src/runtime/plan/lower.js';
import type { Act, StepOf } from '../../src/runtime/plan/types.js';
import { startWorker, type Port } from '../../src/runtime/platform.js';
import { OP, profileOf } from '../../src/runtime/profile.js';
import { Team } from '../../src/runtime/team.js';
import { runLowered } from '../helpers/run-lowered.js';

/**
 * The sparse direct convolution (runtime.wat, op 10) against the dense direct convolution
 * (op 1) on the same weights, bias, activation and residual: max |difference| below 1e-5 of
 * max |y| (the two sum each output in a different order), on one thread and as a team of two
 * sharing its chunks of pixels.
 */
const act = (id: number, C: number, H: number, W: number): Act => ({ kind: 'act', id, name: `a${id}`, rank: 4, C, H, W });

/** Weights [cout, cin, kh, kw] with about `density` of them nonzero. */
function weights(rand: () => number, n: number, density: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() < density ? rand() * 2 - 1 : 0));
}

interface Case {
  readonly name: string;
  readonly cin: number;
  readonly cout: number;
  readonly H: number;
  readonly W: number;
  readonly k: number;
  readonly stride: number;
  readonly pad: number;
  readonly dilation?: number;
}

/**
 * Input x [cin, H, W] -> a dense 1x1 convolution of stride `stride` (the residual r, with the
 * output's shape) and the case's convolution y = relu(conv(x) + bias + r), the network's output.
 */
function net(c: Case, seed: number, density: number): Lowered {
  const rand = mulberry32(seed);
  const d = c.dilation ?? 1;
  const outH = Math.floor((c.H + 2 * c.pad - d * (c.k - 1) - 1) / c.stride) + 1;
  const outW = Math.floor((c.W + 2 * c.pad - d * (c.k - 1) - 1) / c.stride) + 1;
  const x = act(0, c.cin, c.H, c.W);
  const r = act(1, c.cout, outH, outW);
  const y = act(2, c.cout, outH, outW);
  const conv = (out: Act, k: number, stride: number, pad: number, w: Float32Array, residual?: Act): StepOf<'conv'> => ({
    op: 'conv',
    node: `conv${out.id}`,
    in: x,
    out,
    weight: w,
    kh: k,
    kw: k,
    strides: [stride, stride],
    dilations: [k === 1 ? 1 : d, k === 1 ? 1 : d],
    pads: [pad, pad, pad, pad],
    groups: 1,
    epi: {
      bias: Float32Array.from({ length: c.cout }, () => rand() - 0.5),
      lo: residual ? 0 : -Infinity,
      hi: Infinity,
      alpha: 1,
      residual,
      activated: !!residual,
    },
  });
  // A 1x1 window of the same stride covers the same output grid (the cases are chosen so).
  const res = conv(r, 1, c.stride, 0, weights(rand, c.cout * c.cin, 1));
  if (Math.floor((c.H - 1) / c.stride) + 1 !== outH || Math.floor((c.W - 1) / c.stride) + 1 !== outW)
    throw new Error(`${c.name}: no residual of its shape`);
  const main = conv(y, c.k, c.stride, c.pad, weights(rand, c.cout * c.cin * c.k * c.k, density), r);
  return { steps: [res, main], input: { act: x, layout: 'NCHW', name: 'x' }, output: { value: y, name: 'y', dims: [c.cout, outH, outW] } };
}

/** The network with its last step on the sparse direct kernel. */
function sparse(l: Lowered): Lowered {
  const alt = alternative(l.steps.at(-1)!);
  expect(alt).toMatchObject({ op: 'conv', sparse: true });
  return { ...l, steps: [...l.steps.slice(0, -1), alt!] };
}

function expectClose(y: Float32Array, ref: Float32Array): void {
  expect(y.length).toBe(ref.length);
  let d = 0;
  let m = 0;
  let zeros = 0;
  for (let i = 0; i < y.length; i++) {
    d = Math.max(d, Math.abs(y[i]! - ref[i]!));
    m = Math.max(m, Math.abs(ref[i]!));
    if (ref[i] === 0) zeros++;
  }
  expect(m).toBeGreaterThan(1e-3);
  // relu clamped some outputs, not all
  expect(zeros).toBeGreaterThan(0);
  expect(zeros).toBeLessThan(y.length);
  expect(d / m).toBeLessThan(1e-5);
}

const CASES: Case[] = [
  { name: '7x7 stride 2 pad 3, 3 input channels (the stem)', cin: 3, cout: 12, H: 23, W: 21, k: 7, stride: 2, pad: 3 },
  { name: '3x3 stride 2 pad 1, 20 -> 36 channels', cin: 20, cout: 36, H: 15, W: 13, k: 3, stride: 2, pad: 1 },
  { name: '1x1 stride 2, 16 -> 10 channels', cin: 16, cout: 10, H: 9, W: 11, k: 1, stride: 2, pad: 0 },
  { name: '3x3 stride 1 dilation 2 pad 2, 8 -> 8 channels', cin: 8, cout: 8, H: 10, W: 10, k: 3, stride: 1, pad: 2, dilation: 2 },
];

describe('the sparse direct convolution', () => {
  let ports: Port[];
  beforeAll(async () => {
    ports = [await startWorker(), await startWorker()];
  });
  afterAll(async () => {
    for (const p of ports) await p.terminate?.();
  });

  for (const [i, c] of CASES.entries())
    it(`${c.name}: within tolerance of the dense kernel, one thread (1 and 3 images) and a team of 2`, async () => {
      const dense = net(c, 10 + i, 0.2);
      const rand = mulberry32(i);
      const x = Float32Array.from({ length: 3 * c.cin * c.H * c.W }, () => rand() * 2 - 1);
      const ref = await runLowered(dense, x, 3);
      expectClose(await runLowered(sparse(dense), x, 3), ref);
      expectClose(await runLowered(sparse(dense), x.subarray(0, c.cin * c.H * c.W), 1), ref.subarray(0, ref.length / 3));
      const team = await Team.create(layout(sparse(dense), { batch: 3, threads: 2 }), [ports[0]!]);
      try {
        expectClose(await team.run(x, 3), ref);
      } finally {
        team.close();
      }
    });

  it('a team of 3 on 2 images whose steps would run one image at a time (a small cacheBytes): each step runs once on both, dense and sparse', async () => {
    const c = CASES[1]!;
    const dense = net(c, 7, 0.2);
    const rand = mulberry32(9);
    const x = Float32Array.from({ length: 2 * c.cin * c.H * c.W }, () => rand() * 2 - 1);
    const ref = await runLowered(dense, x, 2);
    for (const l of [dense, sparse(dense)]) {
      const plan = layout(l, { batch: 2, threads: 3, cacheBytes: 1 });
      expect(plan.segments.map((g) => g.sub)).toEqual([2]);
      const team = await Team.create(plan, ports);
      try {
        expectClose(await team.run(x, 2), ref);
      } finally {
        team.close();
      }
    }
  });

  it('is tried for convolutions of at most 35% nonzeros (not grouped ones), chosen by timing, and a choice is kept per shape and nonzeros', async () => {
    forgetKernelChoices();
    const c = CASES[1]!;
    expect(alternative(net(c, 1, 0.3).steps[1]!)).toMatchObject({ sparse: true });
    expect(alternative(net(c, 1, 0.6).steps[1]!)).toBeUndefined();
    // the dense residual convolution has no alternative
    expect(alternative(net(c, 1, 0.3).steps[0]!)).toBeUndefined();
    const grouped = { ...(net(c, 1, 0.3).steps[1] as StepOf<'conv'>), groups: 4 };
    expect(alternative(grouped)).toBeUndefined();
    let calls = 0;
    const sparseFaster: StepTimer = async (variants) => {
      calls++;
      return variants.map((l, k) => new Map(l.steps.map((_, i) => [i, k === 1 ? 1 : 2])));
    };
    const chosen = await chooseKernels(net(c, 1, 0.3), 2, sparseFaster);
    expect(chosen.steps.map((s) => s.op === 'conv' && !!s.sparse)).toEqual([false, true]);
    expect(calls).toBe(1);
    // the same shape and nonzeros: kept; other weights with another count of nonzeros: timed again
    expect((await chooseKernels(net(c, 1, 0.3), 2, sparseFaster)).steps[1]).toMatchObject({ sparse: true });
    expect(calls).toBe(1);
    await chooseKernels(net(c, 2, 0.3), 2, sparseFaster);
    expect(calls).toBe(2);
    forgetKernelChoices();
  });

  it("shows in the profile as its own kind, 'sparse direct conv'", () => {
    const l = sparse(net(CASES[2]!, 1, 0.2));
    const plan = layout(l, { batch: 1 });
    const p = profileOf(l, plan.summary, { ops: [OP.copy, OP.conv, OP.sparseConv, OP.copy], ms: [0.1, 0.2, 0.3, 0.1] }, new Map(), {
      images: 1,
      threads: 1,
      mode: 'one thread',
      reps: 1,
      callMs: 1,
    });
    expect(p.steps.map((s) => s.kind)).toEqual(['copy', 'direct conv', 'sparse direct conv', 'copy']);
    expect(p.steps[2]!.what).toMatch(/^sparse direct 1x1 conv 16->10, stride 2x2, \d+ nonzeros \(\d+%\), chunk \d+$/);
  });
});
