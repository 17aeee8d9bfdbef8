/**
 * Every layer on its fastest kernel, chosen by measurement when a network is loaded: a bundle's
 * Winograd layer runs its products sparse (visiting the nonzeros) or dense (every weight, two
 * output channels a step), and a dense 3x3 convolution runs as an F(4x4,3x3) Winograd layer or as
 * a direct convolution. Which is faster depends on the layer's shape, its zeros and the machine
 * (docs/runtime.md, "Kernels chosen by measurement"), so both are planned and each step is timed
 * alone (profile.ts's timing, the two plans taking turns, the fastest time of each counting: other
 * work on the machine only adds time). A layer's choice is kept per shape for the life of the
 * process, so networks loaded again (evaluations during training, a second runtime) plan the same
 * kernels without timing them, and two runtimes of one network compute the same bits.
 */
import { Engine } from './engine.js';
import { layout, type Plan } from './plan/layout.js';
import type { Lowered } from './plan/lower.js';
import type { Step, StepOf } from './plan/types.js';
import { stepOfDescriptors, timeDescriptors } from './profile.js';
import { zeroCount } from '../winograd/winograd-weight.js';

/**
 * The fraction of nonzeros below which the sparse kernels are the ones to try: a bundle's
 * Winograd layer below it is not tried on the dense products (which do 2 multiply-adds of 4
 * tiles per weight for every 1.4 of the sparse kernel's, op-rules.ts: they cannot win), and a
 * convolution at or below it is tried on the sparse direct kernel.
 */
const SPARSE_DENSITY = 0.35;

/** The other kernel a step may run on, or undefined when it has none. */
export function alternative(s: Step): Step | undefined {
  // A convolution with mostly zero weights (a magnitude-pruned layer that is no Winograd
  // candidate: a strided, 7x7 or 1x1 convolution) on the sparse direct kernel (runtime.wat, op 10).
  if (s.op === 'conv')
    return s.groups === 1 && !s.sparse && nonzeros(s.weight) <= SPARSE_DENSITY * s.weight.length ? { ...s, sparse: true } : undefined;
  if (s.op !== 'winograd' || s.layer.group !== 1) return undefined;
  if (!s.fromConv) return s.dense || density(s) >= SPARSE_DENSITY ? { ...s, dense: !s.dense } : undefined;
  // A direct convolution (row runs, runtime.wat) with the same weights, output and epilogue; not when a pooling is fused.
  if (!s.spatial || s.pool) return undefined;
  const C = s.out.C;
  const per = s.spatial.length / C;
  const weight = s.scale ? Float32Array.from(s.spatial, (v, i) => v * s.scale![Math.floor(i / per)]!) : s.spatial;
  const conv: StepOf<'conv'> = {
    op: 'conv',
    node: s.node,
    in: s.in,
    out: s.out,
    weight,
    kh: 3,
    kw: 3,
    strides: [1, 1],
    dilations: [1, 1],
    pads: s.pads,
    groups: 1,
    epi: s.epi,
  };
  return conv;
}

const nonzeros = (w: Float32Array) => w.length - zeroCount(w);

const density = (s: StepOf<'winograd'>) =>
  s.layer.positions.reduce((n, p) => n + p.values.length, 0) / (s.layer.positions.length * s.layer.cin * s.layer.cout);

/** What a step's kernel choice depends on: its kind, shapes, tile, zeros and fused epilogue's cost (a residual read). */
function shapeKey(s: StepOf<'winograd'>): string {
  const nnz = s.layer.positions.reduce((n, p) => n + p.values.length, 0);
  return [
    s.fromConv ? 'conv' : s.dense ? 'dense' : 'sparse',
    s.tile.name,
    s.in.C,
    s.in.H,
    s.in.W,
    s.out.C,
    s.out.H,
    s.out.W,
    s.pads.join(','),
    nnz,
    s.epi.residual ? 'res' : '',
    s.pool ? 'pool' : '',
  ].join('|');
}

/** A convolution's key: its window, stride, dilation, padding, shapes, nonzeros and residual. */
const convKey = (s: StepOf<'conv'>): string =>
  [
    `direct ${s.kh}x${s.kw}/${s.strides}/${s.dilations}/${s.pads}/${s.groups}`,
    `${s.in.C}x${s.in.H}x${s.in.W}->${s.out.C}x${s.out.H}x${s.out.W}`,
    nonzeros(s.weight),
    s.epi.residual ? 'res' : '',
  ].join('|');

/** Per shape key: whether the alternative kernel was the faster. */
const CHOSEN = new Map<string, boolean>();

