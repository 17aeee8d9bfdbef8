import { Option } from 'commander';
import { runReport, type ReportOptions } from '../../api/report.js';
import type { RegisterCommand } from '../commands.js';
import { addBackendOption, addDataOptions, addJsonOption } from '../options.js';

export const reportCommand: RegisterCommand = (program, io) => {
  const cmd = program
    .command('report')
    .description('sparsity, multiplications and accuracy per layer; writes the sparse Winograd bundle (.swb)')
    .argument('<model>', 'a spatial model (ONNX or TensorFlow.js) or a Winograd-form ONNX from swprune winograd')
    .requiredOption('-o, --out <file.swb>', 'the bundle to write')
    .addOption(new Option('--tile <T>', 'for a spatial model: the Winograd tile its convolutions use (4, 6 or 8)').choices(['4', '6', '8']).default('6'))
    .option('--html <file>', 'also write a self-contained HTML page');
  addDataOptions(cmd, { batchSize: 256 });
  addBackendOption(cmd);
  addJsonOption(cmd);
  return cmd.action(async (model: string, o: Record<string, unknown>) => {
    await runReport({ ...(o as unknown as ReportOptions), model, tile: Number(o.tile) }, io);
  });
};
