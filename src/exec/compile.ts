import * as tf from '@tensorflow/tfjs';
import { SwpruneError } from '../errors.js';
import type { Graph, GraphNode, Param } from '../graph/ir.js';
import type { CompileContext, Kernel, OpCompiler, RunMode, VariableSpec } from './op-types.js';
import { OP_TABLE, SUPPORTED_OPS } from './op-table.js';
import { paramValue } from './ops/shape.js';
import type { NdArray } from '../graph/ndarray.js';
import { asFloat, float, ints, logical, logicalShape, type Value } from './values.js';

/**
 * A graph compiled for tfjs: one executor for evaluation, training and Winograd layers.
 * Parameters that ops train live in tf.Variables in the executor's layout; toGraph() converts
 * them back to ONNX layout exactly.
 */
export interface CompiledModel {
  readonly graph: Graph;
  /** Trainable variables by parameter name. */
  readonly trainable: ReadonlyMap<string, tf.Variable>;
  /** All variables (trainable and batch-norm running statistics) by parameter name. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /**
   * images NHWC float32 [N, H, W, C] -> logits [N, classes]. A trailing Softmax/LogSoftmax is
   * not applied (losses want logits; argmax is unchanged). Training mode uses batch statistics
   * (and updates the running ones) and dropout.
   */
  forward(images: tf.Tensor4D, opts?: { training?: boolean; seed?: number }): tf.Tensor2D;
  /**
   * Runs the whole graph (a trailing Softmax included) on named inputs in logical (ONNX)
   * layout — float tensors, or integer arrays for integer inputs — and returns every graph
   * output in logical layout (integer outputs as arrays). Intermediates are freed; the
   * returned tensors are the caller's. For conformance tests and tools; images go to forward().
   */
  evaluate(feeds: ReadonlyMap<string, tf.Tensor | NdArray>, opts?: { training?: boolean; seed?: number }): (tf.Tensor | NdArray)[];
  /** Logical (ONNX-layout) shapes of every value for a batch of one. */
  valueShapes(): ReadonlyMap<string, readonly number[]>;
  /** The graph with every variable's current value written back to its parameter. */
  toGraph(): Graph;
  /**
   * An array shaped like parameter `name` (ONNX layout, e.g. a pruning mask) as a tensor in the
   * layout of that parameter's variable, so it can be combined with the variable element-wise.
   */
  toExecLayout(name: string, data: Float32Array): tf.Tensor;
  /** The inverse of toExecLayout: an array in the layout of parameter `name`'s variable (e.g. an optimizer slot) in ONNX layout. */
  toOnnxLayout(name: string, data: Float32Array): Float32Array;
  dispose(): void;
}

interface Step {
  readonly node: GraphNode;
  readonly kernel: Kernel;
}

const PROBABILITY_OPS = new Set(['Softmax', 'LogSoftmax']);
let compileCount = 0;

export function imageInputShape(graph: Graph): { height: number | null; width: number | null; channels: number | null } {
  const input = graph.inputs[0];
  if (input?.dims.length !== 4) {
    throw new SwpruneError(
      'E_MODEL',
      `the model's input must be an image batch (4-D), got ${input ? `[${input.dims.join(', ')}]` : 'no input'}`,
    );
  }
  const [, a, b, c] = input.dims;
  return input.layout === 'NHWC' ? { height: a!, width: b!, channels: c! } : { height: b!, width: c!, channels: a! };
}

/**
 * `ops` replaces entries of OP_TABLE for this model (e.g. the sparse Winograd kernel that runs
 * a bundle); such models are for evaluation.
 */
