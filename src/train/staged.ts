import { existsSync, rmSync } from 'node:fs';
import type { Dataset } from '../data/dataset.js';
import { msg, opt, SwpruneError, type Message } from '../errors.js';
import { evaluate } from '../eval/evaluate.js';
import { compileGraph } from '../exec/compile.js';
import type { Graph } from '../graph/ir.js';
import { nonFiniteWeights } from '../graph/validate.js';
import type { Pruner } from '../prune/pruner.js';
import { overallSparsity } from '../prune/sparsity.js';
import type { StagePlan, TrainingSettings } from './config.js';
import type { StageLog, TrainingSink } from './events.js';
import type { LrSchedule } from './lr-schedule.js';
import { MaskHooks } from './masking.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { builtinEngine, type RetrainEngine } from './engine.js';
import { loadRunState, saveRunState, withParams, type Position, type RunIdentity } from './run-state.js';

export interface StagedRun {
  readonly graph: Graph;
  readonly dataset: Dataset;
  readonly pruner: Pruner;
  readonly plan: readonly StagePlan[];
  readonly training: TrainingSettings;
  readonly optimizer: OptimizerConfig;
  readonly schedule: LrSchedule;
  readonly checkpointPath: string;
  /** What a checkpoint must match to be resumed. */
  readonly identity: RunIdentity;
  readonly resume?: boolean;
  /** The input's test figures when the caller already measured them (skips one evaluation). */
  readonly baseline?: Position['baseline'];
  /**
   * What to change when a stage at learning rate `lr` diverges, or when its retraining ends below
   * its accuracy right after pruning (default: lower the learning rate).
   */
  readonly divergenceHint?: (lr: number) => Message;
  /** What retrains each stage (default: the built-in engine). */
  readonly engine?: RetrainEngine;
  readonly sink: TrainingSink;
}

export interface StagedResult {
  readonly graph: Graph;
  readonly baseline: NonNullable<Position['baseline']>;
  readonly stages: readonly StageLog[];
}

/**
 * Stages of prune-then-retrain with a checkpoint after every epoch (weights, masks, optimizer
 * state and position), so `resume` continues exactly where a killed run stopped. Per stage: the
 * pruner chooses masks from the current weights, the masked model is evaluated, retrained with
 * the masks as optimizer hooks, and evaluated again.
 */
