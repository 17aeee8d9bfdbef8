import { isWinogradConv, type Graph, type GraphNode } from '../graph/ir.js';

/**
 * Which convolutions can run as Winograd convolution, and so are pruning targets: the table
 * of rules (tfmot's prune_registry idea) lives here and nowhere else.
 *
 * A candidate is a `Conv` with a square 3x3 or 5x5 kernel, stride 1, dilation 1, any group:
 * a grouped convolution (depthwise included) runs as Winograd convolution per group, its
 * weight [Cout, Cin/group, r, r] giving one Winograd-domain kernel per (output channel, input
 * channel of its group). (`WinogradConv` nodes are already in Winograd form and count too.)
 */
const WINOGRAD_KERNEL_SIZES: readonly number[] = [3, 5];

export interface CandidateVerdict {
  readonly candidate: boolean;
  /** Kernel size r when a candidate. */
  readonly kernel?: number;
  /** Why not, in a few words, when not a candidate (shown by `inspect`). */
  readonly reason?: string;
}

const allOnes = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((x) => x === 1));

/** The rules, in order; the first that fails gives the reason. */
const RULES: readonly { readonly reason: string; readonly holds: (n: GraphNode, k: readonly number[]) => boolean }[] = [
  { reason: 'not square', holds: (_n, k) => k.length === 2 && k[0] === k[1] },
  { reason: 'kernel not 3x3/5x5', holds: (_n, k) => WINOGRAD_KERNEL_SIZES.includes(k[0]!) },
  { reason: 'stride != 1', holds: (n) => allOnes(n.attrs.strides) },
  { reason: 'dilation != 1', holds: (n) => allOnes(n.attrs.dilations) },
];

/** The verdict for one node of `graph`: kernel size from the weight's dims (OIHW). */
export function winogradCandidate(node: GraphNode, graph: Graph): CandidateVerdict {
  if (isWinogradConv(node)) return { candidate: true, kernel: node.attrs.kernel as number };
  if (node.op !== 'Conv') return { candidate: false, reason: 'not a convolution' };
  const weight = graph.params.get(node.inputs[1] ?? '');
  if (!weight || weight.dims.length !== 4) return { candidate: false, reason: 'weight is not a constant' };
  const kernel = weight.dims.slice(2);
  for (const rule of RULES) {
    if (!rule.holds(node, kernel)) return { candidate: false, reason: rule.reason };
  }
  return { candidate: true, kernel: kernel[0]! };
}
