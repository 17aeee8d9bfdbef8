/**
 * `npm run build:wasm`: compiles the WebAssembly text sources into the TypeScript modules the
 * package loads: src/sparse/wasm/kernels.wat -> kernels-module.ts (the sparse Winograd path) and
 * src/kernels/wasm/kernels.wat -> kernels-module.ts (matrix products and convolutions).
 */
import * as fs from 'node:fs';
import * as dense from '../kernels/wasm/compile.js';
import { compileKernels, modulePath, moduleSource } from '../sparse/wasm/compile.js';

const bytes = await compileKernels();
fs.writeFileSync(modulePath, moduleSource(bytes));
console.log(`${modulePath}: ${bytes.length} bytes of WebAssembly`);

const binaries = await dense.compileKernels();
fs.writeFileSync(dense.modulePath, dense.moduleSource(binaries));
console.log(`${dense.modulePath}: ${binaries.shared.length} + ${binaries.plain.length} bytes of WebAssembly`);
