/**
 * The graph IR: what the importers (ONNX, tfjs layers) produce, the executor runs, the
 * pruners edit and the exporters write. One vocabulary for every source format:
 *
 * - Ops are ONNX operators with ONNX semantics (name, attributes, input order), whatever the
 *   source format; the only non-ONNX op is `WinogradConv` (domain `ai.swprune`).
 * - Activations are logically NCHW (ONNX). A tfjs (NHWC) model is imported with a Transpose
 *   at its input and its layers mapped to ONNX ops; the executor runs NHWC internally and
 *   converts once at the boundary.
 * - Parameters are stored in ONNX layout (Conv weight OIHW, Gemm weight as in the node,
 *   WinogradConv weight [Cout, Cin, T, T]). Importers/exporters convert exactly (transposes
 *   only), so a round trip is bit-identical.
 *
 * Nothing here touches tensors: parameters are typed arrays, so pure math (pruning masks,
 * sparsity) works on the IR directly.
 */

/** A named constant tensor: a weight, a bias, BN statistics, a shape constant. */
export interface Param {
  readonly name: string;
  readonly dims: readonly number[];
  /** Float parameters are float32; integer constants (shapes, indices) int64; narrower integer and bool tensors Int32Array. */
  data: Float32Array | BigInt64Array | Int32Array;
  /**
   * For Int32Array data: the ONNX element type it was read as (TensorProto.DataType: 6 int32,
   * 9 bool, 2 uint8, ...), so that it is written back as that type. Absent: int32.
   */
  readonly dataType?: number;
}

/** ONNX attribute values after decoding. Tensors in attributes (Constant) become Params. */
export type AttrValue = number | string | readonly number[] | readonly string[] | Param;

export interface GraphNode {
  /** Unique within the graph; importers invent one when the source has none. */
  readonly name: string;
  readonly op: string;
  /** '' (ONNX default domain) or e.g. 'ai.swprune'. */
  readonly domain: string;
  /** Value names; '' marks an omitted optional input. Params are referenced by name. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** A graph input or output: name and shape (null for a dynamic dimension such as batch). */
export interface ValueInfo {
  readonly name: string;
  readonly dims: readonly (number | null)[];
  /**
   * For 4-D image inputs: the layout the source declares (ONNX NCHW, tfjs NHWC). The
   * executor always receives image batches NHWC and uses this to interpret them.
   */
  readonly layout?: 'NCHW' | 'NHWC';
}

export type SourceFormat = 'onnx' | 'tfjs';

export interface Graph {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Topologically ordered. */
  readonly nodes: readonly GraphNode[];
  /** Initializers and constants by name. Mutable data: pruning edits weights in place on copies. */
  readonly params: ReadonlyMap<string, Param>;
  /** ONNX opset of the default domain (for tfjs sources: the opset the exporter targets). */
  readonly opset: number;
}

/** A graph plus what its exporter needs to write the same format back faithfully. */
export interface LoadedModel {
  readonly format: SourceFormat;
  readonly path: string;
  readonly graph: Graph;
  /** Opaque per-format state (original protobuf, model.json topology...) for the exporter. */
  readonly source: unknown;
  /** Things the reader changed or could not keep (e.g. float16 weights converted to float32). */
  readonly warnings: readonly string[];
}

/**
 * swprune's Winograd layer: op `WinogradConv` in domain `ai.swprune` (docs/bundle.md), the one
 * non-ONNX op of the IR. Inputs (activations, W [Cout, Cin, T, T][, bias]); attrs tile (T),
 * kernel (r), pads [top, left, bottom, right].
 */
export const WINOGRAD_CONV = { domain: 'ai.swprune', op: 'WinogradConv' } as const;

/** Whether a node is a WinogradConv. */
export const isWinogradConv = (node: GraphNode): boolean => node.op === WINOGRAD_CONV.op && node.domain === WINOGRAD_CONV.domain;

/** Whether a graph has Winograd layers (the output of `swprune winograd`). */
export const hasWinogradConv = (graph: Graph): boolean => graph.nodes.some(isWinogradConv);
