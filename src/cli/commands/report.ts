import { runReport } from '../../api/report.js';
import { defineCommand } from '../define-command.js';
import { COMMON_OPTIONS, DATA_OPTIONS } from '../options.js';
import { renderEvents } from '../render-events.js';
import { formatReport } from '../render-results.js';

export const reportCommand = defineCommand({
  name: 'report',
  description: 'sparsity, multiplications and accuracy per layer; writes the sparse Winograd bundle (.swb)',
  argument: { name: '<model>', description: 'a spatial model (ONNX or TensorFlow.js) or a Winograd-form ONNX from swprune winograd' },
  options: ['out', 'tile', 'html', 'history', ...DATA_OPTIONS, ...COMMON_OPTIONS],
  overrides: {
    out: { description: 'the bundle to write (.swb)' },
    tile: { description: 'for a spatial model: the Winograd tile its convolutions use (4, 6 or 8)' },
  },
  examples: [
    'swprune report winograd.onnx --data fashion-mnist:models/data/fashion-mnist -o model.swb --json report.json --html report.html',
    'swprune report winograd.onnx --data fashion-mnist:models/data/fashion-mnist -o model.swb --html report.html --history spatial.json,winograd.json',
  ],
  run: async (model, opts, streams) => {
    streams.stdout.write(formatReport(await runReport({ model, ...opts }, renderEvents(streams))));
  },
});
