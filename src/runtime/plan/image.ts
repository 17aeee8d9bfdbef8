/**
 * The memory image a plan is built into, and the descriptors placed in it: `Image` hands out
 * 64-byte aligned regions and holds the data written into them; `Desc` is one kernel's
 * descriptor, written by field name through wasm/descriptors.ts (the table runtime.wat reads).
 */
import {
  fieldType,
  KERNELS,
  OFFSET,
  OP,
  words,
  type FieldOf,
  type FloatField,
  type IntField,
  type KernelKind,
} from '../wasm/descriptors.js';
import type { Epilogue } from './types.js';

/** Bytes at a memory address. */
export interface ImageRun {
  readonly at: number;
  readonly bytes: Uint8Array;
}

/** A finished descriptor of any kind. */
export interface Placeable {
  readonly kind: KernelKind;
  bytes(): Uint8Array;
}

/** A growing memory image: allocations are 64-byte aligned; data is written into them. */
export class Image {
  private chunks: ImageRun[] = [];
  top = 64;
  alloc(bytes: number, align = 64): number {
    const at = Math.ceil(this.top / align) * align;
    this.top = at + bytes;
    return at;
  }
  data(bytes: Uint8Array | Float32Array | Int32Array, align = 64): number {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = this.alloc(u8.length, align);
    this.chunks.push({ at, bytes: u8 });
    return at;
  }
  /**
   * The data as runs: small chunks less than `gap` bytes apart share a run (zeros between
   * them); a chunk of `large` bytes or more is a run of its own, not copied (a VGG-sized
   * network's weights are a hundred megabytes, planned again at every evaluation).
   */
  finish(gap = 4096, large = 65536): ImageRun[] {
    const sorted = [...this.chunks].sort((a, b) => a.at - b.at);
    const groups: ImageRun[][] = [];
    for (const c of sorted) {
      const last = groups.at(-1)?.at(-1);
      if (last && c.bytes.length < large && last.bytes.length < large && c.at - (last.at + last.bytes.length) < gap) groups.at(-1)!.push(c);
      else groups.push([c]);
    }
    return groups.map((g) => {
      if (g.length === 1) return g[0]!;
      const at = g[0]!.at;
      const bytes = new Uint8Array(g.at(-1)!.at + g.at(-1)!.bytes.length - at);
      for (const c of g) bytes.set(c.bytes, c.at - at);
      return { at, bytes };
    });
  }
}

/**
 * A descriptor under construction, written by field name through descriptors.ts (the table
 * runtime.wat reads the same offsets from); placing it checks that every field was written.
 */
export class Desc<K extends KernelKind> {
  private readonly buf: ArrayBuffer;
  private readonly i: Int32Array;
  private readonly f: Float32Array;
  private readonly written: Set<string>;
  constructor(readonly kind: K) {
    this.buf = new ArrayBuffer(words(kind) * 4);
    this.i = new Int32Array(this.buf);
    this.f = new Float32Array(this.buf);
    this.i[0] = OP[kind];
    this.written = new Set();
  }
  private word(field: string, type: 'i32' | 'f32'): number {
    const t = fieldType(this.kind, field);
    if (!t?.includes(type)) throw new Error(`descriptor ${this.kind} has no ${type} field ${field}`);
    this.written.add(field);
    return (OFFSET[this.kind] as Record<string, number>)[field]! / 4;
  }
  read(field: FieldOf<K>): number {
    return this.i[(OFFSET[this.kind] as Record<string, number>)[field]! / 4]!;
  }
  copy(): Desc<K> {
    const d = new Desc(this.kind);
    d.i.set(this.i);
    for (const f of this.written) d.written.add(f);
    return d;
  }
  int(field: IntField<K>, v: number): this {
    this.i[this.word(field, 'i32')] = v;
    return this;
  }
  float(field: FloatField<K>, v: number): this {
    this.f[this.word(field, 'f32')] = v;
    return this;
  }
  /** A sliding window's input fields (descriptors.ts WINDOWS: inBase, inImg, inRowStep, inPixStep; a kind without them throws). */
  window(inBase: number, img: number, rowStep: number, pixStep: number): this {
    this.i[this.word('inBase', 'i32')] = inBase;
    this.i[this.word('inImg', 'i32')] = img;
    this.i[this.word('inRowStep', 'i32')] = rowStep;
    this.i[this.word('inPixStep', 'i32')] = pixStep;
    return this;
  }
  /** A convolution's output fields (outBase, outImg, outRow, outPix, outH, outW: the address of output (0, 0), its strides and size). */
  output(base: number, g: { img: number; row: number; pix: number }, a: { H: number; W: number }): this {
    this.i[this.word('outBase', 'i32')] = base;
    this.i[this.word('outImg', 'i32')] = g.img;
    this.i[this.word('outRow', 'i32')] = g.row;
    this.i[this.word('outPix', 'i32')] = g.pix;
    this.i[this.word('outH', 'i32')] = a.H;
    this.i[this.word('outW', 'i32')] = a.W;
    return this;
  }
  /** The clamp activation (lo, hi, alpha; a kind without them throws). */
  clamp(e: Epilogue): this {
    this.f[this.word('lo', 'f32')] = e.lo;
    this.f[this.word('hi', 'f32')] = e.hi;
    this.f[this.word('alpha', 'f32')] = e.alpha;
    return this;
  }
  /** The clamp activation and residual delta (lo, hi, alpha, resDelta). */
  epilogue(e: Epilogue, resDelta: number): this {
    this.i[this.word('resDelta', 'i32')] = resDelta;
    return this.clamp(e);
  }
  /** The descriptor's bytes; every field must have been written. */
  bytes(): Uint8Array {
    const missing = Object.keys(KERNELS[this.kind].fields).filter((f) => !this.written.has(f));
    if (missing.length) throw new Error(`descriptor ${this.kind}: ${missing.join(', ')} not written`);
    return new Uint8Array(this.buf);
  }
}
