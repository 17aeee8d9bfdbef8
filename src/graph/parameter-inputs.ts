import type { GraphNode } from './ir.js';

/**
 * Which inputs of which ops are learned parameters (weights, biases, batch-norm scale, shift and
 * running statistics): the executor keeps those in variables, trains them and writes them back.
 * Keyed "domain/op". Other constant inputs (shape values, scalars of Add/Mul...) are constants.
 */
const PARAMETER_INPUTS: Readonly<Record<string, readonly number[]>> = {
  '/Conv': [1, 2],
  '/ConvTranspose': [1, 2],
  '/Gemm': [1, 2],
  '/MatMul': [1],
  '/BatchNormalization': [1, 2, 3, 4],
  '/PRelu': [1],
  'ai.swprune/WinogradConv': [1, 2],
};

/** True when input `index` of `node` is a learned parameter position. */
export function isParameterInput(node: GraphNode, index: number): boolean {
  return PARAMETER_INPUTS[`${node.domain}/${node.op}`]?.includes(index) ?? false;
}
