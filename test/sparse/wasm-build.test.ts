import { describe, expect, it } from 'vitest';
import { compileKernels } from '../../src/sparse/wasm/compile.js';
import { kernelsWasmBase64 } from '../../src/sparse/wasm/kernels-module.js';

describe('the committed WebAssembly kernels', () => {
  it('are exactly kernels.wat compiled (run `npm run build:wasm` after editing the .wat)', async () => {
    const compiled = await compileKernels();
    expect(Buffer.from(kernelsWasmBase64, 'base64').equals(Buffer.from(compiled))).toBe(true);
  });
});
