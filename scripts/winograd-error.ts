/**
 * Float32 error of Winograd convolution against direct convolution, for every tile offered.
 *
 *   node build/scripts/winograd-error.js [--backend wasm|cpu] [--batch N] [--size S] [--channels C] [--seed K]
 *
 * One realistic layer: x ~ N(0, 1) of shape [N, S, S, C] (default 8 x 32 x 32 x 32), spatial
 * weights g ~ N(0, 2 / (r*r*C)) (He init), C -> C channels, 'same' padding. The Winograd weight
 * W = G g G^T is computed in float64 (winogradWeight) and stored as float32, as training would.
 * Reports, relative to max |reference output|, the max and mean absolute error of
 *   - winogradConv2d (float32) against tf.conv2d (float32), and
 *   - both against a float64 direct convolution of the same float32 inputs,
 * as a markdown table (the table in docs/winograd.md).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { winogradConv2d } from '#src/tfjs-ops/winograd-conv2d.js';
import { disposeWinogradConstants } from '#src/tfjs-ops/winograd-constants.js';
import type { WinogradTile } from '#src/winograd/tiles.js';
import { listTiles } from '#src/winograd/tiles.js';
import { winogradWeight } from '#src/winograd/winograd-weight.js';

interface Options {
  backend: string;
  batch: number;
  size: number;
  channels: number;
  seed: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { backend: 'wasm', batch: 8, size: 32, channels: 32, seed: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--backend') o.backend = value;
    else if (flag === '--batch') o.batch = Number(value);
    else if (flag === '--size') o.size = Number(value);
    else if (flag === '--channels') o.channels = Number(value);
    else if (flag === '--seed') o.seed = Number(value);
    else throw new Error(`unknown option ${flag}; expected --backend, --batch, --size, --channels, --seed`);
  }
  return o;
}

/** Seeded N(0, 1) float32 values (mulberry32 + Box-Muller), identical on every backend. */
function normal(n: number, seed: number, std: number): Float32Array {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/** Direct 'same' cross-correlation in float64; x NHWC, g OIHW [C, C, r, r]. */
function directF64(x: Float32Array, N: number, S: number, C: number, g: Float32Array, r: number): Float64Array {
  const top = Math.floor((r - 1) / 2);
  const y = new Float64Array(N * S * S * C);
  const acc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < S; h++) {
      for (let w = 0; w < S; w++) {
        acc.fill(0);
        for (let k = 0; k < r; k++) {
          const hh = h + k - top;
          if (hh < 0 || hh >= S) continue;
          for (let l = 0; l < r; l++) {
            const ww = w + l - top;
            if (ww < 0 || ww >= S) continue;
            const xb = ((n * S + hh) * S + ww) * C;
            for (let co = 0; co < C; co++) {
              let s = 0;
              const gb = co * C * r * r + k * r + l;
              for (let ci = 0; ci < C; ci++) s += x[xb + ci]! * g[gb + ci * r * r]!;
              acc[co]! += s;
            }
          }
        }
        y.set(acc, ((n * S + h) * S + w) * C);
      }
    }
  }
  return y;
}

/** [max, mean] of |a - b| divided by max |b|. */
function errors(a: ArrayLike<number>, b: ArrayLike<number>): [number, number] {
  let max = 0;
  let sum = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return [max / scale, sum / b.length / scale];
}

function hwio(g: Float32Array, C: number, r: number): tf.Tensor4D {
  const out = new Float32Array(g.length);
  for (let co = 0; co < C; co++)
    for (let ci = 0; ci < C; ci++)
      for (let k = 0; k < r * r; k++) {
        out[(k * C + ci) * C + co] = g[(co * C + ci) * r * r + k]!;
      }
  return tf.tensor4d(out, [r, r, C, C]);
}

interface Result {
  tile: WinogradTile;
  vsConv: [number, number];
  vsF64: [number, number];
  convVsF64: [number, number];
}

function measure(tile: WinogradTile, o: Options): Result {
  const { batch: N, size: S, channels: C, seed } = o;
  const r = tile.r;
  const x = normal(N * S * S * C, seed, 1);
  const g = normal(C * C * r * r, seed + r, Math.sqrt(2 / (r * r * C)));
  const ref = directF64(x, N, S, C, g, r);
  const wf = Float32Array.from(winogradWeight(tile, Float64Array.from(g), C, C));
  const [yw, yc] = tf.tidy(() => {
    const xt = tf.tensor4d(x, [N, S, S, C]);
    const wino = winogradConv2d(xt, tf.tensor3d(wf, [tile.T * tile.T, C, C]), tile, { pad: 'same' });
    const conv = tf.conv2d(xt, hwio(g, C, r), 1, 'same');
    return [wino.dataSync(), conv.dataSync()];
  });
  return { tile, vsConv: errors(yw, yc), vsF64: errors(yw, ref), convVsF64: errors(yc, ref) };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  await tf.setBackend(o.backend);
  await tf.ready();
  const e = (v: number): string => v.toExponential(1);
  const lines = [
    `backend ${o.backend}; x ~ N(0,1) [${o.batch}, ${o.size}, ${o.size}, ${o.channels}], He-init weights, ${o.channels} -> ${o.channels}, 'same'; errors relative to max |reference output|`,
    '',
    '| tile | T | points | max vs conv2d | mean vs conv2d | max vs float64 | mean vs float64 |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
  ];
  const conv: Result[] = [];
  for (const tile of listTiles()) {
    const res = measure(tile, o);
    conv.push(res);
    lines.push(
      `| ${tile.name} | ${tile.T} | ${tile.points.join(', ')}, ∞ | ${e(res.vsConv[0])} | ${e(res.vsConv[1])} | ${e(res.vsF64[0])} | ${e(res.vsF64[1])} |`,
    );
  }
  for (const r of [...new Set(conv.map((c) => c.tile.r))]) {
    const c = conv.find((x) => x.tile.r === r)!;
    lines.push(`| tf.conv2d ${r}x${r} (float32) | - | - | - | - | ${e(c.convVsF64[0])} | ${e(c.convVsF64[1])} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  disposeWinogradConstants();
}

main().catch((err: unknown) => {
  process.stderr.write(`winograd-error failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
