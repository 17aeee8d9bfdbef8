import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cleanUpGraph } from '../graph/cleanup/index.js';
import type { Graph, LoadedModel } from '../graph/ir.js';
import { validateGraph } from '../graph/validate.js';
import { readOnnx, writeOnnx, type OnnxSource } from './onnx/index.js';
import { realPath } from './paths.js';
import { readTfjs, tfjsOutputFiles, writeTfjs, type TfjsSource } from './tfjs/index.js';

/**
 * Model files in and out by format: ONNX (`.onnx`) and TensorFlow.js layers models
 * (`model.json` with weight shards, or the directory holding it). The table below is the one
 * place that knows which reader/writer serves which path.
 */
interface Format {
  readonly name: 'onnx' | 'tfjs';
  readonly matches: (path: string) => boolean;
  readonly read: (path: string) => LoadedModel;
  readonly write: (model: LoadedModel, graph: Graph, path: string) => void;
  /** Every file the model was read from (real paths): the model file and its weight files. */
  readonly files: (model: LoadedModel) => readonly string[];
  /** Every file `write` will write for output path `path`. */
  readonly outputFiles: (model: LoadedModel, path: string) => readonly string[];
}

const isTfjsPath = (p: string) => p.endsWith('.json') || (existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, 'model.json')));

const FORMATS: readonly Format[] = [
  {
    name: 'tfjs',
    matches: isTfjsPath,
    read: readTfjs,
    write: writeTfjs,
    files: (m) => (m.source as TfjsSource).files,
    outputFiles: (m, p) => {
      const o = tfjsOutputFiles(m, p);
      return [...o.shards, o.json];
    },
  },
  // ONNX is the fallback: its reader says clearly when a file is not ONNX.
  {
    name: 'onnx',
    matches: () => true,
    read: readOnnx,
    write: writeOnnx,
    files: (m) => [realPath(m.path).real, ...(m.source as OnnxSource).externalFiles],
    outputFiles: (_m, p) => [p],
  },
];

const formatOf = (path: string) => FORMATS.find((f) => f.matches(path))!;

/**
 * Reads a model file of any supported format into the IR, cleaned up (graph/cleanup: Identity
 * and Constant nodes, constant subgraphs, opset forms, training-mode nodes, shared
 * initializers) into the canonical form every command works on, then validated
 * (graph/validate: dims, attributes, shapes, sizes, opset) before anything compiles. The
 * clean-up's and the validation's warnings join the reader's.
 */
export function loadModel(path: string): LoadedModel {
  const model = formatOf(path).read(path);
  const cleaned = cleanUpGraph(model.graph);
  const valid = validateGraph(cleaned.graph);
  return { ...model, graph: cleaned.graph, warnings: [...model.warnings, ...cleaned.warnings, ...valid.warnings] };
}

/** Every file `model` was read from (real paths): the model file and its weight files. */
export const modelFiles = (model: LoadedModel): readonly string[] => formatNamed(model).files(model);

/** Every file `saveModel(model, graph, path)` writes (tfjs: the weight shards, then model.json). */
export const modelOutputFiles = (model: LoadedModel, path: string): readonly string[] => formatNamed(model).outputFiles(model, path);

const formatNamed = (model: LoadedModel) => FORMATS.find((f) => f.name === model.format)!;

/** Writes `graph` in the format `model` was read from (atomically). */
export function saveModel(model: LoadedModel, graph: Graph, path: string): void {
  FORMATS.find((f) => f.name === model.format)!.write(model, graph, path);
}
