/**
 * swprune against the tools users would pick instead, side by side in one run (part of
 * `npm run bench`; alone: `node build/bench/anchors.js [--out FILE] [--quick] [--nets a,b] [--threads N]`).
 *
 * For the bundled model (models/fashion-vgg.onnx) and a VGG-nagadomi-shaped CIFAR net
 * (bench/nets.ts, random weights, written to a temporary ONNX file), on the same file:
 *
 *   training   one epoch of `swprune spatial` and `swprune winograd` (F(4x4,3x3), one stage to
 *              50%, batch 128, wasm, SWPRUNE_THREADS=N) through the CLI, examples/s from its
 *              --json, peak RSS of the process; and PyTorch CPU (Debian's /usr/bin/python3 with
 *              torch, when installed; skipped with a note otherwise) training the same model with
 *              the same batch on 1 and N threads (bench/torch-anchor.py), plain and with every
 *              3x3 convolution as a plain PyTorch Winograd layer (unfold, kron, bmm)
 *   --engine torch  `swprune spatial|winograd --engine torch` (one process, N torch threads)
 *              against the PyTorch anchor training the same model on N threads, alternating,
 *              3 runs each, medians, both timed from the first step (engineVsPytorch;
 *              issue 31's target: at least 0.9x)
 *   evaluation swprune's evaluation path against onnxruntime-node on 1 and N threads
 *              (bench/eval-speed.js), same batch
 *
 * Each measurement is its own process. Ratios are swprune / anchor (above 1: swprune faster).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fashionSlice } from './fashion-slice.js';
import { encodeFreshOnnx } from '#src/io/onnx/write.js';
import { buildNet, netMacs, VGG_NAGADOMI } from './nets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(root, 'bin/swprune.js');
const PYTHON = '/usr/bin/python3';
/** Writes the process's peak RSS (KiB) to $SWPRUNE_RSS_FILE at exit. */
const RSS_HOOK =
  'data:text/javascript,import fs from "node:fs";process.on("exit",()=>fs.writeFileSync(process.env.SWPRUNE_RSS_FILE,String(process.resourceUsage().maxRSS)))';

type NetName = 'fashion-vgg' | 'vgg-nagadomi';

interface Options {
  out: string;
  quick: boolean;
  nets: NetName[];
  threads: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    out: 'bench/anchors.json',
    quick: false,
    nets: ['fashion-vgg', 'vgg-nagadomi'],
    threads: Math.max(1, os.availableParallelism()),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--out' && argv[i + 1]) o.out = argv[++i]!;
    else if (a === '--threads' && argv[i + 1]) o.threads = Number(argv[++i]);
    else if (a === '--nets' && argv[i + 1]) o.nets = argv[++i]!.split(',') as NetName[];
    else throw new Error(`unknown option ${a}; expected --out FILE, --quick, --nets fashion-vgg,vgg-nagadomi, --threads N`);
  }
  return o;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs a command; its stdout, or undefined (and its last output line on stderr) if it fails. */
function run(cmd: string, args: readonly string[], env: Record<string, string> = {}): string | undefined {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  if (r.status !== 0) {
    log(`  (failed: ${(r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').pop() ?? ''})`);
    return undefined;
  }
  return r.stdout;
}

const lastJson = <T>(out: string | undefined): T | undefined => {
  const line = out
    ?.trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  return line ? (JSON.parse(line) as T) : undefined;
};

/** CIFAR-10 binary files of random images (speed does not depend on the pixels). */
function cifarData(dir: string, train: number, test: number): string {
  fs.mkdirSync(dir, { recursive: true });
  let seed = 12345;
  const record = () => {
    const b = Buffer.alloc(3073);
    b[0] = seed % 10;
    for (let i = 1; i < b.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      b[i] = seed >>> 24;
    }
    return b;
  };
  const file = (name: string, n: number) => fs.writeFileSync(path.join(dir, name), Buffer.concat(Array.from({ length: n }, record)));
  for (let i = 1; i <= 5; i++) file(`data_batch_${i}.bin`, Math.ceil(train / 5));
  file('test_batch.bin', test);
  return `cifar10:${dir}`;
}

