/**
 * The two loops the sparse Winograd path spends its time in, over one float32 heap:
 *
 *   axpy(dst, src, c, n):  heap[dst + i] += c * heap[src + i]   for i < n
 *   scale(dst, src, c, n): heap[dst + i]  = c * heap[src + i]
 *
 * (offsets and n in floats). Two implementations with the same results up to float rounding:
 * WebAssembly SIMD (f32x4, 4 lanes per instruction; the module is 150 bytes, written out below
 * with its text form beside it) where the runtime validates it, and plain TypeScript otherwise.
 * n must be a multiple of 4 and offsets multiples of 4 (the SIMD loop moves 16-byte blocks).
 */
export interface BlockKernels {
  readonly kind: 'wasm-simd' | 'typescript';
  /** The heap, valid until the next `reserve`. */
  heap: Float32Array;
  /** Makes the heap at least `floats` long (contents are not kept). */
  reserve(floats: number): void;
  axpy(dst: number, src: number, c: number, n: number): void;
  scale(dst: number, src: number, c: number, n: number): void;
}

class TypeScriptKernels implements BlockKernels {
  readonly kind = 'typescript';
  heap = new Float32Array(0);
  reserve(floats: number): void {
    if (this.heap.length < floats) this.heap = new Float32Array(floats);
  }
  axpy(dst: number, src: number, c: number, n: number): void {
    const h = this.heap;
    for (let i = 0; i < n; i++) h[dst + i] += c * h[src + i]!;
  }
  scale(dst: number, src: number, c: number, n: number): void {
    const h = this.heap;
    for (let i = 0; i < n; i++) h[dst + i] = c * h[src + i]!;
  }
}

/*
 * (module
 *   (memory (export "memory") 1)
 *   (func (export "axpy") (param $d i32) (param $s i32) (param $c f32) (param $n i32)
 *     (local $cv v128) (local $end i32)
 *     (local.set $cv (f32x4.splat (local.get $c)))
 *     (local.set $end (i32.add (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $d) (local.get $end)))
 *       (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (f32x4.mul (v128.load (local.get $s)) (local.get $cv))))
 *       (local.set $d (i32.add (local.get $d) (i32.const 16)))
 *       (local.set $s (i32.add (local.get $s) (i32.const 16)))
 *       (br 0))))
 *   (func (export "scale") ...the same with (v128.store (local.get $d) (f32x4.mul (v128.load (local.get $s)) (local.get $cv)))))
 */
function loopBody(accumulate: boolean): number[] {
  const SIMD = 0xfd;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const load = [SIMD, 0x00, 0x04, 0x00]; // v128.load align=16 offset=0
  const store = [SIMD, 0x0b, 0x04, 0x00];
  const mul = [SIMD, 0xe6, 0x01]; // f32x4.mul
  const add = [SIMD, 0xe4, 0x01]; // f32x4.add
  const step = (i: number) => [...get(i), 0x41, 0x10, 0x6a, ...set(i)]; // i += 16
  const value = accumulate ? [...get(0), ...load, ...get(1), ...load, ...get(4), ...mul, ...add] : [...get(1), ...load, ...get(4), ...mul];
  const code = [
    0x02, 0x01, 0x7b, 0x01, 0x7f, // locals: 1 v128 ($cv), 1 i32 ($end)
    ...get(2), SIMD, 0x13, ...set(4), // $cv = f32x4.splat($c)
    ...get(0), ...get(3), 0x41, 0x02, 0x74, 0x6a, ...set(5), // $end = $d + ($n << 2)
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(0), ...get(5), 0x4f, 0x0d, 0x01, // br_if 1 ($d >= $end)
    ...get(0), ...value, ...store,
    ...step(0), ...step(1),
    0x0c, 0x00, 0x0b, 0x0b, 0x0b, // br 0, end loop, end block, end func
  ];
  return [...leb128(code.length), ...code];
}

/** Unsigned LEB128, the length encoding of WebAssembly sections and bodies. */
function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return out;
}

function simdModuleBytes(): Uint8Array<ArrayBuffer> {
  const section = (id: number, body: number[]) => [id, ...leb128(body.length), ...body];
  const name = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const axpy = loopBody(true);
  const scale = loopBody(false);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 4, 0x7f, 0x7f, 0x7d, 0x7f, 0]), // type 0: (i32 i32 f32 i32) -> ()
    ...section(3, [2, 0, 0]), // two functions of type 0
    ...section(5, [1, 0x00, 1]), // one memory, min 1 page
    ...section(7, [3, ...name('memory'), 0x02, 0, ...name('axpy'), 0x00, 0, ...name('scale'), 0x00, 1]),
    ...section(10, [2, ...axpy, ...scale]),
  ]);
}

class WasmSimdKernels implements BlockKernels {
  readonly kind = 'wasm-simd';
  heap: Float32Array;
  private readonly memory: WebAssembly.Memory;
  private readonly fAxpy: (d: number, s: number, c: number, n: number) => void;
  private readonly fScale: (d: number, s: number, c: number, n: number) => void;

  constructor(instance: WebAssembly.Instance) {
    const e = instance.exports as { memory: WebAssembly.Memory; axpy: WasmSimdKernels['fAxpy']; scale: WasmSimdKernels['fScale'] };
    this.memory = e.memory;
    this.fAxpy = e.axpy;
    this.fScale = e.scale;
    this.heap = new Float32Array(this.memory.buffer);
  }
  reserve(floats: number): void {
    const bytes = floats * 4;
    if (this.memory.buffer.byteLength < bytes) this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / 65536));
    this.heap = new Float32Array(this.memory.buffer);
  }
  axpy(dst: number, src: number, c: number, n: number): void {
    this.fAxpy(dst * 4, src * 4, c, n);
  }
  scale(dst: number, src: number, c: number, n: number): void {
    this.fScale(dst * 4, src * 4, c, n);
  }
}

let simdModule: WebAssembly.Module | null | undefined;

/** WebAssembly SIMD where this runtime has it, else TypeScript; `prefer` forces one (tests, benchmarks). */
export function blockKernels(prefer?: BlockKernels['kind']): BlockKernels {
  if (prefer === 'typescript') return new TypeScriptKernels();
  if (simdModule === undefined) {
    const bytes = simdModuleBytes();
    simdModule = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  if (prefer === 'wasm-simd' && !simdModule) throw new Error('WebAssembly SIMD is not available in this runtime');
  // Each caller gets its own instance, and so its own memory.
  return simdModule ? new WasmSimdKernels(new WebAssembly.Instance(simdModule)) : new TypeScriptKernels();
}
