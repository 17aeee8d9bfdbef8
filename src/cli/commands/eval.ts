import { runEval } from '../../api/eval.js';
import { defineCommand } from '../define-command.js';
import { COMMON_OPTIONS, DATA_OPTIONS } from '../options.js';
import { renderEvents } from '../render-events.js';
import { formatEval } from '../render-results.js';

export const evalCommand = defineCommand({
  name: 'eval',
  description: 'top-1/top-5 accuracy and loss on the test split',
  argument: { name: '<model>', description: 'ONNX file (.onnx) or TensorFlow.js model.json (or its directory)' },
  options: [...DATA_OPTIONS, ...COMMON_OPTIONS],
  examples: ['swprune eval models/fashion-vgg.onnx --data fashion-mnist:models/data/fashion-mnist'],
  run: async (model, opts, streams) => {
    streams.stdout.write(formatEval(await runEval({ model, ...opts }, renderEvents(streams))));
  },
});
