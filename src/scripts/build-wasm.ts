/** `npm run build:wasm`: compiles src/sparse/wasm/kernels.wat into src/sparse/wasm/kernels-module.ts. */
import * as fs from 'node:fs';
import { compileKernels, modulePath, moduleSource } from '../sparse/wasm/compile.js';

const bytes = await compileKernels();
fs.writeFileSync(modulePath, moduleSource(bytes));
console.log(`${modulePath}: ${bytes.length} bytes of WebAssembly`);
