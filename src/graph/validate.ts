import { SwpruneError } from '../errors.js';
import { listTiles } from '../winograd/tiles.js';
import { WINOGRAD_CONV, type Graph, type GraphNode, type Param } from './ir.js';
import { isParameterInput } from './parameter-inputs.js';
import { constantInts, staticShapes, type Shape } from './static-shapes.js';

/**
 * The one validation pass every loaded model goes through after the clean-up pass and before
 * anything is compiled (docs/models.md#validation): pure, on the IR only. A model that would
 * crash the executor, exhaust memory or compute garbage is refused here with a one-line
 * E_MODEL error naming the node and the attribute; a model that runs but whose results cannot
 * be trusted (non-finite weights) gets a warning.
 */

/** The ONNX opsets of the default domain swprune reads (docs/models.md). */
export const OPSET_RANGE = { min: 9, max: 20 } as const;

/**
 * Bounds on sizes, so a refused model never allocates: values per example of the input and of
 * any activation whose shape is known statically (float32: 4 bytes each), and any one padding.
 */
export const LIMITS = {
  /** 2^26 values = 256 MiB of float32 per example (a 4096x4096 RGB image is 48 MiB). */
  inputValues: 2 ** 26,
  /** 2^28 values = 1 GiB of float32 per example for any one activation. */
  activationValues: 2 ** 28,
  /** Largest padding of a Conv, a pooling window or a Pad, per side. */
  pad: 4096,
} as const;

export interface Validation {
  /** Things that load but deserve a word: non-finite weights. */
  readonly warnings: readonly string[];
}

const FIX = 're-export the model or fix it at its source';
const modelError = (what: string, fix = FIX) => new SwpruneError('E_MODEL', `${what}; ${fix}`);
const at = (n: GraphNode) => `node "${n.name}" (${n.op})`;
const list = (v: readonly number[]) => `[${v.join(', ')}]`;
const mib = (values: number) => `${((values * 4) / 2 ** 20).toFixed(0)} MiB`;

/** An attribute that must be a list of integers >= `min` (and <= `max`), of `length` when given. */
function checkInts(n: GraphNode, name: string, opts: { min: number; max?: number; length?: number }): readonly number[] | undefined {
  const v = n.attrs[name];
  if (v === undefined) return undefined;
  const ok = Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x));
  if (!ok) throw modelError(`${at(n)}: attribute ${name} must be a list of integers, got ${JSON.stringify(v)}`);
  const values = v as number[];
  if (opts.length !== undefined && values.length !== opts.length) {
    throw modelError(`${at(n)}: attribute ${name} has ${values.length} values ${list(values)}, the node needs ${opts.length}`);
  }
  const bad = values.find((x) => x < opts.min || (opts.max !== undefined && x > opts.max));
  if (bad !== undefined) {
    const range = opts.max !== undefined ? `between ${opts.min} and ${opts.max}` : `>= ${opts.min}`;
    throw modelError(`${at(n)}: attribute ${name} ${list(values)} must be ${range}, got ${bad}`);
  }
  return values;
}

