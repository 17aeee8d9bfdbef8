/** The block kernels in plain TypeScript: the fallback where WebAssembly SIMD is missing, and the reference the SIMD ones are tested against. */
import type { BlockKernels, GatherArgs, ScatterArgs, TransformArgs } from './block-kernels.js';

export class TypeScriptKernels implements BlockKernels {
  readonly kind = 'typescript';
  heap = new Float32Array(0);
  ints = new Int32Array(0);

  reserve(floats: number): void {
    if (this.heap.length >= floats) return;
    const heap = new Float32Array(floats);
    heap.set(this.heap);
    this.heap = heap;
    this.ints = new Int32Array(heap.buffer);
  }
  transform({ dst, src, mat, nOut, lines, inStep, outStep, inLine, outLine, len }: TransformArgs): void {
    const { heap: h, ints } = this;
    const cols = mat + nOut + 1;
    const vals = cols + ints[mat + nOut]!;
    for (let l = 0; l < lines; l++) {
      for (let o = 0; o < nOut; o++) {
        const out = dst + l * outLine + o * outStep;
        h.fill(0, out, out + len);
        for (let e = ints[mat + o]!; e < ints[mat + o + 1]!; e++) {
          const c = h[vals + e]!;
          const from = src + l * inLine + ints[cols + e]! * inStep;
          for (let x = 0; x < len; x++) h[out + x] += c * h[from + x]!;
        }
      }
    }
  }
  gather({ dst, src, offs, nt, T, cin, rowStride, chunk }: GatherArgs): void {
    const { heap: h, ints } = this;
    for (let a = 0; a < T; a++) {
      for (let b = 0; b < T; b++) {
        for (let c = 0; c < cin; c++) {
          const out = dst + ((a * T + b) * cin + c) * chunk;
          const pix = src + a * rowStride + b * cin + c;
          for (let t = 0; t < nt; t++) h[out + t] = h[pix + ints[offs + t]!]!;
        }
      }
    }
  }
  scatter({ dst, src, offs, nt, m, cout, rowStride, chunk, bias }: ScatterArgs): void {
    const { heap: h, ints } = this;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        for (let co = 0; co < cout; co++) {
          const from = src + ((i * m + j) * cout + co) * chunk;
          const pix = dst + i * rowStride + j * cout + co;
          const b = h[bias + co]!;
          for (let t = 0; t < nt; t++) h[pix + ints[offs + t]!] = h[from + t]! + b;
        }
      }
    }
  }
}
