/**
 * Typed access to a node's attributes with the ONNX default when the attribute is absent (or
 * not of the type asked for): the one set of helpers the executor, the runtime's planner, the
 * clean-up passes and the Winograd conversion read attributes with.
 */
import type { GraphNode } from './ir.js';

/** A number attribute (ONNX INT or FLOAT), or `dflt`. */
export const num = (n: GraphNode, name: string, dflt: number): number => {
  const v = n.attrs[name];
  return typeof v === 'number' ? v : dflt;
};

/** A list-of-numbers attribute (ONNX INTS or FLOATS), or `dflt`. */
export const nums = (n: GraphNode, name: string, dflt: readonly number[]): readonly number[] => {
  const v = n.attrs[name];
  return Array.isArray(v) ? (v as number[]) : dflt;
};

/** A string attribute, or `dflt`. */
export const str = (n: GraphNode, name: string, dflt: string): string => {
  const v = n.attrs[name];
  return typeof v === 'string' ? v : dflt;
};
