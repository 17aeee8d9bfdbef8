/**
 * An ONNX ModelProto decoded into swprune's graph IR (src/graph/ir.ts) with no dependencies: the
 * network inside a bundle, in a browser too. It reads what the IR holds — nodes, attributes,
 * initializers, graph inputs and outputs, the default opset — and gives the same graph as the
 * Node-side reader (src/io/onnx/read.ts; test/runtime/decode.test.ts compares them).
 */
import type { AttrValue, Graph, GraphNode, Param, ValueInfo } from '../graph/ir.js';
import {
  aligned,
  all,
  byNumber,
  bytesOf,
  doubles,
  fields,
  floats,
  str,
  text,
  uint,
  varints,
  WireError,
  type WireField,
} from '../bundle/protobuf.js';
import { halfToFloat } from '../graph/float16.js';

/** Why an ONNX network cannot be decoded, in one line. */
export class OnnxFormatError extends Error {}

// onnx.proto field numbers
const MODEL = { graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTR = { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, strings: 9, type: 20 } as const;
const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
const TENSOR = {
  dims: 1,
  dataType: 2,
  floatData: 4,
  int32Data: 5,
  int64Data: 7,
  name: 8,
  rawData: 9,
  doubleData: 10,
  externalData: 13,
  dataLocation: 14,
} as const;
const ENTRY = { key: 1, value: 2 } as const;
const DTYPE = { FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;

/**
 * Reads a tensor's external data (ONNX's `external_data`): `location` as the model writes it,
 * the byte range it declares (`length` undefined: to the end of the file) and `need`, the bytes
 * its dims and type take. In Node, loadOnnxFile reads them through swprune's input jail.
 */
export type ExternalData = (ref: {
  readonly tensor: string;
  readonly location: string;
  readonly offset: number;
  readonly length: number | undefined;
  readonly need: number;
}) => Uint8Array;

/** Bytes per element of the types the runtime reads. */
const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [DTYPE.FLOAT]: 4,
  [DTYPE.UINT8]: 1,
  [DTYPE.INT8]: 1,
  [DTYPE.UINT16]: 2,
  [DTYPE.INT16]: 2,
  [DTYPE.INT32]: 4,
  [DTYPE.INT64]: 8,
  [DTYPE.BOOL]: 1,
  [DTYPE.FLOAT16]: 2,
  [DTYPE.DOUBLE]: 8,
};

/** A tensor's external data, read by `external` (refused without one: bytes alone have no folder to read from). */
function externalBytes(
  m: Map<number, WireField[]>,
  name: string,
  count: number,
  type: number,
  external: ExternalData | undefined,
): Uint8Array {
  const entries = new Map(
    all(m, TENSOR.externalData).map((f) => {
      const e = byNumber(fields(f.bytes));
      return [str(e, ENTRY.key), str(e, ENTRY.value)] as const;
    }),
  );
  const location = entries.get('location');
  if (!location) throw new OnnxFormatError(`tensor "${name}" has external data without a location`);
  if (!external)
    throw new OnnxFormatError(
      `tensor "${name}" keeps its data in an external file ("${location}"); load the model from its file (loadOnnxFile), beside its data`,
    );
  const element = ELEMENT_BYTES[type];
  if (element === undefined) throw new OnnxFormatError(`tensor "${name}" has ONNX data type ${type}, which the runtime does not read`);
  const byteCount = (key: string): number | undefined => {
    const v = entries.get(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
      throw new OnnxFormatError(`tensor "${name}" has external-data ${key} "${v}", not a byte count`);
    return Number(v);
  };
  return external({ tensor: name, location, offset: byteCount('offset') ?? 0, length: byteCount('length'), need: count * element });
}

/** A TensorProto as a Param: float32 (float16/float64 converted), int64 as BigInt64Array, other integers as Int32Array. */
export function decodeTensor(b: Uint8Array, external?: ExternalData): Param {
  const m = byNumber(fields(b));
  const name = str(m, TENSOR.name);
  const dims = varints(all(m, TENSOR.dims));
  const count = dims.reduce((a, x) => a * x, 1);
  const type = uint(m, TENSOR.dataType);
  const raw =
    uint(m, TENSOR.dataLocation) === 1
      ? externalBytes(m, name, count, type, external)
      : m.has(TENSOR.rawData)
        ? bytesOf(m, TENSOR.rawData)
        : undefined;
  let data: Float32Array | BigInt64Array | Int32Array;
  switch (type) {
    case DTYPE.FLOAT:
      data = raw ? new Float32Array(aligned(raw)) : floats(all(m, TENSOR.floatData));
      break;
    case DTYPE.DOUBLE:
      data = Float32Array.from(raw ? new Float64Array(aligned(raw)) : doubles(all(m, TENSOR.doubleData)));
      break;
    case DTYPE.FLOAT16:
      data = Float32Array.from(raw ? new Uint16Array(aligned(raw)) : varints(all(m, TENSOR.int32Data)), halfToFloat);
      break;
    case DTYPE.INT64:
      data = raw ? new BigInt64Array(aligned(raw)) : BigInt64Array.from(varints(all(m, TENSOR.int64Data)), (v) => BigInt(v));
      break;
    case DTYPE.INT32:
    case DTYPE.INT8:
    case DTYPE.UINT8:
    case DTYPE.INT16:
    case DTYPE.UINT16:
    case DTYPE.BOOL: {
      if (!raw) {
        data = Int32Array.from(varints(all(m, TENSOR.int32Data)));
        break;
      }
      const buf = aligned(raw);
      const view =
        type === DTYPE.INT32
          ? new Int32Array(buf)
          : type === DTYPE.INT8
            ? new Int8Array(buf)
            : type === DTYPE.INT16
              ? new Int16Array(buf)
              : type === DTYPE.UINT16
                ? new Uint16Array(buf)
                : new Uint8Array(buf);
      data = Int32Array.from(view);
      break;
    }
    default:
      throw new OnnxFormatError(`tensor "${name}" has ONNX data type ${type}, which the runtime does not read`);
  }
  if (data.length !== count)
    throw new OnnxFormatError(`tensor "${name}" has ${data.length} values but its dims [${dims.join(', ')}] need ${count}`);
  return { name, dims, data };
}

function attribute(f: WireField, external: ExternalData | undefined): [string, AttrValue] | undefined {
  const m = byNumber(fields(f.bytes));
  const name = str(m, ATTR.name);
  switch (uint(m, ATTR.type)) {
    case ATTR_TYPE.FLOAT:
      return [name, m.has(ATTR.f) ? new Float32Array(aligned(bytesOf(m, ATTR.f)))[0]! : 0];
    case ATTR_TYPE.INT:
      return [name, uint(m, ATTR.i)];
    case ATTR_TYPE.STRING:
      return [name, str(m, ATTR.s)];
    case ATTR_TYPE.TENSOR:
      return [name, decodeTensor(bytesOf(m, ATTR.t), external)];
    case ATTR_TYPE.FLOATS:
      return [name, Array.from(floats(all(m, ATTR.floats)))];
    case ATTR_TYPE.INTS:
      return [name, varints(all(m, ATTR.ints))];
    case ATTR_TYPE.STRINGS:
      return [name, all(m, ATTR.strings).map(text)];
    default:
      return undefined; // graphs and sparse tensors: those ops are unsupported anyway
  }
}

function valueInfo(b: Uint8Array): ValueInfo {
  const m = byNumber(fields(b));
  const type = byNumber(fields(bytesOf(m, VALUE_INFO.type)));
  const tensor = byNumber(fields(bytesOf(type, 1)));
  const shape = byNumber(fields(bytesOf(tensor, 2)));
  const dims = all(shape, 1).map((d) => {
    const v = uint(byNumber(fields(d.bytes)), 1);
    return v > 0 ? v : null;
  });
  const name = str(m, VALUE_INFO.name);
  return dims.length === 4 ? { name, dims, layout: 'NCHW' } : { name, dims };
}

/** As the Node reader: a 4-D input whose every consumer is Transpose(perm 0,3,1,2) is an NHWC image. */
function withLayout(input: ValueInfo, nodes: readonly GraphNode[]): ValueInfo {
  if (input.dims.length !== 4) return input;
  const consumers = nodes.filter((n) => n.inputs.includes(input.name));
  const nhwc = consumers.length > 0 && consumers.every((n) => n.op === 'Transpose' && String(n.attrs.perm) === '0,3,1,2');
  return { ...input, layout: nhwc ? 'NHWC' : 'NCHW' };
}

/** Decodes a serialized ModelProto into the graph IR; `external` reads tensors kept in external files (else they are refused). */
export function decodeOnnx(bytes: Uint8Array, external?: ExternalData): Graph {
  try {
    const model = byNumber(fields(bytes));
    if (!model.has(MODEL.graph)) throw new OnnxFormatError('not an ONNX model (no graph)');
    const g = byNumber(fields(bytesOf(model, MODEL.graph)));
    const params = new Map<string, Param>();
    for (const f of all(g, GRAPH.initializer)) {
      const p = decodeTensor(f.bytes, external);
      params.set(p.name, p);
    }
    const used = new Set<string>();
    const nodes = all(g, GRAPH.node).map((f, i): GraphNode => {
      const n = byNumber(fields(f.bytes));
      const op = str(n, NODE.opType);
      let name = str(n, NODE.name) || `${op}_${i}`;
      while (used.has(name)) name = `${name}_${i}`;
      used.add(name);
      const domain = str(n, NODE.domain);
      const attrs: Record<string, AttrValue> = {};
      for (const a of all(n, NODE.attribute)) {
        const kv = attribute(a, external);
        if (kv) attrs[kv[0]] = kv[1];
      }
      return {
        name,
        op,
        domain: domain === 'ai.onnx' ? '' : domain,
        inputs: all(n, NODE.input).map(text),
        outputs: all(n, NODE.output).map(text),
        attrs,
      };
    });
    const opsets = all(model, MODEL.opsetImport).map((f) => byNumber(fields(f.bytes)));
    const dflt = opsets.find((o) => ['', 'ai.onnx'].includes(str(o, OPSET.domain)));
    return {
      inputs: all(g, GRAPH.input)
        .map((f) => valueInfo(f.bytes))
        .filter((v) => !params.has(v.name))
        .map((v) => withLayout(v, nodes)),
      outputs: all(g, GRAPH.output).map((f) => valueInfo(f.bytes)),
      nodes,
      params,
      opset: dflt ? uint(dflt, OPSET.version) : 1,
    };
  } catch (e) {
    if (e instanceof WireError || e instanceof RangeError) throw new OnnxFormatError(`not a valid ONNX network (${e.message})`);
    throw e;
  }
}
