import type { Accuracy } from '../eval/evaluate.js';
import { msg, opt, usageError } from '../errors.js';

/**
 * The road to a pruned model: the stages of the `spatial` and `winograd` runs that produced
 * it (their `--json` logs, in order), for the report's accuracy-against-sparsity chart.
 */
export interface ReportHistory {
  /** Test accuracy of the model the first run started from (the dense model). */
  readonly baseline: Accuracy;
  readonly stages: readonly HistoryStage[];
}

export interface HistoryStage {
  readonly command: 'spatial' | 'winograd';
  /** 1-based within its run. */
  readonly stage: number;
  readonly target: number;
  readonly winogradSparsity: number;
  /** Right after pruning, and after retraining. */
  readonly accuracyPruned: Accuracy;
  readonly accuracy: Accuracy;
}

interface RunLog {
  readonly command?: unknown;
  readonly baseline?: { readonly top1?: unknown; readonly top5?: unknown };
  readonly stages?: readonly { stage: number; target: number; winogradSparsity: number; accuracyPruned: Accuracy; accuracy: Accuracy }[];
}

const isAccuracy = (a: unknown): a is Accuracy =>
  typeof a === 'object' && a !== null && typeof (a as Accuracy).top1 === 'number' && typeof (a as Accuracy).top5 === 'number';

/** The history from parsed run logs (`logs[i]` read from `paths[i]`), validated. */
export function reportHistory(logs: readonly unknown[], paths: readonly string[]): ReportHistory {
  const runs = logs.map((raw, i) => {
    const log = raw as RunLog | null;
    const ok =
      log !== null &&
      typeof log === 'object' &&
      (log.command === 'spatial' || log.command === 'winograd') &&
      isAccuracy(log.baseline) &&
      Array.isArray(log.stages) &&
      log.stages.every((s) => typeof s.winogradSparsity === 'number' && isAccuracy(s.accuracy) && isAccuracy(s.accuracyPruned));
    if (!ok)
      throw usageError(msg`${opt('history')}: ${paths[i]} is not the JSON log of a spatial or winograd run (write it with ${opt('json')})`);
    return log as Required<RunLog> & { command: 'spatial' | 'winograd'; baseline: Accuracy };
  });
  if (runs.length === 0) throw usageError(msg`${opt('history')} needs at least one JSON log`);
  return {
    baseline: { top1: runs[0]!.baseline.top1, top5: runs[0]!.baseline.top5 },
    stages: runs.flatMap((r) =>
      r.stages.map((s) => ({
        command: r.command,
        stage: s.stage,
        target: s.target,
        winogradSparsity: s.winogradSparsity,
        accuracyPruned: { top1: s.accuracyPruned.top1, top5: s.accuracyPruned.top5 },
        accuracy: { top1: s.accuracy.top1, top5: s.accuracy.top5 },
      })),
    ),
  };
}
