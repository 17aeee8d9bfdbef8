/**
 * Worker-thread entry: decodes batch jobs (batch-job.ts) posted by a DecodePool and posts the
 * batches back, their images transferred (not copied). One job at a time per worker.
 */
import { parentPort } from 'node:worker_threads';
import { SwpruneError } from '../errors.js';
import { runBatchJob, type BatchJob } from './batch-job.js';

parentPort!.on('message', (msg: { id: number; job: BatchJob }) => {
  runBatchJob(msg.job).then(
    (out) => parentPort!.postMessage({ id: msg.id, out }, [out.x.buffer as ArrayBuffer]),
    (e: unknown) =>
      parentPort!.postMessage({
        id: msg.id,
        error: { code: e instanceof SwpruneError ? e.code : undefined, message: e instanceof Error ? e.message : String(e) },
      }),
  );
});