/**
 * The fastest time of each step (by index) of each network, timed in turn `rounds` times on
 * calls of up to `most` images (StepTimer's `most`: how many images the timer may plan for).
 */
export type StepTimer = (variants: readonly Lowered[], most: number, rounds: number) => Promise<Map<number, number>[]>;

/**
 * Milliseconds a timing round (every network once) should take at least, within `most` images:
 * a small network is timed on more images than 4. At 4 images fashion-vgg's steps took a tenth of
 * a millisecond each and the choice followed the noise: three of its four layers took the kernel
 * that was 20-45% slower at the 20 images it runs at.
 */
const ROUND_MS = 40;

/**
 * How much faster the alternative must be timed to replace the size rules' kernel: a step whose
 * two kernels differ only in a small part (the bundled model's 1-channel first layer: products
 * 0.1-0.3 ms of a 1.5 ms step) otherwise took whichever the noise favoured, load after load.
 */
const SWITCH_MARGIN = 0.05;

/** Every step's time per network at n images, summed per step (a Winograd layer's zero step counts as its own). */
function stepTimes(p: { l: Lowered; plan: Plan; engine: Engine }, input: Float32Array, n: number): Map<number, number> {
  const t = timeDescriptors(p.engine, p.plan, input, n, 1);
  const of = stepOfDescriptors(t.ops, p.l.steps);
  const ms = new Map<number, number>();
  t.ms.forEach((v, i) => {
    ms.set(of[i]!, (ms.get(of[i]!) ?? 0) + v);
  });
  return ms;
}

/**
 * Times every step on this thread (profile.ts's per-descriptor timing): a first untimed round on
 * up to 4 images (the code warmed up, the time per image measured), then `rounds` on as many
 * images as make a round last ROUND_MS, within `most`.
 */
export const timeSteps: StepTimer = async (variants, most, rounds) => {
  const plan = async (n: number) => {
    const out = [];
    for (const l of variants) {
      const p = layout(l, { batch: n });
      out.push({ l, plan: p, engine: await Engine.create(p) });
    }
    return out;
  };
  const first = Math.min(most, 4);
  let planned = await plan(first);
  try {
    let input = new Float32Array(first * planned[0]!.plan.input.perImage);
    const warm = planned.reduce((sum, p) => sum + [...stepTimes(p, input, first).values()].reduce((a, b) => a + b, 0), 0);
    const n = Math.min(most, Math.max(first, Math.floor((first * ROUND_MS) / Math.max(warm, 1e-3))));
    if (n !== first) {
      for (const p of planned) p.engine.release();
      planned = await plan(n);
      input = new Float32Array(n * planned[0]!.plan.input.perImage);
      for (const p of planned) stepTimes(p, input, n);
    }
    const best = variants.map(() => new Map<number, number>());
    for (let r = 0; r < rounds; r++)
      planned.forEach((p, k) => {
        for (const [i, v] of stepTimes(p, input, n)) best[k]!.set(i, Math.min(best[k]!.get(i) ?? Infinity, v));
      });
    return best;
  } finally {
    for (const p of planned) p.engine.release();
  }
};

/**
 * The network with each step that has another kernel on the faster of the two: timed on calls
 * of up to `most` images (the two plans in turn, `rounds` times each, the fastest time of each
 * step counting; timeSteps), or as chosen before for a step of the same shape.
 */
export async function chooseKernels(lowered: Lowered, most: number, time: StepTimer = timeSteps, rounds = 3): Promise<Lowered> {
  const alts = lowered.steps.map(alternative);
  const keys = lowered.steps.map((s) => (s.op === 'winograd' ? shapeKey(s) : s.op === 'conv' ? convKey(s) : ''));
  const open = alts.flatMap((a, i) => (a && !CHOSEN.has(keys[i]!) ? [i] : []));
  if (open.length) {
    const other: Lowered = { ...lowered, steps: lowered.steps.map((s, i) => (open.includes(i) ? alts[i]! : s)) };
    const [mine, theirs] = await time([lowered, other], most, rounds);
    for (const i of open) CHOSEN.set(keys[i]!, theirs!.get(i)! < (1 - SWITCH_MARGIN) * mine!.get(i)!);
  }
  return { ...lowered, steps: lowered.steps.map((s, i) => (alts[i] && CHOSEN.get(keys[i]!) ? alts[i]! : s)) };
}

/** Forgets the choices made (tests). */
export function forgetKernelChoices(): void {
  CHOSEN.clear();
}
