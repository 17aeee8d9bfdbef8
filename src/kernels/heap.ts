/**
 * A WebAssembly.Memory used as a stack of float buffers: `alloc` hands out 16-byte-aligned
 * regions (byte offsets) from the top, `mark`/`release` free everything allocated after a mark.
 * Kernels read up to 32 bytes past an operand (kernels.wat), so every region is followed by 64
 * bytes of slack. The memory grows as needed; `f32`/`i32` are views of its current buffer.
 */
export class Heap {
  private top: number;
  private views: { buffer: ArrayBufferLike; f32: Float32Array; i32: Int32Array } | undefined;

  /** `base`: the first byte this heap may use (what lies below belongs to its owner). */
  constructor(
    readonly memory: WebAssembly.Memory,
    base = 0,
  ) {
    this.top = align(base);
  }

  /** Float view of the whole memory (re-made after the memory grows). */
  get f32(): Float32Array {
    return this.refresh().f32;
  }

  /** Int32 view of the whole memory. */
  get i32(): Int32Array {
    return this.refresh().i32;
  }

  /** A new region of `floats` floats (not cleared); its byte offset. */
  alloc(floats: number): number {
    const at = this.top;
    this.top = align(at + floats * 4 + 64);
    this.reserve(this.top);
    return at;
  }

  /** A region holding a copy of `values`; its byte offset. */
  put(values: ArrayLike<number>): number {
    const at = this.alloc(values.length);
    this.f32.set(values, at >> 2);
    return at;
  }

  /** A region of `floats` zeros; its byte offset. */
  zeros(floats: number): number {
    const at = this.alloc(floats);
    this.f32.fill(0, at >> 2, (at >> 2) + floats);
    return at;
  }

  /** `floats` floats at byte offset `ptr`, copied out. */
  read(ptr: number, floats: number): Float32Array {
    return this.f32.slice(ptr >> 2, (ptr >> 2) + floats);
  }

  mark(): number {
    return this.top;
  }

  /** Frees every region allocated after `mark()` returned `m`. */
  release(m: number): void {
    this.top = m;
  }

  /** Grows the memory so that bytes below `end` exist. */
  reserve(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / 65536));
  }

  private refresh() {
    const buffer = this.memory.buffer;
    if (!this.views || this.views.buffer !== buffer) {
      this.views = { buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer) };
    }
    return this.views;
  }
}

const align = (n: number) => (n + 15) & ~15;
