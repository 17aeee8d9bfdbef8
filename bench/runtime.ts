/**
 * Benchmark: the .swb runtime (src/runtime) against onnxruntime-node running the dense,
 * unpruned ONNX model, whole network, the same number of threads, side by side in one run.
 *
 *   node build/bench/runtime.js [--reps R] [--threads 1,2] [--quick] [--out FILE]
 *
 * Nets: the bundled fashion-vgg model, and a VGG-nagadomi-shaped CIFAR-10 net with random
 * weights (bench/nets/vgg-nagadomi.ts). Each is converted to F(4x4,3x3) Winograd layers and
 * pruned by the project's step-2 ranking (|W| times the importance factor, prune/winograd-mask.ts)
 * to 0, 70, 80 and 90% Winograd-domain sparsity, written as a bundle and loaded by the runtime.
 * For batch 1 and batch 64, the two runtimes take turns (one run each, repeated), so load from
 * other work on the machine falls on both; the figures are medians of wall time per batch.
 * Writes JSON (default bench/runtime.json) and prints a table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { encodeBundle } from '#src/bundle/write.js';
import { mulberry32 } from '#src/data/rng.js';
import type { Graph } from '#src/graph/ir.js';
import { encodeFreshOnnx, readOnnx } from '#src/io/onnx/index.js';
import { selectTargets } from '#src/prune/targets.js';
import { toWinogradGraph } from '#src/prune/to-winograd.js';
import { winogradMask } from '#src/prune/winograd-mask.js';
import { loadBundle } from '#src/runtime/index.js';
import { importanceFactor } from '#src/winograd/importance.js';
import { getTile } from '#src/winograd/tiles.js';
import { vggNagadomi } from './nets/vgg-nagadomi.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SPARSITIES = [0, 0.7, 0.8, 0.9];
const BATCHES = [1, 64];

interface Options { reps: number; threads: number[]; quick: boolean; out: string }

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { reps: 7, threads: [1, 2], quick: false, out: 'bench/runtime.json' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') {
      o.quick = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--reps') o.reps = Number(v);
    else if (a === '--threads') o.threads = v.split(',').map(Number);
    else if (a === '--out') o.out = v;
    else throw new Error(`unknown option ${a}; expected --reps, --threads, --quick, --out`);
  }
  if (o.quick) o.reps = Math.min(o.reps, 3);
  return o;
}

/** The graph with every 3x3 convolution as F(4x4,3x3) Winograd layers pruned to `sparsity` by |W| x Γ (docs/method.md, step 2, without the retraining). */
function prunedWinograd(graph: Graph, sparsity: number): { graph: Graph; sparsity: number } {
  const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
  const gamma = importanceFactor(getTile(6, 3), { norm: 'min' });
  let zeros = 0;
  let total = 0;
  for (const n of wg.nodes.filter((x) => x.op === 'WinogradConv')) {
    const w = wg.params.get(n.inputs[1]!)!.data as Float32Array;
    const mask = winogradMask(w, gamma, sparsity);
    for (let i = 0; i < w.length; i++) if (!mask[i]) w[i] = 0;
    zeros += w.reduce((s, v) => s + (v === 0 ? 1 : 0), 0);
    total += w.length;
  }
  return { graph: wg, sparsity: zeros / total };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  net: string; sparsity: number; threads: number; batch: number;
  ms: { runtime: number; onnxruntime: number };
  examplesPerSecond: { runtime: number; onnxruntime: number };
  ratio: number;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const loadBefore = os.loadavg();
  const started = Date.now();
  const nets: { name: string; graph: Graph; onnx: Uint8Array }[] = [
    { name: 'fashion-vgg', graph: readOnnx(path.join(root, 'models/fashion-vgg.onnx')).graph, onnx: new Uint8Array(fs.readFileSync(path.join(root, 'models/fashion-vgg.onnx'))) },
  ];
  const vgg = vggNagadomi();
  nets.push({ name: 'vgg-nagadomi', graph: vgg, onnx: encodeFreshOnnx(vgg) });
  const rows: Row[] = [];
  const steps: Record<string, readonly string[]> = {};
  for (const net of nets) {
    const dims = net.graph.inputs[0]!.dims.slice(1) as number[];
    const per = dims.reduce((a, b) => a * b, 1);
    const rand = mulberry32(1);
    const input = Float32Array.from({ length: Math.max(...BATCHES) * per }, () => rand() * 2 - 1);
    for (const target of SPARSITIES) {
      const pruned = prunedWinograd(net.graph, target);
      const bundle = encodeBundle(pruned.graph, net.onnx);
      for (const threads of o.threads) {
        const model = await loadBundle(bundle, { threads });
        steps[net.name] ??= model.steps;
        // No spinning: onnxruntime's idle threads otherwise spin for a while after each run and take a
        // core from the runtime measured next (2-thread runtime figures dropped by a third); its
        // own speed is the same either way (measured: 22.9k vs 23.2k images/s, fashion-vgg, batch 64).
        const session = await ort.InferenceSession.create(net.onnx, {
          intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
          extra: { session: { 'intra_op.allow_spinning': '0' } },
        });
        try {
          for (const batch of BATCHES) {
            const x = input.subarray(0, batch * per);
            const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', x, [batch, ...dims]) };
            // Several calls per timing when one call is short, so timer resolution does not matter.
            const calls = batch === 1 ? (net.name === 'fashion-vgg' ? 50 : 5) : 1;
            const ours = async () => {
              const t0 = performance.now();
              for (let i = 0; i < calls; i++) await model.run(x, batch);
              return (performance.now() - t0) / calls;
            };
            const theirs = async () => {
              const t0 = performance.now();
              for (let i = 0; i < calls; i++) await session.run(feeds);
              return (performance.now() - t0) / calls;
            };
            for (let i = 0; i < 2; i++) {
              await ours();
              await theirs();
            }
            const a: number[] = [];
            const b: number[] = [];
            for (let r = 0; r < o.reps; r++) {
              a.push(await ours());
              b.push(await theirs());
            }
            const ms = { runtime: median(a), onnxruntime: median(b) };
            const row: Row = {
              net: net.name, sparsity: pruned.sparsity, threads, batch, ms,
              examplesPerSecond: { runtime: (1000 * batch) / ms.runtime, onnxruntime: (1000 * batch) / ms.onnxruntime },
              ratio: ms.onnxruntime / ms.runtime,
            };
            rows.push(row);
            process.stderr.write(`${net.name} ${Math.round(100 * target)}% threads ${threads} batch ${batch}: runtime ${row.examplesPerSecond.runtime.toFixed(0)} ex/s, onnxruntime ${row.examplesPerSecond.onnxruntime.toFixed(0)} ex/s, ${row.ratio.toFixed(2)}x\n`);
          }
        } finally {
          await model.close();
          await session.release();
        }
      }
    }
  }
  const at80 = rows.filter((r) => Math.abs(r.sparsity - 0.8) < 0.01);
  const targets = at80.map((r) => ({ net: r.net, threads: r.threads, batch: r.batch, ratio: r.ratio, target: r.batch === 1 ? 1.0 : 1.5, met: r.ratio >= (r.batch === 1 ? 1.0 : 1.5) }));
  const json = {
    machine: { cpu: os.cpus()[0]?.model ?? '', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}`, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() },
    onnxruntime: { version: (ort.env as { versions?: { common?: string } }).versions?.common ?? null, graphOptimizationLevel: 'all (default)', intraOpSpinning: false },
    method: 'wall time per batch, median of interleaved runs (runtime, onnxruntime, runtime, ...); F(4x4,3x3) pruned by |W| x importance factor without retraining',
    reps: o.reps, seconds: (Date.now() - started) / 1000, steps, results: rows, targets,
  };
  const out = path.resolve(root, o.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out + '.tmp', JSON.stringify(json, null, 2) + '\n');
  fs.renameSync(out + '.tmp', out);
  const lines = [
    `machine: ${json.machine.cpu}, ${json.machine.cores} cores; load ${loadBefore.map((l) => l.toFixed(2)).join(' ')} -> ${json.machine.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')}`,
    '', '| net | Winograd sparsity | threads | batch | runtime ex/s | onnxruntime (dense) ex/s | runtime / onnxruntime |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.net} | ${(100 * r.sparsity).toFixed(0)}% | ${r.threads} | ${r.batch} | ${r.examplesPerSecond.runtime.toFixed(0)} | ${r.examplesPerSecond.onnxruntime.toFixed(0)} | ${r.ratio.toFixed(2)} |`),
    '', `targets at 80%: ${targets.map((t) => `${t.net} ${t.threads}t b${t.batch} ${t.ratio.toFixed(2)}x (${t.met ? 'met' : `target ${t.target}x`})`).join('; ')}`,
    `wrote ${o.out}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
