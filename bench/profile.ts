/**
 * `npm run bench:profile`: where a training step spends its time, by kernel and by phase.
 *
 *   node build/bench/profile.js [--net fashion-vgg|vgg-nagadomi] [--form spatial|winograd] [--mode train|eval]
 *        [--batch 128] [--steps 6] [--backend wasm|cpu] [--threads N] [--out FILE] [--shapes]
 *
 * Runs the retraining step `swprune spatial` / `swprune winograd` runs — executor forward in
 * training mode, tf.variableGrads, SGD (momentum 0.9, weight decay 5e-4) with the pruning masks
 * at 50% as optimizer hooks — on the bundled model with batches from the committed slice, or on
 * a VGG-nagadomi-shaped net (bench/nets.ts, random weights) with random images. The first
 * step is a warm-up; the rest are timed (--mode eval: the executor in inference mode instead,
 * forward and read-back of the logits only):
 *
 *   phases   batch (building the input tensors), forward, backward (the rest of variableGrads),
 *            loss read-back (waits for nothing on wasm: kernels are synchronous), optimizer step
 *   kernels  every kernel registered for the backend is wrapped with a timer: calls and self
 *            time per step (a composite kernel's time excludes the kernels it calls), by phase.
 *            Time in a phase outside any kernel is the engine's own work (tape, bookkeeping,
 *            allocation of tensor handles, JS of the ops). --shapes keys kernels by input shapes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '#src/backend/select.js';
import { setThreads } from '#src/backend/threads.js';
import { copyStats } from '#src/backend/wasm-heap.js';
import { loadDataset } from '#src/data/dataset.js';
import { MemorySplit, type DataSplit } from '#src/data/split.js';
import { batchTensors } from '#src/eval/evaluate.js';
import { MaskHooks } from '#src/train/masking.js';
import { compileGraph } from '#src/exec/compile.js';
import type { Graph } from '#src/graph/ir.js';
import { loadModel } from '#src/io/load.js';
import { spatialPruner } from '#src/prune/spatial-pruner.js';
import { selectTargets, winogradTargets } from '#src/prune/targets.js';
import { toWinogradGraph } from '#src/prune/to-winograd.js';
import { winogradPruner } from '#src/prune/winograd-pruner.js';
import { Optimizer } from '#src/train/optimizer.js';
import { buildNet, VGG_NAGADOMI } from './nets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Options {
  net: 'fashion-vgg' | 'vgg-nagadomi';
  form: 'spatial' | 'winograd';
  mode: 'train' | 'eval';
  batch: number;
  steps: number;
  backend: BackendChoice;
  threads?: number;
  out?: string;
  shapes: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { net: 'fashion-vgg', form: 'spatial', mode: 'train', batch: 128, steps: 6, backend: 'wasm', shapes: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--shapes') {
      o.shapes = true;
      continue;
    }
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${a} needs a value`);
    i++;
    if (a === '--net' && (v === 'fashion-vgg' || v === 'vgg-nagadomi')) o.net = v;
    else if (a === '--form' && (v === 'spatial' || v === 'winograd')) o.form = v;
    else if (a === '--mode' && (v === 'train' || v === 'eval')) o.mode = v;
    else if (a === '--batch') o.batch = Number(v);
    else if (a === '--steps') o.steps = Number(v);
    else if (a === '--backend') o.backend = v as BackendChoice;
    else if (a === '--threads') o.threads = Number(v);
    else if (a === '--out') o.out = v;
    else
      throw new Error(
        `unknown option ${a} ${v}; expected --net fashion-vgg|vgg-nagadomi, --form spatial|winograd, --mode train|eval, --batch N, --steps N, --backend B, --threads N, --out FILE`,
      );
  }
  return o;
}

type Phase = 'batch' | 'forward' | 'backward' | 'readback' | 'optimizer';
const PHASES: readonly Phase[] = ['batch', 'forward', 'backward', 'readback', 'optimizer'];

/** Per-kernel timers: self time (ms) and calls, keyed by phase then kernel name. */
class KernelTimers {
  phase: Phase = 'batch';
  readonly self = new Map<string, { ms: number; calls: number }>();
  /** Inclusive time of kernels called by the engine (not from inside another kernel). */
  readonly top = new Map<string, { ms: number; calls: number }>();
  private readonly stack: number[] = [];
  recording = false;
  /** Key kernels by their input shapes too (--shapes). */
  shapes = false;

