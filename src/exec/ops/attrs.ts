import type { GraphNode } from '../../graph/ir.js';
import { SwpruneError } from '../../errors.js';

/** Typed attribute access with ONNX defaults. */
export const num = (n: GraphNode, name: string, dflt: number): number => {
  const v = n.attrs[name];
  return typeof v === 'number' ? v : dflt;
};
export const nums = (n: GraphNode, name: string, dflt: readonly number[]): readonly number[] => {
  const v = n.attrs[name];
  return Array.isArray(v) ? (v as number[]) : dflt;
};
export const str = (n: GraphNode, name: string, dflt: string): string => {
  const v = n.attrs[name];
  return typeof v === 'string' ? v : dflt;
};

/** An attribute value swprune cannot run: an error that names the node, never a wrong result. */
export const unsupportedAttr = (n: GraphNode, what: string) =>
  new SwpruneError('E_UNSUPPORTED_OP', `node "${n.name}" (${n.op}) uses ${what}, which swprune does not support; re-export the model without it`);
