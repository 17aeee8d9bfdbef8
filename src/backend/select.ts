/**
 * Choosing the compute backend (`--backend auto|tensorflow|wasm|cpu`).
 *
 *   tensorflow  the native TensorFlow binding (@tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node);
 *               optional packages, loaded with a dynamic import so a missing one is not a crash.
 *               Both register the tfjs backend named 'tensorflow'.
 *   wasm        @tensorflow/tfjs-backend-wasm, single-threaded SIMD build (the threaded build does
 *               not start in Node), with swprune's registrations (tfjs-wasm/): its own
 *               convolutions run on setThreads() threads (threads.ts; default: the cores available).
 *   cpu         tfjs's pure-JavaScript backend: slow, the reference in tests.
 *   auto        tensorflow if it loads, else wasm.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { msg, opt, SwpruneError } from '../errors.js';

/** The values of `--backend`. */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** True for the native TensorFlow binding. */
  native: boolean;
  /** wasm only: SIMD build in use. */
  simd?: boolean;
  /** Threads the backend computes on: swprune's kernel threads on wasm, the cores on tensorflow, 1 on cpu. */
  threads: number;
  /** The one line the CLI prints at start, e.g. `backend: wasm (SIMD on, 2 threads)`. */
  description: string;
}

/** Native packages in order of preference; each registers the backend 'tensorflow' on import. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const NATIVE_HINT = msg`run \`npm install @tensorflow/tfjs-node\` (version 4.22.0, matching @tensorflow/tfjs) on a machine that can download the TensorFlow binary, or use ${opt('backend')} wasm`;

/**
 * Makes `choice` the active tfjs backend, waits until it is ready, and describes it.
 * Throws SwpruneError('E_BACKEND') when the requested backend cannot start.
 */
export async function selectBackend(choice: BackendChoice): Promise<BackendInfo> {
  switch (choice) {
    case 'cpu':
      return selectCpu();
    case 'wasm':
      return selectWasm();
    case 'tensorflow': {
      const native = await tryNative();
      if ('info' in native) return native.info;
      throw new SwpruneError('E_BACKEND', [`backend 'tensorflow' is not available (${native.reason}); `, ...NATIVE_HINT]);
    }
    case 'auto': {
      const native = await tryNative();
      return 'info' in native ? native.info : selectWasm();
    }
  }
}

async function activate(name: string): Promise<boolean> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name;
}

async function selectCpu(): Promise<BackendInfo> {
  if (!(await activate('cpu')))
    throw new SwpruneError('E_BACKEND', "backend 'cpu' failed to start; this tfjs installation is broken, reinstall @tensorflow/tfjs");
  return { name: 'cpu', native: false, threads: 1, description: 'backend: cpu (pure JavaScript, slow)' };
}

async function selectWasm(): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { registerWasmKernels } = await import('./tfjs-wasm/index.js');
  // The threaded build needs Web Workers and does not start in Node; tfjs already says "no
  // threads" when it detects Node, but say it explicitly (read once, at init).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  registerWasmKernels();
  let started = false;
  try {
    started = await activate('wasm');
  } catch (e) {
    throw new SwpruneError(
      'E_BACKEND',
      msg`backend 'wasm' failed to start (${firstLine(e)}); reinstall @tensorflow/tfjs-backend-wasm or use ${opt('backend')} cpu`,
    );
  }
  if (!started)
    throw new SwpruneError(
      'E_BACKEND',
      msg`backend 'wasm' failed to start; reinstall @tensorflow/tfjs-backend-wasm or use ${opt('backend')} cpu`,
    );
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const { threadCount: kernelThreads } = await import('./threads.js');
  // tfjs's own kernels run on wasm.getThreadsCount() threads (1 in Node); swprune's on kernelThreads().
  const threadCount = Math.max(wasm.getThreadsCount(), kernelThreads());
  return {
    name: 'wasm',
    native: false,
    simd,
    threads: threadCount,
    description: `backend: wasm (SIMD ${simd ? 'on' : 'off'}, ${threadCount} thread${threadCount === 1 ? '' : 's'})`,
  };
}

/** Loads the first native package that imports, registers and starts; or says why none did. */
async function tryNative(): Promise<{ info: BackendInfo } | { reason: string }> {
  const reasons: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await import(/* @vite-ignore */ pkg as string);
    } catch (e) {
      reasons.push(isNotFound(e) ? `${pkg} is not installed` : `${pkg} did not load: ${firstLine(e)}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') == null) {
      reasons.push(`${pkg} loaded but registered with another copy of @tensorflow/tfjs-core (version mismatch)`);
      continue;
    }
    if (await activate('tensorflow')) {
      return {
        info: { name: 'tensorflow', native: true, threads: availableParallelism(), description: `backend: tensorflow (native, ${pkg})` },
      };
    }
    reasons.push(`${pkg} loaded but its backend did not start`);
  }
  return { reason: reasons.join('; ') };
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  return /cannot find (module|package)|failed to (load|resolve)/i.test(firstLine(e));
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim();
}
