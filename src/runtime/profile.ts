/**
 * Where a call's time goes: each step of the program timed on its own (Runtime.profile), at
 * the images per call and threads asked, and the steps summed by the kind of kernel they run.
 * A step is timed by making the program that one step alone, after the steps before it have
 * run on the same images (so it reads real activations); the median of `reps` repetitions
 * counts. A Winograd step's time is split into its products and its transforms (input and
 * output transforms with the epilogue) in the proportion measured on one thread against the
 * same layer with no weights (a plan whose W_p are all empty: only the transforms remain).
 */
import { Engine } from './engine.js';
import type { Plan } from './plan/layout.js';
import type { Lowered } from './plan/lower.js';
import type { Step } from './plan/types.js';
import { OP } from './wasm/descriptors.js';

export { OP };

/** What kind of kernel a step runs; a Winograd step's time is split between its products and 'winograd transforms'. */
export type KernelKind =
  | 'winograd sparse products'
  | 'winograd dense products'
  | 'winograd transforms'
  | 'direct conv'
  | 'sparse direct conv'
  | 'depthwise conv'
  | 'fully connected'
  | 'pooling'
  | 'elementwise'
  | 'copy'
  | 'softmax';

export interface StepTime {
  /** The graph node the step comes from; 'input' and 'output' for the copies into and out of the module. */
  readonly node: string;
  /** What it runs (Runtime.steps' line without the node). */
  readonly what: string;
  /** Its kernel (a Winograd step: the kind of its products). */
  readonly kind: KernelKind;
  /** Median milliseconds of the step per call, at the profile's images and threads. */
  readonly ms: number;
  /** A Winograd step's time split into its products and its transforms (measured on one thread: see the file's comment). */
  readonly winograd?: { readonly productsMs: number; readonly transformsMs: number };
}

export interface KindTime {
  readonly kind: KernelKind;
  readonly ms: number;
  /** Fraction of the steps' total. */
  readonly share: number;
  /** Steps with time of this kind. */
  readonly steps: number;
}

/** How a call of `images` images runs: on the calling thread alone, split by images between threads, or every thread on each layer (a team). */
export type ProfileMode = 'one thread' | 'split by images' | 'team';

