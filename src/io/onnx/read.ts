import { readFileSync, statSync } from 'node:fs';
import { SwpruneError } from '../../errors.js';
import type { Graph, GraphNode, LoadedModel, Param, ValueInfo } from '../../graph/ir.js';
import { decodeAttributes } from './attributes.js';
import { onnx, toNumber } from './proto.js';
import { decodeTensor, type TensorContext } from './tensor.js';
import { splitFields, type RawField } from './wire.js';

/** What the ONNX writer needs to write the same model back (see write.ts). */
export interface OnnxSource {
  /** The original file's bytes. */
  readonly bytes: Uint8Array;
  /** ModelProto fields, raw. */
  readonly modelFields: readonly RawField[];
  /** GraphProto fields, raw. */
  readonly graphFields: readonly RawField[];
  /** Each node the reader produced -> its original encoding. */
  readonly nodeBytes: ReadonlyMap<GraphNode, Uint8Array>;
  /** Each initializer's original encoding and the Param decoded from it (not external-data ones: those are written inline). */
  readonly initializers: ReadonlyMap<string, { readonly bytes: Uint8Array; readonly param: Param }>;
  /** The external-data files read (real paths), inputs the output guard protects. */
  readonly externalFiles: readonly string[];
}

const MODEL_GRAPH_FIELD = 7;
const GRAPH_NODE_FIELD = 1;
const GRAPH_INITIALIZER_FIELD = 5;

const modelError = (path: string, what: string, fix = 'pass an ONNX model file (.onnx)') =>
  new SwpruneError('E_MODEL', `${path}: ${what}; ${fix}`);

function readBytes(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw modelError(path, 'is a directory, not an ONNX file');
    if (!st.isFile()) throw modelError(path, 'is not a regular file (a device, FIFO or socket)');
    size = st.size;
  } catch (e) {
    if (e instanceof SwpruneError) throw e;
    throw modelError(path, 'file not found', 'check the path');
  }
  if (size === 0) throw modelError(path, 'file is empty');
  return new Uint8Array(readFileSync(path));
}

function decodeModel(path: string, bytes: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw modelError(path, `not a valid ONNX file (protobuf decoding failed: ${reason}); the file may be truncated or not ONNX`);
  }
  // Arbitrary bytes sometimes decode "successfully" into nonsense: check it looks like a model.
  if (toNumber(model.irVersion) <= 0 || !model.graph || model.opsetImport.length === 0) {
    throw modelError(path, 'does not look like an ONNX model (no ir_version, graph or opset_import)');
  }
  if ((model.graph as GraphProto).node.length === 0) throw modelError(path, 'the ONNX graph has no nodes');
  return model;
}

type GraphProto = InstanceType<typeof onnx.GraphProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;

function valueInfo(v: ValueInfoProto): ValueInfo {
  // A dim_value is kept as written (graph/validate refuses zero and negative sizes); dim_param is dynamic.
  const dims = (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue != null ? toNumber(d.dimValue) : null));
  return dims.length === 4 ? { name: v.name, dims, layout: 'NCHW' } : { name: v.name, dims };
}

/**
 * A 4-D input whose every consumer is Transpose(perm 0,3,1,2) is an NHWC image (models
 * converted from TensorFlow, and the ONNX swprune writes for tfjs models); others are NCHW.
 */
function withLayout(input: ValueInfo, nodes: readonly GraphNode[]): ValueInfo {
  if (input.dims.length !== 4) return input;
  const consumers = nodes.filter((n) => n.inputs.includes(input.name));
  const nhwc = consumers.length > 0 && consumers.every((n) => n.op === 'Transpose' && String(n.attrs.perm) === '0,3,1,2');
  return { ...input, layout: nhwc ? 'NHWC' : 'NCHW' };
}

/**
 * Reads an ONNX model into the IR. Initializers become Params; Constant nodes stay nodes (the
 * executor folds them); graph inputs that are initializers (old exporters) are not inputs.
 * Bad files give one-line SwpruneError('E_MODEL') messages.
 */
export function readOnnx(path: string): LoadedModel {
  return readOnnxBytes(readBytes(path), path);
}

/** readOnnx for bytes already in memory (e.g. the network inside a bundle); `path` names them in errors. */
export function readOnnxBytes(bytes: Uint8Array, path: string): LoadedModel {
  const model = decodeModel(path, bytes);
  const g = model.graph as GraphProto;
  const warnings: string[] = [];
  const files = new Set<string>();
  const ctx: TensorContext = { modelPath: path, warn: (m) => warnings.push(m), files };

  const modelFields = splitFields(bytes);
  const graphPayload = modelFields.find((f) => f.field === MODEL_GRAPH_FIELD)!.payload!;
  const graphFields = splitFields(graphPayload);
  const rawNodes = graphFields.filter((f) => f.field === GRAPH_NODE_FIELD);
  const rawInits = graphFields.filter((f) => f.field === GRAPH_INITIALIZER_FIELD);

  const params = new Map<string, Param>();
  const initializers = new Map<string, { bytes: Uint8Array; param: Param }>();
  (g.initializer as InstanceType<typeof onnx.TensorProto>[]).forEach((t, i) => {
    const param = decodeTensor(t, ctx);
    params.set(param.name, param);
    // External data is written back inline: an output never points at the input's data files.
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL)
      initializers.set(param.name, { bytes: rawInits[i]!.bytes, param: { ...param, data: param.data.slice() } });
  });

  const used = new Set<string>();
  const nodeBytes = new Map<GraphNode, Uint8Array>();
  const nodes = (g.node as NodeProto[]).map((n, i) => {
    let name = n.name || `${n.opType}_${i}`;
    while (used.has(name)) name = `${name}_${i}`;
    used.add(name);
    const node: GraphNode = {
      name,
      op: n.opType,
      domain: n.domain === 'ai.onnx' ? '' : n.domain,
      inputs: [...n.input],
      outputs: [...n.output],
      attrs: decodeAttributes(n.attribute as InstanceType<typeof onnx.AttributeProto>[], ctx),
    };
    nodeBytes.set(node, rawNodes[i]!.bytes);
    return node;
  });

  const defaultOpset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  const graph: Graph = {
    inputs: (g.input as ValueInfoProto[]).filter((v) => !params.has(v.name)).map((v) => withLayout(valueInfo(v), nodes)),
    outputs: (g.output as ValueInfoProto[]).map(valueInfo),
    nodes,
    params,
    opset: defaultOpset ? toNumber(defaultOpset.version) : 1,
  };
  const source: OnnxSource = { bytes, modelFields, graphFields, nodeBytes, initializers, externalFiles: [...files] };
  return { format: 'onnx', path, graph, source, warnings };
}
