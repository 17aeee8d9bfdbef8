/**
 * The speed sections of docs/results.md that issue 19 added, from docs/runs/bench.json (a copy of
 * `npm run bench`'s bench/results.json): swprune against PyTorch CPU and onnxruntime-node
 * (`anchors`, bench/anchors.ts) and where a step spends its time (`profiles`,
 * bench/profile.ts). Pure formatting of measured files.
 */

import type { EngineVsPytorch, TrainFigure } from '../bench/anchors.js';

interface NetAnchors {
  macsPerImage: number;
  threads: number;
  swprune: { spatial: TrainFigure | null; winograd: TrainFigure | null; eval: Record<string, number | null> };
  pytorch: { spatial: Record<string, number | null>; winograd: Record<string, number | null> } | null;
  /** Absent in runs before the torch engine was benchmarked. */
  torchEngine?: { spatial: EngineVsPytorch; winograd: EngineVsPytorch } | null;
  onnxruntime: Record<string, number | null>;
  ratios: {
    spatialVsPytorch: Record<string, number | null>;
    winogradVsPytorchWinograd: Record<string, number | null>;
    evalVsOnnxruntime: Record<string, number | null>;
  };
}
export interface Anchors {
  threads: number;
  quick: boolean;
  pytorch: string;
  loadAverageBefore: number[];
  nets: Record<string, NetAnchors>;
}

const NET_NAMES: Record<string, string> = {
  'fashion-vgg': 'bundled model (Fashion-MNIST)',
  'vgg-nagadomi': 'VGG-nagadomi (CIFAR-10 shape, random weights)',
};
const num = (v: number | null | undefined, d = 0) =>
  v == null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const x = (v: number | null | undefined) => (v == null ? '—' : `**${v.toFixed(2)}x**`);

/** The table of swprune against its anchors, one column per net. */
export function anchorsSection(a: Anchors): string[] {
  const nets = Object.entries(a.nets);
  const t = a.threads;
  const row = (label: string, f: (n: NetAnchors) => string) => `| ${label} | ${nets.map(([, n]) => f(n)).join(' | ')} |`;
  return [
    '### Against the tools users would pick instead',
    '',
    `The same ONNX file on both sides, the same batch, measured one after the other in this run; ${a.pytorch}. ` +
      'Training: one epoch of `swprune spatial` / `swprune winograd` (F(4x4,3x3), one stage to 50%, batch 128) through the CLI on the wasm backend ' +
      `with ${t} kernel threads, against \`bench/torch-anchor.py\` training the same model with the same batch (SGD with momentum, weight decay); ` +
      'for Winograd-domain retraining PyTorch runs every 3x3 convolution as a plain Winograd layer (F.unfold, kron transforms, one torch.bmm over positions, autograd). ' +
      "Evaluation: what every stage and `sensitivity` call (src/eval/evaluate.ts: the model's current weights planned into the deployment runtime, dense 3x3 convolutions as F(4x4,3x3)) " +
      "over a 10,000-image test split per call, set-up included, against onnxruntime-node running batches with the same number of threads. Ratio = swprune / anchor; the targets are issue 19's. " +
      (nets.some(([, n]) => n.torchEngine)
        ? "`--engine torch`: `swprune spatial|winograd --engine torch --nproc 1 --threads N --no-augment` (the epoch's examples/s from its --json, first step included) alternating with the PyTorch anchor on the same threads for as many steps, both timed from the first step of a started process, three runs each, medians (bench/anchors.ts `engineVsPytorch`). "
        : '') +
      'The VGG-nagadomi-shaped net is built from the description in `bench/nets.ts` (conv-BN-ReLU 64, 64, pool, 128, 128, pool, 256 x4, pool, FC 1024, 1024, 10; seeded random weights) and written to a temporary ONNX file that both sides load.',
    '',
    `| | ${nets.map(([k, n]) => `${NET_NAMES[k] ?? k}, ${(n.macsPerImage / 1e6).toFixed(1)}M MACs/image`).join(' | ')} |`,
    `| --- | ${nets.map(() => '---:').join(' | ')} |`,
    row(`swprune spatial retraining, examples/s (${t} threads)`, (n) => num(n.swprune.spatial?.examplesPerSecond, 1)),
    row('PyTorch CPU training, examples/s, 1 thread', (n) => num(n.pytorch?.spatial['1'], 1)),
    row(`PyTorch CPU training, examples/s, ${t} threads`, (n) => num(n.pytorch?.spatial[t], 1)),
    row(`spatial: swprune / PyTorch ${t} threads (target ≥ 0.5x)`, (n) => x(n.ratios.spatialVsPytorch[t])),
    row(`swprune Winograd-domain retraining, examples/s (${t} threads)`, (n) => num(n.swprune.winograd?.examplesPerSecond, 1)),
    row(`PyTorch Winograd layer training, examples/s, ${t} threads`, (n) => num(n.pytorch?.winograd[t], 1)),
    row(`Winograd: swprune / PyTorch Winograd layer ${t} threads (target ≥ 3x)`, (n) => x(n.ratios.winogradVsPytorchWinograd[t])),
    row('evaluation, examples/s, 1 thread: swprune / onnxruntime-node', (n) => `${num(n.swprune.eval['1'])} / ${num(n.onnxruntime['1'])}`),
    row('evaluation ratio, 1 thread (target ≥ 0.5x)', (n) => x(n.ratios.evalVsOnnxruntime['1'])),
    ...(t > 1
      ? [
          row(
            `evaluation, examples/s, ${t} threads: swprune / onnxruntime-node`,
            (n) => `${num(n.swprune.eval[t])} / ${num(n.onnxruntime[t])}`,
          ),
          row(`evaluation ratio, ${t} threads (target ≥ 0.5x)`, (n) => x(n.ratios.evalVsOnnxruntime[t])),
        ]
      : []),
    row('peak RSS of the spatial training process, MiB (target < 1024 on the bundled model)', (n) => num(n.swprune.spatial?.peakRssMiB)),
    ...(nets.some(([, n]) => n.torchEngine) ? engineRows(row, t) : []),
  ];
}

