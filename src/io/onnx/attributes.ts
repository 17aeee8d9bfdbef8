import type { AttrValue } from '../../graph/ir.js';
import { onnx, toNumber } from './proto.js';
import { decodeTensor, encodeTensor, type TensorContext } from './tensor.js';

const AT = onnx.AttributeProto.AttributeType;
const text = new TextDecoder();
const utf8 = new TextEncoder();

/** Decodes ONNX node attributes (graphs and sparse tensors in attributes are not supported). */
export function decodeAttributes(
  attrs: readonly InstanceType<typeof onnx.AttributeProto>[],
  ctx: TensorContext,
): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const a of attrs) {
    switch (a.type) {
      case AT.FLOAT:
        out[a.name] = a.f;
        break;
      case AT.INT:
        out[a.name] = toNumber(a.i);
        break;
      case AT.STRING:
        out[a.name] = text.decode(a.s);
        break;
      case AT.TENSOR:
        out[a.name] = decodeTensor(onnx.TensorProto.fromObject(a.t ?? {}), ctx);
        break;
      case AT.FLOATS:
        out[a.name] = [...a.floats];
        break;
      case AT.INTS:
        out[a.name] = a.ints.map((v) => toNumber(v));
        break;
      case AT.STRINGS:
        out[a.name] = a.strings.map((s) => text.decode(s));
        break;
      default:
        // Graph-valued attributes (If/Loop/Scan) are left out; those ops are unsupported anyway.
        break;
    }
  }
  return out;
}

/**
 * ONNX attributes that are floats even when their value is a whole number (Gemm alpha=1,
 * Clip min=0): the IR keeps plain numbers, so the type comes from the name.
 */
const FLOAT_ATTRS = new Set([
  'alpha',
  'beta',
  'epsilon',
  'momentum',
  'ratio',
  'min',
  'max',
  'gamma',
  'lambd',
  'bias',
  'value_float',
  'value',
  'scale',
  'threshold',
  'spatial_scale',
]);
const FLOAT_LIST_ATTRS = new Set(['scales', 'value_floats']);

/** Encodes IR attributes back to ONNX AttributeProtos. */
export function encodeAttributes(attrs: Readonly<Record<string, AttrValue>>): InstanceType<typeof onnx.AttributeProto>[] {
  return Object.entries(attrs).map(([name, v]) => {
    if (typeof v === 'number') {
      return Number.isInteger(v) && !FLOAT_ATTRS.has(name)
        ? onnx.AttributeProto.create({ name, type: AT.INT, i: v })
        : onnx.AttributeProto.create({ name, type: AT.FLOAT, f: v });
    }
    if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: AT.STRING, s: utf8.encode(v) });
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x === 'string')) {
        return onnx.AttributeProto.create({ name, type: AT.STRINGS, strings: (v as string[]).map((s) => utf8.encode(s)) });
      }
      const nums = v as number[];
      return nums.every(Number.isInteger) && !FLOAT_LIST_ATTRS.has(name)
        ? onnx.AttributeProto.create({ name, type: AT.INTS, ints: nums })
        : onnx.AttributeProto.create({ name, type: AT.FLOATS, floats: nums });
    }
    return onnx.AttributeProto.create({ name, type: AT.TENSOR, t: encodeTensor(v as never) });
  });
}