export async function runStaged(run: StagedRun): Promise<StagedResult> {
  const { training: t, sink } = run;
  checkTrainable(run);
  const saved = run.resume ? loadRunState(run.checkpointPath, run.identity) : undefined;
  const pos: Position = saved?.position ?? { stage: 0, epoch: 0, stages: [], baseline: run.baseline };
  let masks = new Map(saved?.masks ?? []);
  const stages = run.plan.length;
  if (saved)
    sink({
      kind: 'resumed',
      checkpoint: run.checkpointPath,
      stage: pos.stage + 1,
      stages,
      epochsDone: pos.epoch,
      epochs: run.plan[pos.stage]?.epochs ?? 0,
    });

  const model = compileGraph(saved ? withParams(run.graph, saved.params) : run.graph);
  const optimizer = new Optimizer(run.optimizer, model.trainable);
  if (saved) optimizer.loadState(saved.optimizer);
  let hooks = new MaskHooks(model, run.pruner, masks);
  optimizer.setHooks(hooks.hooks);

  const evalBatch = Math.max(t.batchSize, 256);
  const test = (subject: string, stage?: number) =>
    evaluate(model, run.dataset.test, {
      batchSize: evalBatch,
      progress: { task: { kind: 'evaluate', subject, stage, stages: stage && stages }, sink },
    });
  const checkpoint = (at: Position) => {
    const current = model.toGraph();
    const params = new Map([...model.variables.keys()].map((name) => [name, current.params.get(name)!.data as Float32Array]));
    saveRunState(run.checkpointPath, run.identity, { position: at, params, masks, optimizer: optimizer.state() });
    sink({ kind: 'checkpoint', path: run.checkpointPath, stage: at.stage + 1, epoch: at.epoch });
  };

  try {
    if (!pos.baseline) {
      const b = await test('baseline');
      pos.baseline = { ...b.accuracy, loss: b.loss };
      sink({ kind: 'baseline', accuracy: b.accuracy, loss: b.loss });
    }
    for (; pos.stage < stages; pos.stage++, pos.epoch = 0) {
      const plan = run.plan[pos.stage]!;
      const { target } = plan;
      const stageStart = performance.now();
      if (!pos.pruning) {
        const chosen = run.pruner.prune(model.toGraph(), target);
        masks = chosen.masks;
        hooks.dispose();
        hooks = new MaskHooks(model, run.pruner, masks);
        optimizer.setHooks(hooks.hooks);
        hooks.apply(model);
        pos.pruning = { below: [...chosen.below] };
        sink({ kind: 'stage-pruned', stage: pos.stage + 1, stages, target, allocation: chosen.allocation, below: chosen.below });
        pos.pruned = (await test('pruned', pos.stage + 1)).accuracy;
      }
      const results = await (run.engine ?? builtinEngine).trainStage({
        model,
        dataset: run.dataset,
        optimizer,
        training: t,
        schedule: run.schedule,
        plan,
        stage: pos.stage,
        stages,
        startEpoch: pos.epoch,
        sink,
        masks,
        gradScales: stageScales(run.pruner, masks),
        afterEpoch: (e) => {
          pos.epoch = e + 1;
          checkpoint(pos);
        },
      });
      const after = await test('retrained', pos.stage + 1);
      // Finite weights can still overflow to NaN outputs (logits in the hundreds, one step too
      // large). The epoch's checkpoint holds those weights: nothing good to resume from.
      if (!Number.isFinite(after.loss)) {
        rmSync(run.checkpointPath, { force: true });
        throw new SwpruneError(
          'E_TRAIN',
          `training diverged: the retrained model's test loss is ${after.loss} after stage ${pos.stage + 1}`,
        );
      }
      const figures = run.pruner.figures(model.toGraph(), target);
      const trainSeconds = results.reduce((s, r) => s + r.seconds, 0);
      const log: StageLog = {
        stage: pos.stage + 1,
        target,
        epochs: plan.epochs,
        lr: plan.lr,
        layers: figures,
        winogradSparsity: overallSparsity(figures),
        accuracyPruned: pos.pruned!,
        accuracy: after.accuracy,
        loss: after.loss,
        trainLoss: results.at(-1)?.loss ?? Number.NaN,
        seconds: (performance.now() - stageStart) / 1000,
        examplesPerSecond: results.reduce((s, r) => s + r.examples, 0) / Math.max(trainSeconds, 1e-9),
        belowTolerance: pos.pruning!.below,
        retrainingLost: Math.max(0, pos.pruned!.top1 - after.accuracy.top1),
      };
      pos.stages.push(log);
      pos.pruning = undefined;
      const hint = log.retrainingLost > 0 ? trainingHint(run, plan.lr) : undefined;
      sink({ kind: 'stage-done', log, stages, baseline: pos.baseline, ...(hint ? { hint } : {}) });
      if (pos.stage + 1 < stages) checkpoint({ ...pos, stage: pos.stage + 1, epoch: 0 });
    }
    return { graph: model.toGraph(), baseline: pos.baseline, stages: pos.stages };
  } catch (e) {
    throw e instanceof SwpruneError && e.code === 'E_TRAIN' ? divergence(e, run, run.plan[pos.stage]?.lr ?? 0) : e;
  } finally {
    hooks.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/** The gradient scale of every masked parameter (ONNX layout): the pruner's, else the mask (as MaskHooks). */
function stageScales(pruner: Pruner, masks: ReadonlyMap<string, Uint8Array>): Map<string, Float32Array> {
  const scales = pruner.gradientScales(masks);
  return new Map([...masks].map(([name, m]) => [name, scales.get(name) ?? Float32Array.from(m)]));
}

/**
 * What makes training meaningless from its first step, refused before it starts (and not
 * reported later as a divergence that a lower learning rate would cure): NaN or infinite
 * weights in the input model, and a training split without examples.
 */
function checkTrainable(run: StagedRun): void {
  const bad = nonFiniteWeights(run.graph);
  if (bad.count > 0) {
    throw new SwpruneError(
      'E_MODEL',
      `the input model has ${bad.count} NaN or infinite weight${bad.count === 1 ? '' : 's'} (in "${bad.params[0]}"${bad.params.length > 1 ? ` and ${bad.params.length - 1} more` : ''}); training cannot start from them: fix or re-export the model`,
    );
  }
  if (run.dataset.train.size(run.training.limit) === 0) {
    throw new SwpruneError('E_DATA', msg`the training split of ${opt('data')} has no examples; pass a dataset with training images`);
  }
}

/** What to change when a stage at learning rate `lr` diverged or its retraining lost accuracy. */
function trainingHint(run: StagedRun, lr: number): Message {
  return run.divergenceHint?.(lr) ?? msg`lower ${opt('lr')} (now ${lr})`;
}

/** A divergence error with what to do: the kept checkpoint and the run's hint. */
function divergence(e: SwpruneError, run: StagedRun, lr: number): SwpruneError {
  const kept = existsSync(run.checkpointPath);
  const hint = trainingHint(run, lr);
  return new SwpruneError('E_TRAIN', [
    `${e.message}; `,
    ...(kept ? [`the last good checkpoint is kept at ${run.checkpointPath}; `] : []),
    ...hint,
    ...(kept ? msg` and rerun with ${opt('resume')}` : []),
  ]);
}