/** `--engine torch` against plain PyTorch (issue 31), when the run measured it. */
function engineRows(row: (label: string, f: (n: NetAnchors) => string) => string, t: number): string[] {
  const medians = (e: EngineVsPytorch | undefined) =>
    e ? `${num(e.medianEngine, 1)} / ${num(e.medianPytorch, 1)} (${e.engine.length} runs each)` : '—';
  return [
    row(`\`--engine torch\` spatial retraining / PyTorch training, examples/s, ${t} threads, medians`, (n) =>
      medians(n.torchEngine?.spatial),
    ),
    row('spatial: `--engine torch` / PyTorch (target ≥ 0.9x)', (n) => x(n.torchEngine?.spatial.ratio)),
    row(`\`--engine torch\` Winograd-domain retraining / PyTorch Winograd layer, examples/s, ${t} threads, medians`, (n) =>
      medians(n.torchEngine?.winograd),
    ),
    row('Winograd: `--engine torch` / PyTorch Winograd layer', (n) => x(n.torchEngine?.winograd.ratio)),
  ];
}

interface KernelTime {
  phase: string;
  kernel: string;
  ms: number;
  calls: number;
}
export interface Profile {
  loadAverage: number[];
  net: string;
  form: string;
  mode: string;
  threads: number;
  batch: number;
  steps: number;
  examplesPerSecond: number;
  phases: Record<string, { ms: number; outsideKernelsMs: number }>;
  copies: { ms: number; megabytes: number };
  topKernels: KernelTime[];
}

/** Where a step spends its time: the suite's profiles (docs/runs/bench.json). */
export function profileSections(profiles: readonly Profile[]): string[] {
  if (profiles.length === 0) return [];
  const out = [
    '### Where a training step spends its time (`npm run bench:profile`)',
    '',
    'One process per profile: the retraining step of `swprune spatial` / `swprune winograd` (executor forward in training mode, tf.variableGrads, ' +
      'SGD with the 50% pruning masks as optimizer hooks) with every kernel of the backend wrapped in a timer; the first step is a warm-up. ' +
      '"Outside kernels" is the engine\'s own work (gradient tape, tensor bookkeeping, the ops\' JavaScript). Kernels are listed as the engine called them, ' +
      "with the kernels they call inside; copies between tfjs's heap and the kernel pool's memory are part of the convolution kernels' times.",
  ];
  for (const p of profiles) {
    const step = Object.values(p.phases).reduce((s, v) => s + v.ms, 0);
    const share = (ms: number) => `${((100 * ms) / step).toFixed(1)}%`;
    const kernels = p.topKernels.slice(0, 12);
    const rest = p.topKernels.slice(12).reduce((s, k) => s + k.ms, 0);
    out.push(
      '',
      `#### ${p.net}, ${p.form} form, ${p.mode === 'eval' ? 'evaluation' : 'training'}, batch ${p.batch}, ${p.threads} kernel thread${p.threads === 1 ? '' : 's'}`,
      '',
      `${step.toFixed(1)} ms per step (${p.examplesPerSecond.toFixed(1)} examples/s), mean of ${p.steps} steps; load average ${p.loadAverage.map((l) => l.toFixed(2)).join(', ')} at the start. ` +
        `Copies to and from the kernel pool: ${p.copies.ms.toFixed(1)} ms, ${p.copies.megabytes.toFixed(0)} MB per step.`,
      '',
      '| phase | ms/step | share | outside kernels, ms |',
      '| --- | ---: | ---: | ---: |',
      ...Object.entries(p.phases)
        .filter(([, v]) => v.ms >= 0.05)
        .map(([k, v]) => `| ${k} | ${v.ms.toFixed(1)} | ${share(v.ms)} | ${v.outsideKernelsMs.toFixed(1)} |`),
      '',
      '| phase | kernel | calls/step | ms/step | share |',
      '| --- | --- | ---: | ---: | ---: |',
      ...kernels.map((k) => `| ${k.phase} | ${k.kernel} | ${k.calls} | ${k.ms.toFixed(1)} | ${share(k.ms)} |`),
      `| | all other kernels | | ${rest.toFixed(1)} | ${share(rest)} |`,
    );
  }
  return out;
}

