import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { setThreads } from '../../src/backend/threads.js';
import { selectBackend } from '../../src/backend/select.js';
import { isSwpruneKernel, WASM_KERNELS } from '../../src/backend/tfjs-wasm/index.js';
import { SwpruneError } from '../../src/errors.js';

const previous = tf.getBackend();
afterAll(async () => {
  if (previous) await tf.setBackend(previous);
});

/** Whether a native binding can be imported on this machine (it cannot on the CI/dev box). */
async function nativeLoadable(): Promise<boolean> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ pkg);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

describe('selectBackend', () => {
  it("'cpu' activates the cpu backend", async () => {
    const info = await selectBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info).toMatchObject({ name: 'cpu', native: false });
    expect(info.description).toMatch(/^backend: cpu\b/);
  });

  it("'wasm' activates wasm, SIMD, with swprune's kernels on setThreads() threads", async () => {
    setThreads(1);
    let info = await selectBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info).toMatchObject({ name: 'wasm', native: false, simd: true, threads: 1 });
    expect(info.description).toBe('backend: wasm (SIMD on, 1 thread)');
    setThreads(2);
    info = await selectBackend('wasm');
    expect(info).toMatchObject({ threads: 2, description: 'backend: wasm (SIMD on, 2 threads)' });
    setThreads();
    for (const { kernelName } of WASM_KERNELS) expect(isSwpruneKernel(kernelName), kernelName).toBe(true);
    // And it computes: a conv2d filter gradient needs one of those kernels.
    const g = tf.tidy(() =>
      tf
        .grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')))(
          tf.ones([3, 3, 1, 1]),
        )
        .dataSync(),
    );
    expect(Array.from(g)).toEqual(new Array(9).fill(1));
  });

  it("'tensorflow' starts the native binding where it loads, else fails with E_BACKEND saying how to install it", async () => {
    if (await nativeLoadable()) {
      const info = await selectBackend('tensorflow');
      expect(info).toMatchObject({ name: 'tensorflow', native: true });
      expect(tf.getBackend()).toBe('tensorflow');
      return;
    }
    const err = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwpruneError);
    expect((err as SwpruneError).code).toBe('E_BACKEND');
    expect((err as SwpruneError).message).toMatch(/npm install @tensorflow\/tfjs-node/);
    expect((err as SwpruneError).message).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect((err as SwpruneError).message).not.toMatch(/\n/);
  });

  it("'auto' prefers the native binding where it loads, else falls back to wasm", async () => {
    await tf.setBackend('cpu');
    const info = await selectBackend('auto');
    const expected = (await nativeLoadable()) ? 'tensorflow' : 'wasm';
    expect(info.name).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
  });
});
