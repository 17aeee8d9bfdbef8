import { DEFAULTS } from '../../api/options.js';
import { runWinograd } from '../../api/winograd.js';
import { defineCommand } from '../define-command.js';
import { COMMON_OPTIONS, DATA_OPTIONS, ENGINE_OPTIONS, formatList, PRUNE_OPTIONS, TRAINING_OPTIONS } from '../options.js';
import { renderEvents } from '../render-events.js';
import { formatPruned } from '../render-results.js';

export const winogradCommand = defineCommand({
  name: 'winograd',
  description: 'step 2: Winograd-domain pruning and retraining with the importance factor matrix (writes ONNX)',
  argument: {
    name: '<model>',
    description: 'ONNX file (e.g. the output of swprune spatial) or TensorFlow.js model.json (or its directory)',
  },
  options: [
    ...PRUNE_OPTIONS,
    'importancePower',
    'importanceNorm',
    'importanceGain',
    'importance',
    'expand',
    'pruneOthers',
    ...DATA_OPTIONS,
    ...TRAINING_OPTIONS,
    ...ENGINE_OPTIONS,
    ...COMMON_OPTIONS,
  ],
  overrides: {
    schedule: { description: `target Winograd-domain sparsity per stage (default ${formatList(DEFAULTS.schedule.winograd)})` },
    batchSize: { default: DEFAULTS.trainBatchSize },
  },
  examples: [
    'swprune winograd spatial.onnx --data fashion-mnist:models/data/fashion-mnist -o winograd.onnx --schedule 0.75,0.8,0.8 --epochs 2,3,2 --lr 0.01,0.01,0.003',
    'swprune winograd spatial.onnx --data fashion-mnist:models/data/fashion-mnist -o winograd.onnx --sparsity 0.7 --expand standard.onnx',
  ],
  run: async (model, opts, streams) => {
    streams.stdout.write(formatPruned(await runWinograd({ model, ...opts }, renderEvents(streams))));
  },
});
