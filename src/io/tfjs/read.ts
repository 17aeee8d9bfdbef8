import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SwpruneError } from '../../errors.js';
import { jailedFile, modelFolder, readRange, readRegularFile } from '../input-jail.js';
import { realPath } from '../paths.js';
import type { AttrValue, Graph, GraphNode, LoadedModel, Param } from '../../graph/ir.js';
import { LAYER_TABLE, type KerasLayer, type LayerBuilder, type WeightBinding } from './layers.js';

/** What writeTfjs needs: the original model.json and how manifest weights map to params. */
export interface TfjsSource {
  readonly modelJson: Record<string, unknown>;
  readonly dir: string;
  readonly groups: readonly { readonly paths: readonly string[]; readonly weights: readonly ManifestWeight[] }[];
  /** Manifest weight name -> binding (absent: a weight swprune does not map, kept as read). */
  readonly bindings: ReadonlyMap<string, WeightBinding>;
  /** Original values of every manifest weight, by name (Keras layout). */
  readonly original: ReadonlyMap<string, Float32Array>;
  /** Byte size of each shard file, per group: the writer splits shards the same way. */
  readonly shardSizes: readonly (readonly number[])[];
  /** The files read (real paths: model.json, then every shard), inputs the output guard protects. */
  readonly files: readonly string[];
}

interface ManifestWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: unknown;
}

const modelError = (path: string, what: string) =>
  new SwpruneError('E_MODEL', `${path}: ${what}; pass a TensorFlow.js layers model (model.json with its weight files)`);

function readJson(path: string): Record<string, unknown> {
  const text = readRegularFile(path, (what) => modelError(path, what)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw modelError(path, 'is not valid JSON (truncated or corrupt)');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw modelError(path, `holds ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}, not a model object`);
  return json as Record<string, unknown>;
}

/** The weights manifest, its shape checked: groups of `paths` (strings) and `weights` (name, shape, dtype). */
function manifestOf(path: string, json: Record<string, unknown>): TfjsSource['groups'] {
  const m = json.weightsManifest ?? [];
  const bad = (what: string) => modelError(path, `weightsManifest ${what}`);
  if (!Array.isArray(m)) throw bad('is not a list of weight groups');
  m.forEach((g: unknown, i) => {
    const group = g as { paths?: unknown; weights?: unknown } | null;
    if (typeof group !== 'object' || group === null) throw bad(`group ${i} is not an object`);
    if (!Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string' && p.length > 0))
      throw bad(`group ${i}: "paths" must be a list of file names, got ${JSON.stringify(group.paths)}`);
    if (!Array.isArray(group.weights)) throw bad(`group ${i}: "weights" must be a list`);
    for (const w of group.weights as { name?: unknown; shape?: unknown }[]) {
      if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
        throw bad(`group ${i}: weight ${JSON.stringify(w?.name)} needs a name and a shape of non-negative integers`);
      }
    }
  });
  return m as TfjsSource['groups'];
}

/**
 * Every manifest weight's values, read from the shards (concatenated per group) through the
 * input jail: shards are regular files inside the model's folder, and their total size must be
 * what the manifest describes before anything is read.
 */
function readWeights(
  path: string,
  dir: string,
  groups: TfjsSource['groups'],
): { values: Map<string, Float32Array>; files: string[]; sizes: number[][] } {
  const out = new Map<string, Float32Array>();
  const folder = modelFolder(path);
  const files: string[] = [];
  const sizes: number[][] = [];
  for (const g of groups) {
    const shards = g.paths.map((p) => {
      if (!existsSync(join(dir, p))) throw modelError(path, `weight file "${p}" not found beside model.json`);
      return jailedFile(folder, p, (what) => modelError(path, `weight file ${what}`));
    });
    let need = 0;
    for (const w of g.weights) {
      if (w.quantization)
        throw modelError(path, `weight "${w.name}" is quantized, which swprune does not read; save the model without quantization`);
      if (w.dtype !== 'float32') throw modelError(path, `weight "${w.name}" has dtype ${w.dtype}; only float32 weights are supported`);
      need += 4 * w.shape.reduce((a, b) => a * b, 1);
    }
    const have = shards.reduce((a, f) => a + f.size, 0);
    if (have < need) throw modelError(path, `weight files hold ${have} bytes, fewer than the manifest needs (truncated shard)`);
    if (have !== need) throw modelError(path, `weight files hold ${have} bytes but the manifest describes ${need}`);
    const fail = (what: string) => modelError(path, `weight file ${what}`);
    const bytes = Buffer.concat(shards.map((f) => readRange(f, 0, f.size, fail)));
    let offset = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      out.set(w.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * n)));
      offset += 4 * n;
    }
    files.push(...shards.map((f) => f.real));
    sizes.push(shards.map((f) => f.size));
  }
  return { values: out, files, sizes };
}

