import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import type { CliIO } from '../cli/io.js';
import { formatPercent, formatTable } from '../cli/table.js';
import type { Dataset } from '../data/dataset.js';
import { SwpruneError, usageError } from '../errors.js';
import { compileGraph } from '../exec/compile.js';
import type { Graph } from '../graph/ir.js';
import type { Allocation } from '../prune/allocate.js';
import { overallSparsity, type LayerSparsity } from '../prune/sparsity.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { TrainingOptions } from './config.js';
import type { LrSchedule } from './lr-schedule.js';
import { Optimizer, type OptimizerConfig, type ParamHooks } from './optimizer.js';
import { testAccuracy, trainStage } from './retrain.js';

/**
 * A pruning method for staged retraining: how a stage's masks are chosen, how they act on
 * training (optimizer hooks), and how sparsity is measured. Step 1 and step 2 are two Pruners
 * over the same loop.
 */
export interface Pruner {
  /**
   * Masks (ONNX layout, 1 keep / 0 pruned) for the stage's target, from the current weights;
   * `allocation`: the per-layer targets used (from --targets-from, or the stage's target for all).
   */
  prune(graph: Graph, target: number): { masks: Map<string, Uint8Array>; below: string[]; allocation?: Allocation };
  /** Optimizer hooks (executor layout) for the masks. */
  hooks(graph: Graph, masks: ReadonlyMap<string, Uint8Array>): Map<string, ParamHooks>;
  /** Per-layer sparsity of a graph. */
  figures(graph: Graph, target: number): LayerSparsity[];
}

export interface Accuracy {
  readonly top1: number;
  readonly top5: number;
}

/** One stage's figures (`stages[]` in the JSON logs, docs/json.md). */
export interface StageLog {
  readonly stage: number;
  readonly target: number;
  readonly layers: readonly LayerSparsity[];
  readonly winogradSparsity: number;
  readonly accuracyPruned: Accuracy;
  readonly accuracy: Accuracy;
  readonly loss: number;
  readonly trainLoss: number;
  readonly seconds: number;
  readonly examplesPerSecond: number;
  readonly belowTolerance: readonly string[];
}

export interface StagedRun {
  readonly graph: Graph;
  readonly dataset: Dataset;
  readonly pruner: Pruner;
  readonly targets: readonly number[];
  readonly training: TrainingOptions;
  readonly optimizer: OptimizerConfig;
  readonly schedule: LrSchedule;
  readonly checkpointPath: string;
  /** What a checkpoint must match to be resumed (model path, seed, method settings). */
  readonly identity: Record<string, unknown>;
  readonly resume?: boolean;
  /** Tests: stop (as if killed) after this many epochs in this invocation. */
  readonly stopAfterEpochs?: number;
  /** The input's test figures when the caller already measured them (skips one evaluation). */
  readonly baseline?: StagedResult['baseline'];
  /** What to change when training diverges (default: lower --lr). */
  readonly divergenceHint?: string;
}

export interface StagedResult {
  readonly graph: Graph;
  readonly baseline: Accuracy & { readonly loss: number };
  readonly stages: readonly StageLog[];
}

/** Thrown by `stopAfterEpochs` (tests of kill-and-resume). */
export class Interrupted extends Error {}

interface Position {
  stage: number;
  epoch: number;
  stages: StageLog[];
  baseline?: StagedResult['baseline'];
  pruned?: Accuracy;
  /** Set between pruning a stage and finishing it. */
  pruning?: { layers: LayerSparsity[]; below: string[] };
}

function printStage(io: CliIO, log: StageLog, stages: number, baseline: number): void {
  io.stdout.write(
    `\nstage ${log.stage}/${stages}: target ${formatPercent(log.target, 1)}, Winograd sparsity ${formatPercent(log.winogradSparsity, 1)}; ` +
      `top-1 ${formatPercent(log.accuracyPruned.top1)} pruned -> ${formatPercent(log.accuracy.top1)} retrained (baseline ${formatPercent(baseline)})\n`,
  );
  io.stdout.write(
    formatTable(
      [{ header: 'layer' }, { header: 'target', align: 'right' }, { header: 'winograd', align: 'right' }, { header: 'spatial', align: 'right' }],
      log.layers.map((l) => [l.name, formatPercent(l.target, 1), formatPercent(l.winogradSparsity, 1), l.spatialSparsity === null ? '-' : formatPercent(l.spatialSparsity, 1)]),
    ),
  );
}

