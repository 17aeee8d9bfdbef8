import { runSpatial, type SpatialOptions } from '../../api/spatial.js';
import type { RegisterCommand } from '../commands.js';
import { Option } from 'commander';
import { addBackendOption, addDataOptions, addJsonOption, addPruneOptions, addTrainingOptions } from '../options.js';

export const spatialCommand: RegisterCommand = (program, io) => {
  const cmd = program
    .command('spatial')
    .description('step 1: structured spatial pruning (groups that zero whole Winograd weights) with retraining')
    .argument('<model>', 'ONNX file (.onnx) or TensorFlow.js model.json (or its directory)');
  addPruneOptions(cmd, { schedule: '0.2,0.4,0.5,0.6' });
  cmd.addOption(new Option('--threshold-mode <mode>', 'one importance threshold per layer, or one for all layers').choices(['layer', 'global']).default('layer'));
  addDataOptions(cmd, { batchSize: 128 });
  addTrainingOptions(cmd);
  addBackendOption(cmd);
  addJsonOption(cmd);
  return cmd.action(async (model: string, o: Record<string, unknown>) => {
    await runSpatial({ ...(o as unknown as SpatialOptions), model, tile: Number(o.tile), augment: o.augment !== false }, io);
  });
};
