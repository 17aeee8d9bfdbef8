import { runBundle } from '../../api/run.js';
import { defineCommand } from '../define-command.js';
import { DATA_OPTIONS } from '../options.js';
import { renderEvents } from '../render-events.js';
import { formatRun } from '../render-results.js';

export const runCommand = defineCommand({
  name: 'run',
  description:
    'run a sparse Winograd bundle (.swb) through the swprune runtime: accuracy on the test split and measured speed (a dense .onnx runs on the same runtime, for comparison)',
  argument: { name: '<bundle>', description: 'a .swb bundle written by swprune report, or a standard ONNX model' },
  options: ['threads', 'profile', ...DATA_OPTIONS, 'json'],
  examples: [
    'swprune run model.swb --data fashion-mnist:models/data/fashion-mnist',
    'swprune run model.swb --data fashion-mnist:DIR --threads 2 --json run.json',
    'swprune run model.swb --data fashion-mnist:DIR --profile        # where the time goes, one image and 64 per call',
    'swprune run models/fashion-vgg.onnx --data fashion-mnist:models/data/fashion-mnist   # the dense model, same runtime',
  ],
  run: async (bundle, opts, streams) => {
    streams.stdout.write(formatRun(await runBundle({ model: bundle, ...opts }, renderEvents(streams))));
  },
});