interface StageFigures {
  accuracyPruned: { top1: number };
  accuracy: { top1: number; top5: number };
  trainLoss: number;
  examplesPerSecond: number;
  seconds: number;
}

/**
 * Accuracy unchanged by the speed work: docs/runs/bench-accuracy-rerun.json, the first stage of
 * docs/runs/spatial-60.json (30%, two epochs, full data) run again with the current code, next
 * to the recorded one.
 */
export function accuracyRerunSection(read: (rel: string) => { stages: StageFigures[] } | undefined): string[] {
  const now = read('docs/runs/bench-accuracy-rerun.json')?.stages[0];
  const then = read('docs/runs/spatial-60.json')?.stages[0];
  if (!now || !then) return [];
  const p = (v: number) => `${(100 * v).toFixed(2)}%`;
  return [
    '### Accuracy is unchanged',
    '',
    'The first stage of the step-1 run above (30%, two epochs at lr 0.01, full data, same seed) run again with the current code ' +
      '(`npx swprune spatial models/fashion-vgg.onnx --data fashion-mnist:$FASHION_MNIST -o spatial-30.onnx --sparsity 0.3 --epochs 2 --json bench-accuracy-rerun.json`): ' +
      "swprune's kernels sum in other orders than tfjs's (through Winograd F(4x4,3x3) for 3x3 layers with 16+ channels, and training-mode batch norm with its gradient written out, src/tfjs-ops/batch-norm-train.ts), so the figures may move in the last digits, not more. " +
      "The recorded run's examples/s were measured on a shared machine; the re-run's on the idle machine, alone.",
    '',
    '| run | top-1 pruned | top-1 retrained | top-5 | train loss | examples/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| recorded (tfjs wasm kernels, one thread) | ${p(then.accuracyPruned.top1)} | ${p(then.accuracy.top1)} | ${p(then.accuracy.top5)} | ${then.trainLoss.toFixed(4)} | ${then.examplesPerSecond.toFixed(0)} |`,
    `| re-run (swprune kernels, 2 threads) | ${p(now.accuracyPruned.top1)} | ${p(now.accuracy.top1)} | ${p(now.accuracy.top5)} | ${now.trainLoss.toFixed(4)} | ${now.examplesPerSecond.toFixed(0)} |`,
  ];
}

/** `npm run bench:runtime` run alone (docs/runs/runtime.json): the fields beyond issue 18's targets. */
export interface RuntimeAlone {
  results: {
    net: string;
    sparsity: number;
    threads: number;
    batch: number;
    examplesPerSecond: { runtime: number; onnxruntime: number; onnxruntimeWeb?: number };
    ratio: number;
    ratioWeb?: number;
    /** How a 2-thread row ran (team, split by images, one thread). */
    path?: string;
    /** The runtime's relaxed-SIMD builds on the same row: plain ms / relaxed ms. */
    relaxed?: { gain: number; path: string };
  }[];
  targetsWeb?: { net: string; threads: number; batch: number; ratio: number; target: number; met: boolean }[];
  threadScaling?: { net: string; sparsity: number; batch: number; speedup: number; met: boolean; path?: string; sameProcess?: boolean }[];
  relaxedGain?: { net: string; median: number; min: number; max: number; rows: number }[];
  ninetyOverEighty?: { threads: number; batch: number; speedup: number; met: boolean; sameTurns?: boolean }[];
  profiles?: {
    net: string;
    sparsity: number;
    profile: { images: number; threads: number; mode: string; callMs: number; kinds: { kind: string; ms: number; share: number }[] };
  }[];
}

const pct0 = (v: number) => `${Math.round(v * 100)}%`;
/** A row's relaxed-SIMD gain, marked when that process's runtime ran another 2-thread path (then not the build's gain alone). */
const relaxedCell = (x: RuntimeAlone['results'][number]) =>
  x.relaxed === undefined
    ? '—'
    : `${x.relaxed.gain.toFixed(2)}x${x.path !== undefined && x.relaxed.path !== x.path ? ` (${x.relaxed.path})` : ''}`;

