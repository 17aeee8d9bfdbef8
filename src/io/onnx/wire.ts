/**
 * Raw protobuf fields: the bytes of a message split into (field number, encoded bytes) without
 * decoding them. Writing a model back from these keeps everything the schema does not know
 * (fields from newer ONNX versions), which a decode/encode round trip would drop.
 */
export interface RawField {
  readonly field: number;
  /** The complete encoding of this field: tag, (length) and value. */
  readonly bytes: Uint8Array;
  /** For length-delimited fields: the payload without tag and length. */
  readonly payload?: Uint8Array;
}

/** Splits a message into its fields, in order. Throws on malformed input. */
export function splitFields(bytes: Uint8Array): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new RangeError('truncated varint');
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new RangeError('varint too long');
    }
  };
  while (pos < bytes.length) {
    const start = pos;
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let payload: Uint8Array | undefined;
    switch (wire) {
      case 0:
        varint();
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = varint();
        if (pos + len > bytes.length) throw new RangeError('truncated length-delimited field');
        payload = bytes.subarray(pos, pos + len);
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new RangeError(`unsupported wire type ${wire}`);
    }
    if (pos > bytes.length || field === 0) throw new RangeError('malformed field');
    fields.push({ field, bytes: bytes.subarray(start, pos), payload });
  }
  return fields;
}

/** Encodes a varint. */
function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** The complete encoding of a length-delimited field with the given payload. */
export function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  const head = [...varintBytes(field * 8 + 2), ...varintBytes(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
