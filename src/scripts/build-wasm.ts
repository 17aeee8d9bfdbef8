/** `npm run build:wasm`: compiles every .wat of the package (src/runtime/wasm/compile.ts lists them) into its TypeScript module. */
import * as fs from 'node:fs';
import { compileWat, moduleSource, WASM_SOURCES } from '../runtime/wasm/compile.js';

for (const source of WASM_SOURCES) {
  const bytes = await compileWat(source.wat);
  fs.writeFileSync(source.module, moduleSource(source, bytes));
  console.log(`${source.module}: ${bytes.length} bytes of WebAssembly`);
}
