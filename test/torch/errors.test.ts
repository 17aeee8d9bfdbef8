import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpatial } from '../../src/api/spatial.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { SwpruneError } from '../../src/errors.js';
import { findTorch } from '../../src/torch/python.js';
import { FASHION_SLICE, ONNX_FIXTURES } from '../helpers/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-torch-errors-'));

/**
 * A python3 whose `import torch` finds `pkg` first (a stand-in package on PYTHONPATH), so the
 * launcher's checks meet a missing or an old torch whatever this machine has installed.
 */
function fakePython(dir: string, files: Record<string, string>): string {
  const site = join(dir, 'site');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(site, path, '..'), { recursive: true });
    writeFileSync(join(site, path), text);
  }
  const exe = join(dir, 'python3');
  writeFileSync(exe, `#!/bin/sh\nPYTHONPATH=${site} exec python3 "$@"\n`);
  chmodSync(exe, 0o755);
  return exe;
}

async function engineError(python: string, out: string): Promise<SwpruneError> {
  const e = await runSpatial({
    model: ONNX_FIXTURES.fashionVgg,
    data: `fashion-mnist:${FASHION_SLICE}`,
    out,
    sparsity: 0.5,
    limit: 64,
    batchSize: 64,
    backend: 'wasm',
    engine: 'torch',
    python,
  }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SwpruneError);
  return e as SwpruneError;
}

describe('--engine torch without a usable python3 or torch: one line, E_ENGINE, no work done', () => {
  it('an interpreter that does not run', async () => {
    const dir = tmp();
    const e = await engineError(join(dir, 'no-such-python'), join(dir, 'out.onnx'));
    expect(e.code).toBe('E_ENGINE');
    expect(e.message).toContain('does not run');
    expect(existsSync(join(dir, 'out.onnx'))).toBe(false);
  });

  it('a python3 that cannot import torch: says what to install', async () => {
    const dir = tmp();
    const py = fakePython(dir, { 'torch.py': "raise ImportError('No module named torch')\n" });
    const e = await engineError(py, join(dir, 'out.onnx'));
    expect(e.code).toBe('E_ENGINE');
    expect(e.message).toMatch(/cannot import torch .*apt-get install python3-torch/);
    expect(e.message).not.toContain('\n');
  });

  it('a torch too old for torchrun', async () => {
    const dir = tmp();
    const py = fakePython(dir, {
      'torch/__init__.py': "__version__ = '1.8.1'\nfrom . import cuda, distributed\n",
      'torch/cuda.py': 'def is_available():\n    return False\n',
      'torch/distributed/__init__.py': 'def is_available():\n    return True\n',
    });
    const e = await engineError(py, join(dir, 'out.onnx'));
    expect(e.code).toBe('E_ENGINE');
    expect(e.message).toContain('needs torch 1.10 or newer');
    expect(e.message).toContain('has torch 1.8.1');
  });

  it('through the CLI: exit 1 and one line naming the flag', async () => {
    const dir = tmp();
    const io = bufferStreams();
    const code = await runCli(
      [
        'spatial',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        `fashion-mnist:${FASHION_SLICE}`,
        '-o',
        join(dir, 'o.onnx'),
        '--engine',
        'torch',
        '--python',
        join(dir, 'nope'),
      ],
      io,
    );
    expect(code).toBe(EXIT.failure);
    expect(io.stderr.text.trim().split('\n')).toHaveLength(1);
    expect(io.stderr.text).toMatch(/^swprune: error\[E_ENGINE\]: --engine torch: the Python interpreter .*nope \(--python\) does not run/);
  });

  it('a CPU-only torch is read from its files, not imported; a CUDA build is imported (to count its devices)', () => {
    const files = (cuda: string) => ({
      'torch/__init__.py': "raise ImportError('imported')\n",
      'torch/version.py': `__version__ = '1.13.1+cpu'\ncuda = ${cuda}\nhip = None\n`,
      'torch/distributed/run.py': '',
    });
    const cpu = findTorch(fakePython(tmp(), files('None')));
    expect([cpu.torch, cpu.cudaDevices]).toEqual(['1.13.1', 0]);
    expect(() => findTorch(fakePython(tmp(), files("'11.7'")))).toThrow(/cannot import torch \(ImportError: imported\)/);
  });

  it('launch options without --engine torch are a usage error', async () => {
    const io = bufferStreams();
    const code = await runCli(
      ['spatial', ONNX_FIXTURES.fashionVgg, '--data', `fashion-mnist:${FASHION_SLICE}`, '-o', join(tmp(), 'o.onnx'), '--nproc', '2'],
      io,
    );
    expect(code).toBe(EXIT.usage);
    expect(io.stderr.text).toContain('--nproc applies to --engine torch');
  });
});