/** The layers in order, with each layer's input layer names (Sequential or functional). */
function topology(
  path: string,
  json: Record<string, unknown>,
): { layers: KerasLayer[]; inputsOf: (l: KerasLayer, i: number) => string[]; outputs: string[] } {
  const topo = ((json.modelTopology as Record<string, unknown> | undefined)?.model_config ?? json.modelTopology) as
    | { class_name?: string; config?: unknown }
    | undefined;
  if (!topo?.config) throw modelError(path, 'has no modelTopology (is it a graph model? only layers models are supported)');
  const config = topo.config as { layers?: KerasLayer[]; output_layers?: [string, number, number][] } | KerasLayer[];
  const layers = Array.isArray(config) ? config : config.layers;
  if (!layers?.length) throw modelError(path, 'has no layers');
  if (topo.class_name === 'Sequential') {
    return { layers, inputsOf: (_l, i) => (i === 0 ? [] : [layers[i - 1]!.config.name]), outputs: [layers.at(-1)!.config.name] };
  }
  if (topo.class_name !== 'Model' && topo.class_name !== 'Functional')
    throw modelError(path, `topology class ${String(topo.class_name)} is not Sequential or Model`);
  const inbound = (l: KerasLayer) => (l as unknown as { inbound_nodes?: unknown[][][] }).inbound_nodes ?? [];
  return {
    layers,
    inputsOf: (l) => {
      const nodes = inbound(l);
      if (nodes.length > 1)
        throw new SwpruneError(
          'E_UNSUPPORTED_OP',
          `layer "${l.config.name}" is shared (called ${nodes.length} times), which swprune does not support`,
        );
      return (nodes[0] ?? []).map((t) => t[0] as string);
    },
    outputs: ((config as { output_layers?: [string, number, number][] }).output_layers ?? []).map((o) => o[0]),
  };
}

/** Reads a TensorFlow.js layers model (model.json or its directory) into the IR. */
export function readTfjs(pathIn: string): LoadedModel {
  const path = existsSync(pathIn) && statSync(pathIn).isDirectory() ? join(pathIn, 'model.json') : pathIn;
  const dir = dirname(path);
  const json = readJson(path);
  const manifest = manifestOf(path, json);
  const { values, files, sizes: shardSizes } = readWeights(path, dir, manifest);
  const { layers, inputsOf, outputs } = topology(path, json);

  const nodes: GraphNode[] = [];
  const params = new Map<string, Param>();
  const bindings = new Map<string, WeightBinding>();
  const valueNamed = new Map<string, { name: string; rank: number }>();
  const inputs: Graph['inputs'][number][] = [];

  layers.forEach((layer, index) => {
    const name = layer.config.name;
    const isFirstSequential = index === 0 && layer.class_name !== 'InputLayer' && inputsOf(layer, index).length === 0;
    if (layer.class_name === 'InputLayer' || isFirstSequential) {
      const shape = (layer.config.batch_input_shape ?? layer.config.batchInputShape) as (number | null)[] | undefined;
      if (shape?.length !== 4) throw modelError(path, `input "${name}" must be an image batch [N, H, W, C], got ${JSON.stringify(shape)}`);
      const inputName = layer.class_name === 'InputLayer' ? name : `${name}_input`;
      inputs.push({ name: inputName, dims: [null, shape[1]!, shape[2]!, shape[3]!], layout: 'NHWC' });
      nodes.push({
        name: `${inputName}/nchw`,
        op: 'Transpose',
        domain: '',
        inputs: [inputName],
        outputs: [`${inputName}/nchw`],
        attrs: { perm: [0, 3, 1, 2] },
      });
      valueNamed.set(inputName, { name: `${inputName}/nchw`, rank: 4 });
      if (layer.class_name === 'InputLayer') return;
    }
    const mapper = LAYER_TABLE[layer.class_name];
    if (!mapper) {
      throw new SwpruneError(
        'E_UNSUPPORTED_OP',
        `layer "${name}" is a ${layer.class_name}, which swprune does not support; supported layers: InputLayer, ${Object.keys(LAYER_TABLE).join(', ')}`,
      );
    }
    const sources = isFirstSequential ? [`${name}_input`] : inputsOf(layer, index);
    const ins = sources.map(
      (s) =>
        valueNamed.get(s) ??
        (() => {
          throw modelError(path, `layer "${name}" reads "${s}", which is not defined before it`);
        })(),
    );
    let counter = 0;
    const b: LayerBuilder = {
      inputs: ins.map((i) => i.name),
      ranks: ins.map((i) => i.rank),
      weight(short) {
        const full = [...values.keys()].find((k) => k === `${name}/${short}` || k.endsWith(`/${name}/${short}`));
        return full
          ? { name: full, dims: manifest.flatMap((g) => g.weights).find((w) => w.name === full)!.shape, data: values.get(full)! }
          : undefined;
      },
      bind(short, binding) {
        const w = b.weight(short)!;
        bindings.set(w.name, { param: w.name, ...binding });
        params.set(w.name, { name: w.name, dims: binding.onnxDims, data: binding.toOnnx(w.data) });
        return w.name;
      },
      constant(suffix, dims, data) {
        const pname = `${name}/${suffix}`;
        params.set(pname, { name: pname, dims, data });
        return pname;
      },
      node(op, nodeInputs, attrs: Record<string, AttrValue> = {}, suffix) {
        const nodeName = suffix ? `${name}/${suffix}` : counter++ === 0 ? name : `${name}/${counter}`;
        nodes.push({ name: nodeName, op, domain: '', inputs: [...nodeInputs], outputs: [nodeName], attrs });
        return nodeName;
      },
    };
    const out = mapper(layer, b);
    valueNamed.set(name, { name: out.output, rank: out.rank });
  });

  const outName = outputs[0] ?? layers.at(-1)!.config.name;
  const out = valueNamed.get(outName)!;
  const graph: Graph = { inputs, outputs: [{ name: out.name, dims: [null, null] }], nodes, params, opset: 13 };
  const source: TfjsSource = {
    modelJson: json,
    dir,
    groups: manifest,
    bindings,
    original: values,
    shardSizes,
    files: [realPath(path).real, ...files],
  };
  return { format: 'tfjs', path, graph, source, warnings: [] };
}