/** Every net and sparsity against both anchors, 2 threads over 1, 90% over 80%, and where each 80% call spends its time. */
export function runtimeAloneSections(r: RuntimeAlone): string[] {
  const out: string[] = [];
  const rows = r.results.filter((x) => x.examplesPerSecond.onnxruntimeWeb !== undefined);
  if (rows.length > 0)
    out.push(
      '',
      '#### Every row, against both anchors',
      '',
      'onnxruntime-web is the WebAssembly backend of onnxruntime (SIMD, threads) in Node, on the dense model: the peer that runs where the runtime runs. A sparsity of 0% is the dense model through the runtime.',
      '',
      '| net | sparsity | threads | batch | runtime images/s | onnxruntime-node | onnxruntime-web | / node | / web | relaxed SIMD / plain |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (x) =>
          `| ${x.net} | ${pct0(x.sparsity)} | ${x.threads} | ${x.batch} | ${num(x.examplesPerSecond.runtime)} | ${num(x.examplesPerSecond.onnxruntime)} | ${num(x.examplesPerSecond.onnxruntimeWeb)} | ${x.ratio.toFixed(2)}x | ${x.ratioWeb?.toFixed(2) ?? '—'}x | ${relaxedCell(x)} |`,
      ),
    );
  if (r.threadScaling?.length)
    out.push(
      '',
      '#### Two threads over one',
      '',
      "The runtime with 2 threads over itself with 1, same net, sparsity and batch (the 1-thread runtime taking turns in the 2-thread row's process where `same process` says so; else the 1-thread row of the other process). `path`: how the 2-thread runtime ran the call, as its load-time race and its watch decided; a row run on the calling thread alone passes within 5% (the same code timed twice):",
      '',
      '| net | sparsity | batch | path | 2 threads / 1 | same process | never slower |',
      '| --- | ---: | ---: | --- | ---: | --- | --- |',
      ...r.threadScaling.map(
        (t) =>
          `| ${t.net} | ${pct0(t.sparsity)} | ${t.batch} | ${t.path ?? '—'} | ${t.speedup.toFixed(2)}x | ${t.sameProcess === undefined ? '—' : t.sameProcess ? 'yes' : 'no'} | ${t.met ? 'yes' : 'no'} |`,
      ),
    );
  if (r.relaxedGain?.length)
    out.push(
      '',
      '#### Relaxed SIMD over plain SIMD',
      '',
      "The runtime's relaxed-SIMD builds (f32x4.relaxed_madd; Node 20 with --experimental-wasm-relaxed-simd, Node 21+ and current browsers by default) over its plain-SIMD builds, per net: the median of the rows that ran the same path in both processes, and their range. The tables above are plain SIMD, what Node 20 runs by default.",
      '',
      '| net | rows | median gain | range |',
      '| --- | ---: | ---: | --- |',
      ...r.relaxedGain.map((g) => `| ${g.net} | ${g.rows} | ${g.median.toFixed(2)}x | ${g.min.toFixed(2)}-${g.max.toFixed(2)}x |`),
    );
  if (r.ninetyOverEighty?.length)
    out.push(
      '',
      '#### ResNet-18 at 90% over 80%',
      '',
      '| threads | batch | 90% / 80% images/s | measured |',
      '| ---: | ---: | ---: | --- |',
      ...r.ninetyOverEighty.map(
        (t) =>
          `| ${t.threads} | ${t.batch} | ${t.speedup.toFixed(2)}x | ${t.sameTurns ? 'the two bundles taking turns' : 'rows minutes apart'} |`,
      ),
    );
  if (r.profiles?.length) {
    const kinds = [...new Set(r.profiles.flatMap((p) => p.profile.kinds.map((k) => k.kind)))];
    out.push(
      '',
      '#### Where an 80% call spends its time (`swprune run --profile`)',
      '',
      `Share of the summed step times by kind of kernel; each step timed on its own (src/runtime/profile.ts).`,
      '',
      `| net | threads | batch | call ms | ${kinds.join(' | ')} |`,
      `| --- | ---: | ---: | ---: | ${kinds.map(() => '---:').join(' | ')} |`,
      ...r.profiles.map((p) => {
        const share = (k: string) => p.profile.kinds.find((x) => x.kind === k)?.share;
        return `| ${p.net} | ${p.profile.threads} | ${p.profile.images} | ${p.profile.callMs.toFixed(2)} | ${kinds.map((k) => (share(k) === undefined ? '—' : pct0(share(k)!))).join(' | ')} |`;
      }),
    );
  }
  return out;
}
