/**
 * A protobuf wire-format reader with no dependencies (the runtime runs in browsers, where the
 * schema cannot be loaded from a file): just what decoding the bundle and an ONNX model needs.
 * Field numbers come from the schemas (docs/swprune-bundle.proto, onnx.proto); the tests decode
 * the same bytes with protobufjs and compare.
 */

/** One field of a message: its number and wire type, and where its value lies. */
export interface WireField {
  readonly no: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  readonly wire: number;
  /** The varint's value (wire 0), exact up to 2^53; larger int64 values lose low bits. */
  readonly int: number;
  /** The payload (wire 2), or the 4 / 8 value bytes (wire 5 / 1). */
  readonly bytes: Uint8Array;
}

/** Thrown on malformed input; callers turn it into a one-line error naming the file. */
export class WireError extends Error {}

/** The fields of a message, in order. */
export function fields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  const varint = (): number => {
    let lo = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new WireError('truncated varint');
      const b = buf[pos++]!;
      lo += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return lo >= 2 ** 63 ? lo - 2 ** 64 : lo; // int64 two's complement
      scale *= 128;
    }
    throw new WireError('varint too long');
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (no === 0) throw new WireError('field number 0');
    let int = 0;
    let bytes: Uint8Array = EMPTY;
    if (wire === 0) int = varint();
    else if (wire === 2) {
      const len = varint();
      if (len < 0 || pos + len > buf.length) throw new WireError('truncated length-delimited field');
      bytes = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 5 || wire === 1) {
      const len = wire === 5 ? 4 : 8;
      if (pos + len > buf.length) throw new WireError('truncated fixed-width field');
      bytes = buf.subarray(pos, pos + len);
      pos += len;
    } else throw new WireError(`unsupported wire type ${wire}`);
    out.push({ no, wire, int, bytes });
  }
  return out;
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder();

export const text = (f: WireField): string => utf8.decode(f.bytes);

/** A copy into a fresh, aligned buffer (payloads inside a message are not 4-byte aligned). */
export function aligned(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/** A repeated varint field: packed (wire 2) or one value per field (wire 0). */
export function varints(fs: readonly WireField[]): number[] {
  const out: number[] = [];
  for (const f of fs) {
    if (f.wire === 0) out.push(f.int);
    else if (f.wire === 2) {
      let pos = 0;
      const b = f.bytes;
      while (pos < b.length) {
        let v = 0;
        let scale = 1;
        for (;;) {
          if (pos >= b.length) throw new WireError('truncated packed varint');
          const x = b[pos++]!;
          v += (x & 0x7f) * scale;
          if ((x & 0x80) === 0) break;
          scale *= 128;
        }
        out.push(v >= 2 ** 63 ? v - 2 ** 64 : v);
      }
    } else throw new WireError('a varint field has the wrong wire type');
  }
  return out;
}

/**
 * A repeated varint field of values below 2^31 (indices, offsets) straight into an Int32Array:
 * a bundle's CSR matrices hold millions (through `varints`' arrays: 0.85 s for a 72 MB bundle).
 */
export function varintsInt32(fs: readonly WireField[]): Int32Array {
  let count = 0;
  for (const f of fs) {
    if (f.wire === 0) count++;
    else if (f.wire === 2) for (let i = 0; i < f.bytes.length; i++) count += (f.bytes[i]! & 0x80) === 0 ? 1 : 0;
    else throw new WireError('a varint field has the wrong wire type');
  }
  const out = new Int32Array(count);
  let n = 0;
  for (const f of fs) {
    if (f.wire === 0) {
      out[n++] = f.int;
      continue;
    }
    const b = f.bytes;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < b.length; i++) {
      const x = b[i]!;
      v += (x & 0x7f) * scale;
      if (x & 0x80) scale *= 128;
      else {
        out[n++] = v;
        v = 0;
        scale = 1;
      }
    }
    if (scale !== 1) throw new WireError('truncated packed varint');
  }
  return out;
}

/** A repeated float field (packed or not) as float32. */
export function floats(fs: readonly WireField[]): Float32Array {
  const parts = fs.map((f) => {
    if (f.wire !== 2 && f.wire !== 5) throw new WireError('a float field has the wrong wire type');
    if (f.bytes.length % 4) throw new WireError('packed floats of a length not a multiple of 4');
    return new Float32Array(aligned(f.bytes));
  });
  return concatFloat32(parts);
}

/** A repeated double field (packed or not). */
export function doubles(fs: readonly WireField[]): Float64Array {
  const parts = fs.map((f) => {
    if (f.wire !== 2 && f.wire !== 1) throw new WireError('a double field has the wrong wire type');
    if (f.bytes.length % 8) throw new WireError('packed doubles of a length not a multiple of 8');
    return new Float64Array(aligned(f.bytes));
  });
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Fields grouped by number. */
export function byNumber(fs: readonly WireField[]): Map<number, WireField[]> {
  const m = new Map<number, WireField[]>();
  for (const f of fs) {
    const list = m.get(f.no);
    if (list) list.push(f);
    else m.set(f.no, [f]);
  }
  return m;
}

/** The last value of a singular varint field (proto3: absent = 0). */
export const uint = (m: Map<number, WireField[]>, no: number): number => m.get(no)?.at(-1)?.int ?? 0;
/** The last value of a singular string field (absent = ''). */
export const str = (m: Map<number, WireField[]>, no: number): string => {
  const f = m.get(no)?.at(-1);
  return f ? text(f) : '';
};
/** The payload of a singular bytes / message field (absent = empty). */
export const bytesOf = (m: Map<number, WireField[]>, no: number): Uint8Array => m.get(no)?.at(-1)?.bytes ?? EMPTY;
/** The fields of a repeated field (absent = none). */
export const all = (m: Map<number, WireField[]>, no: number): WireField[] => m.get(no) ?? [];
