import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/load.js';
import { FASHION_SLICE, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';
import { torchInstall, torchMissing } from '../helpers/torch.js';

const BIN = repoPath('bin/swprune.js');
const args = (out: string) => [
  'spatial',
  ONNX_FIXTURES.fashionVgg,
  '--data',
  `fashion-mnist:${FASHION_SLICE}`,
  '-o',
  out,
  '--sparsity',
  '0.5',
  '--epochs',
  '2',
  '--limit',
  '1024',
  '--batch-size',
  '64',
  '--lr',
  '0.01',
  '--backend',
  'wasm',
  '--engine',
  'torch',
  '--nproc',
  '2',
];

const children = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!torchInstall)(
  `--engine torch: a rank killed mid-run, then --resume${torchInstall ? '' : ` (skipped: ${torchMissing})`}`,
  () => {
    it('kill -9 of one of two processes after the first epoch: one E_ENGINE line, no output; --resume finishes as a straight run does', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'swprune-torch-resume-'));
      const out = join(dir, 'killed.onnx');
      const run = spawn(process.execPath, [BIN, ...args(out)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => run.once('close', (code) => r(code)));
      // The first epoch's checkpoint, then one worker (a grandchild: node -> torchrun -> workers).
      let killed = 0;
      for (let i = 0; i < 2400 && !killed; i++) {
        await sleep(50);
        if (!existsSync(`${out}.ckpt`)) continue;
        const workers = children(run.pid!).flatMap(children);
        if (workers.length === 2) {
          process.kill(workers[1]!, 'SIGKILL');
          killed = workers[1]!;
        }
      }
      expect(killed).toBeGreaterThan(0);
      expect(await exited).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(
        /^swprune: error\[E_ENGINE\]: the torch engine stopped in stage 1: process 1 was killed by signal 9; .*--resume/,
      );
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.ckpt`)).toBe(true);

      const resumed = execFileSync(process.execPath, [BIN, ...args(out), '--resume'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(resumed).toContain('Winograd sparsity 50.0%');
      const straight = join(dir, 'straight.onnx');
      execFileSync(process.execPath, [BIN, ...args(straight)], { stdio: 'ignore' });
      const a = loadModel(out).graph.params;
      let maxDiff = 0;
      for (const [name, p] of loadModel(straight).graph.params) {
        if (!(p.data instanceof Float32Array)) continue;
        const q = a.get(name)!.data as Float32Array;
        for (let i = 0; i < p.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p.data[i]! - q[i]!));
      }
      // The resumed epoch starts from the checkpoint's weights, statistics and momentum, with the same sampler epoch: equal up to float32 rounding of the two processes' all-reduces.
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
    }, 300_000);
  },
);
