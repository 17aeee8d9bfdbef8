/**
 * Benchmark: the Winograd convolution op against tf.conv2d on one realistic layer,
 * x [64, 32, 32, 32] (NHWC) -> 32 channels, 3x3, 'same', stride 1.
 *
 *   node build/bench/winograd-op.js [--backend wasm|cpu] [--batch N] [--reps R] [--variants] [--out FILE]
 *
 * Times (median of R runs after 2 warm-up runs, each run ending in dataSync) the forward pass
 * and forward + backward (gradients w.r.t. input and weight) of winogradConv2d for T=4 and T=6
 * and of tf.conv2d, on the backend selectBackend starts (on wasm that includes swprune's gradient
 * kernels, e.g. Conv2DBackpropFilter, which stock tfjs-backend-wasm lacks).
 * --variants also times the rejected designs: tfjs autodiff instead of the hand-written backward,
 * and one batched matMul instead of T*T 2D products. Prints a markdown table, writes JSON.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '#src/backend/select.js';
import { kron } from '#src/tfjs-ops/kron.js';
import { winogradConstants, disposeWinogradConstants } from '#src/tfjs-ops/winograd-constants.js';
import { winogradConv2d, winogradConv2dForward } from '#src/tfjs-ops/winograd-conv2d.js';
import { planWinograd } from '#src/tfjs-ops/winograd-plan.js';
import { extractTiles, untile } from '#src/tfjs-ops/winograd-tiling.js';
import type { WinogradTile } from '#src/winograd/tiles.js';
import { getTile } from '#src/winograd/tiles.js';
import { tensorMs } from './timing.js';

interface Options {
  backend: BackendChoice;
  batch: number;
  reps: number;
  variants: boolean;
  out: string;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { backend: 'wasm', batch: 64, reps: 5, variants: false, out: 'bench/winograd-op.json' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--backend') o.backend = next() as BackendChoice;
    else if (a === '--batch') o.batch = Number(next());
    else if (a === '--reps') o.reps = Number(next());
    else if (a === '--variants') o.variants = true;
    else if (a === '--out') o.out = next();
    else throw new Error(`unknown option ${a}; expected --backend wasm|cpu, --batch N, --reps R, --variants, --out FILE`);
  }
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(o.backend)) {
    throw new Error(`--backend must be auto, tensorflow, wasm or cpu, got ${o.backend}`);
  }
  return o;
}

/** The rejected product design: V = KB D as one matrix, then one batched matMul over positions. */
function batchedVariant(x: tf.Tensor4D, w: tf.Tensor3D, tile: WinogradTile): tf.Tensor4D {
  const plan = planWinograd(x.shape, tile, w.shape[2], 'same');
  const k = winogradConstants(tile);
  return tf.tidy(() => {
    const T2 = tile.T * tile.T;
    const kb = tf.tensor2d(kron(tile.BT, tile.BT));
    const xPad = tf.pad(x, [
      [0, 0],
      [plan.top, plan.padBottom],
      [plan.left, plan.padRight],
      [0, 0],
    ]);
    const v = tf.reshape(tf.matMul(kb, extractTiles(xPad, plan)), [T2, plan.P, plan.cin]);
    const mcat = tf.reshape(tf.matMul(v, w), [T2, plan.P * plan.cout]);
    const full = untile(tf.matMul(k.ka, mcat), plan, plan.cout);
    return tf.slice(full, [0, 0, 0, 0], [plan.N, plan.outH, plan.outW, plan.cout]);
  });
}

interface Row {
  name: string;
  forwardMs: number | null;
  forwardBackwardMs: number | null;
  note?: string;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  tf.env().set('PROD', true);
  const info = await selectBackend(o.backend);
  const backend = info.name;
  const [N, H, W, C] = [o.batch, 32, 32, 32];
  const x = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 1) as tf.Tensor4D;
  const g = tf.randomNormal([3, 3, C, C], 0, Math.sqrt(2 / (9 * C)), 'float32', 2) as tf.Tensor4D;
  const rows: Row[] = [];

  const convFwd = tensorMs(() => tf.conv2d(x, g, 1, 'same'), o.reps);
  const haveFilterGrad = tf.getKernel(tf.Conv2DBackpropFilter, backend) !== undefined;
  const convBoth = haveFilterGrad
    ? tensorMs(
        () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, g]),
        o.reps,
      )
    : null;
  const convDx = tensorMs(() => tf.grad((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, g, 1, 'same')))(x), o.reps);
  rows.push({
    name: 'tf.conv2d',
    forwardMs: convFwd,
    forwardBackwardMs: convBoth,
    note: haveFilterGrad ? undefined : `no Conv2DBackpropFilter on ${backend}; forward + dx only: ${convDx.toFixed(1)} ms`,
  });
  rows.push({ name: 'tf.conv2d (forward + dx only)', forwardMs: null, forwardBackwardMs: convDx });

  for (const T of [4, 6]) {
    const tile = getTile(T, 3);
    const w = tf.randomNormal([T * T, C, C], 0, 0.1, 'float32', 3) as tf.Tensor3D;
    const fwd = tensorMs(() => winogradConv2d(x, w, tile, { pad: 'same' }), o.reps);
    const both = tensorMs(
      () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(winogradConv2d(a as tf.Tensor4D, b as tf.Tensor3D, tile, { pad: 'same' })))([x, w]),
      o.reps,
    );
    rows.push({ name: `winograd ${tile.name} T=${T}`, forwardMs: fwd, forwardBackwardMs: both });
    if (o.variants) {
      const auto = tensorMs(
        () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(winogradConv2dForward(a as tf.Tensor4D, b as tf.Tensor3D, tile, { pad: 'same' })),
          )([x, w]),
        Math.min(o.reps, 3),
      );
      rows.push({ name: `  variant T=${T}: tfjs autodiff backward`, forwardMs: null, forwardBackwardMs: auto });
      const batched = tensorMs(() => batchedVariant(x, w, tile), Math.min(o.reps, 3));
      rows.push({ name: `  variant T=${T}: one batched matMul`, forwardMs: batched, forwardBackwardMs: null });
    }
    w.dispose();
  }

  const fmt = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
  const ratio = (v: number | null, ref: number | null): string => (v === null || ref === null ? '-' : (v / ref).toFixed(2));
  const out: string[] = [
    `${info.description}, x [${N}, ${H}, ${W}, ${C}] -> ${C}, 3x3 'same', median of ${o.reps} after 2 warm-ups`,
    '',
    '| op | forward ms | fwd+bwd ms | forward / conv2d | fwd+bwd / conv2d |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.name} | ${fmt(r.forwardMs)} | ${fmt(r.forwardBackwardMs)} | ${ratio(r.forwardMs, convFwd)} | ${ratio(r.forwardBackwardMs, convBoth)} |`,
    );
  }
  for (const r of rows) if (r.note) out.push('', `note: ${r.note}`);
  process.stdout.write(`${out.join('\n')}\n`);

  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  const json = { backend: info, shape: { N, H, W, cin: C, cout: C, r: 3 }, reps: o.reps, rows };
  fs.writeFileSync(`${o.out}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  fs.renameSync(`${o.out}.tmp`, o.out);
  tf.dispose([x, g]);
  disposeWinogradConstants();
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