  /** Re-registers every kernel of `backend` wrapped in a timer. */
  install(backend: string): void {
    for (const config of tf.getKernelsForBackend(backend)) {
      const inner = config.kernelFunc;
      const name = config.kernelName;
      const wrapped: tf.KernelFunc = (args) => {
        const t0 = performance.now();
        this.stack.push(0);
        try {
          return inner(args);
        } finally {
          const total = performance.now() - t0;
          const children = this.stack.pop()!;
          if (this.stack.length) this.stack[this.stack.length - 1]! += total;
          if (this.recording) {
            const key = `${this.phase}\t${name}${
              this.shapes
                ? ` ${Object.values(args.inputs)
                    .map((t) => `[${t!.shape.join(',')}]`)
                    .join(' ')}`
                : ''
            }`;
            add(this.self, key, total - children);
            if (this.stack.length === 0) add(this.top, key, total);
          }
        }
      };
      tf.unregisterKernel(name, backend);
      tf.registerKernel({ ...config, kernelFunc: wrapped });
    }
  }
}

function add(m: Map<string, { ms: number; calls: number }>, key: string, ms: number): void {
  const e = m.get(key) ?? { ms: 0, calls: 0 };
  e.ms += ms;
  e.calls++;
  m.set(key, e);
}

function modelGraph(o: Options): { graph: Graph; split: DataSplit; augment: boolean } {
  let graph: Graph;
  let split: DataSplit;
  let augment = false;
  if (o.net === 'fashion-vgg') {
    graph = loadModel(path.join(root, 'models/fashion-vgg.onnx')).graph;
    split = loadDataset({ kind: 'fashion-mnist', dir: path.join(root, 'models/data/fashion-mnist') }).train;
  } else {
    graph = buildNet(VGG_NAGADOMI);
    const [c, h, w] = VGG_NAGADOMI.input;
    const n = o.batch * (o.steps + 1);
    const images = new Uint8Array(n * h * w * c);
    for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    split = new MemorySplit(images, labels, { height: h, width: w, channels: c }, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], true);
    augment = true;
  }
  return { graph, split, augment };
}

export interface KernelTime {
  phase: Phase;
  kernel: string;
  ms: number;
  calls: number;
}

export interface ProfileResult {
  /** Load average (1, 5, 15 minutes) when the profile started: others' work on a shared machine slows every figure. */
  loadAverage: number[];
  net: string;
  form: string;
  mode: string;
  backend: string;
  threads: number;
  batch: number;
  steps: number;
  examplesPerSecond: number;
  /** ms per step by phase, and the part of each phase outside kernels. */
  phases: Record<Phase, { ms: number; outsideKernelsMs: number }>;
  /** Copies between tfjs's heap and the kernel pool's memory (inside the kernels' times): ms and MB per step. */
  copies: { ms: number; megabytes: number };
  /** ms per step and calls per step by kernel (self time), largest first. */
  kernels: KernelTime[];
  /** The same for kernels the engine called, with the kernels they called inside (inclusive time). */
  topKernels: KernelTime[];
}

function perStep(m: Map<string, { ms: number; calls: number }>, steps: number): KernelTime[] {
  return [...m]
    .map(([k, e]) => {
      const [phase, kernel] = k.split('\t') as [Phase, string];
      return { phase, kernel, ms: e.ms / steps, calls: e.calls / steps };
    })
    .sort((a, b) => b.ms - a.ms);
}

