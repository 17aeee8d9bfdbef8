import { afterAll, describe, expect, it } from 'vitest';
import { instantiateKernels, KERNEL_FUNCTIONS, KERNEL_NAMES } from '../../src/kernels/module.js';
import { PARAM_OFFSET, paramBlock } from '../../src/kernels/wasm/params.js';
import { WorkerRunner } from '../../src/kernels/worker-runner.js';

describe("KERNEL_FUNCTIONS, the one list of the kernel module's functions", () => {
  it('names exactly the functions the compiled module exports, each with its parameter count', () => {
    const kernels = instantiateKernels(new WebAssembly.Memory({ initial: 1 })) as unknown as Record<string, unknown>;
    const exported = Object.keys(kernels)
      .filter((k) => typeof kernels[k] === 'function')
      .sort();
    expect(exported).toEqual([...KERNEL_NAMES].sort());
    for (const name of KERNEL_NAMES)
      expect([name, (kernels[name] as (...a: number[]) => void).length]).toEqual([name, KERNEL_FUNCTIONS[name].length]);
  });
});

describe('WorkerRunner', () => {
  const runner = new WorkerRunner({ threads: 2 });
  afterAll(() => runner.dispose());

  it('runs every listed kernel on its worker threads, channel_combine included (a kernel left out of a hand-kept list stopped the workers)', () => {
    // dst = a * ka + (b - mb) * kb + kc per column, rows split between the two threads.
    const [rows, cols] = [6, 5];
    const h = runner.heap;
    const a = Float32Array.from({ length: rows * cols }, (_, i) => i - 7);
    const b = Float32Array.from({ length: rows * cols }, (_, i) => 0.5 * i);
    const [ka, kb, kc, mb] = [
      [1, 2, 3, 4, 5],
      [0.5, -1, 2, 0, 1],
      [9, 8, 7, 6, 5],
      [1, 1, 2, 2, 3],
    ];
    const pa = h.put(a);
    const pb = h.put(b);
    const pk = [ka, kb, kc, mb].map((v) => h.put(v));
    const dst = h.zeros(rows * cols);
    const half = rows / 2;
    runner.parallel('channel_combine', (t) => [
      dst + t * half * cols * 4,
      pa + t * half * cols * 4,
      pb + t * half * cols * 4,
      pk[3]!,
      pk[0]!,
      pk[1]!,
      pk[2]!,
      half,
      cols,
    ]);
    const got = h.read(dst, rows * cols);
    const want = Float32Array.from(
      a,
      (x, i) => Math.fround(Math.fround(x * ka[i % cols]!) + Math.fround((b[i]! - mb[i % cols]!) * kb[i % cols]!)) + kc[i % cols]!,
    );
    expect([...got]).toEqual([...want]);
    // The workers still answer after it.
    runner.parallel('fill', (t) => [dst + t * half * cols * 4, half * cols, 0]);
    expect([...h.read(dst, rows * cols)].every((v) => v === 0)).toBe(true);
  });
});

describe('PARAM_BLOCKS, the parameter blocks kernels.wat reads', () => {
  it('writes a block by field name in the table order, each field at 4 * its index', () => {
    const words = paramBlock('maxpool', { N: 12, pl: 11, pt: 10, sw: 9, sh: 8, KW: 7, KH: 6, OW: 5, OH: 4, C: 3, W: 2, H: 1 });
    expect([...words]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(PARAM_OFFSET.winograd.f4x4).toBe(4 * 17);
    expect(PARAM_OFFSET.conv.pl).toBe(4 * 13);
  });
});
