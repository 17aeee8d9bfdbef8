import { describe, expect, it } from 'vitest';
import { renderEvents } from '../../src/cli/render-events.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { msg, opt } from '../../src/errors.js';
import type { StageLog } from '../../src/train/events.js';

const stage = (pruned: number, retrained: number): StageLog => ({
  stage: 1,
  target: 0.75,
  epochs: 1,
  lr: 0.01,
  layers: [{ name: 'conv', target: 0.75, winogradSparsity: 0.75, spatialSparsity: null, winogradWeights: 36 }],
  winogradSparsity: 0.75,
  accuracyPruned: { top1: pruned, top5: 1 },
  accuracy: { top1: retrained, top5: 1 },
  loss: 0.3,
  trainLoss: 0.3,
  seconds: 1,
  examplesPerSecond: 100,
  belowTolerance: [],
  retrainingLost: Math.max(0, pruned - retrained),
});

describe('the stage summary', () => {
  it('says when retraining ended below the accuracy right after pruning, with the hint as flags', () => {
    const io = bufferStreams();
    renderEvents(io)({
      kind: 'stage-done',
      log: stage(0.9109, 0.876),
      stages: 1,
      baseline: { top1: 0.9157, top5: 1 },
      hint: msg`lower ${opt('lr')} (now 0.01)`,
    });
    expect(io.stdout.text).toContain('top-1 91.09% pruned -> 87.60% retrained (baseline 91.57%): RETRAINING LOST 3.49 points\n');
    expect(io.stderr.text).toBe(
      'warning: stage 1/1: retraining ended 3.49 points below the accuracy right after pruning; lower --lr (now 0.01)\n',
    );
  });

  it('says nothing more when retraining kept or raised the accuracy', () => {
    for (const retrained of [0.9109, 0.92]) {
      const io = bufferStreams();
      renderEvents(io)({ kind: 'stage-done', log: stage(0.9109, retrained), stages: 1, baseline: { top1: 0.9157, top5: 1 } });
      expect(io.stdout.text).toMatch(/retrained \(baseline 91\.57%\)\n/);
      expect(io.stdout.text).not.toContain('LOST');
      expect(io.stderr.text).toBe('');
    }
  });
});
