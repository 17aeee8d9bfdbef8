/**
 * The loops the sparse Winograd path spends its time in, over one float32 heap (offsets and
 * lengths in floats; int32 arrays live in the same heap, read through `ints`):
 *
 *   transform         a sparse matrix along one axis of the blocks: one side of an input or
 *                     output transform (B^T, A^T), or one position's product W_p^T V_p
 *   gather            input tiles of a chunk from an NHWC image into [2D index][channel][tile]
 *   scatter           output tiles [2D index][channel][tile] into an NHWC image, plus the bias
 *
 * Two implementations with the same results up to float rounding: WebAssembly SIMD (f32x4;
 * source src/sparse/wasm/kernels.wat) where the runtime validates it, and TypeScript
 * (typescript-kernels.ts) otherwise. Tile counts `nt` and all block offsets are multiples of 4,
 * transform lengths of 32 (the SIMD loops move 4 tiles, or 8 vectors, at a time).
 */
import { TypeScriptKernels } from './typescript-kernels.js';
import { kernelsWasmBase64 } from './wasm/kernels-module.js';

/**
 * A sparse matrix S (nOut rows; at `mat`: int32 rowPtr[nOut + 1], int32 col[nnz], float val[nnz])
 * applied along one axis: dst[l*outLine + o*outStep + x] = sum_j S[o][j] * src[l*inLine + j*inStep + x]
 * for l < lines, o < nOut, x < len.
 */
export interface TransformArgs { dst: number; src: number; mat: number; nOut: number; lines: number; inStep: number; outStep: number; inLine: number; outLine: number; len: number }
/** dst[((a*T + b)*cin + c)*chunk + t] = src[ints[offs + t] + a*rowStride + b*cin + c], a, b < T, c < cin, t < nt. */
export interface GatherArgs { dst: number; src: number; offs: number; nt: number; T: number; cin: number; rowStride: number; chunk: number }
/** dst[ints[offs + t] + i*rowStride + j*cout + co] = src[((i*m + j)*cout + co)*chunk + t] + heap[bias + co], i, j < m. */
export interface ScatterArgs { dst: number; src: number; offs: number; nt: number; m: number; cout: number; rowStride: number; chunk: number; bias: number }
export interface BlockKernels {
  readonly kind: 'wasm-simd' | 'typescript';
  /** The heap as float32 and as int32, valid until the next `reserve`. */
  heap: Float32Array;
  ints: Int32Array;
  /** Makes the heap at least `floats` long. */
  reserve(floats: number): void;
  transform(a: TransformArgs): void;
  gather(a: GatherArgs): void;
  scatter(a: ScatterArgs): void;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  transform(dst: number, src: number, mat: number, nOut: number, lines: number, inStep: number, outStep: number, inLine: number, outLine: number, len: number): void;
  gather(dst: number, src: number, offs: number, nt: number, T: number, cin: number, rowStride: number, chunk: number): void;
  scatter(dst: number, src: number, offs: number, nt: number, m: number, cout: number, rowStride: number, chunk: number, bias: number): void;
}

/** The WebAssembly kernels: pointers become byte addresses; counts and strides stay in floats. */
class WasmSimdKernels implements BlockKernels {
  readonly kind = 'wasm-simd';
  heap: Float32Array;
  ints: Int32Array;
  private readonly e: KernelExports;

  constructor(instance: WebAssembly.Instance) {
    this.e = instance.exports as unknown as KernelExports;
    this.heap = new Float32Array(this.e.memory.buffer);
    this.ints = new Int32Array(this.e.memory.buffer);
  }
  reserve(floats: number): void {
    const { memory } = this.e;
    const bytes = floats * 4;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    this.heap = new Float32Array(memory.buffer);
    this.ints = new Int32Array(memory.buffer);
  }
  transform(a: TransformArgs): void {
    this.e.transform(a.dst * 4, a.src * 4, a.mat * 4, a.nOut, a.lines, a.inStep, a.outStep, a.inLine, a.outLine, a.len);
  }
  gather(a: GatherArgs): void {
    this.e.gather(a.dst * 4, a.src * 4, a.offs * 4, a.nt, a.T, a.cin, a.rowStride, a.chunk);
  }
  scatter(a: ScatterArgs): void {
    this.e.scatter(a.dst * 4, a.src * 4, a.offs * 4, a.nt, a.m, a.cout, a.rowStride, a.chunk, a.bias * 4);
  }
}

let wasmModule: WebAssembly.Module | null | undefined;

/** WebAssembly SIMD where this runtime has it, else TypeScript; `prefer` forces one (tests, benchmarks). */
export function blockKernels(prefer?: BlockKernels['kind']): BlockKernels {
  if (prefer === 'typescript') return new TypeScriptKernels();
  if (wasmModule === undefined) {
    const bytes = new Uint8Array(Buffer.from(kernelsWasmBase64, 'base64'));
    wasmModule = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  if (prefer === 'wasm-simd' && !wasmModule) throw new Error('WebAssembly SIMD is not available in this runtime');
  // Each caller gets its own instance, and so its own memory.
  return wasmModule ? new WasmSimdKernels(new WebAssembly.Instance(wasmModule)) : new TypeScriptKernels();
}