export interface RuntimeProfile {
  readonly images: number;
  readonly threads: number;
  readonly mode: ProfileMode;
  /** Timed repetitions (the median counts). */
  readonly reps: number;
  /** Median milliseconds of a whole call (Runtime.run) of `images` images. */
  readonly callMs: number;
  /** The steps' times summed (above callMs by the cost of starting each step on its own, and by noise). */
  readonly stepsMs: number;
  readonly steps: readonly StepTime[];
  /** Time by kind of kernel, most first. */
  readonly kinds: readonly KindTime[];
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

/**
 * The step each descriptor of thread 0's program runs, in program order (barriers left out):
 * -1 the input copy, steps.length the output copy. A Winograd step may be followed by a zero
 * step (clearing what its last tiles wrote past the output), which counts as its own.
 */
export function stepOfDescriptors(ops: readonly number[], steps: readonly Step[]): number[] {
  const out: number[] = [];
  let k = 0;
  if (ops[k] !== OP.copy) throw new Error(`profile: the program starts with op ${ops[k]}, not the input copy`);
  out[k++] = -1;
  steps.forEach((s, i) => {
    if (k >= ops.length) throw new Error(`profile: the program ends before step ${i} (${s.node})`);
    out[k++] = i;
    if (s.op === 'winograd' && ops[k] === OP.zero) out[k++] = i;
  });
  if (k < ops.length) out[k++] = steps.length;
  if (k !== ops.length) throw new Error(`profile: ${ops.length - k} descriptors of the program match no step`);
  return out;
}

/** The descriptors of a plan's thread 0, per segment, barriers left out. */
function descriptors(engine: Engine, plan: Plan): { segment: number; address: number; op: number }[] {
  return plan.segments
    .flatMap((_, segment) => engine.entries(segment, 0).map((address) => ({ segment, address, op: engine.opOf(address) })))
    .filter((d) => d.op !== OP.barrier);
}

/**
 * Milliseconds of each of thread 0's descriptors (barriers left out, program order) per run
 * of n images, the median of `reps` runs after one untimed run: one engine, one thread (a plan
 * for one thread, or thread 0 of a split by images).
 */
export function timeDescriptors(engine: Engine, plan: Plan, input: Float32Array, n: number, reps: number): { ops: number[]; ms: number[] } {
  const list = descriptors(engine, plan);
  const times = list.map(() => [] as number[]);
  const perIn = plan.input.perImage;
  for (let r = 0; r <= reps; r++) {
    const sums = list.map(() => 0);
    for (let begin = 0; begin < n; begin += plan.batch) {
      const m = Math.min(plan.batch, n - begin);
      engine.load(input.subarray(begin * perIn, (begin + m) * perIn), m);
      list.forEach((d, i) => {
        const seg = plan.segments[d.segment]!;
        engine.withEntries(d.segment, 0, [d.address], () => {
          const t0 = performance.now();
          engine.runProgram(seg.programs[0]!, seg.sub, m);
          sums[i] += performance.now() - t0;
        });
      });
    }
    if (r > 0)
      sums.forEach((s, i) => {
        times[i]!.push(s);
      });
  }
  return { ops: list.map((d) => d.op), ms: times.map(median) };
}

/** The network with every Winograd layer's weights removed: its Winograd steps do their transforms alone. */
export function withoutWinogradWeights(lowered: Lowered): Lowered {
  const empty = (p: { rows: number; cols: number }) => ({
    rows: p.rows,
    cols: p.cols,
    rowPtr: new Int32Array(p.rows + 1),
    colIdx: new Int32Array(0),
    values: new Float32Array(0),
  });
  const steps = lowered.steps.map(
    (s): Step => (s.op === 'winograd' ? { ...s, dense: false, layer: { ...s.layer, positions: s.layer.positions.map(empty) } } : s),
  );
  return { ...lowered, steps };
}

/** Each Winograd step's share of transforms, measured on one thread: its time with no weights over its time with them (by step index). */
export async function transformShares(
  lowered: Lowered,
  plans: { full: Plan; empty: Plan },
  input: Float32Array,
  n: number,
  reps: number,
): Promise<Map<number, number>> {
  const timed = async (plan: Plan) => {
    const engine = await Engine.create(plan);
    try {
      const t = timeDescriptors(engine, plan, input, n, reps);
      const of = stepOfDescriptors(t.ops, lowered.steps);
      const byStep = new Map<number, number>();
      // The Winograd descriptor alone (not its zero step, which is all transform).
      t.ops.forEach((op, i) => {
        if (op === OP.winograd) byStep.set(of[i]!, t.ms[i]!);
      });
      return byStep;
    } finally {
      engine.release();
    }
  };
  const full = await timed(plans.full);
  const empty = await timed(plans.empty);
  const shares = new Map<number, number>();
  for (const [i, ms] of full) shares.set(i, ms > 0 ? Math.min(1, Math.max(0, empty.get(i)! / ms)) : 1);
  return shares;
}

const kindOf = (s: Step | undefined, op: number): KernelKind => {
  if (op === OP.winograd || op === OP.zero) return s?.op === 'winograd' && s.dense ? 'winograd dense products' : 'winograd sparse products';
  if (op === OP.conv) return s?.op === 'fc' ? 'fully connected' : 'direct conv';
  if (op === OP.sparseConv) return 'sparse direct conv';
  if (op === OP.depthwise) return 'depthwise conv';
  if (op === OP.pool) return 'pooling';
  if (op === OP.binary || op === OP.unary) return 'elementwise';
  if (op === OP.softmax) return 'softmax';
  return 'copy';
};

/**
 * The profile from descriptor times (thread 0's descriptors, barriers left out, in program
 * order) and each Winograd step's share of transforms.
 */
export function profileOf(
  lowered: Lowered,
  summary: readonly string[],
  timed: { ops: readonly number[]; ms: readonly number[] },
  shares: ReadonlyMap<number, number>,
  run: { images: number; threads: number; mode: ProfileMode; reps: number; callMs: number },
): RuntimeProfile {
  const of = stepOfDescriptors(timed.ops, lowered.steps);
  const steps: { node: string; what: string; kind: KernelKind; ms: number; zeroMs: number }[] = [];
  const at = new Map<number, number>();
  of.forEach((i, k) => {
    const op = timed.ops[k]!;
    let row = at.get(i);
    if (row === undefined) {
      const s = lowered.steps[i];
      const node = i < 0 ? 'input' : s ? s.node : 'output';
      const line = s ? (summary[i] ?? '') : i < 0 ? "copy into the network's activation layout" : "copy out of the network's layout";
      row =
        steps.push({
          node,
          what: line.startsWith(`${node}: `) ? line.slice(node.length + 2) : line,
          kind: kindOf(s, op),
          ms: 0,
          zeroMs: 0,
        }) - 1;
      at.set(i, row);
    }
    steps[row]!.ms += timed.ms[k]!;
    if (op === OP.zero) steps[row]!.zeroMs += timed.ms[k]!;
  });
  const rows: StepTime[] = [...at.entries()].map(([i, r]) => {
    const { zeroMs, ...row } = steps[r]!;
    const share = shares.get(i);
    if (share === undefined || lowered.steps[i]?.op !== 'winograd') return row;
    const transformsMs = share * (row.ms - zeroMs) + zeroMs;
    return { ...row, winograd: { productsMs: row.ms - transformsMs, transformsMs } };
  });
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const kinds = new Map<KernelKind, { ms: number; steps: number }>();
  const add = (kind: KernelKind, ms: number) => {
    const k = kinds.get(kind) ?? { ms: 0, steps: 0 };
    kinds.set(kind, { ms: k.ms + ms, steps: k.steps + 1 });
  };
  for (const r of rows) {
    if (r.winograd) {
      add(r.kind, r.winograd.productsMs);
      add('winograd transforms', r.winograd.transformsMs);
    } else add(r.kind, r.ms);
  }
  return {
    ...run,
    stepsMs: total,
    steps: rows,
    kinds: [...kinds.entries()]
      .map(([kind, k]) => ({ kind, ms: k.ms, share: total > 0 ? k.ms / total : 0, steps: k.steps }))
      .sort((a, b) => b.ms - a.ms),
  };
}
