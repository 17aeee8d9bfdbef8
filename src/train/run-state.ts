import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { msg, opt, SwpruneError, usageError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { removeStaleTemps } from '../io/atomic.js';
import { loadCheckpoint, readCheckpointHeader, saveCheckpoint } from './checkpoint.js';
import type { StageLog } from './events.js';

/**
 * What a checkpoint must match to be resumed: the input model (path and content), the stage
 * targets, the seed, and the method's settings. Built once per run by the command.
 */
export interface RunIdentity {
  readonly command: 'spatial' | 'winograd';
  /** The input model's resolved path and the SHA-256 of its file (model.json for tfjs). */
  readonly model: string;
  readonly modelSha256: string;
  readonly targets: readonly number[];
  readonly seed: number;
  readonly tile: number;
  /** Settings of the pruning method that change what a stage does. */
  readonly method: Readonly<Record<string, string | number | boolean | null>>;
}

/** The identity of a run on the model file at `path`. */
export function runIdentity(path: string, fields: Omit<RunIdentity, 'model' | 'modelSha256'>): RunIdentity {
  const file = statSync(path).isDirectory() ? join(path, 'model.json') : path;
  return { ...fields, model: resolve(path), modelSha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}

/** Where a run is: the next stage (0-based) and epochs done in it, with the logs so far. */
export interface Position {
  stage: number;
  epoch: number;
  stages: StageLog[];
  baseline?: { readonly top1: number; readonly top5: number; readonly loss: number };
  pruned?: { readonly top1: number; readonly top5: number };
  /** Set between pruning a stage and finishing it. */
  pruning?: { below: string[] };
}

/** Everything a checkpoint holds: the position, parameters, masks and optimizer state. */
export interface RunState {
  readonly position: Position;
  /** Trained parameters, ONNX layout. */
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly masks: ReadonlyMap<string, Uint8Array>;
  readonly optimizer: { readonly steps: number; readonly slots: Readonly<Record<string, Float32Array[]>> };
}

const SEP = '\u0000';

export function saveRunState(path: string, identity: RunIdentity, state: RunState): void {
  const arrays = new Map<string, Float32Array>();
  for (const [name, data] of state.params) arrays.set(`param${SEP}${name}`, data);
  for (const [name, m] of state.masks) arrays.set(`mask${SEP}${name}`, Float32Array.from(m));
  for (const [name, s] of Object.entries(state.optimizer.slots))
    s.forEach((a, i) => {
      arrays.set(`slot${SEP}${name}${SEP}${i}`, a);
    });
  saveCheckpoint(path, { meta: { position: state.position, identity, steps: state.optimizer.steps }, arrays });
}

/**
 * Checks, from its header alone, that the checkpoint at `path` can be resumed by the run
 * `identity`: commands call it before starting their backend, so a missing, broken or foreign
 * checkpoint is the only line `--resume` prints. loadRunState checks the same and the data.
 */
export function checkResumable(path: string, identity: RunIdentity): void {
  checkMeta(path, readCheckpointHeader(path).header.meta, identity);
}

function checkMeta(path: string, metaIn: Record<string, unknown>, identity: RunIdentity): { position: Position; steps: number } {
  const meta = metaIn as { position?: Position; identity?: Record<string, unknown>; steps?: number };
  if (!meta.position || !meta.identity || typeof meta.steps !== 'number') {
    throw new SwpruneError('E_IO', msg`${path} is not a checkpoint of this version of swprune; delete it or run without ${opt('resume')}`);
  }
  const differs = (Object.keys(identity) as (keyof RunIdentity)[]).filter(
    (k) => JSON.stringify(meta.identity![k]) !== JSON.stringify(identity[k]),
  );
  if (differs.length > 0) {
    const what = differs.map((k) =>
      k === 'modelSha256'
        ? 'the input model file changed'
        : `${k} ${JSON.stringify(meta.identity![k])} then, ${JSON.stringify(identity[k])} now`,
    );
    throw usageError(
      msg`${opt('resume')}: the checkpoint ${path} was made by another run (${what.join('; ')}); run without ${opt('resume')} to start over`,
    );
  }
  return { position: meta.position, steps: meta.steps };
}

/** The state saved at `path`, refused when it was made by another run (names what differs). */
export function loadRunState(path: string, identity: RunIdentity): RunState {
  removeStaleTemps(path);
  const ck = loadCheckpoint(path);
  const meta = checkMeta(path, ck.meta, identity);
  const params = new Map<string, Float32Array>();
  const masks = new Map<string, Uint8Array>();
  const slots: Record<string, Float32Array[]> = {};
  for (const [key, data] of ck.arrays) {
    const [kind, name, index] = key.split(SEP) as [string, string, string | undefined];
    if (kind === 'param') params.set(name, data);
    else if (kind === 'mask') masks.set(name, Uint8Array.from(data));
    else {
      slots[name] ??= [];
      slots[name][Number(index)] = data;
    }
  }
  return { position: meta.position, params, masks, optimizer: { steps: meta.steps, slots } };
}

/** `graph` with the saved parameters in place of its own. */
export function withParams(graph: Graph, params: ReadonlyMap<string, Float32Array>): Graph {
  const next = new Map(graph.params);
  for (const [name, data] of params) {
    const p = graph.params.get(name);
    if (!p || p.data.length !== data.length)
      throw new SwpruneError('E_IO', `the checkpoint's parameter ${name} does not fit the model; delete the checkpoint and start over`);
    next.set(name, { ...p, data });
  }
  return { ...graph, params: next };
}
