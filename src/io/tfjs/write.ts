import { basename, dirname, join } from 'node:path';
import type { Graph, LoadedModel } from '../../graph/ir.js';
import { writeFileAtomic } from '../atomic.js';
import { realPath, sameFile } from '../paths.js';
import type { TfjsSource } from './read.js';

/** The files a tfjs output is: its model.json and, per manifest group, its shard files. */
export interface TfjsOutput {
  readonly json: string;
  /** Shard file names (beside model.json), per group, as the written manifest lists them. */
  readonly names: readonly (readonly string[])[];
  /** The same as paths. */
  readonly shards: readonly string[];
}

/**
 * Where a tfjs output goes: `path` is a model.json path or a folder. Shards are written beside
 * the output's own model.json only, under the base names the input used (never a `../` path
 * taken from the input manifest); when two base names clash, or a name would land on one of
 * the input's own files (output in the input's folder), the shards are named after the
 * output instead: `<stem>.group<g>-shard<i>of<n>.bin`.
 */
export function tfjsOutputFiles(model: LoadedModel, path: string): TfjsOutput {
  const src = model.source as TfjsSource;
  const isJson = basename(path).endsWith('.json');
  const dir = isJson ? dirname(path) : path;
  const json = isJson ? path : join(path, 'model.json');
  const inputs = src.files.map((f) => realPath(f));
  const plain = src.groups.map((g) => g.paths.map((p) => basename(p)));
  const flat = plain.flat();
  const clash = new Set(flat).size !== flat.length || flat.some((n) => inputs.some((i) => sameFile(i, realPath(join(dir, n)))));
  const stem = basename(json).replace(/\.json$/, '');
  const names = clash
    ? src.groups.map((g, gi) => g.paths.map((_, i) => `${stem}.group${gi + 1}-shard${i + 1}of${g.paths.length}.bin`))
    : plain;
  return { json, names, shards: names.flat().map((n) => join(dir, n)) };
}

/**
 * Writes a TensorFlow.js layers model: the original model.json (topology kept, the manifest's
 * paths those of `tfjsOutputFiles`) and weight shards with the graph's current parameters
 * mapped back to Keras layout. Shards keep their sizes; they are written first and model.json
 * last, each atomically. `path` is a model.json path or a directory.
 */
export function writeTfjs(model: LoadedModel, graph: Graph, path: string): void {
  const src = model.source as TfjsSource;
  const out = tfjsOutputFiles(model, path);
  const dir = dirname(out.json);
  src.groups.forEach((group, g) => {
    const buffers = group.weights.map((w) => {
      const binding = src.bindings.get(w.name);
      const param = binding ? graph.params.get(binding.param) : undefined;
      const data = binding && param ? binding.fromOnnx(param.data as Float32Array) : src.original.get(w.name)!;
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    });
    const all = Buffer.concat(buffers);
    // Split back into as many shard files of the original sizes.
    let offset = 0;
    const sizes = src.shardSizes[g]!;
    out.names[g]!.forEach((name, i) => {
      writeFileAtomic(join(dir, name), all.subarray(offset, offset + sizes[i]!));
      offset += sizes[i]!;
    });
  });
  const manifest = src.modelJson.weightsManifest as { paths: string[] }[] | undefined;
  const json = manifest
    ? { ...src.modelJson, weightsManifest: manifest.map((g, i) => ({ ...g, paths: [...out.names[i]!] })) }
    : src.modelJson;
  writeFileAtomic(out.json, JSON.stringify(json));
}
