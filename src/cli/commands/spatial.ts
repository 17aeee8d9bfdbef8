import { DEFAULTS } from '../../api/options.js';
import { runSpatial } from '../../api/spatial.js';
import { defineCommand } from '../define-command.js';
import { COMMON_OPTIONS, DATA_OPTIONS, ENGINE_OPTIONS, formatList, PRUNE_OPTIONS, TRAINING_OPTIONS } from '../options.js';
import { renderEvents } from '../render-events.js';
import { formatPruned } from '../render-results.js';

export const spatialCommand = defineCommand({
  name: 'spatial',
  description: 'step 1: structured spatial pruning (groups that zero whole Winograd weights) with retraining',
  argument: { name: '<model>', description: 'ONNX file (.onnx) or TensorFlow.js model.json (or its directory)' },
  options: [...PRUNE_OPTIONS, 'thresholdMode', ...DATA_OPTIONS, ...TRAINING_OPTIONS, ...ENGINE_OPTIONS, ...COMMON_OPTIONS],
  overrides: {
    schedule: { description: `target Winograd-domain sparsity per stage (default ${formatList(DEFAULTS.schedule.spatial)})` },
    batchSize: { default: DEFAULTS.trainBatchSize },
  },
  examples: [
    'swprune spatial models/fashion-vgg.onnx --data fashion-mnist:models/data/fashion-mnist -o spatial.onnx --schedule 0.3,0.5,0.6,0.7 --epochs 2',
    'swprune spatial spatial.onnx --data fashion-mnist:models/data/fashion-mnist -o spatial-ft.onnx --sparsity 0.7 --epochs 2 --lr 0.003',
  ],
  run: async (model, opts, streams) => {
    streams.stdout.write(formatPruned(await runSpatial({ model, ...opts }, renderEvents(streams))));
  },
});
