import { describe, expect, it } from 'vitest';
import { compileKernels } from '../../src/kernels/wasm/compile.js';
import { plainKernelsBase64, sharedKernelsBase64 } from '../../src/kernels/wasm/kernels-module.js';

describe('the committed dense WebAssembly kernels', () => {
  it('are exactly kernels.wat compiled, shared and plain (run `npm run build:wasm` after editing the .wat)', async () => {
    const compiled = await compileKernels();
    expect(Buffer.from(sharedKernelsBase64, 'base64').equals(Buffer.from(compiled.shared))).toBe(true);
    expect(Buffer.from(plainKernelsBase64, 'base64').equals(Buffer.from(compiled.plain))).toBe(true);
  });
});
