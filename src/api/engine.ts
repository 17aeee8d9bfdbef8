import { msg, opt, usageError } from '../errors.js';
import { torchEngine } from '../torch/engine.js';
import { builtinEngine, type RetrainEngine } from '../train/engine.js';
import type { EventSink } from './events.js';
import { DEFAULTS, type CommonOptions, type EngineOptions } from './options.js';

const LAUNCH = ['nproc', 'nnodes', 'nodeRank', 'rdzvEndpoint', 'rdzvBackend', 'rdzvId', 'masterAddr', 'masterPort', 'python'] as const;

/**
 * The engine a training command retrains with: the built-in one, or the torch engine (which
 * finds python3 and torch now, so a missing one fails before any work). The launch options
 * belong to the torch engine; with the built-in one they are a usage error, not ignored.
 */
export function retrainEngine(o: EngineOptions & Pick<CommonOptions, 'threads'>, sink: EventSink): RetrainEngine {
  const kind = o.engine ?? DEFAULTS.engine;
  if (kind === 'builtin') {
    const given = LAUNCH.find((k) => o[k] !== undefined);
    if (given) throw usageError(msg`${opt(given)} applies to ${opt('engine')} torch; add ${opt('engine')} torch or leave it out`);
    return builtinEngine;
  }
  const engine = torchEngine({ ...o, threads: o.threads });
  const { install, launch } = engine;
  const where = install.cudaDevices > 0 ? `NCCL, ${install.cudaDevices} CUDA device${install.cudaDevices === 1 ? '' : 's'}` : 'CPU, gloo';
  sink({
    kind: 'note',
    message: [
      `retraining engine: torch ${install.torch} (${install.python}, Python ${install.pythonVersion}), ${launch.nproc} process${launch.nproc === 1 ? '' : 'es'}${launch.nnodes ? ` per node, ${launch.nnodes} nodes` : ''}, ${where}`,
    ],
  });
  return engine;
}
