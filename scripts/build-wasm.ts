/**
 * `npm run build:wasm`: compiles every WebAssembly text source into the TypeScript module the
 * package loads (the list and the one build helper: src/wasm/build.ts): the runtime
 * (src/runtime/wasm/runtime.wat -> runtime-module.ts and, with a shared memory,
 * runtime-shared-module.ts) and the training kernels (src/kernels/wasm/kernels.wat ->
 * kernels-module.ts, shared- and plain-memory builds).
 */
import { buildAll } from '#src/wasm/build.js';

for (const line of await buildAll()) console.log(line);
