import type { Graph, GraphNode, LoadedModel, Param } from '../../graph/ir.js';
import { toOpsetForms } from '../../graph/opset-forms.js';
import { VERSION } from '../../version.js';
import { writeFileAtomic } from '../atomic.js';
import { encodeAttributes } from './attributes.js';
import { onnx } from './proto.js';
import type { OnnxSource } from './read.js';
import { encodeTensor } from './tensor.js';
import { concatBytes, lengthDelimited, type RawField } from './wire.js';

const MODEL_GRAPH_FIELD = 7;
const MODEL_OPSET_FIELD = 8;
const GRAPH_NODE_FIELD = 1;
const GRAPH_INITIALIZER_FIELD = 5;
const GRAPH_INPUT_FIELD = 11;

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function sameData(a: Param, b: Param): boolean {
  if (a.data.constructor !== b.data.constructor || a.dims.join() !== b.dims.join()) return false;
  const x = bytesOf(a.data);
  const y = bytesOf(b.data);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function nodeProto(n: GraphNode): InstanceType<typeof onnx.NodeProto> {
  return onnx.NodeProto.create({
    name: n.name,
    opType: n.op,
    domain: n.domain,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: encodeAttributes(n.attrs),
  });
}

function encodeNode(n: GraphNode): Uint8Array {
  return lengthDelimited(GRAPH_NODE_FIELD, onnx.NodeProto.encode(nodeProto(n)).finish());
}

function encodeInitializer(p: Param): Uint8Array {
  return lengthDelimited(GRAPH_INITIALIZER_FIELD, onnx.TensorProto.encode(encodeTensor(p)).finish());
}

/**
 * The GraphProto payload for `graph`, built from the original's raw fields: nodes and
 * initializers that did not change keep their original bytes; changed or new ones are encoded;
 * every other field (inputs, outputs, value_info, doc strings, unknown fields) is kept as is.
 */
function graphPayload(src: OnnxSource, graph: Graph): Uint8Array {
  const nodes = graph.nodes.map((n) => src.nodeBytes.get(n) ?? encodeNode(n));
  const inits = [...graph.params.values()].map((p) => {
    const orig = src.initializers.get(p.name);
    return orig && sameData(orig.param, p) ? orig.bytes : encodeInitializer(p);
  });
  const out: Uint8Array[] = [];
  let nodesDone = false;
  let initsDone = false;
  // Graph inputs: the image input and initializers listed as inputs (older exporters) that the
  // graph still has; an initializer the clean-up folded away must not stay a required input.
  const inputs = new Set([...graph.inputs.map((i) => i.name), ...graph.params.keys()]);
  for (const f of src.graphFields) {
    if (f.field === GRAPH_INPUT_FIELD) {
      if (inputs.has(onnx.ValueInfoProto.decode(f.payload!).name)) out.push(f.bytes);
    } else if (f.field === GRAPH_NODE_FIELD) {
      if (!nodesDone) out.push(...nodes);
      nodesDone = true;
    } else if (f.field === GRAPH_INITIALIZER_FIELD) {
      if (!initsDone) out.push(...inits);
      initsDone = true;
    } else out.push(f.bytes);
  }
  if (!initsDone) out.push(...inits);
  return concatBytes(out);
}

/** Opset imports the graph needs that the model does not declare (the swprune domain). */
function extraOpsets(fields: readonly RawField[], graph: Graph): Uint8Array[] {
  const declared = new Set(
    fields.filter((f) => f.field === MODEL_OPSET_FIELD).map((f) => onnx.OperatorSetIdProto.decode(f.payload!).domain),
  );
  const needed = new Set(graph.nodes.map((n) => n.domain).filter((d) => d !== '' && d !== 'ai.onnx'));
  return [...needed]
    .filter((d) => !declared.has(d))
    .map((domain) =>
      lengthDelimited(MODEL_OPSET_FIELD, onnx.OperatorSetIdProto.encode(onnx.OperatorSetIdProto.create({ domain, version: 1 })).finish()),
    );
}

/**
 * The bytes of `model` (read by readOnnx) with `graph` in place of its graph. Everything else
 * in the original file — metadata, producer, ir_version, opset imports, fields this schema
 * does not know — is kept byte for byte.
 */
export function encodeOnnx(model: LoadedModel, graphIn: Graph): Uint8Array {
  if (model.format !== 'onnx') return encodeFreshOnnx(graphIn);
  const graph = toOpsetForms(graphIn);
  const src = model.source as OnnxSource;
  const parts: Uint8Array[] = [];
  for (const f of src.modelFields) {
    parts.push(f.field === MODEL_GRAPH_FIELD ? lengthDelimited(MODEL_GRAPH_FIELD, graphPayload(src, graph)) : f.bytes);
  }
  parts.push(...extraOpsets(src.modelFields, graph));
  return concatBytes(parts);
}

/** A new ONNX model for a graph that did not come from ONNX (e.g. a tfjs model). */
export function encodeFreshOnnx(graphIn: Graph): Uint8Array {
  const graph = toOpsetForms(graphIn);
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const valueInfo = (v: Graph['inputs'][number]) =>
    onnx.ValueInfoProto.create({
      name: v.name,
      type: {
        tensorType: {
          elemType: FLOAT,
          shape: { dim: v.dims.map((d) => (d === null ? { dimParam: 'N' } : { dimValue: d })) },
        },
      },
    });
  const domains = new Set(graph.nodes.map((n) => n.domain).filter((d) => d !== ''));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'swprune',
    producerVersion: VERSION,
    opsetImport: [{ domain: '', version: graph.opset }, ...[...domains].map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: 'swprune',
      node: graph.nodes.map(nodeProto),
      initializer: [...graph.params.values()].map(encodeTensor),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Writes `graph` as ONNX to `path` atomically (see encodeOnnx). */
export function writeOnnx(model: LoadedModel, graph: Graph, path: string): void {
  writeFileAtomic(path, encodeOnnx(model, graph));
}
