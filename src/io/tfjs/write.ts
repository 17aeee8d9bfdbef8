import { basename, dirname, join } from 'node:path';
import type { Graph, LoadedModel } from '../../graph/ir.js';
import { writeFileAtomic } from '../atomic.js';
import type { TfjsSource } from './read.js';

/**
 * Writes a TensorFlow.js layers model: the original model.json (topology and manifest kept)
 * and weight shards with the graph's current parameters mapped back to Keras layout. Shards
 * keep their names and sizes; they are written first and model.json last, each atomically.
 * `path` is a model.json path or a directory.
 */
export function writeTfjs(model: LoadedModel, graph: Graph, path: string): void {
  const src = model.source as TfjsSource;
  const dir = basename(path).endsWith('.json') ? dirname(path) : path;
  const jsonPath = basename(path).endsWith('.json') ? path : join(path, 'model.json');
  src.groups.forEach((group, g) => {
    const buffers = group.weights.map((w) => {
      const binding = src.bindings.get(w.name);
      const param = binding ? graph.params.get(binding.param) : undefined;
      const data = binding && param ? binding.fromOnnx(param.data as Float32Array) : src.original.get(w.name)!;
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    });
    const all = Buffer.concat(buffers);
    // Split back into the original shard files, same names and sizes.
    let offset = 0;
    const sizes = src.shardSizes[g]!;
    group.paths.forEach((p, i) => {
      writeFileAtomic(join(dir, p), all.subarray(offset, offset + sizes[i]!));
      offset += sizes[i]!;
    });
  });
  writeFileAtomic(jsonPath, JSON.stringify(src.modelJson));
}