/** An attribute that must be one integer >= `min`. */
function checkInt(n: GraphNode, name: string, min: number): number | undefined {
  const v = n.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw modelError(`${at(n)}: attribute ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** strides, dilations (>= 1) and pads (0..LIMITS.pad) of a window over `spatial` axes. */
function checkWindow(n: GraphNode, spatial: number | undefined): void {
  checkInts(n, 'strides', { min: 1, length: spatial });
  checkInts(n, 'dilations', { min: 1, length: spatial });
  checkInts(n, 'pads', { min: 0, max: LIMITS.pad, length: spatial === undefined ? undefined : 2 * spatial });
  checkInts(n, 'kernel_shape', { min: 1, length: spatial });
}

type NodeCheck = (n: GraphNode, inputs: readonly (Shape | undefined)[], params: ReadonlyMap<string, Param>) => void;

const param = (params: ReadonlyMap<string, Param>, n: GraphNode, i: number) => params.get(n.inputs[i] ?? '');

/** Per-op checks ("domain/op"): attributes, the weights' shapes against the attributes and the inputs. */
const NODE_CHECKS: Readonly<Record<string, NodeCheck>> = {
  '/Conv': (n, [x], params) => {
    const w = param(params, n, 1);
    const spatial = w ? w.dims.length - 2 : undefined;
    if (w && w.dims.length < 3)
      throw modelError(`${at(n)}: weight "${w.name}" has dims ${list(w.dims)}, a convolution weight needs [out, in/group, ...kernel]`);
    checkWindow(n, spatial);
    const group = checkInt(n, 'group', 1) ?? 1;
    if (!w) return;
    const kernel = n.attrs.kernel_shape as readonly number[] | undefined;
    if (kernel?.some((k, i) => k !== w.dims[2 + i])) {
      throw modelError(
        `${at(n)}: attribute kernel_shape ${list(kernel)} disagrees with weight "${w.name}" of dims ${list(w.dims)}`,
        `the kernel must be the weight's last dims; ${FIX}`,
      );
    }
    if (w.dims[0]! % group !== 0)
      throw modelError(`${at(n)}: group ${group} does not divide the ${w.dims[0]} output channels of weight "${w.name}"`);
    const bias = param(params, n, 2);
    if (bias && (bias.dims.length !== 1 || bias.dims[0] !== w.dims[0]))
      throw modelError(`${at(n)}: bias "${bias.name}" has dims ${list(bias.dims)}, the weight has ${w.dims[0]} output channels`);
    if (x && x.length === w.dims.length) {
      if (x[1]! % group !== 0) throw modelError(`${at(n)}: group ${group} does not divide the ${x[1]} input channels`);
      if (x[1] !== w.dims[1]! * group) {
        throw modelError(
          `${at(n)}: its input has ${x[1]} channels, but weight "${w.name}" of dims ${list(w.dims)} with group ${group} expects ${w.dims[1]! * group}`,
          `the weight must match the layer before it; ${FIX}`,
        );
      }
    }
  },
  '/MaxPool': (n) => checkWindow(n, (n.attrs.kernel_shape as readonly number[] | undefined)?.length),
  '/AveragePool': (n) => checkWindow(n, (n.attrs.kernel_shape as readonly number[] | undefined)?.length),
  '/Pad': (n, _, params) => {
    const pads = constantInts(param(params, n, 1)) ?? (n.attrs.pads as number[] | undefined);
    const big = pads?.find((p) => Math.abs(p) > LIMITS.pad);
    if (big !== undefined) throw modelError(`${at(n)}: pads ${list(pads!)} exceed the bound of ${LIMITS.pad} per side (got ${big})`);
  },
  '/Gemm': (n, [a], params) => {
    const b = param(params, n, 1);
    if (!b) return;
    if (b.dims.length !== 2) throw modelError(`${at(n)}: weight "${b.name}" has dims ${list(b.dims)}, Gemm needs a 2-D weight`);
    const k = (n.attrs.transB ?? 0) ? b.dims[1]! : b.dims[0]!;
    const features = a && a.length === 2 ? ((n.attrs.transA ?? 0) ? a[0]! : a[1]!) : undefined;
    if (features !== undefined && features !== k) {
      throw modelError(
        `${at(n)}: its input has ${features} features, but weight "${b.name}" of dims ${list(b.dims)} expects ${k}`,
        `the weight must match the layer before it; ${FIX}`,
      );
    }
  },
  '/BatchNormalization': (n, [x], params) => {
    const stats = [1, 2, 3, 4].map((i) => param(params, n, i));
    const channels = x && x.length >= 2 ? x[1] : undefined;
    for (const p of stats) {
      if (p && (p.dims.length !== 1 || (channels !== undefined && p.dims[0] !== channels))) {
        throw modelError(`${at(n)}: "${p.name}" has dims ${list(p.dims)}, the input has ${channels ?? 'a different number of'} channels`);
      }
    }
    const variance = stats[3];
    if (variance && variance.data instanceof Float32Array) {
      const negative = variance.data.findIndex((v) => v < 0);
      if (negative >= 0) {
        throw modelError(
          `${at(n)}: running variance "${variance.name}" is negative (${variance.data[negative]} at channel ${negative}); a variance is never negative and would make every output of that channel NaN`,
        );
      }
    }
  },
  [`${WINOGRAD_CONV.domain}/${WINOGRAD_CONV.op}`]: (n, [x], params) => {
    const T = checkInt(n, 'tile', 1) ?? 6;
    const r = checkInt(n, 'kernel', 1) ?? 3;
    const tiles = listTiles();
    if (!tiles.some((t) => t.T === T && t.r === r)) {
      throw modelError(
        `${at(n)}: tile ${T} with kernel ${r} is not a Winograd tile swprune has (${tiles.map((t) => `T=${t.T} for ${t.r}x${t.r}`).join(', ')})`,
      );
    }
    checkInts(n, 'pads', { min: 0, max: LIMITS.pad, length: 4 });
    const group = checkInt(n, 'group', 1) ?? 1;
    const w = param(params, n, 1);
    if (!w) return;
    if (w.dims.length !== 4 || w.dims[2] !== T || w.dims[3] !== T || w.dims[0]! % group !== 0) {
      throw modelError(
        `${at(n)}: weight "${w.name}" has dims ${list(w.dims)}, the layer needs [out, in/group, ${T}, ${T}] with group ${group} dividing out`,
      );
    }
    if (x && x.length === 4 && x[1] !== w.dims[1]! * group) {
      throw modelError(
        `${at(n)}: its input has ${x[1]} channels, but weight "${w.name}" of dims ${list(w.dims)} with group ${group} expects ${w.dims[1]! * group}`,
        `the weight must match the layer before it; ${FIX}`,
      );
    }
  },
};

