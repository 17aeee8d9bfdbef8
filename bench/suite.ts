/**
 * `npm run bench`: the benchmark suite, one run, one JSON (default bench/results.json).
 *
 *   node build/bench/suite.js [--out FILE] [--quick]
 *
 * 1. Training throughput: `swprune spatial` and `swprune winograd` (one stage to 50%, one epoch
 *    on the first examples of the committed slice, 64 test images) on the bundled model, per backend that starts
 *    here (tensorflow where tfjs-node is installed, wasm, cpu), read from each command's --json.
 * 2. swprune against PyTorch CPU (training) and onnxruntime-node (evaluation) on the same model
 *    files, the bundled model and a VGG-nagadomi-shaped net (build/bench/anchors.js).
 * 3. Where a step spends its time (build/bench/profile.js): training steps of the bundled model in
 *    spatial and Winograd form and of the VGG-nagadomi-shaped net, and an evaluation batch.
 * 4. The Winograd op against tf.conv2d (build/bench/winograd-op.js).
 * 5. Sparse-bundle inference against dense conv2d and dense Winograd (build/bench/sparse.js).
 * 6. Image-folder streaming: decoded images/s (JPEG -> 224x224) per worker count (build/bench/decode.js).
 * 7. The .swb runtime, whole network, against onnxruntime-node on the dense model, same threads
 *    (build/bench/runtime.js).
 *
 * Each part runs in its own process (one backend per process, as users run it). The JSON
 * describes the machine, including the load average before and after: figures measured while
 * other work shares the cores are slower, but the ratios within this run share that load.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fashionSlice } from './fashion-slice.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(root, 'bin/swprune.js');

interface Options {
  out: string;
  quick: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { out: 'bench/results.json', quick: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1] !== undefined) o.out = argv[++i]!;
    else if (argv[i] === '--quick') o.quick = true;
    else throw new Error(`unknown option ${argv[i]}; expected --out FILE, --quick`);
  }
  return o;
}

/** Runs a node script; false (and its last output line on stderr) if it fails. */
function run(args: readonly string[]): boolean {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) process.stderr.write(`  (failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''})\n`);
  return r.status === 0;
}

interface TrainingFigure {
  backend: string;
  command: 'spatial' | 'winograd';
  examples: number;
  examplesPerSecond: number;
}

/** Examples/s of one retraining epoch of `command` on `backend`, or undefined if the backend does not start. */
function trainingThroughput(
  command: 'spatial' | 'winograd',
  backend: string,
  data: string,
  limit: number,
  tmp: string,
): TrainingFigure | undefined {
  const json = path.join(tmp, `${command}-${backend}.json`);
  process.stderr.write(`training: swprune ${command} --backend ${backend}, ${limit} examples\n`);
  const ok = run([
    cli,
    command,
    'models/fashion-vgg.onnx',
    '--data',
    data,
    '-o',
    path.join(tmp, `${command}-${backend}.onnx`),
    '--sparsity',
    '0.5',
    '--epochs',
    '1',
    '--backend',
    backend,
    '--json',
    json,
  ]);
  if (!ok) return undefined;
  const log = JSON.parse(fs.readFileSync(json, 'utf8')) as { stages: { examplesPerSecond: number }[] };
  return { backend, command, examples: limit, examplesPerSecond: log.stages[0]!.examplesPerSecond };
}

/** The profiles the suite records: [what, profile.js arguments]. */
const PROFILES: [string, string[]][] = [
  ['bundled model, spatial training step', ['--net', 'fashion-vgg', '--form', 'spatial', '--steps', '6']],
  ['bundled model, Winograd-form training step', ['--net', 'fashion-vgg', '--form', 'winograd', '--steps', '6']],
  ['bundled model, evaluation batch of 256', ['--net', 'fashion-vgg', '--mode', 'eval', '--batch', '256', '--steps', '6']],
  ['VGG-nagadomi, spatial training step', ['--net', 'vgg-nagadomi', '--form', 'spatial', '--steps', '2']],
];

