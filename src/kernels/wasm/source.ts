/**
 * How kernels.wat is built (src/wasm/build.ts; build-time only): its templates — the parameter
 * blocks of params.ts read by name (`offset={winograd.m}`) — and its two builds: the shared
 * memory it imports as written (worker threads), and a plain one (one thread; tfjs's own heap).
 */
import type { WasmSource } from '../../wasm/build.js';
import { srcPath } from '../../wasm/build.js';
import { PARAM_OFFSET } from './params.js';

const KERNELS_SHARED_IMPORT = '(import "env" "memory" (memory 1 65536 shared))';
const KERNELS_PLAIN_IMPORT = '(import "env" "memory" (memory 1))';

/** kernels.wat's builds, both in kernels-module.ts. */
export const KERNELS_SOURCE: WasmSource = {
  wat: srcPath('kernels/wasm/kernels.wat'),
  module: srcPath('kernels/wasm/kernels-module.ts'),
  templates: { offsets: PARAM_OFFSET },
  builds: [
    { exportName: 'sharedKernelsBase64' },
    { exportName: 'plainKernelsBase64', replace: [KERNELS_SHARED_IMPORT, KERNELS_PLAIN_IMPORT] },
  ],
};