export function compileGraph(graph: Graph, opts: { ops?: Readonly<Record<string, OpCompiler>> } = {}): CompiledModel {
  const id = ++compileCount;
  const variables = new Map<string, { v: tf.Variable; spec: VariableSpec }>();
  const ctx: CompileContext = {
    graph,
    isParam: (name) => graph.params.has(name),
    param(node, name) {
      const p = graph.params.get(name);
      if (!p)
        throw new SwpruneError(
          'E_UNSUPPORTED_OP',
          `node "${node.name}" (${node.op}) needs "${name}" to be a constant initializer; swprune cannot train computed weights`,
        );
      return p;
    },
    variable(name, spec) {
      const hit = variables.get(name);
      if (hit) return hit.v;
      const p = graph.params.get(name);
      if (!p || !(p.data instanceof Float32Array)) throw new SwpruneError('E_MODEL', `parameter "${name}" is missing or not float32`);
      const v = tf.tidy(() => tf.variable(spec.toExec(p), spec.trainable, `m${id}/${name}`));
      variables.set(name, { v, spec });
      return v;
    },
  };

  // The graph output is the last node's; forward skips a trailing Softmax so it gives logits.
  const outputName = graph.outputs[0]!.name;
  const last = graph.nodes.find((n) => n.outputs.includes(outputName));
  const probabilities = last && PROBABILITY_OPS.has(last.op) ? last : undefined;
  const resultName = probabilities ? probabilities.inputs[0]! : outputName;

  const steps: Step[] = graph.nodes.map((node) => {
    const key = `${node.domain === 'ai.onnx' ? '' : node.domain}/${node.op}`;
    const compiler = opts.ops?.[key] ?? OP_TABLE[key];
    if (!compiler) {
      const domain = node.domain ? ` in domain ${node.domain}` : '';
      throw new SwpruneError(
        'E_UNSUPPORTED_OP',
        `node "${node.name}" uses op ${node.op}${domain} (opset ${graph.opset}), which swprune does not support; supported ops: ${SUPPORTED_OPS.join(', ')}`,
      );
    }
    return { node, kernel: compiler(node, ctx) };
  });
  const paramValues = new Map<string, Param>(graph.params);
  const inputName = graph.inputs[0]?.name ?? '';
  const inputNhwc = graph.inputs[0]?.layout !== 'NHWC';

  /** Runs the steps on `values` (the inputs set), leaving every computed value in it. */
  const execute = (values: Map<string, Value>, mode: RunMode, skip?: GraphNode, trace?: Map<string, readonly number[]>) => {
    const get = (name: string): Value | undefined => {
      if (name === '') return undefined;
      const v = values.get(name);
      if (v) return v;
      const p = paramValues.get(name);
      if (p) {
        const pv = paramValue(p);
        values.set(name, pv);
        return pv;
      }
      throw new SwpruneError('E_MODEL', `value "${name}" is used before it is computed; the graph is not topologically sorted`);
    };
    for (const { node, kernel } of steps) {
      if (node === skip) continue;
      const outs = kernel(node.inputs.map(get), mode);
      node.outputs.forEach((name, i) => {
        const v = outs[i];
        if (v) {
          values.set(name, v);
          trace?.set(name, logicalShape(v));
        }
      });
    }
    return get;
  };

  const run = (images: tf.Tensor4D, mode: RunMode, trace?: Map<string, readonly number[]>): tf.Tensor2D => {
    const values = new Map<string, Value>();
    // NCHW models: the NHWC batch is the storage of the logical NCHW input; NHWC models take it as is.
    values.set(inputName, float(images, inputNhwc));
    const get = execute(values, mode, probabilities, trace);
    const out = asFloat(get(resultName), 'output');
    const t = out.nhwc ? tf.transpose(out.t, [0, 3, 1, 2]) : out.t;
    return (t.rank === 2 ? t : tf.reshape(t, [t.shape[0]!, -1])) as tf.Tensor2D;
  };

  const model: CompiledModel = {
    graph,
    get trainable() {
      return new Map([...variables].filter(([, x]) => x.spec.trainable).map(([k, x]) => [k, x.v]));
    },
    get variables() {
      return new Map([...variables].map(([k, x]) => [k, x.v]));
    },
    forward(images, opts = {}) {
      return tf.tidy(() => run(images, { training: opts.training ?? false, seed: opts.seed }));
    },
    evaluate(feeds, opts = {}) {
      // tidy keeps the tensors of the returned container; integer outputs are plain arrays.
      return tf.tidy(() => {
        const values = new Map<string, Value>();
        for (const [name, v] of feeds) values.set(name, v instanceof tf.Tensor ? float(v) : ints(v.dims, v.data));
        const get = execute(values, { training: opts.training ?? false, seed: opts.seed });
        return graph.outputs.map((o) => {
          const v = get(o.name);
          if (!v) throw new SwpruneError('E_MODEL', `graph output "${o.name}" is not computed by any node`);
          // clone: an output may be a fed tensor, which stays the caller's.
          return v.kind === 'int' ? { dims: [...v.dims], data: [...v.data] } : logical(v).clone();
        }) as unknown as tf.Tensor[];
      }) as unknown as (tf.Tensor | NdArray)[];
    },
    valueShapes() {
      const { height, width, channels } = imageInputShape(graph);
      const trace = new Map<string, readonly number[]>();
      tf.tidy(() => {
        const x = tf.zeros([1, height ?? 32, width ?? 32, channels ?? 3]) as tf.Tensor4D;
        trace.set(inputName, [1, channels ?? 3, height ?? 32, width ?? 32]);
        run(x, { training: false }, trace);
      });
      return trace;
    },
    toGraph() {
      const params = new Map(graph.params);
      for (const [name, { v, spec }] of variables) {
        const p = graph.params.get(name)!;
        params.set(name, { name, dims: p.dims, data: spec.toOnnx(v.dataSync() as Float32Array, p) });
      }
      return { ...graph, params };
    },
    toExecLayout(name, data) {
      const x = variables.get(name);
      const p = graph.params.get(name);
      if (!x || !p || p.data.length !== data.length)
        throw new Error(`toExecLayout: ${name} is not a variable of this model with ${data.length} values`);
      return tf.tidy(() => x.spec.toExec({ ...p, data }));
    },
    toOnnxLayout(name, data) {
      const x = variables.get(name);
      const p = graph.params.get(name);
      if (!x || !p || p.data.length !== data.length)
        throw new Error(`toOnnxLayout: ${name} is not a variable of this model with ${data.length} values`);
      return x.spec.toOnnx(data, p);
    },
    dispose() {
      for (const { v } of variables.values()) v.dispose();
      variables.clear();
    },
  };
  return model;
}
