/**
 * How runtime.wat is built (src/wasm/build.ts; build-time only, imports no package): its
 * templates — fields of descriptors.ts read by name (`offset={conv.outRow}`), `run`'s dispatch
 * generated from the same table — and its two builds, one thread's own memory and the shared
 * memory a plan for several threads imports.
 */
import type { WasmSource } from '../../wasm/build.js';
import { srcPath } from '../../wasm/build.js';
import type { Templates } from '../../wasm/expand.js';
import { EPILOGUE_OFFSET, KERNEL_KINDS, KERNELS, OFFSET } from './descriptors.js';

/** `run`'s dispatch: a block per op code (KERNELS' order), br_table on the descriptor's word 0. */
function dispatch(): string {
  const n = KERNEL_KINDS.length;
  const labels = KERNEL_KINDS.map((_, i) => `$op${i}`);
  const lines = [
    `(block $next ${[...labels]
      .reverse()
      .map((l) => `(block ${l}`)
      .join(' ')}`,
    `  (br_table ${labels.join(' ')} $next (i32.load (local.get $d))))`,
    ...KERNEL_KINDS.map((k, i) => {
      const call = `(call ${KERNELS[k].func} (local.get $d)${KERNELS[k].images ? ' (local.get $n) (local.get $first)' : ''})`;
      return i < n - 1 ? `  ${call} (br $next))` : `  ${call})`;
    }),
  ];
  return lines.join('\n        ');
}

/**
 * What runtime.wat's templates stand for: `{kind.field}` the field's byte offset in
 * descriptors.ts, `{epilogue.field}` its offset in the epilogue words, `{dispatch}` `run`'s dispatch.
 */
export const RUNTIME_TEMPLATES: Templates = { offsets: { ...OFFSET, epilogue: EPILOGUE_OFFSET }, snippets: { dispatch } };

/** The runtime's own memory (one thread), and the shared memory a plan for several threads imports. */
const OWN_MEMORY = '(memory (export "memory") 1)';
const SHARED_MEMORY = '(import "env" "memory" (memory 1 32768 shared))\n  (export "memory" (memory 0))';

/** runtime.wat's builds: runtime-module.ts (own memory) and runtime-shared-module.ts (shared memory), each with plain SIMD and with relaxed SIMD's fused multiply-add. */
export const RUNTIME_SOURCES: readonly WasmSource[] = [
  {
    wat: srcPath('runtime/wasm/runtime.wat'),
    module: srcPath('runtime/wasm/runtime-module.ts'),
    templates: RUNTIME_TEMPLATES,
    builds: [{ exportName: 'runtimeWasmBase64' }, { exportName: 'runtimeRelaxedWasmBase64', relaxed: true }],
  },
  {
    wat: srcPath('runtime/wasm/runtime.wat'),
    module: srcPath('runtime/wasm/runtime-shared-module.ts'),
    templates: RUNTIME_TEMPLATES,
    builds: [
      { exportName: 'runtimeSharedWasmBase64', replace: [OWN_MEMORY, SHARED_MEMORY] },
      { exportName: 'runtimeSharedRelaxedWasmBase64', replace: [OWN_MEMORY, SHARED_MEMORY], relaxed: true },
    ],
  },
];