function subBench(script: string, out: string, extra: readonly string[]): unknown {
  process.stderr.write(`${script} ...\n`);
  return run([path.join(root, 'build/bench', script), '--out', out, ...extra]) ? JSON.parse(fs.readFileSync(out, 'utf8')) : null;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swprune-bench-'));
  const loadBefore = os.loadavg();
  const started = Date.now();
  const limits: Record<string, number> = o.quick ? { tensorflow: 256, wasm: 256, cpu: 64 } : { tensorflow: 2048, wasm: 2048, cpu: 256 };
  const training: TrainingFigure[] = [];
  for (const backend of ['tensorflow', 'wasm', 'cpu']) {
    const limit = limits[backend]!;
    const data = fashionSlice(path.join(tmp, `data-${limit}`), limit, 64);
    for (const command of ['spatial', 'winograd'] as const) {
      const f = trainingThroughput(command, backend, data, limit, tmp);
      if (!f) break; // the backend does not start here (tfjs-node not installed)
      training.push(f);
    }
  }
  const anchors = subBench('anchors.js', path.join(tmp, 'anchors.json'), o.quick ? ['--quick'] : []) as {
    nets: Record<string, { ratios: Record<string, Record<string, number | null>> }>;
  } | null;
  const profiles = PROFILES.map(([name, args], i) => {
    process.stderr.write(`profile: ${name}\n`);
    const out = path.join(tmp, `profile-${i}.json`);
    return run([path.join(root, 'build/bench/profile.js'), ...args, ...(o.quick ? ['--steps', '2'] : []), '--out', out])
      ? (JSON.parse(fs.readFileSync(out, 'utf8')) as unknown)
      : null;
  }).filter((p) => p !== null);
  const reps = o.quick ? ['--reps', '1'] : [];
  const winogradOp = subBench('winograd-op.js', path.join(tmp, 'winograd-op.json'), [...reps, ...(o.quick ? ['--batch', '4'] : [])]) as {
    rows: { name: string; forwardMs: number | null; forwardBackwardMs: number | null }[];
  } | null;
  const sparse = subBench('sparse.js', path.join(tmp, 'sparse.json'), [...reps, ...(o.quick ? ['--batch', '2'] : [])]) as {
    results: {
      layer: { H: number; W: number; cin: number };
      tile: string;
      sparsity: number;
      speedup: { vsConv2d: number; vsDenseWinograd: number };
    }[];
  } | null;

  const runtime = subBench('runtime.js', path.join(tmp, 'runtime.json'), o.quick ? ['--quick'] : []) as {
    results: { net: string; sparsity: number; threads: number; batch: number; ratio: number }[];
  } | null;
  const decode = subBench('decode.js', path.join(tmp, 'decode.json'), o.quick ? ['--images', '64', '--reps', '1'] : []) as {
    rows: { transform: string; workers: number; imagesPerSecond: number }[];
  } | null;

  const ex = (backend: string, command: string) => training.find((t) => t.backend === backend && t.command === command)?.examplesPerSecond;
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? a / b : null);
  const row = (name: string) => winogradOp?.rows.find((r) => r.name.startsWith(name));
  const conv = row('tf.conv2d');
  const ratios = {
    training: Object.fromEntries(
      [...new Set(training.map((t) => t.backend))].map((b) => [b, { winogradOverSpatial: ratio(ex(b, 'winograd'), ex(b, 'spatial')) }]),
    ),
    trainingWasmOverCpu: {
      spatial: ratio(ex('wasm', 'spatial'), ex('cpu', 'spatial')),
      winograd: ratio(ex('wasm', 'winograd'), ex('cpu', 'winograd')),
    },
    winogradOpOverConv2d: Object.fromEntries(
      [4, 6].map((T) => {
        const w = row(`winograd F(${T - 2}x${T - 2},3x3)`);
        return [
          `T=${T}`,
          { forward: ratio(conv?.forwardMs, w?.forwardMs), forwardBackward: ratio(conv?.forwardBackwardMs, w?.forwardBackwardMs) },
        ];
      }),
    ),
    sparseOverConv2d: Object.fromEntries(
      (sparse?.results ?? []).map((r) => [
        `${r.layer.H}x${r.layer.W}x${r.layer.cin} ${r.tile} ${Math.round(100 * r.sparsity)}%`,
        r.speedup.vsConv2d,
      ]),
    ),
    runtimeOverOnnxruntime: Object.fromEntries(
      (runtime?.results ?? []).map((r) => [`${r.net} ${Math.round(100 * r.sparsity)}% ${r.threads}t b${r.batch}`, r.ratio]),
    ),
    anchors: Object.fromEntries(Object.entries(anchors?.nets ?? {}).map(([net, a]) => [net, a.ratios])),
  };
  const json = {
    machine: {
      cpu: os.cpus()[0]?.model ?? '',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      loadAverageBefore: loadBefore,
      loadAverageAfter: os.loadavg(),
    },
    quick: o.quick,
    seconds: (Date.now() - started) / 1000,
    training,
    anchors,
    profiles,
    winogradOp,
    sparse,
    runtime,
    decode,
    ratios,
  };
  fs.mkdirSync(path.dirname(path.resolve(root, o.out)), { recursive: true });
  const out = path.resolve(root, o.out);
  fs.writeFileSync(`${out}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  fs.renameSync(`${out}.tmp`, out);
  fs.rmSync(tmp, { recursive: true, force: true });
  const lines = [
    `machine: ${json.machine.cpu}, ${json.machine.cores} cores, ${json.machine.node}; load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
    '',
    '| backend | spatial ex/s | winograd ex/s | winograd / spatial |',
    '| --- | ---: | ---: | ---: |',
    ...Object.keys(ratios.training).map(
      (b) =>
        `| ${b} | ${ex(b, 'spatial')?.toFixed(1) ?? '-'} | ${ex(b, 'winograd')?.toFixed(1) ?? '-'} | ${ratios.training[b]!.winogradOverSpatial?.toFixed(2) ?? '-'} |`,
    ),
    '',
    `Winograd op vs tf.conv2d (conv2d time / op time): ${JSON.stringify(ratios.winogradOpOverConv2d)}`,
    `decoded images/s (JPEG 500x375 -> 224x224, beside training ex/s above): ${decode?.rows.map((r) => `${r.transform} ${r.workers} worker(s) ${r.imagesPerSecond.toFixed(0)}`).join(', ') ?? '-'}`,
    `sparse bundle layer vs tf.conv2d: ${Object.entries(ratios.sparseOverConv2d)
      .map(([k, v]) => `${k} ${v.toFixed(2)}x`)
      .join(', ')}`,
    `.swb runtime vs onnxruntime-node (dense model, same threads): ${Object.entries(ratios.runtimeOverOnnxruntime)
      .map(([k, v]) => `${k} ${v.toFixed(2)}x`)
      .join(', ')}`,
    `against PyTorch / onnxruntime (swprune / anchor, by thread count): ${JSON.stringify(ratios.anchors)}`,
    `wrote ${o.out}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
