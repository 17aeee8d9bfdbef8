/**
 * Benchmark: one pruned layer through the swprune runtime's sparse Winograd kernel (src/runtime,
 * one thread) against dense direct convolution (tf.conv2d) and dense Winograd (the tfjs op) on
 * the same backend, at 0/50/75/90% Winograd-domain sparsity.
 *
 *   node build/bench/sparse.js [--backend wasm|cpu] [--batch N] [--reps R] [--out FILE]
 *
 * Layers: x [N, 28, 28, 32] -> 32 and x [N, 14, 14, 64] -> 64 channels, 3x3, pads 1 (the shapes
 * of the bundled model's family, with twice its channels), as a one-node network. Times are
 * medians of R runs after 2 warm-ups, each ending with the output read back. Writes JSON
 * (default bench/sparse.json) and prints a markdown table. The whole-network comparison with
 * onnxruntime-node is build/bench/runtime.js.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '#src/backend/select.js';
import { positionMatrices } from '#src/bundle/layers.js';
import { mulberry32 } from '#src/data/rng.js';
import { bundleFormatVersion, type BundleData, type LayerData } from '#src/bundle/decode.js';
import { loadGraph } from '#src/runtime/index.js';
import { winogradConv2dForward } from '#src/tfjs-ops/winograd-conv2d.js';
import { getTile, type WinogradTile } from '#src/winograd/tiles.js';
import { medianMs, tensorMs } from './timing.js';

/** The layers timed, [H, W, C] (C -> C, 3x3, pads 1): the shapes of the bundled model's family at 28x28 and 14x14. */
const LAYERS = [
  [28, 28, 32],
  [14, 14, 64],
] as const;

interface Options {
  backend: BackendChoice;
  batch: number;
  reps: number;
  out: string;
}

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

/** A one-layer bundle: W [T*T, C, C] (position-major, as the tfjs op takes it) as a WinogradConv node and its CSR layer. */
function oneLayer(
  w: Float32Array,
  tile: WinogradTile,
  C: number,
  H: number,
  W: number,
): { graph: Parameters<typeof loadGraph>[0]; bundle: BundleData } {
  const T2 = tile.T * tile.T;
  const onnxLayout = new Float32Array(w.length); // [Cout, Cin, T*T]
  for (let p = 0; p < T2; p++)
    for (let ci = 0; ci < C; ci++) for (let co = 0; co < C; co++) onnxLayout[(co * C + ci) * T2 + p] = w[(p * C + ci) * C + co]!;
  const layer: LayerData = {
    name: 'conv',
    weight: 'w',
    cin: C,
    cout: C,
    kernel: tile.r,
    pads: [1, 1, 1, 1],
    biasName: '',
    bias: new Float32Array(0),
    tile: 0,
    group: 1,
    positions: positionMatrices(onnxLayout, C, C, T2),
  };
  const matrix = (a: readonly (readonly number[])[]) => ({ rows: a.length, cols: a[0]!.length, values: Float64Array.from(a.flat()) });
  const bundle: BundleData = {
    formatVersion: bundleFormatVersion([layer]),
    producer: 'bench',
    sourceSha256: new Uint8Array(32),
    network: new Uint8Array(0),
    layers: [layer],
    tiles: [{ name: tile.name, t: tile.T, m: tile.m, r: tile.r, at: matrix(tile.AT), g: matrix(tile.G), bt: matrix(tile.BT) }],
  };
  const graph = {
    inputs: [{ name: 'x', dims: [null, C, H, W], layout: 'NCHW' as const }],
    outputs: [{ name: 'y', dims: [null, C, H, W] }],
    opset: 13,
    params: new Map(),
    nodes: [
      {
        name: 'conv',
        op: 'WinogradConv',
        domain: 'ai.swprune',
        inputs: ['x', 'w'],
        outputs: ['y'],
        attrs: { tile: tile.T, m: tile.m, kernel: tile.r, pads: [1, 1, 1, 1] },
      },
    ],
  };
  return { graph, bundle };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  tf.env().set('PROD', true);
  const info = await selectBackend(o.backend);
  const N = o.batch;
  const rand = mulberry32(1);
  const results = [];
  for (const [H, W, C] of LAYERS) {
    const xData = Float32Array.from({ length: N * H * W * C }, () => rand() * 2 - 1);
    const x = tf.tensor4d(xData, [N, H, W, C]);
    const xNchw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);
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
        const { graph, bundle } = oneLayer(w, tile, C, H, W);
        const model = await loadGraph(graph, bundle, { batch: N });
        const sparseMs = medianMs(() => model.runSync(xNchw, N), o.reps);
        results.push({
          layer: { N, H, W, cin: C, cout: C },
          tile: tile.name,
          sparsity: 1 - nonzeros / w.length,
          ms: { sparse: sparseMs, conv2d: conv2dMs, denseWinograd: denseWinogradMs },
          speedup: { vsConv2d: conv2dMs / sparseMs, vsDenseWinograd: denseWinogradMs / sparseMs },
          multiplications: { direct: N * H * W * C * C * 9, denseWinograd: tiles * T2 * C * C, sparseWinograd: tiles * nonzeros },
        });
      }
    }
    tf.dispose([x, g]);
  }
  const lines = [
    `${info.description}; sparse: the swprune runtime's WebAssembly SIMD kernel, one thread, NCHW in and out; 3x3, pads 1, batch ${N}; median of ${o.reps}`,
    '',
    '| layer | tile | Winograd sparsity | sparse ms | conv2d ms | dense Winograd ms | conv2d / sparse | dense Winograd / sparse | direct / sparse multiplications |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.layer.H}x${r.layer.W}x${r.layer.cin} -> ${r.layer.cout} | ${r.tile} | ${(100 * r.sparsity).toFixed(0)}% | ${r.ms.sparse.toFixed(1)} | ${r.ms.conv2d.toFixed(1)} | ${r.ms.denseWinograd.toFixed(1)} | ` +
        `${r.speedup.vsConv2d.toFixed(2)} | ${r.speedup.vsDenseWinograd.toFixed(2)} | ${(r.multiplications.direct / r.multiplications.sparseWinograd).toFixed(1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const json = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', node: process.version, backend: info.description },
    kernels: 'runtime',
    reps: o.reps,
    results,
  };
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(`${o.out}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  fs.renameSync(`${o.out}.tmp`, o.out);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