/** Graph-level checks: opset, inputs and outputs, parameter dims. */
function checkGraph(graph: Graph): void {
  if (!Number.isInteger(graph.opset) || graph.opset < OPSET_RANGE.min || graph.opset > OPSET_RANGE.max) {
    throw modelError(
      `the model uses ONNX opset ${graph.opset}; swprune reads opsets ${OPSET_RANGE.min} to ${OPSET_RANGE.max}`,
      `re-export it with an opset in that range (torch.onnx.export(..., opset_version=17))`,
    );
  }
  if (graph.outputs.length === 0) throw modelError('the graph has no outputs', `a model must declare its output (the logits); ${FIX}`);
  if (graph.inputs.length === 0) throw modelError('the graph has no inputs', `a model must declare its input (the image batch); ${FIX}`);
  const produced = new Set([...graph.inputs.map((v) => v.name), ...graph.params.keys(), ...graph.nodes.flatMap((n) => n.outputs)]);
  for (const o of graph.outputs) if (!produced.has(o.name)) throw modelError(`graph output "${o.name}" is not computed by any node`);
  for (const v of [...graph.inputs, ...graph.outputs]) {
    const bad = v.dims.find((d) => d !== null && !(Number.isInteger(d) && d > 0));
    if (bad !== undefined)
      throw modelError(
        `graph ${graph.inputs.includes(v) ? 'input' : 'output'} "${v.name}" has dims ${`[${v.dims.map((d) => d ?? '?').join(', ')}]`}: a dimension must be a positive size or dynamic, got ${bad}`,
      );
  }
  const input = graph.inputs[0]!;
  const known = input.dims.slice(1);
  if (known.every((d) => d !== null)) {
    const values = (known as number[]).reduce((a, b) => a * b, 1);
    if (values > LIMITS.inputValues) {
      throw modelError(
        `the input "${input.name}" is ${known.join('x')} per example: ${values} values (${mib(values)} of float32), above swprune's bound of ${LIMITS.inputValues} values (${mib(LIMITS.inputValues)})`,
        'export the model for a smaller input size',
      );
    }
  }
  for (const p of graph.params.values()) {
    const bad = p.dims.find((d) => !(Number.isInteger(d) && d >= 0));
    if (bad !== undefined) throw modelError(`parameter "${p.name}" has dims ${list(p.dims)}: dimension ${bad} is not a size`);
  }
}

/** Parameters read as weights must hold values: a zero dim there is an empty layer. */
function checkParameterDims(n: GraphNode, params: ReadonlyMap<string, Param>): void {
  n.inputs.forEach((name, i) => {
    const p = params.get(name);
    if (p && isParameterInput(n, i) && p.dims.some((d) => d === 0))
      throw modelError(`${at(n)}: parameter "${p.name}" has dims ${list(p.dims)}: a learned parameter cannot have an empty dimension`);
  });
}

/** How many weights are NaN or infinite, and in which parameters. */
export function nonFiniteWeights(graph: Graph): { count: number; params: string[] } {
  let count = 0;
  const params: string[] = [];
  for (const p of graph.params.values()) {
    if (!(p.data instanceof Float32Array)) continue;
    let here = 0;
    for (const v of p.data) if (!Number.isFinite(v)) here++;
    if (here > 0) {
      count += here;
      params.push(p.name);
    }
  }
  return { count, params };
}

/** The warning for non-finite weights (undefined when every weight is finite). */
function nonFiniteWarning(graph: Graph): string | undefined {
  const { count, params } = nonFiniteWeights(graph);
  if (count === 0) return undefined;
  const names =
    params
      .slice(0, 3)
      .map((p) => `"${p}"`)
      .join(', ') + (params.length > 3 ? ` and ${params.length - 3} more` : '');
  return `${count} weight${count === 1 ? ' is' : 's are'} NaN or infinite (in ${names}); the model's outputs will not be meaningful`;
}

/**
 * Checks a cleaned-up graph before it is compiled; throws the first problem as a one-line
 * E_MODEL SwpruneError, returns the warnings.
 */
export function validateGraph(graph: Graph): Validation {
  checkGraph(graph);
  const shapes = staticShapes(graph, (node, inputs) => {
    checkParameterDims(node, graph.params);
    NODE_CHECKS[`${node.domain}/${node.op}`]?.(node, inputs, graph.params);
  });
  for (const node of graph.nodes) {
    const s = shapes.get(node.outputs[0] ?? '');
    const values = s ? s.reduce((a, b) => a * b, 1) : 0;
    if (values > LIMITS.activationValues) {
      throw modelError(
        `${at(node)}: its output ${list(s!)} has ${values} values per example (${mib(values)} of float32), above swprune's bound of ${LIMITS.activationValues} values (${mib(LIMITS.activationValues)})`,
        `check its pads and the input size; ${FIX}`,
      );
    }
  }
  const warning = nonFiniteWarning(graph);
  return { warnings: warning ? [warning] : [] };
}
