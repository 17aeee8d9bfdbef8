import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/load.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { FASHION_SLICE, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';
import { torchInstall, torchMissing } from '../helpers/torch.js';

const BIN = repoPath('bin/swprune.js');
/** Two epochs of 8 steps (512 examples, batch 64) on two processes. */
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
  '512',
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

/** Whether a process still runs (a zombie waiting for its reaper has ended). */
const running = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The CLI, its stderr so far, its exit, and its torchrun and training processes (node -> torchrun -> workers). */
function start(out: string, extra: string[] = []) {
  const run = spawn(process.execPath, [BIN, ...args(out), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = { stderr: '' };
  run.stderr.on('data', (d: Buffer) => {
    log.stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => run.once('close', (code) => r(code)));
  const processes = () => {
    const torchrun = children(run.pid!);
    return { torchrun, workers: torchrun.flatMap(children) };
  };
  return { run, log, exited, processes };
}

/** Waits (50 ms polls, up to 2 minutes) until `ready` holds. */
async function until(ready: () => boolean): Promise<boolean> {
  for (let i = 0; i < 2400; i++) {
    if (ready()) return true;
    await sleep(50);
  }
  return false;
}

/** The job file a torchrun process runs (its last argument). */
const jobOf = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).at(-1)!;

describe.skipIf(!torchInstall)(
  `--engine torch: a rank and then the launcher killed mid-run, then --resume${torchInstall ? '' : ` (skipped: ${torchMissing})`}`,
  () => {
    it('kill -9 of a rank: one E_ENGINE line; kill -9 of swprune itself: its processes end, nothing written; --resume finishes as a straight run does', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'swprune-torch-resume-'));
      const out = join(dir, 'killed.onnx');
      const ckpt = `${out}.ckpt`;

      // 1. One of the two training processes killed after the first epoch's checkpoint.
      const a = start(out);
      let killed = 0;
      await until(() => {
        if (!existsSync(ckpt)) return false;
        const { workers } = a.processes();
        if (workers.length !== 2) return false;
        process.kill(workers[1]!, 'SIGKILL');
        killed = workers[1]!;
        return true;
      });
      expect(killed).toBeGreaterThan(0);
      expect(await a.exited).toBe(1);
      expect(a.log.stderr.trim().split('\n').at(-1)).toMatch(
        /^swprune: error\[E_ENGINE\]: the torch engine stopped in stage 1: process 1 was killed by signal 9; .*--resume/,
      );
      expect(existsSync(out)).toBe(false);
      const afterEpoch1 = readFileSync(ckpt);

      // 2. Resumed, then swprune itself killed a quarter into the second epoch (its plain progress line).
      const b = start(out, ['--resume']);
      let pids: number[] = [];
      let job = '';
      const midEpoch = await until(() => {
        if (!/epoch 2\/2 \[#+\.+\]/.test(b.log.stderr)) return false; // a bar not yet full: mid-epoch
        const { torchrun, workers } = b.processes();
        pids = [...torchrun, ...workers];
        job = jobOf(torchrun[0]!);
        process.kill(b.run.pid!, 'SIGKILL');
        return true;
      });
      expect(midEpoch).toBe(true);
      expect(await b.exited).toBe(null);
      expect(pids.length).toBe(3);
      // torchrun and both training processes notice their parent's death (swprune_torch/orphan.py): gone within seconds, not orphaned.
      const gone = await until(() => !pids.some(running));
      expect(gone, `still running: ${pids.filter(running).join(' ')}`).toBe(true);
      // The job's temporary folder goes with them; the outputs and the checkpoint are as the first run left them.
      expect(job).toMatch(/swprune-torch-\w+\/job\.json$/);
      expect(await until(() => !existsSync(dirname(job)))).toBe(true);
      expect(existsSync(out)).toBe(false);
      expect(readFileSync(ckpt).equals(afterEpoch1)).toBe(true);
      expect(() => loadCheckpoint(ckpt)).not.toThrow();

      // 3. Resumed again: it finishes, and lands where a run never interrupted does.
      const resumed = execFileSync(process.execPath, [BIN, ...args(out), '--resume'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(resumed).toContain('Winograd sparsity 50.0%');
      const straight = join(dir, 'straight.onnx');
      execFileSync(process.execPath, [BIN, ...args(straight)], { stdio: 'ignore' });
      const q = loadModel(out).graph.params;
      let maxDiff = 0;
      for (const [name, p] of loadModel(straight).graph.params) {
        if (!(p.data instanceof Float32Array)) continue;
        const r = q.get(name)!.data as Float32Array;
        for (let i = 0; i < p.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p.data[i]! - r[i]!));
      }
      // The resumed epoch starts from the checkpoint's weights, statistics and momentum, in the same order of examples: equal up to float32 rounding of the two processes' all-reduces.
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
    }, 300_000);
  },
);
