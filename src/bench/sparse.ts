/**
 * Benchmark: sparse Winograd inference (src/sparse, one thread: the WebAssembly SIMD kernels,
 * and the TypeScript fallback)
 * against dense direct convolution (tf.conv2d) and dense Winograd (the tfjs op) on the same
 * backend, for one pruned layer at 0/50/75/90% Winograd-domain sparsity.
 *
 *   node dist/bench/sparse.js [--backend wasm|cpu] [--batch N] [--reps R] [--out FILE]
 *
 * Layers: x [N, 28, 28, 32] -> 32 and x [N, 14, 14, 64] -> 64 channels, 3x3, pads 1 (the shapes
 * of the bundled model's family, with twice its channels). Times are medians of R runs after 2 warm-ups, each ending with the
 * output read back. Writes JSON (default bench/sparse.json) and prints a markdown table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '../backend/select.js';
import { mulberry32 } from '../data/rng.js';
import { winogradConv2dForward } from '../winograd-op/winograd-conv2d.js';
import { blockKernels } from '../sparse/block-kernels.js';
import { csrFromDense, sparseWinogradConv } from '../sparse/sparse-winograd-conv.js';
import { getTile } from '../winograd/tiles.js';
import { medianMs, tensorMs } from './timing.js';

/** The layers timed, [H, W, C] (C -> C, 3x3, pads 1): the shapes of the bundled model's family at 28x28 and 14x14. */
const LAYERS = [[28, 28, 32], [14, 14, 64]] as const;

interface Options { backend: BackendChoice; batch: number; reps: number; out: string }

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { backend: 'wasm', batch: 16, reps: 7, out: 'bench/sparse.json' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--backend') o.backend = v as BackendChoice;
    else if (a === '--batch') o.batch = Number(v);
    else if (a === '--reps') o.reps = Number(v);
    else if (a === '--out') o.out = v;
    else throw new Error(`unknown option ${a}; expected --backend, --batch, --reps, --out`);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  tf.env().set('PROD', true);
  const info = await selectBackend(o.backend);
  const N = o.batch;
  const rand = mulberry32(1);
  const kernels = blockKernels();
  const fallback = blockKernels('typescript');
  const results = [];
  for (const [H, W, C] of LAYERS) {
    const xData = Float32Array.from({ length: N * H * W * C }, () => rand() * 2 - 1);
    const x = tf.tensor4d(xData, [N, H, W, C]);
    const g = tf.randomNormal([3, 3, C, C], 0, 0.1, 'float32', 2) as tf.Tensor4D;
    const conv2dMs = tensorMs(() => tf.conv2d(x, g, 1, 'same'), o.reps);
    for (const T of [6, 4]) {
      const tile = getTile(T, 3);
      const T2 = T * T;
      const tiles = N * Math.ceil(H / tile.m) * Math.ceil(W / tile.m);
      const dense = Float32Array.from({ length: T2 * C * C }, () => rand() * 2 - 1);
      const wDense = tf.tensor3d(dense, [T2, C, C]);
      const denseWinogradMs = tensorMs(() => winogradConv2dForward(x, wDense, tile, { pad: [1, 1, 1, 1] }), o.reps);
      wDense.dispose();
      for (const sparsity of [0, 0.5, 0.75, 0.9]) {
        const w = dense.map((v) => (rand() < sparsity ? 0 : v));
        const nonzeros = w.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
        const layer = { T, m: tile.m, r: 3, cin: C, cout: C, pads: [1, 1, 1, 1] as const, AT: Float32Array.from(tile.AT.flat()), BT: Float32Array.from(tile.BT.flat()), positions: csrFromDense(w, T2, C, C) };
        const sparseMs = medianMs(() => sparseWinogradConv(layer, xData, N, H, W, kernels), o.reps);
        const typescriptMs = medianMs(() => sparseWinogradConv(layer, xData, N, H, W, fallback), o.reps);
        results.push({
          layer: { N, H, W, cin: C, cout: C }, tile: tile.name, sparsity: 1 - nonzeros / w.length,
          ms: { sparse: sparseMs, sparseTypescript: typescriptMs, conv2d: conv2dMs, denseWinograd: denseWinogradMs },
          speedup: { vsConv2d: conv2dMs / sparseMs, vsDenseWinograd: denseWinogradMs / sparseMs, typescriptVsConv2d: conv2dMs / typescriptMs },
          multiplications: { direct: N * H * W * C * C * 9, denseWinograd: tiles * T2 * C * C, sparseWinograd: tiles * nonzeros },
        });
      }
    }
    tf.dispose([x, g]);
  }
  const lines = [
    `${info.description}; sparse path: ${kernels.kind} kernels, one thread (TypeScript fallback in the last column); 3x3, pads 1, batch ${N}; median of ${o.reps}`,
    '',
    '| layer | tile | Winograd sparsity | sparse ms | conv2d ms | dense Winograd ms | conv2d / sparse | dense Winograd / sparse | direct / sparse multiplications | conv2d / sparse (TypeScript) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${r.layer.H}x${r.layer.W}x${r.layer.cin} -> ${r.layer.cout} | ${r.tile} | ${(100 * r.sparsity).toFixed(0)}% | ${r.ms.sparse.toFixed(1)} | ${r.ms.conv2d.toFixed(1)} | ${r.ms.denseWinograd.toFixed(1)} | ` +
      `${r.speedup.vsConv2d.toFixed(2)} | ${r.speedup.vsDenseWinograd.toFixed(2)} | ${(r.multiplications.direct / r.multiplications.sparseWinograd).toFixed(1)} | ${r.speedup.typescriptVsConv2d.toFixed(2)} |`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const json = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', node: process.version, backend: info.description }, kernels: kernels.kind,
    reps: o.reps, results,
  };
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out + '.tmp', JSON.stringify(json, null, 2) + '\n');
  fs.renameSync(o.out + '.tmp', o.out);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
