import { Option } from 'commander';
import { runSensitivity, type SensitivityOptions } from '../../api/sensitivity.js';
import type { RegisterCommand } from '../commands.js';
import { addBackendOption, addDataOptions, addJsonOption, numberList } from '../options.js';

export const sensitivityCommand: RegisterCommand = (program, io) => {
  const cmd = program
    .command('sensitivity')
    .description('per-layer sensitivity: accuracy with one layer pruned one-shot at each level, in either domain')
    .argument('<model>', 'ONNX file or TensorFlow.js model.json (or a Winograd-form ONNX, --domain winograd)')
    .addOption(new Option('--tile <T>', 'Winograd input tile: 4, 6 or 8').choices(['4', '6', '8']).default('6'))
    .addOption(new Option('--domain <d>', 'spatial-structured (step 1), Winograd-domain (step 2) or both').choices(['spatial', 'winograd', 'both']).default('both'))
    .option('--levels <s1,s2,..>', 'sparsity levels (default 0.2,0.4,0.5,0.6,0.7,0.8,0.9)', numberList('--levels'), [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    .option('--layers <glob>', 'only convolutions whose node name matches')
    .option('--skip-first', 'leave out the first candidate convolution')
    .option('--html <file>', 'also write an HTML page with one curve per layer');
  addDataOptions(cmd, { batchSize: 256 });
  addBackendOption(cmd);
  addJsonOption(cmd);
  return cmd.action(async (model: string, o: Record<string, unknown>) => {
    await runSensitivity({ ...(o as unknown as SensitivityOptions), model, tile: Number(o.tile) }, io);
  });
};
