import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.js';
import { relaxedSimd } from '../../src/runtime/engine.js';
import { loadOnnx } from '../../src/runtime/index.js';
import { runtimeRelaxedWasmBase64 } from '../../src/runtime/wasm/runtime-module.js';
import { ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

/**
 * The relaxed-SIMD builds (fused multiply-adds) run where the engine validates them, the
 * plain-SIMD ones elsewhere: this process is Node 20 without flags (plain, unless a newer Node
 * validates relaxed SIMD), and a child with --experimental-wasm-relaxed-simd runs the relaxed
 * builds (dist/, built by tsc) on one thread and as a team of 2. Its outputs are within 1e-5 of
 * max |y| of this process's (a fused multiply-add rounds once), and the team's are its own
 * one-thread bits.
 */
const CHILD = `
const { loadOnnx } = await import(${JSON.stringify(repoPath('dist/runtime/index.js'))});
const { relaxedSimd } = await import(${JSON.stringify(repoPath('dist/runtime/engine.js'))});
const { readFileSync } = await import('node:fs');
const input = Float32Array.from(JSON.parse(process.argv[2]));
const bytes = new Uint8Array(readFileSync(${JSON.stringify(ONNX_FIXTURES.resnetSmall)}));
const one = await loadOnnx(bytes, { kernels: 'rules' });
const team = await loadOnnx(bytes, { kernels: 'rules', threads: 2, team: true });
const a = Array.from(await one.run(input, 1));
const b = Array.from(await team.run(input, 1));
await one.close();
await team.close();
console.log(JSON.stringify({ relaxed: relaxedSimd(), team: team.team, a, b }));
`;

describe('relaxed SIMD', () => {
  it('is used where the engine validates it, with plain SIMD as the fallback; both compute the network within tolerance', async () => {
    const bytes = Uint8Array.from(atob(runtimeRelaxedWasmBase64), (c) => c.charCodeAt(0));
    expect(relaxedSimd()).toBe(WebAssembly.validate(bytes));
    const rand = mulberry32(8);
    const input = Float32Array.from({ length: 784 }, () => rand() * 2 - 1);
    const model = await loadOnnx(new Uint8Array(readFileSync(ONNX_FIXTURES.resnetSmall)), { kernels: 'rules' });
    const here = await model.run(input, 1);
    await model.close();
    // a file, not --eval: the runtime's worker threads inherit the flags, and --input-type is refused there
    const dir = mkdtempSync(join(tmpdir(), 'swprune-relaxed-'));
    const script = join(dir, 'child.mjs');
    writeFileSync(script, CHILD);
    const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', script, JSON.stringify(Array.from(input))], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(child.stderr).toBe('');
    const got = JSON.parse(child.stdout) as { relaxed: boolean; team: boolean; a: number[]; b: number[] };
    expect(got.relaxed).toBe(true);
    expect(got.team).toBe(true);
    expect(got.b).toEqual(got.a);
    const m = Math.max(...here.map(Math.abs));
    expect(m).toBeGreaterThan(1e-3);
    expect(Math.max(...got.a.map((v, i) => Math.abs(v - here[i]!)))).toBeLessThan(1e-5 * m);
    // the fused multiply-adds do change the rounding: the child did not run the plain builds
    if (!relaxedSimd()) expect(got.a).not.toEqual(Array.from(here));
  });
});