/** Per-layer targets when they differ from the stage's (allocated from sensitivity curves). */
function printAllocation(io: CliIO, a: Allocation, target: number, stage: number, stages: number): void {
  if ([...a.targets.values()].every((t) => t === target)) return;
  const parts = [...a.targets].map(([name, t]) => `${name} ${formatPercent(t, 1)}${a.predictedDrop.has(name) ? ` (predicted -${(100 * a.predictedDrop.get(name)!).toFixed(2)} pt)` : ''}`);
  io.stdout.write(`stage ${stage}/${stages} per-layer targets for ${formatPercent(target, 1)} overall: ${parts.join(', ')}\n`);
  if (!a.withinLimit) io.stderr.write(`note: stage ${stage}: the overall target needs some layers past --max-drop by their sensitivity curves\n`);
}

/**
 * Stages of prune-then-retrain with a checkpoint after every epoch: weights, masks, optimizer
 * state and position, so `resume` continues exactly where a killed run stopped.
 */
export async function runStaged(run: StagedRun, io: CliIO): Promise<StagedResult> {
  const { training: t, checkpointPath } = run;
  let graph = run.graph;
  let pos: Position = { stage: 0, epoch: 0, stages: [], baseline: run.baseline };
  let masks = new Map<string, Uint8Array>();
  let optState: ReturnType<Optimizer['state']> | undefined;
  if (run.resume) {
    const ck = loadCheckpoint(checkpointPath);
    const meta = ck.meta as { position: Position; identity: Record<string, unknown>; steps: number };
    if (JSON.stringify(meta.identity) !== JSON.stringify(run.identity)) {
      throw usageError(`--resume: the checkpoint ${checkpointPath} was made with other settings (model, schedule, seed or method); run without --resume to start over`);
    }
    const params = new Map(graph.params);
    const slots: Record<string, Float32Array[]> = {};
    for (const [key, data] of ck.arrays) {
      const [kind, name, index] = key.split('\u0000') as [string, string, string | undefined];
      if (kind === 'param') params.set(name, { ...graph.params.get(name)!, data });
      else if (kind === 'mask') masks.set(name, Uint8Array.from(data));
      else (slots[name] ??= [])[Number(index)] = data;
    }
    graph = { ...graph, params };
    pos = meta.position;
    optState = { steps: meta.steps, slots };
    io.stderr.write(`resuming from ${checkpointPath} at stage ${pos.stage + 1}/${run.targets.length}, ${pos.epoch} of ${t.epochs} epochs done\n`);
  }

  const model = compileGraph(graph);
  const optimizer = new Optimizer(run.optimizer, model.trainable);
  if (optState) optimizer.loadState(optState);
  let hooks = run.pruner.hooks(graph, masks);
  optimizer.setHooks(hooks);
  const disposeHooks = () => tf.dispose([...hooks.values()].flatMap((h) => [h.mask, h.gradScale].filter((x): x is tf.Tensor => !!x)));
  let epochsThisRun = 0;

  const checkpoint = (at: Position) => {
    const current = model.toGraph();
    const st = optimizer.state();
    const arrays = new Map<string, Float32Array>();
    for (const name of model.variables.keys()) arrays.set(`param\u0000${name}`, current.params.get(name)!.data as Float32Array);
    for (const [name, m] of masks) arrays.set(`mask\u0000${name}`, Float32Array.from(m));
    for (const [name, s] of Object.entries(st.slots)) s.forEach((a, i) => arrays.set(`slot\u0000${name}\u0000${i}`, a));
    saveCheckpoint(checkpointPath, { meta: { position: at, identity: run.identity, steps: st.steps }, arrays });
  };

  try {
    if (!pos.baseline) {
      const b = await testAccuracy(model, run.dataset, t.batchSize, io.stderr, 'baseline');
      pos.baseline = { top1: b.accuracy.top1, top5: b.accuracy.top5, loss: b.loss };
      io.stdout.write(`baseline: top-1 ${formatPercent(b.accuracy.top1)}, top-5 ${formatPercent(b.accuracy.top5)}, loss ${b.loss.toFixed(4)}\n`);
    }
    for (; pos.stage < run.targets.length; pos.stage++, pos.epoch = 0) {
      const target = run.targets[pos.stage]!;
      const stageStart = performance.now();
      if (!pos.pruning) {
        const current = model.toGraph();
        const chosen = run.pruner.prune(current, target);
        masks = chosen.masks;
        disposeHooks();
        hooks = run.pruner.hooks(current, masks);
        optimizer.setHooks(hooks);
        // Mask the weights in place; the optimizer keeps its state.
        tf.tidy(() => {
          for (const [name, h] of hooks) {
            const v = model.trainable.get(name)!;
            v.assign(tf.add(tf.mul(v, h.mask!), 0));
          }
        });
        pos.pruning = { layers: run.pruner.figures(model.toGraph(), target), below: chosen.below };
        if (chosen.allocation) printAllocation(io, chosen.allocation, target, pos.stage + 1, run.targets.length);
        for (const name of chosen.below) io.stderr.write(`note: ${name}: the discrete groups cannot reach ${formatPercent(target, 1)} within 0.5 pp\n`);
        pos.pruned = (await testAccuracy(model, run.dataset, t.batchSize, io.stderr, `stage ${pos.stage + 1}/${run.targets.length} pruned`)).accuracy;
      }
      const results = await trainStage({
        model, dataset: run.dataset, optimizer, training: t, schedule: run.schedule, stage: pos.stage, stages: run.targets.length,
        startEpoch: pos.epoch, log: io.stderr,
        afterEpoch: (e) => {
          pos.epoch = e + 1;
          checkpoint(pos);
          if (run.stopAfterEpochs !== undefined && ++epochsThisRun >= run.stopAfterEpochs) throw new Interrupted('stopped');
        },
      });
      const after = await testAccuracy(model, run.dataset, t.batchSize, io.stderr, `stage ${pos.stage + 1}/${run.targets.length} retrained`);
      const figures = run.pruner.figures(model.toGraph(), target);
      const trainSeconds = results.reduce((s, r) => s + r.seconds, 0);
      const log: StageLog = {
        stage: pos.stage + 1,
        target,
        layers: figures,
        winogradSparsity: overallSparsity(figures),
        accuracyPruned: pos.pruned!,
        accuracy: after.accuracy,
        loss: after.loss,
        trainLoss: results.at(-1)?.loss ?? Number.NaN,
        seconds: (performance.now() - stageStart) / 1000,
        examplesPerSecond: results.reduce((s, r) => s + r.examples, 0) / Math.max(trainSeconds, 1e-9),
        belowTolerance: pos.pruning!.below,
      };
      pos.stages.push(log);
      pos.pruning = undefined;
      printStage(io, log, run.targets.length, pos.baseline.top1);
      if (pos.stage + 1 < run.targets.length) checkpoint({ ...pos, stage: pos.stage + 1, epoch: 0 });
    }
    return { graph: model.toGraph(), baseline: pos.baseline, stages: pos.stages };
  } catch (e) {
    if (e instanceof SwpruneError && e.code === 'E_TRAIN') {
      const keep = existsSync(checkpointPath) ? `the last good checkpoint is kept at ${checkpointPath}; ` : '';
      const hint = run.divergenceHint ?? `lower --lr (now ${t.lr})`;
      throw new SwpruneError('E_TRAIN', `${e.message}; ${keep}${hint}${keep ? ' and rerun with --resume' : ''}`);
    }
    throw e;
  } finally {
    disposeHooks();
    optimizer.dispose();
    model.dispose();
  }
}
