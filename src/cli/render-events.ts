import type { EventSink, SwpruneEvent } from '../api/events.js';
import { messageText, type Message } from '../errors.js';
import type { ProgressTask } from '../eval/progress.js';
import type { Allocation } from '../prune/pruner.js';
import type { StageLog } from '../train/events.js';
import { flagOf } from './options.js';
import { createProgress, type Progress } from './progress.js';
import type { Streams } from './streams.js';
import { formatPercent, formatTable } from './table.js';

/** A core message as the CLI shows it: options spelled as flags. */
export const cliText = (message: Message | string) => messageText(message, flagOf);

function taskLabel(task: ProgressTask): string {
  switch (task.kind) {
    case 'train':
      return `stage ${task.stage}/${task.stages} epoch ${task.epoch}/${task.epochs}`;
    case 'evaluate':
      return task.stage ? `stage ${task.stage}/${task.stages} ${task.subject}` : task.subject;
    case 'sensitivity':
      return 'sensitivity';
  }
}

/**
 * The CLI's view of a running command: progress lines, notes and warnings on stderr; the
 * baseline, per-stage summaries and tables on stdout.
 */
export function renderEvents(streams: Streams): EventSink {
  const { stdout, stderr } = streams;
  const bars = new Map<string, Progress>();
  return (e: SwpruneEvent) => {
    switch (e.kind) {
      case 'backend':
        stderr.write(`${e.backend.description}\n`);
        break;
      case 'warning':
        stderr.write(`warning: ${cliText(e.message)}\n`);
        break;
      case 'note':
        stderr.write(`note: ${cliText(e.message)}\n`);
        break;
      case 'progress': {
        const key = JSON.stringify(e.task);
        let bar = bars.get(key);
        if (!bar) {
          // Evaluation lines print at every step when not on a terminal; epochs every quarter.
          bar = createProgress(stderr, { label: taskLabel(e.task), total: e.total, logEvery: e.task.kind === 'evaluate' ? 1 : undefined });
          bars.set(key, bar);
        }
        const detail =
          e.top1 !== undefined
            ? `top-1 ${formatPercent(e.top1)}`
            : e.loss !== undefined
              ? `loss ${e.loss.toFixed(4)}  ${(e.examplesPerSecond ?? 0).toFixed(0)} ex/s`
              : undefined;
        if (e.finished) {
          bar.finish(detail);
          bars.delete(key);
        } else bar.update(e.done, detail);
        break;
      }
      case 'baseline':
        stdout.write(
          `baseline: top-1 ${formatPercent(e.accuracy.top1)}, top-5 ${formatPercent(e.accuracy.top5)}, loss ${e.loss.toFixed(4)}\n`,
        );
        break;
      case 'resumed':
        stderr.write(`resuming from ${e.checkpoint} at stage ${e.stage}/${e.stages}, ${e.epochsDone} of ${e.epochs} epochs done\n`);
        break;
      case 'stage-pruned':
        writeAllocation(streams, e.allocation, e.target, e.stage, e.stages);
        for (const name of e.below)
          stderr.write(`note: ${name}: the discrete groups cannot reach ${formatPercent(e.target, 1)} within 0.5 pp\n`);
        break;
      case 'stage-done':
        stdout.write(formatStage(e.log, e.stages, e.baseline.top1));
        if (e.log.retrainingLost > 0) {
          stderr.write(
            `warning: stage ${e.log.stage}/${e.stages}: retraining ended ${formatPoints(e.log.retrainingLost)} below the accuracy right after pruning${e.hint ? `; ${cliText(e.hint)}` : ''}\n`,
          );
        }
        break;
      case 'checkpoint':
        break;
      case 'converted':
        stdout.write(
          `converted ${e.layers} convolutions to ${e.tile}: top-1 ${formatPercent(e.input.top1)} (input) vs ${formatPercent(e.converted.top1)} (Winograd form)\n`,
        );
        break;
      case 'wrote':
        stdout.write(`wrote ${e.path}: ${e.what}\n`);
        break;
    }
  };
}

function formatStage(log: StageLog, stages: number, baseline: number): string {
  return (
    `\nstage ${log.stage}/${stages}: target ${formatPercent(log.target, 1)}, Winograd sparsity ${formatPercent(log.winogradSparsity, 1)}; ` +
    `top-1 ${formatPercent(log.accuracyPruned.top1)} pruned -> ${formatPercent(log.accuracy.top1)} retrained (baseline ${formatPercent(baseline)})` +
    `${log.retrainingLost > 0 ? `: RETRAINING LOST ${formatPoints(log.retrainingLost)}` : ''}\n` +
    formatTable(
      [
        { header: 'layer' },
        { header: 'target', align: 'right' },
        { header: 'winograd', align: 'right' },
        { header: 'spatial', align: 'right' },
      ],
      log.layers.map((l) => [
        l.name,
        formatPercent(l.target, 1),
        formatPercent(l.winogradSparsity, 1),
        l.spatialSparsity === null ? '-' : formatPercent(l.spatialSparsity, 1),
      ]),
    )
  );
}

/** A top-1 difference (a fraction) in points: 0.0349 -> "3.49 points". */
const formatPoints = (x: number) => `${(100 * x).toFixed(2)} point${Math.abs(100 * x - 1) < 0.005 ? '' : 's'}`;

/** Per-layer targets when they differ from the stage's (allocated from sensitivity curves). */
function writeAllocation({ stdout, stderr }: Streams, a: Allocation, target: number, stage: number, stages: number): void {
  if ([...a.targets.values()].every((t) => t === target)) return;
  const parts = [...a.targets].map(
    ([name, t]) =>
      `${name} ${formatPercent(t, 1)}${a.predictedDrop.has(name) ? ` (predicted -${(100 * a.predictedDrop.get(name)!).toFixed(2)} pt)` : ''}`,
  );
  stdout.write(`stage ${stage}/${stages} per-layer targets for ${formatPercent(target, 1)} overall: ${parts.join(', ')}\n`);
  if (!a.withinLimit)
    stderr.write(`note: stage ${stage}: the overall target needs some layers past ${flagOf('maxDrop')} by their sensitivity curves\n`);
}
