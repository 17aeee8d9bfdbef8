import { Option } from 'commander';
import { runWinograd, type WinogradOptions } from '../../api/winograd.js';
import type { RegisterCommand } from '../commands.js';
import { addBackendOption, addDataOptions, addJsonOption, addPruneOptions, addTrainingOptions, finiteNumber } from '../options.js';

export const winogradCommand: RegisterCommand = (program, io) => {
  const cmd = program
    .command('winograd')
    .description('step 2: Winograd-domain pruning and retraining with the importance factor matrix (writes ONNX)')
    .argument('<model>', 'ONNX file (e.g. the output of swprune spatial) or TensorFlow.js model.json (or its directory)');
  addPruneOptions(cmd, { schedule: '0.75,0.8,0.85' });
  cmd
    .option('--importance-power <p>', 'scale the gradient of W[i][j] by Γ[i][j]^-p', finiteNumber('--importance-power'), 1)
    .addOption(new Option('--importance-norm <norm>', 'Γ as computed (none) or scaled so min Γ = 1 (min, the authors\' setting)').choices(['none', 'min']).default('none'))
    .option('--no-importance', 'plain magnitude ranking and unscaled gradients (for comparison)')
    .option('--expand <file>', 'also write the model as standard ONNX ops (runs in any ONNX runtime)');
  addDataOptions(cmd, { batchSize: 128 });
  addTrainingOptions(cmd);
  addBackendOption(cmd);
  addJsonOption(cmd);
  return cmd.action(async (model: string, o: Record<string, unknown>) => {
    const opts = {
      ...(o as unknown as WinogradOptions),
      model,
      tile: Number(o.tile),
      augment: o.augment !== false,
      importance: o.importance !== false,
      norm: o.importanceNorm as WinogradOptions['norm'],
      power: o.importancePower as number,
    };
    await runWinograd(opts, io);
  });
};
