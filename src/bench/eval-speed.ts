/**
 * Inference throughput of one engine on one ONNX file, for `npm run bench` (one process per
 * measurement, so engines and thread counts do not share a heap or a warm cache):
 *
 *   node dist/bench/eval-speed.js --model FILE --engine swprune|onnxruntime [--threads N] [--batch 256] [--seconds 3]
 *
 * swprune: `swprune eval`'s path (the executor in inference mode and the accuracy/loss ops of
 * src/eval/evaluate.ts) on the wasm backend with N threads for swprune's kernels, over random
 * images. onnxruntime: onnxruntime-node (a dev dependency) with N intra-op threads, sequential
 * execution, the same batch. One warm-up pass, then batches until `seconds` have passed. Prints
 * one JSON line: examples per second.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/select.js';
import { setThreads } from '../backend/threads.js';
import { MemorySplit } from '../data/split.js';
import { evaluate } from '../eval/evaluate.js';
import { compileGraph, imageInputShape } from '../exec/compile.js';
import { loadModel } from '../io/load.js';

interface Options { model: string; engine: 'swprune' | 'onnxruntime'; threads: number; batch: number; seconds: number }

function parseArgs(argv: readonly string[]): Options {
  const o: Partial<Options> = { threads: 1, batch: 256, seconds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const [a, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--model') o.model = v;
    else if (a === '--engine' && (v === 'swprune' || v === 'onnxruntime')) o.engine = v;
    else if (a === '--threads') o.threads = Number(v);
    else if (a === '--batch') o.batch = Number(v);
    else if (a === '--seconds') o.seconds = Number(v);
    else throw new Error(`unknown option ${a} ${v}; expected --model FILE --engine swprune|onnxruntime [--threads N] [--batch B] [--seconds S]`);
  }
  if (!o.model || !o.engine) throw new Error('--model and --engine are required');
  return o as Options;
}

/** Runs `batch` until `seconds` have passed (after one warm-up call); examples per second. */
async function throughput(batch: number, seconds: number, run: () => Promise<void>): Promise<{ examplesPerSecond: number; batches: number }> {
  await run();
  let batches = 0;
  const t0 = performance.now();
  while (batches < 2 || performance.now() - t0 < seconds * 1000) {
    await run();
    batches++;
  }
  return { examplesPerSecond: (batch * batches) / ((performance.now() - t0) / 1000), batches };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const graph = loadModel(o.model).graph;
  const { height, width, channels } = imageInputShape(graph);
  const [H, W, C] = [height ?? 32, width ?? 32, channels ?? 3];
  const pixels = o.batch * H * W * C;
  let result: { examplesPerSecond: number; batches: number };
  if (o.engine === 'swprune') {
    tf.env().set('PROD', true);
    setThreads(o.threads);
    await selectBackend('wasm');
    const images = Uint8Array.from({ length: pixels }, (_, i) => (i * 2654435761) >>> 24);
    const labels = Uint8Array.from({ length: o.batch }, (_, i) => i % 10);
    const split = new MemorySplit(images, labels, { height: H, width: W, channels: C }, new Array(C).fill(0.5), new Array(C).fill(0.25), false);
    const model = compileGraph(graph);
    result = await throughput(o.batch, o.seconds, async () => {
      await evaluate(model, split, { batchSize: o.batch });
    });
    model.dispose();
  } else {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(o.model, { intraOpNumThreads: o.threads, interOpNumThreads: 1, executionMode: 'sequential' });
    const x = new ort.Tensor('float32', Float32Array.from({ length: pixels }, (_, i) => ((i * 2654435761) >>> 24) / 64 - 2), [o.batch, C, H, W]);
    result = await throughput(o.batch, o.seconds, async () => {
      const out = await session.run({ [session.inputNames[0]!]: x });
      void out[session.outputNames[0]!]!.data;
    });
    await session.release();
  }
  process.stdout.write(JSON.stringify({ engine: o.engine, threads: o.threads, batch: o.batch, ...result }) + '\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`eval-speed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
