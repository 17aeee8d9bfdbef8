/**
 * Small graphs of one op (behind a layout Transpose) for executor tests: built in the IR, with
 * seeded data, so each op runs forward and backward on any backend exactly as a model's would.
 */
import type { AttrValue, Graph, GraphNode, Param } from '../../src/graph/ir.js';
import { seeded } from '../backend/helpers.js';

export interface OpCase {
  readonly name: string;
  readonly graph: Graph;
  /** The fed input (NHWC when `nhwc`: a Transpose makes it the logical NCHW value in NHWC storage). */
  readonly input: { readonly dims: readonly number[]; readonly data: Float32Array };
}

interface Spec {
  readonly op: string;
  readonly domain?: string;
  readonly attrs?: Record<string, AttrValue>;
  /** Logical NCHW input dims. */
  readonly x: readonly number[];
  /** Further inputs: float params (learned or constant) or int64 constants. */
  readonly params?: readonly { dims: readonly number[]; data?: readonly number[]; int?: boolean }[];
  /** Feed x in NHWC storage (through Transpose 0,3,1,2) rather than as a logical tensor. */
  readonly nhwc?: boolean;
  readonly outputs?: number;
}

let seed = 100;

export function opCase(name: string, s: Spec): OpCase {
  const params = new Map<string, Param>();
  const inputs = ['x'];
  (s.params ?? []).forEach((p, i) => {
    const pname = `p${i}`;
    const n = p.dims.reduce((a, b) => a * b, 1);
    const data = p.int ? BigInt64Array.from(p.data!.map(BigInt)) : p.data ? Float32Array.from(p.data) : seeded(n, seed++);
    params.set(pname, { name: pname, dims: [...p.dims], data });
    inputs.push(pname);
  });
  const nodes: GraphNode[] = [];
  const dims = s.nhwc ? [s.x[0]!, s.x[2]!, s.x[3]!, s.x[1]!] : s.x;
  if (s.nhwc) nodes.push({ name: 'layout', op: 'Transpose', domain: '', inputs: ['input'], outputs: ['x'], attrs: { perm: [0, 3, 1, 2] } });
  const outputs = Array.from({ length: s.outputs ?? 1 }, (_, i) => `y${i}`);
  nodes.push({
    name: 'node',
    op: s.op,
    domain: s.domain ?? '',
    inputs: inputs.map((x) => (x === 'x' && !s.nhwc ? 'input' : x)),
    outputs,
    attrs: s.attrs ?? {},
  });
  const graph: Graph = {
    inputs: [{ name: 'input', dims: [...dims] }],
    outputs: outputs.map((name) => ({ name, dims: [] })),
    nodes,
    params,
    opset: 17,
  };
  return {
    name,
    graph,
    input: {
      dims,
      data: seeded(
        dims.reduce((a, b) => a * b, 1),
        seed++,
      ),
    },
  };
}
