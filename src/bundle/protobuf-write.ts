/**
 * The protobuf wire format written directly, for the bundle's weight matrices (the counterpart
 * of protobuf.ts): protobufjs's writer keeps one object per written value, millions of them
 * for a layer's weights, and a VGG-nagadomi-sized bundle spent most of its 10 s in the garbage
 * collector. Fields are written as protobufjs writes them (every field present, packed
 * repeated fields only when non-empty), so the bytes are the same.
 */

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;
const utf8 = new TextEncoder();

export class WireWriter {
  private buf = new Uint8Array(256);
  private n = 0;

  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(2 * this.buf.length, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }

  private varint(v: number): void {
    this.ensure(10);
    while (v > 127) {
      this.buf[this.n++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.n++] = v;
  }

  private raw(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  uint(field: number, v: number): this {
    this.varint(field * 8);
    this.varint(v);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.varint(field * 8 + 2);
    this.raw(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  /** A packed repeated uint32 field (nothing when empty). */
  uints(field: number, a: ArrayLike<number>): this {
    if (a.length === 0) return this;
    const w = new WireWriter();
    for (let i = 0; i < a.length; i++) w.varint(a[i]!);
    return this.bytes(field, w.finish());
  }

  /** A packed repeated float field, little-endian float32 (nothing when empty). */
  floats(field: number, a: Float32Array): this {
    if (a.length === 0) return this;
    if (LITTLE_ENDIAN) return this.bytes(field, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const b = new Uint8Array(4 * a.length);
    const view = new DataView(b.buffer);
    a.forEach((v, i) => {
      view.setFloat32(4 * i, v, true);
    });
    return this.bytes(field, b);
  }

  /** An embedded message. */
  message(field: number, write: (w: WireWriter) => void): this {
    const w = new WireWriter();
    write(w);
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}
