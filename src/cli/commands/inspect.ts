import { runInspect } from '../../api/inspect.js';
import type { RegisterCommand } from '../commands.js';
import { addBackendOption, addJsonOption } from '../options.js';

export const inspectCommand: RegisterCommand = (program, io) => {
  const cmd = program
    .command('inspect')
    .description('layers, Winograd candidates, parameters and multiply-accumulates of a model')
    .argument('<model>', 'ONNX file (.onnx) or TensorFlow.js model.json (or its directory)');
  addBackendOption(cmd);
  addJsonOption(cmd);
  return cmd.action(async (model: string, o: { backend: never; json?: string }) => {
    await runInspect({ model, backend: o.backend, json: o.json }, io);
  });
};
