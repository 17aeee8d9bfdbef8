/**
 * `npm run build:wasm`: compiles every WebAssembly text source into the TypeScript module the
 * package loads (the one build helper: src/wasm/build.ts; each module's source declared next to
 * it): the runtime (src/runtime/wasm/runtime.wat -> runtime-module.ts and, with a shared memory,
 * runtime-shared-module.ts) and the training kernels (src/kernels/wasm/kernels.wat ->
 * kernels-module.ts, shared- and plain-memory builds), both including the shared function
 * library src/wasm/lib/.
 */
import { KERNELS_SOURCE } from '#src/kernels/wasm/source.js';
import { RUNTIME_SOURCES } from '#src/runtime/wasm/source.js';
import { buildAll } from '#src/wasm/build.js';

for (const line of await buildAll([...RUNTIME_SOURCES, KERNELS_SOURCE])) console.log(line);
