import { describe, expect, it } from 'vitest';
import { compileWat, WASM_SOURCES } from '../../src/runtime/wasm/compile.js';
import { runtimeWasmBase64 } from '../../src/runtime/wasm/runtime-module.js';
import { runtimeSharedWasmBase64 } from '../../src/runtime/wasm/runtime-shared-module.js';

const committed: Record<string, string> = { runtimeWasmBase64, runtimeSharedWasmBase64 };

describe('the committed WebAssembly modules', () => {
  for (const source of WASM_SOURCES) {
    it(`${source.exportName} is exactly ${source.wat.split('/').pop()}${source.replace ? ' (shared memory)' : ''} compiled (run \`npm run build:wasm\` after editing the .wat)`, async () => {
      const compiled = await compileWat(source);
      expect(Buffer.from(committed[source.exportName]!, 'base64').equals(Buffer.from(compiled))).toBe(true);
    });
  }
});
