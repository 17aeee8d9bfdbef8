import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { FASHION_SLICE, ONNX_FIXTURES } from '../helpers/fixtures.js';

/** `sensitivity --engine`: accepted as spatial and winograd take it; it retrains nothing, so torch changes nothing but a note (docs/scale.md). */
describe('sensitivity --engine', () => {
  const run = async (extra: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-sens-engine-'));
    const io = bufferStreams();
    const args = ['sensitivity', ONNX_FIXTURES.fashionVgg, '--data', `fashion-mnist:${FASHION_SLICE}`, '--limit', '64'];
    const code = await runCli(
      [...args, '--levels', '0.5', '--layers', '*14/Conv', '--backend', 'wasm', '--json', join(dir, 's.json'), ...extra],
      io,
    );
    return {
      code,
      stderr: io.stderr.text,
      json: code === EXIT.ok ? (JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as unknown) : null,
    };
  };

  it('torch: the same curves as without it, and a note saying the evaluations ran in the executor', async () => {
    const plain = await run([]);
    const torch = await run(['--engine', 'torch']);
    expect(torch.code).toBe(EXIT.ok);
    expect(torch.stderr).toContain(
      "note: sensitivity retrains nothing, so --engine torch has no stage to run: its one-shot evaluations run in swprune's executor",
    );
    expect(plain.stderr).not.toContain('--engine');
    expect(torch.json).toEqual(plain.json);
  });

  it('builtin: no note; another name: a usage error', async () => {
    expect((await run(['--engine', 'builtin'])).stderr).not.toContain('--engine');
    const bad = await run(['--engine', 'jax']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('--engine');
  });
});
