import { jailedFile, modelFolder, readRange } from '../input-jail.js';
import { SwpruneError } from '../../errors.js';
import type { Param } from '../../graph/ir.js';
import { onnx, toNumber } from './proto.js';
import { halfToFloat } from '../../graph/float16.js';

const DT = onnx.TensorProto.DataType;

/** Context for decoding: where the model lives (external data) and where warnings go. */
export interface TensorContext {
  readonly modelPath: string;
  readonly warn: (message: string) => void;
  /** The model's real folder (external data must be inside it), found on first use. */
  folder?: { readonly real: string };
  /** Collects the external-data files read (real paths): the output guard keeps outputs off them. */
  readonly files?: Set<string>;
}

const bad = (ctx: TensorContext, what: string) =>
  new SwpruneError('E_MODEL', `${ctx.modelPath}: ${what}; re-export the model (e.g. torch.onnx.export) and try again`);

/** Bytes per element of the data types swprune reads (external data lengths are checked against these). */
const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [DT.FLOAT]: 4,
  [DT.DOUBLE]: 8,
  [DT.FLOAT16]: 2,
  [DT.INT64]: 8,
  [DT.INT32]: 4,
  [DT.INT8]: 1,
  [DT.UINT8]: 1,
  [DT.INT16]: 2,
  [DT.UINT16]: 2,
  [DT.BOOL]: 1,
};

/** A non-negative integer from an external-data field, or an error naming it. */
function byteField(ctx: TensorContext, t: InstanceType<typeof onnx.TensorProto>, key: string, value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw bad(ctx, `tensor "${t.name}" has external-data ${key} "${value}", not a byte count`);
  return n;
}

/**
 * The tensor's raw bytes: inline raw_data, or external data through the input jail: the file
 * must be a regular file inside the model's folder (symlinks followed), and the declared
 * offset and length must lie within it and match the tensor's dims before anything is read.
 */
function rawBytes(t: InstanceType<typeof onnx.TensorProto>, ctx: TensorContext): Uint8Array | undefined {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entries = new Map(t.externalData.map((e) => [e.key, e.value]));
    const location = entries.get('location');
    if (!location) throw bad(ctx, `tensor "${t.name}" has external data without a location`);
    const fail = (what: string) => new SwpruneError('E_MODEL', `${ctx.modelPath}: tensor "${t.name}" keeps its data in ${what}`);
    if (!ctx.folder) ctx.folder = { real: modelFolder(ctx.modelPath) };
    const file = jailedFile(ctx.folder.real, location, fail);
    ctx.files?.add(file.real);
    const element = ELEMENT_BYTES[t.dataType];
    if (element === undefined)
      throw bad(ctx, `tensor "${t.name}" has data type ${DT[t.dataType] ?? t.dataType}, which swprune does not read`);
    const need = elementCount(ctx, t) * element;
    const offset = byteField(ctx, t, 'offset', entries.get('offset') ?? '0');
    const length = entries.has('length') ? byteField(ctx, t, 'length', entries.get('length')!) : file.size - offset;
    if (offset + length > file.size || length < 0)
      throw bad(
        ctx,
        `external data file "${location}" is shorter than tensor "${t.name}" needs (${file.size} bytes, offset ${offset}, length ${length})`,
      );
    if (length !== need) throw bad(ctx, `tensor "${t.name}" declares ${length} bytes of external data but its dims need ${need}`);
    return readRange(file, offset, length, fail);
  }
  return t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
}

/** The element count of a tensor's dims, refused when a dim is negative or the count is not a safe integer. */
function elementCount(ctx: TensorContext, t: InstanceType<typeof onnx.TensorProto>): number {
  const dims = t.dims.map((d) => toNumber(d));
  const count = dims.reduce((a, b) => a * b, 1);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0) || !Number.isSafeInteger(count))
    throw bad(ctx, `tensor "${t.name}" has dims [${dims.join(', ')}]`);
  return count;
}

/**
 * Copies bytes into a fresh aligned buffer (protobuf payloads are not aligned). Uint8Array's
 * slice, not Buffer's: a Node Buffer's slice is a view of its (pooled) memory, not a copy.
 */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer;
}

/**
 * Decodes a TensorProto into a Param: float32 stays float32; float16 and float64 become
 * float32 (with a warning); int64 becomes BigInt64Array, int32-like types Int32Array.
 * Checks that the element count matches the dims.
 */