/** One swprune training run's figures, read from its --json. */
export interface TrainFigure {
  examples: number;
  examplesPerSecond: number;
  peakRssMiB: number | null;
}

function swpruneTraining(
  command: 'spatial' | 'winograd',
  model: string,
  data: string,
  examples: number,
  threads: number,
  tmp: string,
  extra: readonly string[] = [],
): TrainFigure | null {
  const json = path.join(tmp, `${command}.json`);
  const rss = path.join(tmp, `${command}.rss`);
  log(`  swprune ${command}${extra.length ? ` ${extra.join(' ')}` : ''}, ${examples} examples, ${threads} thread(s)`);
  const out = run(
    process.execPath,
    [
      '--import',
      RSS_HOOK,
      cli,
      command,
      model,
      '--data',
      data,
      '-o',
      path.join(tmp, `${command}.onnx`),
      '--sparsity',
      '0.5',
      '--epochs',
      '1',
      '--batch-size',
      '128',
      '--backend',
      'wasm',
      '--json',
      json,
      ...extra,
    ],
    { SWPRUNE_THREADS: String(threads), SWPRUNE_RSS_FILE: rss },
  );
  if (out === undefined) return null;
  const j = JSON.parse(fs.readFileSync(json, 'utf8')) as { stages: { examplesPerSecond: number }[] };
  const kib = fs.existsSync(rss) ? Number(fs.readFileSync(rss, 'utf8')) : NaN;
  return { examples, examplesPerSecond: j.stages[0]!.examplesPerSecond, peakRssMiB: Number.isFinite(kib) ? kib / 1024 : null };
}

