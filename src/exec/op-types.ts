import type * as tf from '@tensorflow/tfjs';
import type { Graph, GraphNode, Param } from '../graph/ir.js';
import type { Value } from './values.js';

/** How a forward pass runs: training uses batch statistics and dropout. */
export interface RunMode {
  readonly training: boolean;
  /** Seed for dropout masks in training, so a resumed run repeats the same randomness. */
  readonly seed?: number;
}

/** A compiled node: maps its input values (undefined for omitted optional inputs) to outputs. */
export type Kernel = (inputs: readonly (Value | undefined)[], mode: RunMode) => Value[];

/**
 * A parameter that lives in a tf.Variable while the model is compiled: `toOnnx` converts the
 * variable's (executor-layout) value back to the param's ONNX layout, exactly.
 */
export interface VariableSpec {
  readonly toExec: (p: Param) => tf.Tensor;
  readonly toOnnx: (values: Float32Array, p: Param) => Float32Array;
  readonly trainable: boolean;
}

export interface CompileContext {
  readonly graph: Graph;
  /** The named parameter, or an error naming the node when it is not a constant. */
  param(node: GraphNode, name: string): Param;
  /** Whether an input name is a parameter (an initializer). */
  isParam(name: string): boolean;
  /** The variable holding a parameter (created once per parameter). */
  variable(name: string, spec: VariableSpec): tf.Variable;
}

/** Compiles one node into a kernel; throws for attribute combinations it cannot run. */
export type OpCompiler = (node: GraphNode, ctx: CompileContext) => Kernel;
