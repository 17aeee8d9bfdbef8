import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { TorchInstall } from './python.js';

/** The Python package's folder, shipped in the npm package as src/torch/python/ (not compiled). */
export const PYTHON_ROOT = fileURLToPath(new URL('../../src/torch/python', import.meta.url));

/**
 * How torchrun starts the processes: `nproc` per machine; for several machines torchrun's
 * rendezvous arguments, passed through as given (docs/scale.md). Without `nnodes` the run is on
 * this machine alone, on a free local port.
 */
export interface Launch {
  readonly nproc: number;
  readonly nnodes?: string;
  readonly nodeRank?: number;
  readonly rdzvEndpoint?: string;
  readonly rdzvBackend?: string;
  readonly rdzvId?: string;
  readonly masterAddr?: string;
  readonly masterPort?: number;
}

/** A line the processes stream (local rank 0): `@swprune {json}`. */
export type EngineLine =
  | { readonly kind: 'batch'; readonly epoch: number; readonly done: number; readonly loss: number; readonly seconds: number }
  | {
      readonly kind: 'epoch';
      readonly epoch: number;
      readonly file: string;
      readonly loss: number;
      readonly examples: number;
      readonly seconds: number;
    }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

export interface LaunchResult {
  /** The one training process ran without torchrun (one process, one machine). */
  readonly direct: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines torchrun and the processes wrote to stderr. */
  readonly stderr: readonly string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** torchrun's arguments, run as `python -m swprune_torch.torchrun` (torchrun's main with a repair for torch < 2 under Python 3.11); torch 1.10+ spells them with underscores, which later versions still take. */
export async function torchrunArgs(l: Launch): Promise<string[]> {
  const args = ['-m', 'swprune_torch.torchrun', '--nproc_per_node', String(l.nproc)];
  if (l.nnodes !== undefined) {
    args.push('--nnodes', l.nnodes);
    if (l.nodeRank !== undefined) args.push('--node_rank', String(l.nodeRank));
    if (l.rdzvEndpoint !== undefined) args.push('--rdzv_endpoint', l.rdzvEndpoint);
    if (l.rdzvBackend !== undefined) args.push('--rdzv_backend', l.rdzvBackend);
    if (l.rdzvId !== undefined) args.push('--rdzv_id', l.rdzvId);
    if (l.masterAddr !== undefined) args.push('--master_addr', l.masterAddr);
    if (l.masterPort !== undefined) args.push('--master_port', String(l.masterPort));
  } else {
    args.push(
      '--nnodes',
      '1',
      '--node_rank',
      '0',
      '--master_addr',
      '127.0.0.1',
      '--master_port',
      String(l.masterPort ?? (await freePort())),
    );
  }
  return args;
}

/** One process on this machine: no torchrun, the training process alone in torchrun's environment for rank 0 of 1. */
export const runsDirect = (l: Launch): boolean => l.nproc === 1 && l.nnodes === undefined;

/**
 * Runs `<python> -m torch.distributed.run ... -m swprune_torch JOB` from the package's Python
 * folder (for one process on one machine `<python> -m swprune_torch JOB` alone, with the
 * environment torchrun would give it: torchrun adds seconds of start-up and nothing else
 * there) and hands every `@swprune` line to `onLine` in order (awaited one after the other);
 * other output is kept for the error message.
 */
export async function runTorchrun(
  install: TorchInstall,
  launch: Launch,
  job: string,
  onLine: (line: EngineLine) => Promise<void> | void,
): Promise<LaunchResult> {
  const direct = runsDirect(launch);
  const args = [...(direct ? [] : await torchrunArgs(launch)), '-m', 'swprune_torch', job];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONPATH: [PYTHON_ROOT, process.env.PYTHONPATH].filter(Boolean).join(':'),
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  if (direct) {
    Object.assign(env, {
      RANK: '0',
      LOCAL_RANK: '0',
      WORLD_SIZE: '1',
      LOCAL_WORLD_SIZE: '1',
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(launch.masterPort ?? (await freePort())),
    });
  }
  const child = spawn(install.python, args, { cwd: PYTHON_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 200) stderr.shift();
  });
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('@swprune ')) return;
    const parsed = JSON.parse(line.slice('@swprune '.length)) as EngineLine;
    chain = chain
      .then(() => onLine(parsed))
      .catch((e: unknown) => {
        failure ??= e;
        child.kill('SIGTERM');
      });
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolveExit({ code, signal }));
  });
  await chain;
  if (failure !== undefined) throw failure;
  return { ...exit, direct, stderr };
}
