import { runSensitivity } from '../../api/sensitivity.js';
import { defineCommand } from '../define-command.js';
import { COMMON_OPTIONS, DATA_OPTIONS } from '../options.js';
import { renderEvents } from '../render-events.js';
import { formatSensitivity } from '../render-results.js';

export const sensitivityCommand = defineCommand({
  name: 'sensitivity',
  description: 'per-layer sensitivity: accuracy with one layer pruned one-shot at each level, in either domain',
  argument: { name: '<model>', description: 'ONNX file or TensorFlow.js model.json (or a Winograd-form ONNX, --domain winograd)' },
  options: ['tile', 'domain', 'levels', 'layers', 'skipFirst', 'html', 'engine', ...DATA_OPTIONS, ...COMMON_OPTIONS],
  overrides: {
    tile: { description: 'Winograd input tile: 4, 6 or 8' },
    layers: { description: 'only convolutions whose node name matches' },
    skipFirst: { description: 'leave out the first candidate convolution' },
    html: { description: 'also write an HTML page with one curve per layer' },
    engine: {
      description:
        "accepted as spatial and winograd take it (one set of flags for every step): sensitivity retrains nothing, so with torch a note says its evaluations run in swprune's executor, as with builtin",
    },
  },
  examples: [
    'swprune sensitivity models/fashion-vgg.onnx --data fashion-mnist:models/data/fashion-mnist --limit 500 --json sens.json --html sens.html',
    'swprune spatial models/fashion-vgg.onnx --data fashion-mnist:models/data/fashion-mnist -o spatial.onnx --sparsity 0.6 --targets-from sens.json',
  ],
  run: async (model, opts, streams) => {
    streams.stdout.write(formatSensitivity(await runSensitivity({ model, ...opts }, renderEvents(streams))));
  },
});
