import { describe, expect, it } from 'vitest';
import { plainKernelsBase64, sharedKernelsBase64 } from '../../src/kernels/wasm/kernels-module.js';
import { runtimeWasmBase64 } from '../../src/runtime/wasm/runtime-module.js';
import { runtimeSharedWasmBase64 } from '../../src/runtime/wasm/runtime-shared-module.js';
import { compileWat, WASM_SOURCES } from '../../src/wasm/build.js';

const committed: Record<string, string> = { runtimeWasmBase64, runtimeSharedWasmBase64, sharedKernelsBase64, plainKernelsBase64 };

describe('the committed WebAssembly modules', () => {
  it('are every build WASM_SOURCES lists, each exported once', () => {
    expect(WASM_SOURCES.flatMap((s) => s.builds.map((b) => b.exportName)).sort()).toEqual(Object.keys(committed).sort());
  });
  for (const source of WASM_SOURCES) {
    for (const build of source.builds) {
      it(`${build.exportName} is exactly ${source.wat.split('/').pop()}${build.replace ? ` with ${build.replace[0]} replaced` : ''} compiled (run \`npm run build:wasm\` after editing the .wat)`, async () => {
        const compiled = await compileWat(source, build);
        expect(Buffer.from(committed[build.exportName]!, 'base64').equals(Buffer.from(compiled))).toBe(true);
      });
    }
  }
});
