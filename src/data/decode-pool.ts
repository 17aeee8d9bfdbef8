import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SwpruneError, type ErrorCode } from '../errors.js';
import { runBatchJob, type BatchJob, type BatchOutcome } from './batch-job.js';

/** Runs batch jobs: in worker threads, or on this thread (0 workers). */
export interface DecodePool {
  readonly workers: number;
  run(job: BatchJob): Promise<BatchOutcome>;
  /** Ends the workers; call when no job is running (a worker killed inside libvips can crash the process). */
  close(): Promise<void>;
}

/**
 * The compiled worker script. From the package (dist/) it sits beside this module; when this
 * module runs from the TypeScript sources (vitest), the build in dist/ serves (`npm test`
 * builds first).
 */
function workerScript(): URL {
  for (const rel of ['./decode-worker.js', '../../dist/data/decode-worker.js']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error('dist/data/decode-worker.js not found: run `npm run build` first');
}

/**
 * Workers inherit node's flags; `--input-type` (for `node --input-type=module -e ...`) makes a
 * worker given a file fail to start, so it is left out — and an explicit list may not hold the
 * heap-size flags node rejects for workers (inherited, they are fine).
 */
function workerFlags(): { execArgv?: string[] } {
  if (!process.execArgv.some((a) => a.startsWith('--input-type'))) return {};
  const perProcess = ['--input-type', '--max-old-space-size', '--max-semi-space-size', '--stack-size'];
  return { execArgv: process.execArgv.filter((a) => !perProcess.some((p) => a.startsWith(p))) };
}

interface Pending {
  readonly job: BatchJob;
  readonly resolve: (out: BatchOutcome) => void;
  readonly reject: (e: Error) => void;
}

/**
 * Starts `count` decoding worker threads (0: decode on this thread). sharp is loaded here
 * first: its shared libraries must stay loaded while workers come and go (sharp's advice for
 * worker threads on glibc).
 */
export async function startDecodePool(count: number): Promise<DecodePool> {
  await import('sharp');
  if (count <= 0) return { workers: 0, run: runBatchJob, close: async () => undefined };
  const script = workerScript();
  const queue: Pending[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Pending>();
  let failure: Error | undefined;
  let nextId = 0;

  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const w = idle.pop()!;
      const p = queue.shift()!;
      busy.set(w, p);
      w.postMessage({ id: nextId++, job: p.job });
    }
  };
  const workers = Array.from({ length: count }, () => {
    const w = new Worker(script, workerFlags());
    w.on('message', (msg: { out?: BatchOutcome; error?: { code?: ErrorCode; message: string } }) => {
      const p = busy.get(w)!;
      busy.delete(w);
      idle.push(w);
      if (msg.out) p.resolve(msg.out);
      else p.reject(msg.error!.code ? new SwpruneError(msg.error!.code, msg.error!.message) : new Error(msg.error!.message));
      dispatch();
    });
    w.on('error', (e) => {
      failure = e;
      busy.get(w)?.reject(e);
      busy.delete(w);
      for (const p of queue.splice(0)) p.reject(e);
    });
    idle.push(w);
    return w;
  });
  return {
    workers: count,
    run: (job) =>
      new Promise<BatchOutcome>((resolve, reject) => {
        if (failure) return reject(failure);
        queue.push({ job, resolve, reject });
        dispatch();
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