export function decodeTensor(t: InstanceType<typeof onnx.TensorProto>, ctx: TensorContext): Param {
  const dims = t.dims.map((d) => toNumber(d));
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = rawBytes(t, ctx);
  const name = t.name;
  const sizeCheck = (n: number) => {
    if (n !== count)
      throw bad(ctx, `tensor "${name}" has ${n} values but its dims [${dims.join(', ')}] need ${count} (file truncated or corrupt)`);
  };
  switch (t.dataType) {
    case DT.FLOAT: {
      if (raw) {
        if (raw.length % 4) throw bad(ctx, `tensor "${name}" has ${raw.length} bytes of float32 data`);
        sizeCheck(raw.length / 4);
        return { name, dims, data: new Float32Array(aligned(raw)) };
      }
      sizeCheck(t.floatData.length);
      return { name, dims, data: Float32Array.from(t.floatData) };
    }
    case DT.DOUBLE:
    case DT.FLOAT16: {
      ctx.warn(`tensor "${name}" is ${t.dataType === DT.DOUBLE ? 'float64' : 'float16'}; converted to float32`);
      let values: ArrayLike<number>;
      if (t.dataType === DT.DOUBLE) values = raw ? new Float64Array(aligned(raw)) : t.doubleData;
      else {
        const bits = raw ? new Uint16Array(aligned(raw)) : t.int32Data;
        values = Array.from(bits, halfToFloat);
      }
      sizeCheck(values.length);
      return { name, dims, data: Float32Array.from(values) };
    }
    case DT.INT64: {
      if (raw) {
        sizeCheck(raw.length / 8);
        return { name, dims, data: new BigInt64Array(aligned(raw)) };
      }
      sizeCheck(t.int64Data.length);
      return { name, dims, data: BigInt64Array.from(t.int64Data, (v) => BigInt(v.toString())) };
    }
    case DT.INT32:
    case DT.INT8:
    case DT.UINT8:
    case DT.INT16:
    case DT.UINT16:
    case DT.BOOL: {
      if (raw) {
        const view =
          t.dataType === DT.INT32
            ? new Int32Array(aligned(raw))
            : t.dataType === DT.INT8
              ? new Int8Array(aligned(raw))
              : t.dataType === DT.INT16
                ? new Int16Array(aligned(raw))
                : t.dataType === DT.UINT16
                  ? new Uint16Array(aligned(raw))
                  : new Uint8Array(aligned(raw));
        sizeCheck(view.length);
        return { name, dims, data: Int32Array.from(view), dataType: t.dataType };
      }
      sizeCheck(t.int32Data.length);
      return { name, dims, data: Int32Array.from(t.int32Data), dataType: t.dataType };
    }
    default:
      throw bad(ctx, `tensor "${name}" has data type ${DT[t.dataType] ?? t.dataType}, which swprune does not read`);
  }
}

/** A float32 Param as a TensorProto with raw_data (what the writer emits for changed weights). */
function encodeFloatTensor(p: Param): InstanceType<typeof onnx.TensorProto> {
  if (!(p.data instanceof Float32Array)) throw new Error(`encodeFloatTensor: ${p.name} is not float32`);
  const bytes = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength).slice();
  return onnx.TensorProto.create({ name: p.name, dims: [...p.dims], dataType: DT.FLOAT, rawData: bytes });
}

/** Integer element types narrower than int32, written in their own width. */
const NARROW: Readonly<Record<number, new (values: ArrayLike<number>) => ArrayBufferView>> = {
  [DT.INT8]: Int8Array,
  [DT.UINT8]: Uint8Array,
  [DT.BOOL]: Uint8Array,
  [DT.INT16]: Int16Array,
  [DT.UINT16]: Uint16Array,
};

/** Any Param as a TensorProto: float32, int64, or integers of the type they were read as (int32 by default). */
export function encodeTensor(p: Param): InstanceType<typeof onnx.TensorProto> {
  if (p.data instanceof Float32Array) return encodeFloatTensor(p);
  const dataType = p.data instanceof BigInt64Array ? DT.INT64 : (p.dataType ?? DT.INT32);
  const Narrow = p.data instanceof Int32Array ? NARROW[dataType] : undefined;
  const data = Narrow ? new Narrow(p.data as Int32Array) : p.data;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return onnx.TensorProto.create({ name: p.name, dims: [...p.dims], dataType, rawData: bytes });
}
