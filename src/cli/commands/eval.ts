import { runEval } from '../../api/eval.js';
import type { RegisterCommand } from '../commands.js';
import { addBackendOption, addDataOptions, addJsonOption, type BackendChoice } from '../options.js';

export const evalCommand: RegisterCommand = (program, io) => {
  const cmd = program
    .command('eval')
    .description('top-1/top-5 accuracy and loss on the test split')
    .argument('<model>', 'ONNX file (.onnx) or TensorFlow.js model.json (or its directory)');
  addDataOptions(cmd, { batchSize: 256 });
  addBackendOption(cmd);
  addJsonOption(cmd);
  return cmd.action(
    async (
      model: string,
      o: { data: string; mean?: number[]; std?: number[]; limit?: number; batchSize: number; backend: BackendChoice; json?: string },
    ) => {
      await runEval({ model, ...o }, io);
    },
  );
};
