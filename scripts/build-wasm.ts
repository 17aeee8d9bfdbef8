/**
 * `npm run build:wasm`: compiles the WebAssembly text sources into the TypeScript modules the
 * package loads: the runtime (src/runtime/wasm/runtime.wat -> runtime-module.ts and, with a
 * shared memory, runtime-shared-module.ts; listed in src/runtime/wasm/compile.ts) and the kernel library src/kernels/wasm/kernels.wat ->
 * kernels-module.ts (matrix products and convolutions).
 */
import * as fs from 'node:fs';
import * as dense from '#src/kernels/wasm/compile.js';
import { compileWat, moduleSource, WASM_SOURCES } from '#src/runtime/wasm/compile.js';

for (const source of WASM_SOURCES) {
  const bytes = await compileWat(source);
  fs.writeFileSync(source.module, moduleSource(source, bytes));
  console.log(`${source.module}: ${bytes.length} bytes of WebAssembly`);
}

const binaries = await dense.compileKernels();
fs.writeFileSync(dense.modulePath, dense.moduleSource(binaries));
console.log(`${dense.modulePath}: ${binaries.shared.length} + ${binaries.plain.length} bytes of WebAssembly`);
