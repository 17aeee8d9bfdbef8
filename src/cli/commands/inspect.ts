import { runInspect } from '../../api/inspect.js';
import { defineCommand } from '../define-command.js';
import { COMMON_OPTIONS } from '../options.js';
import { renderEvents } from '../render-events.js';
import { formatInspect } from '../render-results.js';

export const inspectCommand = defineCommand({
  name: 'inspect',
  description: 'layers, Winograd candidates, parameters and multiply-accumulates of a model',
  argument: { name: '<model>', description: 'ONNX file (.onnx) or TensorFlow.js model.json (or its directory)' },
  options: COMMON_OPTIONS,
  examples: ['swprune inspect models/fashion-vgg.onnx', 'swprune inspect resnet18.onnx --json layers.json'],
  run: async (model, opts, streams) => {
    streams.stdout.write(formatInspect(await runInspect({ model, ...opts }, renderEvents(streams))));
  },
});
