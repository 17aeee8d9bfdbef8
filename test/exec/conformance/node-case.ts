/**
 * One ONNX backend node test case (ONNX's own conformance data: a one-node model.onnx and
 * test_data_set_0/{input,output}_k.pb TensorProtos), run through swprune's clean-up pass and
 * executor. Float inputs in learned-parameter positions (a Conv's weight, a Gemm's B, batch
 * norm's statistics, PRelu's slope) become initializers, as they are in a real model; other
 * inputs are fed at run time (integer ones as the executor's integer values).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { compileGraph } from '../../../src/exec/compile.js';
import { cleanUpGraph } from '../../../src/graph/cleanup/index.js';
import type { Graph, Param } from '../../../src/graph/ir.js';
import type { NdArray } from '../../../src/graph/ndarray.js';
import { isParameterInput } from '../../../src/graph/parameter-inputs.js';
import { readOnnx } from '../../../src/io/onnx/index.js';
import { onnx } from '../../../src/io/onnx/proto.js';
import { decodeTensor } from '../../../src/io/onnx/tensor.js';

export interface CaseResult {
  readonly outputs: readonly (tf.Tensor | NdArray)[];
  readonly expected: readonly Param[];
}

function readTensors(dir: string, prefix: string): Param[] {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
    .sort((a, b) => parseInt(a.slice(prefix.length), 10) - parseInt(b.slice(prefix.length), 10));
  const ctx = { modelPath: dir, modelDir: dir, warn: () => {} };
  return files.map((f) => decodeTensor(onnx.TensorProto.decode(readFileSync(join(dir, f))), ctx));
}

/** Runs the case in `dir`; the caller disposes the returned tensors. */
export function runNodeCase(dir: string): CaseResult {
  const model = readOnnx(join(dir, 'model.onnx'));
  const data = join(dir, 'test_data_set_0');
  const inputs = readTensors(data, 'input_');
  const expected = readTensors(data, 'output_');
  const node = model.graph.nodes[0]!;
  const params = new Map(model.graph.params);
  const feeds = new Map<string, tf.Tensor | NdArray>();
  model.graph.inputs.forEach((vi, i) => {
    const value = { ...inputs[i]!, name: vi.name };
    const position = node.inputs.indexOf(vi.name);
    if (value.data instanceof Float32Array && position >= 0 && isParameterInput(node, position)) params.set(vi.name, value);
    else if (value.data instanceof Float32Array) feeds.set(vi.name, tf.tensor(value.data, [...value.dims]));
    else feeds.set(vi.name, { dims: value.dims, data: Array.from(value.data, Number) });
  });
  const graph: Graph = { ...model.graph, inputs: model.graph.inputs.filter((v) => !params.has(v.name)), params };
  const compiled = compileGraph(cleanUpGraph(graph).graph);
  try {
    const outputs = compiled.evaluate(feeds);
    return { outputs, expected };
  } finally {
    compiled.dispose();
    for (const v of feeds.values()) if (v instanceof tf.Tensor) v.dispose();
  }
}