function kernelTable(rows: readonly KernelTime[], stepMs: number): string[] {
  return [
    '| phase | kernel | ms/step | share | calls/step |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows
      .filter((k) => k.ms >= stepMs / 500)
      .map((k) => `| ${k.phase} | ${k.kernel} | ${k.ms.toFixed(2)} | ${((100 * k.ms) / stepMs).toFixed(1)}% | ${k.calls} |`),
  ];
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const loadAverage = os.loadavg();
  tf.env().set('PROD', true);
  const info = await selectBackend(o.backend);
  const threads = setThreads(o.threads);
  const timers = new KernelTimers();
  timers.shapes = o.shapes;
  timers.install(info.name);
  const { graph: g0, split, augment } = modelGraph(o);
  const targets = selectTargets(g0, { tile: 6 });
  const graph = o.form === 'winograd' ? toWinogradGraph(g0, targets) : g0;
  const model = compileGraph(graph);
  const pruner =
    o.form === 'winograd'
      ? winogradPruner(winogradTargets(graph), { importance: true, norm: 'none', power: 1 })
      : spatialPruner(targets, 'layer');
  const { masks } = pruner.prune(graph, 0.5);
  const maskHooks = new MaskHooks(model, pruner, masks);
  const optimizer = new Optimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 }, model.trainable, maskHooks.hooks);
  const vars = [...model.trainable.values()];
  const byVarName = new Map([...model.trainable].map(([param, v]) => [v.name, param]));
  const phaseMs = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  const timePhase = <T>(p: Phase, f: () => T): T => {
    timers.phase = p;
    const t0 = performance.now();
    const r = f();
    if (timers.recording) phaseMs[p] += performance.now() - t0;
    return r;
  };

  let step = 0;
  let wall = 0;
  const batches = split.batches({ batchSize: o.batch, shuffle: true, seed: 1, epoch: 0, augment })[Symbol.asyncIterator]();
  while (step <= o.steps) {
    timers.recording = step > 0;
    if (step === 1) Object.assign(copyStats, { ms: 0, bytes: 0 });
    const t0 = performance.now();
    timers.phase = 'batch';
    const tb = performance.now();
    const it = await batches.next();
    if (it.done) throw new Error(`the split has fewer than ${o.steps + 1} batches of ${o.batch}`);
    const batch = { ...batchTensors(it.value), size: it.value.size };
    if (timers.recording) phaseMs.batch += performance.now() - tb;
    if (o.mode === 'eval') {
      const logits = timePhase('forward', () => model.forward(batch.x));
      timePhase('readback', () => logits.dataSync());
      tf.dispose([logits, batch.x, batch.y]);
      if (timers.recording) wall += performance.now() - t0;
      step++;
      continue;
    }
    let forwardMs = 0;
    timers.phase = 'forward';
    const tg = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const tf0 = performance.now();
      const logits = model.forward(batch.x, { training: true, seed: step });
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(batch.y, logits.shape[1]), logits) as tf.Scalar;
      forwardMs = performance.now() - tf0;
      timers.phase = 'backward';
      return loss;
    }, vars);
    if (timers.recording) {
      phaseMs.forward += forwardMs;
      phaseMs.backward += performance.now() - tg - forwardMs;
    }
    timePhase('readback', () => value.dataSync());
    timePhase('optimizer', () => optimizer.step(new Map(Object.entries(grads).map(([vn, gr]) => [byVarName.get(vn)!, gr])), 0.01));
    tf.dispose([value, batch.x, batch.y, ...Object.values(grads)]);
    if (timers.recording) wall += performance.now() - t0;
    step++;
  }

  const kernelsIn = (p: Phase) => [...timers.self].filter(([k]) => k.startsWith(`${p}\t`)).reduce((s, [, e]) => s + e.ms, 0);
  const result: ProfileResult = {
    loadAverage,
    net: o.net,
    form: o.form,
    mode: o.mode,
    backend: info.name,
    threads,
    batch: o.batch,
    steps: o.steps,
    examplesPerSecond: (o.batch * o.steps) / (wall / 1000),
    phases: Object.fromEntries(
      PHASES.map((p) => [p, { ms: phaseMs[p] / o.steps, outsideKernelsMs: (phaseMs[p] - kernelsIn(p)) / o.steps }]),
    ) as ProfileResult['phases'],
    copies: { ms: copyStats.ms / o.steps, megabytes: copyStats.bytes / o.steps / 2 ** 20 },
    kernels: perStep(timers.self, o.steps),
    topKernels: perStep(timers.top, o.steps),
  };
  const stepMs = wall / o.steps;
  const lines = [
    `${o.net} ${o.form} ${o.mode}, ${info.description}, ${threads} thread(s), batch ${o.batch}: ${stepMs.toFixed(1)} ms/step, ${result.examplesPerSecond.toFixed(1)} examples/s`,
    '',
    '| phase | ms/step | share | outside kernels ms |',
    '| --- | ---: | ---: | ---: |',
    ...PHASES.map(
      (p) =>
        `| ${p} | ${result.phases[p].ms.toFixed(1)} | ${((100 * result.phases[p].ms) / stepMs).toFixed(1)}% | ${result.phases[p].outsideKernelsMs.toFixed(1)} |`,
    ),
    '',
    `Copies between tfjs's heap and the kernel pool (inside kernel times): ${result.copies.ms.toFixed(1)} ms/step, ${result.copies.megabytes.toFixed(0)} MB/step.`,
    '',
    'Kernels the engine called (inclusive of the kernels they call):',
    '',
    ...kernelTable(result.topKernels, stepMs),
    '',
    'Every kernel, self time:',
    '',
    ...kernelTable(result.kernels, stepMs),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (o.out) {
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    fs.writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
  }
  model.dispose();
  optimizer.dispose();
  maskHooks.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`profile: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
