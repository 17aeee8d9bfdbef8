import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AttrValue, Param } from '../graph/ir.js';
import { isWinogradConv } from '../graph/ir.js';
import { optimizerConfig } from '../train/config.js';
import { saveCheckpoint } from '../train/checkpoint.js';
import type { StageTraining } from '../train/retrain.js';
import { getTile } from '../winograd/tiles.js';
import { FolderSplit } from '../data/folder-split.js';
import { epochOrder } from '../data/split.js';

/** How the job runs on the machine (from the launch options). */
export interface JobPlacement {
  /** Torch threads per process. */
  readonly threads: number;
  /** 'cpu' keeps CUDA devices out (gloo). */
  readonly device: 'auto' | 'cpu';
}

/**
 * An integer constant as a JSON number that Python reads back into int64: INT64_MAX/MIN (the
 * "to the end" of PyTorch's Slice ends) would round past int64 as a double, so values beyond
 * ±2^62 are clamped there (still "to the end" for every use).
 */
const intJson = (v: number | bigint): number => Math.max(-(2 ** 62), Math.min(2 ** 62, Number(v)));

/** A parameter that is not a variable, as JSON (ints and bools; float ones travel in state.bin). */
function constantJson(p: Param): { type: string; dims: readonly number[]; data: number[] } {
  if (p.data instanceof Float32Array) return { type: 'float', dims: p.dims, data: Array.from(p.data) };
  return { type: p.dataType === 9 ? 'bool' : 'int', dims: p.dims, data: Array.from(p.data as ArrayLike<number | bigint>, intJson) };
}

/**
 * An image folder's training split as the engine reads it: the files the run uses (after
 * `limit`, in swprune's order; `files.txt`, one absolute path a line), their labels (state.bin
 * `labels`), and swprune's preprocessing (torchvision's transforms with the same sizes).
 */
function folderSpec(dir: string, split: FolderSplit, limit: number | undefined, augment: boolean, arrays: Map<string, Float32Array>) {
  const used = split.limited(limit);
  writeFileSync(join(dir, 'files.txt'), used.map((i) => resolve(split.files.path(i))).join('\n'));
  arrays.set(
    'labels',
    Float32Array.from(used, (i) => split.labels[i]!),
  );
  const { eval: e, train } = split.transforms;
  return { files: 'files.txt', evalTransform: e, trainTransform: augment ? (train ?? null) : null };
}

/**
 * The built-in engine's example order of every epoch of the stage (src/data/split.ts
 * `epochOrder`: shuffled by (seed, stage * 1000 + epoch)), as `order.bin`: `epochs` rows of
 * `n` little-endian uint32 indices into the (limited) training split. The engine takes global
 * batch i as row[i * batch .. (i + 1) * batch), so both engines see the same batches.
 */
function writeOrders(dir: string, s: StageTraining): string {
  const n = s.dataset.train.size(s.training.limit);
  const rows = new Uint32Array(s.plan.epochs * n);
  for (let e = s.startEpoch; e < s.plan.epochs; e++) {
    rows.set(epochOrder(n, { shuffle: true, seed: s.training.seed, epoch: s.stage * 1000 + e, batchSize: s.training.batchSize })!, e * n);
  }
  writeFileSync(join(dir, 'order.bin'), new Uint8Array(rows.buffer));
  return 'order.bin';
}

/** Whether the kind augments its training split (in-memory kinds say so; image folders always can). */
const augmentable = (d: StageTraining['dataset']): boolean =>
  !('augmentable' in d.train) || Boolean((d.train as { augmentable?: boolean }).augmentable);

const attrJson = (v: AttrValue): unknown => (typeof v === 'object' && !Array.isArray(v) ? constantJson(v as Param) : v);

/**
 * Writes one stage's job for the Python package (src/torch/python/swprune_torch/train.py) into `dir`:
 * job.json (the graph, which parameters train and which are batch-norm statistics, every
 * parameter's dims, integer constants, the Winograd tiles' matrices, the data spec, the
 * training settings), state.bin in the checkpoint format (checkpoint.ts): every float
 * parameter, the masks, the gradient scales and the optimizer slots, all in ONNX layout, and
 * order.bin (every epoch's example order, the built-in engine's shuffle).
 * Returns the job file's path.
 */
export function writeJob(dir: string, s: StageTraining, place: JobPlacement): string {
  const graph = s.model.toGraph();
  const variables = s.model.variables;
  const trainable = [...s.model.trainable.keys()];
  const buffers = [...variables.keys()].filter((n) => !s.model.trainable.has(n));
  const dims: Record<string, readonly number[]> = {};
  const constants: Record<string, unknown> = {};
  const arrays = new Map<string, Float32Array>();
  for (const [name, p] of graph.params) {
    dims[name] = p.dims;
    if (p.data instanceof Float32Array) arrays.set(`param:${name}`, p.data);
    else constants[name] = constantJson(p);
  }
  for (const [name, m] of s.masks) {
    arrays.set(`mask:${name}`, Float32Array.from(m));
    const scale = s.gradScales.get(name);
    if (scale) arrays.set(`scale:${name}`, scale);
  }
  const state = s.optimizer.state();
  for (const [name, slots] of Object.entries(state.slots))
    slots.forEach((a, i) => {
      arrays.set(`slot:${name}:${i}`, s.model.toOnnxLayout(name, a));
    });
  const tiles: Record<string, unknown> = {};
  for (const n of graph.nodes.filter(isWinogradConv)) {
    const T = Number(n.attrs.tile ?? 6);
    const r = Number(n.attrs.kernel ?? 3);
    const tile = getTile(T, r);
    tiles[`${T}/${r}`] = { m: tile.m, r: tile.r, T: tile.T, BT: tile.BT, AT: tile.AT };
  }
  const d = s.dataset;
  const t = s.training;
  const folder = d.train instanceof FolderSplit ? folderSpec(dir, d.train, t.limit, t.augment, arrays) : undefined;
  saveCheckpoint(join(dir, 'state.bin'), { meta: { steps: state.steps }, arrays });
  const job = {
    graph: {
      opset: graph.opset,
      inputs: graph.inputs,
      outputs: graph.outputs,
      nodes: graph.nodes.map((n) => ({
        name: n.name,
        op: n.op,
        domain: n.domain,
        inputs: n.inputs,
        outputs: n.outputs,
        attrs: Object.fromEntries(Object.entries(n.attrs).map(([k, v]) => [k, attrJson(v)])),
      })),
    },
    trainable,
    buffers,
    dims,
    constants,
    tiles,
    data: {
      kind: d.kind,
      dir: resolve(d.dir),
      mean: d.mean,
      std: d.std,
      limit: t.limit ?? null,
      augment: t.augment && augmentable(d),
      shape: d.imageShape,
      order: writeOrders(dir, s),
      ...folder,
    },
    training: {
      batchSize: t.batchSize,
      seed: t.seed,
      lr: s.plan.lr,
      schedule: s.schedule,
      epochs: s.plan.epochs,
      startEpoch: s.startEpoch,
      stage: s.stage,
    },
    optimizer: optimizerConfig(t),
    threads: place.threads,
    device: place.device,
  };
  const path = join(dir, 'job.json');
  writeFileSync(path, JSON.stringify(job));
  return path;
}
