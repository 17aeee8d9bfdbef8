/**
 * Inference throughput of one engine on one ONNX file, for `npm run bench` (one process per
 * measurement, so engines and thread counts do not share a heap or a warm cache):
 *
 *   node build/bench/eval-speed.js --model FILE --engine swprune|onnxruntime [--threads N] [--batch 256] [--seconds 3]
 *
 * swprune: what every stage, `sensitivity` and `swprune eval` call, src/eval/evaluate.ts, on a
 * test split of `examples` random images (10,000 by default: the test set of Fashion-MNIST and
 * CIFAR-10) in batches of `batch`, N threads; each call's set-up (planning the current weights
 * into the deployment runtime and starting its threads) counts, as it does for users.
 * onnxruntime: onnxruntime-node (a dev dependency) with N intra-op threads, sequential
 * execution, the same batch, one batch a call. One warm-up call of a batch each, then calls
 * until `seconds` have passed (at least one). Prints one JSON line: examples per second.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '#src/backend/select.js';
import { setThreads } from '#src/backend/threads.js';
import { MemorySplit } from '#src/data/split.js';
import { evaluate } from '#src/eval/evaluate.js';
import { compileGraph, imageInputShape } from '#src/exec/compile.js';
import { loadModel } from '#src/io/load.js';

interface Options {
  model: string;
  engine: 'swprune' | 'onnxruntime';
  threads: number;
  batch: number;
  seconds: number;
  examples: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Partial<Options> = { threads: 1, batch: 256, seconds: 3, examples: 10000 };
  for (let i = 0; i < argv.length; i += 2) {
    const [a, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--model') o.model = v;
    else if (a === '--engine' && (v === 'swprune' || v === 'onnxruntime')) o.engine = v;
    else if (a === '--threads') o.threads = Number(v);
    else if (a === '--batch') o.batch = Number(v);
    else if (a === '--seconds') o.seconds = Number(v);
    else if (a === '--examples') o.examples = Number(v);
    else
      throw new Error(
        `unknown option ${a} ${v}; expected --model FILE --engine swprune|onnxruntime [--threads N] [--batch B] [--seconds S] [--examples E]`,
      );
  }
  if (!o.model || !o.engine) throw new Error('--model and --engine are required');
  return o as Options;
}

/** Calls `run` (`perCall` examples) until `seconds` have passed, at least once, after `warmUp`; examples per second. */
async function throughput(
  perCall: number,
  seconds: number,
  warmUp: () => Promise<void>,
  run: () => Promise<void>,
): Promise<{ examplesPerSecond: number; calls: number }> {
  await warmUp();
  let calls = 0;
  const t0 = performance.now();
  while (calls < 1 || performance.now() - t0 < seconds * 1000) {
    await run();
    calls++;
  }
  return { examplesPerSecond: (perCall * calls) / ((performance.now() - t0) / 1000), calls };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const graph = loadModel(o.model).graph;
  const { height, width, channels } = imageInputShape(graph);
  const [H, W, C] = [height ?? 32, width ?? 32, channels ?? 3];
  const pixels = o.batch * H * W * C;
  let result: { examplesPerSecond: number; calls: number };
  if (o.engine === 'swprune') {
    tf.env().set('PROD', true);
    setThreads(o.threads);
    await selectBackend('wasm');
    const images = Uint8Array.from({ length: o.examples * H * W * C }, (_, i) => (i * 2654435761) >>> 24);
    const labels = Uint8Array.from({ length: o.examples }, (_, i) => i % 10);
    const split = new MemorySplit(
      images,
      labels,
      { height: H, width: W, channels: C },
      new Array(C).fill(0.5),
      new Array(C).fill(0.25),
      false,
    );
    const model = compileGraph(graph);
    result = await throughput(
      o.examples,
      o.seconds,
      async () => {
        await evaluate(model, split, { batchSize: o.batch, limit: o.batch });
      },
      async () => {
        await evaluate(model, split, { batchSize: o.batch });
      },
    );
    model.dispose();
  } else {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(o.model, {
      intraOpNumThreads: o.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    const x = new ort.Tensor(
      'float32',
      Float32Array.from({ length: pixels }, (_, i) => ((i * 2654435761) >>> 24) / 64 - 2),
      [o.batch, C, H, W],
    );
    const call = async () => {
      const out = await session.run({ [session.inputNames[0]!]: x });
      void out[session.outputNames[0]!]!.data;
    };
    result = await throughput(o.batch, o.seconds, call, call);
    await session.release();
  }
  process.stdout.write(`${JSON.stringify({ engine: o.engine, threads: o.threads, batch: o.batch, ...result })}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`eval-speed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
