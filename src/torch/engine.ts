import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { msg, opt, SwpruneError, usageError, type ErrorCode } from '../errors.js';
import type { RetrainEngine } from '../train/engine.js';
import type { StageTraining } from '../train/retrain.js';
import type { EpochResult } from '../train/train-epoch.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { writeJob } from './job.js';
import { runTorchrun, type EngineLine, type Launch, type LaunchResult } from './launch.js';
import { findTorch, type TorchInstall } from './python.js';

/** The torch engine's options (the API's `engine: 'torch'` with these; docs/scale.md). */
export interface TorchEngineOptions extends Partial<Launch> {
  /** The Python interpreter (default: $SWPRUNE_PYTHON, then python3 on PATH, then /usr/bin/python3). */
  readonly python?: string;
  /** Torch threads per process (default: the cores divided between the processes). */
  readonly threads?: number;
  /** 'cpu': train on the CPU even where CUDA devices are present. */
  readonly device?: 'auto' | 'cpu';
}

/**
 * The torch engine: each stage's epochs run in PyTorch under torchrun (src/torch/python/swprune_torch),
 * DistributedDataParallel over `nproc` processes (default: the CUDA devices, else 1) and
 * machines; the weights, batch-norm statistics and optimizer slots come back into the model and
 * the optimizer after every epoch, before `afterEpoch` checkpoints them, and rank 0's progress
 * becomes the same progress events the built-in engine sends. Finds the interpreter now, so a
 * missing python3 or torch is an error before any work.
 */
export function torchEngine(o: TorchEngineOptions = {}): RetrainEngine & { readonly install: TorchInstall; readonly launch: Launch } {
  const install = findTorch(o.python);
  const gpus = o.device === 'cpu' ? 0 : install.cudaDevices;
  const nproc = o.nproc ?? Math.max(gpus, 1);
  if (!(Number.isInteger(nproc) && nproc > 0)) throw usageError(msg`${opt('nproc')} must be a positive integer, got ${nproc}`);
  const launch: Launch = { ...o, nproc };
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / nproc));
  return {
    kind: 'torch',
    install,
    launch,
    trainStage: (s) => trainStage(s, install, launch, { threads, device: o.device ?? 'auto' }),
  };
}

async function trainStage(
  s: StageTraining,
  install: TorchInstall,
  launch: Launch,
  place: { threads: number; device: 'auto' | 'cpu' },
): Promise<EpochResult[]> {
  const world = launch.nproc * (launch.nnodes ? Number.parseInt(launch.nnodes, 10) || 1 : 1);
  if (s.training.batchSize % world !== 0) {
    throw usageError(
      msg`${opt('batchSize')} ${s.training.batchSize} is the global batch and must split evenly between the ${world} processes; pass a multiple of ${world}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'swprune-torch-'));
  const total = s.dataset.train.size(s.training.limit);
  const results: EpochResult[] = [];
  let error: { code: string; message: string } | undefined;
  const task = (e: number) => ({ kind: 'train', stage: s.stage + 1, stages: s.stages, epoch: e + 1, epochs: s.plan.epochs }) as const;
  const onLine = (line: EngineLine) => {
    if (line.kind === 'batch') {
      s.sink({
        kind: 'progress',
        task: task(line.epoch),
        done: line.done,
        total,
        finished: false,
        loss: line.loss,
        examplesPerSecond: line.done / Math.max(line.seconds, 1e-9),
      });
    } else if (line.kind === 'epoch') {
      loadEpoch(s, line.file);
      rmSync(line.file, { force: true });
      const r: EpochResult = { loss: line.loss, examples: line.examples, seconds: line.seconds };
      s.sink({
        kind: 'progress',
        task: task(line.epoch),
        done: r.examples,
        total,
        finished: true,
        loss: r.loss,
        examplesPerSecond: r.examples / Math.max(r.seconds, 1e-9),
      });
      results.push(r);
      s.afterEpoch(line.epoch, r);
    } else {
      error = line;
    }
  };
  try {
    const job = writeJob(dir, s, place);
    const exit = await runTorchrun(install, launch, job, onLine);
    const stopped = () =>
      new SwpruneError('E_ENGINE', [
        `the torch engine stopped in stage ${s.stage + 1}: ${describeExit(exit)}; the outputs are untouched, and the checkpoint of the last finished epoch (if any) continues with `,
        opt('resume'),
      ]);
    // A process killed from outside is the cause, whatever its peers then reported.
    if (exit.code !== 0 && killedFromOutside(exit)) throw stopped();
    if (error) throw new SwpruneError(error.code as ErrorCode, error.message);
    if (exit.code !== 0) throw stopped();
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The weights, batch-norm statistics and optimizer slots of a finished epoch into the model and the optimizer. */
function loadEpoch(s: StageTraining, file: string): void {
  const { meta, arrays } = loadCheckpoint(file);
  for (const [name, v] of s.model.variables) {
    const a = arrays.get(`param:${name}`);
    if (!a) throw new SwpruneError('E_ENGINE', `the torch engine's epoch file lacks parameter "${name}"`);
    tf.tidy(() => v.assign(s.model.toExecLayout(name, a)));
  }
  const slots: Record<string, Float32Array[]> = {};
  for (const [key, a] of arrays) {
    if (!key.startsWith('slot:')) continue;
    const at = key.lastIndexOf(':');
    const name = key.slice('slot:'.length, at);
    slots[name] ??= [];
    slots[name][Number(key.slice(at + 1))] = tf.tidy(() => s.model.toExecLayout(name, a).dataSync() as Float32Array).slice();
  }
  s.optimizer.loadState({ steps: Number(meta.steps), slots });
}

/** The failed processes torchrun lists (rank, exit code; a negative code is the signal that killed it). */
function failures(exit: LaunchResult): { rank: number; code: number }[] {
  const text = exit.stderr.join('\n');
  return [...text.matchAll(/rank\s*:\s*(\d+)[^\n]*\n\s*exitcode\s*:\s*(-?\d+)/g)].map((m) => ({ rank: Number(m[1]), code: Number(m[2]) }));
}

const killedRank = (exit: LaunchResult) => failures(exit).find((f) => f.code < 0);

/** A training process (or torchrun) ended by a signal from outside. */
const killedFromOutside = (exit: LaunchResult) => (exit.direct ? exit.signal !== null : killedRank(exit) !== undefined);

/** One line on why torchrun (or the one training process) ended: the process killed by a signal, else the first that failed, else the last words. */
export function describeExit(exit: LaunchResult): string {
  if (exit.direct) {
    if (exit.signal) return `process 0 was killed by signal ${constants.signals[exit.signal] ?? exit.signal}`;
    if (exit.code !== null && exit.code !== 0) {
      const last = exit.stderr.filter((l) => l.trim() !== '').at(-1);
      return `process 0 exited with code ${exit.code}${last ? `: ${last.trim()}` : ''}`;
    }
  }
  const f = killedRank(exit) ?? failures(exit)[0];
  if (f) return f.code < 0 ? `process ${f.rank} was killed by signal ${-f.code}` : `process ${f.rank} exited with code ${f.code}`;
  if (exit.signal) return `torchrun was stopped by ${exit.signal}`;
  const last = exit.stderr.filter((l) => l.trim() !== '').at(-1) ?? 'no message';
  return `torchrun exited with code ${exit.code}: ${last.trim()}`;
}