function torchAvailable(): { ok: boolean; note: string } {
  if (!fs.existsSync(PYTHON)) return { ok: false, note: `${PYTHON} not found: PyTorch anchors skipped` };
  const r = spawnSync(PYTHON, ['-c', 'import torch, onnx; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0
    ? { ok: true, note: `PyTorch ${r.stdout.trim()} (${PYTHON})` }
    : { ok: false, note: `${PYTHON} has no torch/onnx (apt-get install python3-torch python3-onnx): PyTorch anchors skipped` };
}

function torchRun(
  model: string,
  mode: 'train' | 'eval',
  winograd: number,
  threads: number,
  steps: number,
  batch: number,
  warmup = 2,
): number | null {
  log(
    `  PyTorch ${mode}${winograd ? ` (Winograd layer T=${winograd})` : ''}, ${threads} thread(s)${warmup === 2 ? '' : `, ${warmup} warm-up steps`}`,
  );
  const out = run(PYTHON, [
    path.join(root, 'bench/torch-anchor.py'),
    model,
    '--mode',
    mode,
    '--winograd',
    String(winograd),
    '--threads',
    String(threads),
    '--steps',
    String(steps),
    '--batch',
    String(batch),
    '--warmup',
    String(warmup),
  ]);
  return lastJson<{ examplesPerSecond: number }>(out)?.examplesPerSecond ?? null;
}

function evalRun(model: string, engine: 'swprune' | 'onnxruntime', threads: number, batch: number, seconds: number): number | null {
  log(`  evaluation: ${engine}, ${threads} thread(s), batch ${batch}`);
  const out = run(process.execPath, [
    path.join(root, 'build/bench/eval-speed.js'),
    '--model',
    model,
    '--engine',
    engine,
    '--threads',
    String(threads),
    '--batch',
    String(batch),
    '--seconds',
    String(seconds),
  ]);
  return lastJson<{ examplesPerSecond: number }>(out)?.examplesPerSecond ?? null;
}

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? a / b : null);

const median = (v: readonly number[]): number | null => {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `--engine torch` against plain PyTorch training the same network: every run's examples/s, the medians, their ratio. */
export interface EngineVsPytorch {
  examples: number;
  threads: number;
  engine: number[];
  pytorch: number[];
  medianEngine: number | null;
  medianPytorch: number | null;
  ratio: number | null;
}

/**
 * The torch engine (issue 31's target: at least 0.9x plain PyTorch): `swprune spatial|winograd
 * --engine torch --nproc 1 --threads N --no-augment` (one process, the epoch's examples/s from
 * the --json: swprune's shuffle, batches from the split, the masks and gradient scales, the
 * epoch file handed back) alternating with bench/torch-anchor.py training the same network on N
 * threads for as many steps (plain modules: nn.BatchNorm2d, torch.optim.SGD; with `winograd`
 * its plain Winograd layer), `reps` times each, medians. Both sides time every step from the
 * first of a process that has started and built its network (the engine's epoch includes its
 * first step, so the anchor runs with --warmup 0): with a few steps of a large net the first
 * step's allocations weigh, on both sides alike.
 */
function engineVsPytorch(
  command: 'spatial' | 'winograd',
  model: string,
  data: string,
  examples: number,
  threads: number,
  reps: number,
  tmp: string,
): EngineVsPytorch {
  const engine: number[] = [];
  const pytorch: number[] = [];
  const extra = ['--engine', 'torch', '--nproc', '1', '--threads', String(threads), '--no-augment'];
  for (let r = 0; r < reps; r++) {
    const e = swpruneTraining(command, model, data, examples, threads, tmp, extra)?.examplesPerSecond;
    if (e) engine.push(e);
    const p = torchRun(model, 'train', command === 'winograd' ? 6 : 0, threads, Math.max(1, Math.round(examples / 128)), 128, 0);
    if (p) pytorch.push(p);
  }
  const [medianEngine, medianPytorch] = [median(engine), median(pytorch)];
  return { examples, threads, engine, pytorch, medianEngine, medianPytorch, ratio: ratio(medianEngine, medianPytorch) };
}

export interface NetAnchors {
  macsPerImage: number;
  threads: number;
  swprune: { spatial: TrainFigure | null; winograd: TrainFigure | null; eval: Record<string, number | null> };
  pytorch: { spatial: Record<string, number | null>; winograd: Record<string, number | null> } | null;
  /** `--engine torch` against plain PyTorch, same threads (null without torch). */
  torchEngine: { spatial: EngineVsPytorch; winograd: EngineVsPytorch } | null;
  onnxruntime: Record<string, number | null>;
  ratios: {
    spatialVsPytorch: Record<string, number | null>;
    winogradVsPytorchWinograd: Record<string, number | null>;
    evalVsOnnxruntime: Record<string, number | null>;
    torchEngineVsPytorch: { spatial: number | null; winograd: number | null };
  };
}

function benchNet(net: NetName, o: Options, torch: boolean, tmpRoot: string): NetAnchors {
  const tmp = path.join(tmpRoot, net);
  fs.mkdirSync(tmp, { recursive: true });
  const fashion = net === 'fashion-vgg';
  let model = path.join(root, 'models/fashion-vgg.onnx');
  let macs = 5_532_544;
  if (!fashion) {
    model = path.join(tmp, 'vgg-nagadomi.onnx');
    fs.writeFileSync(model, encodeFreshOnnx(buildNet(VGG_NAGADOMI)));
    macs = netMacs(VGG_NAGADOMI);
  }
  const examples = fashion ? (o.quick ? 256 : 2048) : o.quick ? 128 : 512;
  const data = fashion ? fashionSlice(path.join(tmp, 'data'), examples, 64) : cifarData(path.join(tmp, 'data'), examples, 64);
  log(`${net}: ${(macs / 1e6).toFixed(1)}M multiply-adds per image`);
  const threadCounts = [...new Set([1, o.threads])];
  const spatial = swpruneTraining('spatial', model, data, examples, o.threads, tmp);
  const winograd = swpruneTraining('winograd', model, data, examples, o.threads, tmp);
  const batchEval = fashion ? 256 : 128;
  const seconds = o.quick ? 1 : 3;
  const evalSwprune = Object.fromEntries(threadCounts.map((t) => [t, evalRun(model, 'swprune', t, batchEval, seconds)]));
  const evalOrt = Object.fromEntries(threadCounts.map((t) => [t, evalRun(model, 'onnxruntime', t, batchEval, seconds)]));
  let pytorch: NetAnchors['pytorch'] = null;
  let torchEngine: NetAnchors['torchEngine'] = null;
  if (torch) {
    const reps = o.quick ? 1 : 3;
    torchEngine = {
      spatial: engineVsPytorch('spatial', model, data, examples, o.threads, reps, tmp),
      winograd: engineVsPytorch('winograd', model, data, examples, o.threads, reps, tmp),
    };
    const steps = fashion ? (o.quick ? 3 : 10) : o.quick ? 1 : 2;
    pytorch = {
      spatial: Object.fromEntries(threadCounts.map((t) => [t, torchRun(model, 'train', 0, t, steps, 128)])),
      winograd: Object.fromEntries(threadCounts.map((t) => [t, torchRun(model, 'train', 6, t, Math.max(1, Math.ceil(steps / 3)), 128)])),
    };
  }
  return {
    macsPerImage: macs,
    threads: o.threads,
    swprune: { spatial, winograd, eval: evalSwprune },
    pytorch,
    torchEngine,
    onnxruntime: evalOrt,
    ratios: {
      spatialVsPytorch: Object.fromEntries(threadCounts.map((t) => [t, ratio(spatial?.examplesPerSecond, pytorch?.spatial[t])])),
      winogradVsPytorchWinograd: Object.fromEntries(threadCounts.map((t) => [t, ratio(winograd?.examplesPerSecond, pytorch?.winograd[t])])),
      evalVsOnnxruntime: Object.fromEntries(threadCounts.map((t) => [t, ratio(evalSwprune[t], evalOrt[t])])),
      torchEngineVsPytorch: { spatial: torchEngine?.spatial.ratio ?? null, winograd: torchEngine?.winograd.ratio ?? null },
    },
  };
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const torch = torchAvailable();
  log(torch.note);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swprune-anchors-'));
  const loadAverageBefore = os.loadavg();
  const nets: Record<string, NetAnchors> = {};
  try {
    for (const net of o.nets) nets[net] = benchNet(net, o, torch.ok, tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const json = { threads: o.threads, quick: o.quick, pytorch: torch.note, loadAverageBefore, loadAverageAfter: os.loadavg(), nets };
  const out = path.resolve(root, o.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  fs.renameSync(`${out}.tmp`, out);
  for (const [net, a] of Object.entries(nets)) {
    const f = (r: number | null | undefined) => (r == null ? '—' : `${r.toFixed(2)}x`);
    log(
      `${net}: spatial ${f(a.ratios.spatialVsPytorch[o.threads])} PyTorch (${o.threads} threads), winograd ${f(a.ratios.winogradVsPytorchWinograd[o.threads])} PyTorch Winograd layer, ` +
        `eval ${f(a.ratios.evalVsOnnxruntime[o.threads])} onnxruntime (${o.threads} threads), ${f(a.ratios.evalVsOnnxruntime[1])} (1 thread); ` +
        `--engine torch ${f(a.ratios.torchEngineVsPytorch.spatial)} PyTorch (spatial), ${f(a.ratios.torchEngineVsPytorch.winograd)} (Winograd); peak RSS ${a.swprune.spatial?.peakRssMiB?.toFixed(0) ?? '—'} MiB`,
    );
  }
  log(`wrote ${o.out}`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`anchors: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
