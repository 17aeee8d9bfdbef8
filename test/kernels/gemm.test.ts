import { afterAll, describe, expect, it } from 'vitest';
import { gemm, matmul } from '../../src/kernels/gemm.js';
import { WorkerRunner } from '../../src/kernels/worker-runner.js';
import { SerialRunner, type KernelRunner } from '../../src/kernels/runner.js';
import { matmulRef, relErr, seeded } from './reference.js';

// float32 sums of up to ~600 products of values in [-1, 1): relative error well below 1e-5.
const TOL = 1e-5;

const serial = new SerialRunner();
const pool = new WorkerRunner({ threads: 3 });
afterAll(() => pool.dispose());

// [m, n, k]: edges of the 4 x 8 tiles, one row or column, a reduction longer than the 256-step block.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [5, 7, 3],
  [4, 8, 16],
  [37, 19, 300],
  [130, 33, 600],
  [3, 17, 1],
  [9, 1, 40],
];

describe.each([
  ['one thread', serial],
  ['three threads', pool],
] as [string, KernelRunner][])('matmul on %s equals float64 loops', (_, runner) => {
  for (const [m, n, k] of SHAPES) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`${m}x${k} by ${k}x${n}${ta ? ', A transposed' : ''}${tb ? ', B transposed' : ''} (relative error < ${TOL})`, () => {
        const A = seeded(m * k, m * 31 + k);
        const B = seeded(k * n, n * 17 + k);
        expect(relErr(matmul(runner, A, B, m, n, k, { transA: ta, transB: tb }), matmulRef(A, B, m, n, k, ta, tb))).toBeLessThan(TOL);
      });
    }
  }
});

describe('gemm', () => {
  it('gives bit-identical results on one and on three threads (each element is summed by one thread in one order)', () => {
    const [m, n, k] = [203, 45, 520];
    const A = seeded(m * k, 1);
    const B = seeded(k * n, 2);
    const one = matmul(serial, A, B, m, n, k);
    const three = matmul(pool, A, B, m, n, k);
    expect(Buffer.from(three.buffer).equals(Buffer.from(one.buffer))).toBe(true);
  });

  it('adds to C with accumulate, and honours row strides of A, B and C inside larger matrices', () => {
    const h = serial.heap;
    const mark = h.mark();
    const [m, n, k, lda, ldb, ldc] = [6, 9, 11, 15, 12, 20];
    const Abig = seeded(m * lda, 3);
    const Bbig = seeded(k * ldb, 4);
    const C0 = seeded(m * ldc, 5);
    const a = h.put(Abig);
    const b = h.put(Bbig);
    const c = h.put(C0);
    gemm(serial, { m, n, k, a: { ptr: a, ld: lda }, b: { ptr: b, ld: ldb }, c: { ptr: c, ld: ldc }, accumulate: true });
    const got = h.read(c, m * ldc);
    h.release(mark);
    const A = Float32Array.from({ length: m * k }, (_, i) => Abig[Math.floor(i / k) * lda + (i % k)]!);
    const B = Float32Array.from({ length: k * n }, (_, i) => Bbig[Math.floor(i / n) * ldb + (i % n)]!);
    const ref = matmulRef(A, B, m, n, k);
    const want = Float64Array.from(C0);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want[i * ldc + j] += ref[i * n + j]!;
    expect(relErr(got, want)).toBeLessThan(TOL);
    // the columns of C past n are untouched
    for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) expect(got[i * ldc + j]).toBe(C0[i * ldc + j]);
  });

  it('rejects operands of the wrong size', () => {
    expect(() => matmul(serial, new Float32Array(5), new Float32Array(6), 2, 3, 3)).toThrow(/expected 6 and 9/);
  });
});
