import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { repoPath } from '../helpers/fixtures.js';
import { generate } from './models/generate.js';

/**
 * Bad models and datasets (written by ./models/generate.ts from the bundled model and data
 * slice) through the CLI: every refusal is one line `swprune: error[CODE]: ...` with a
 * non-zero exit and no stack trace; the warnings are one line and exit 0; no input file
 * changes; no refused output is written. The cases about sizes (a huge input, huge pads) run
 * as their own process, `node --max-old-space-size=1024 bin/swprune.js ...`, which must end
 * with the error within the time bound and peak under 1 GiB resident (measured by a preload
 * reporting process.resourceUsage().maxRSS): a refused size is never allocated. The others
 * run the same CLI in this process (runCli), which keeps the file fast.
 */

interface Case {
  readonly name: string;
  /** argv after `bin/swprune.js`; `p(key)` is a generated file, `out(name)` a fresh output path. */
  readonly args: (p: (key: string) => string, out: (name: string) => string) => string[];
  /** The error code, or 'warning' for a run that must succeed with a one-line warning. */
  readonly expect: string;
  /** What the one line must say. */
  readonly says: RegExp;
  /** Run as a separate process under the memory bound (the size cases). */
  readonly spawn?: boolean;
}

const FASHION = (dir: string) => `fashion-mnist:${dir}`;
const inspect = (model: string, code: string, says: RegExp): Case => ({
  name: `inspect ${model}`,
  args: (p) => ['inspect', p(model)],
  expect: code,
  says,
});
const TRAIN = ['--sparsity', '0.2', '--epochs', '1', '--batch-size', '32'];

const CASES: readonly Case[] = [
  inspect('weight-dim-zero', 'E_MODEL', /"features\.3\.weight" has dims \[16, 0, 3, 3\]/),
  inspect('weight-dim-negative', 'E_MODEL', /"features\.3\.weight" .*\[16, -16, 3, 3\]/),
  inspect('input-dim-zero', 'E_MODEL', /graph input "input" has dims \[\?, 1, 0, 28\]/),
  inspect('no-outputs', 'E_MODEL', /the graph has no outputs/),
  inspect('strides-zero', 'E_MODEL', /features\.3\/Conv" \(Conv\): attribute strides \[0, 0\] must be >= 1/),
  inspect('dilations-zero', 'E_MODEL', /attribute dilations \[0, 0\] must be >= 1/),
  inspect('group-zero', 'E_MODEL', /attribute group must be an integer >= 1, got 0/),
  inspect('group-not-dividing', 'E_MODEL', /group 3 does not divide the 16 output channels/),
  inspect('strides-float', 'E_MODEL', /attribute strides must be a list of integers, got \[1\.5,1\.5\]/),
  inspect('pads-negative', 'E_MODEL', /attribute pads \[-1, -1, -1, -1\] must be between 0 and 4096/),
  { ...inspect('pads-huge', 'E_MODEL', /attribute pads \[100000, 100000, 100000, 100000\] must be between 0 and 4096/), spawn: true },
  inspect('kernel-shape-mismatch', 'E_MODEL', /kernel_shape \[5, 5\] disagrees with weight "features\.3\.weight" of dims \[16, 16, 3, 3\]/),
  inspect(
    'channels-mismatch',
    'E_MODEL',
    /features\.7\/Conv" \(Conv\): its input has 16 channels, but weight "features\.7\.weight" of dims \[32, 8, 3, 3\]/,
  ),
  inspect(
    'gemm-mismatch',
    'E_MODEL',
    /fc\/Gemm" \(Gemm\): its input has 64 features, but weight "fc\.weight" of dims \[10, 48\] expects 48/,
  ),
  inspect('opset-1', 'E_MODEL', /opset 1; swprune reads opsets 9 to 20/),
  inspect('opset-8', 'E_MODEL', /opset 8; swprune reads opsets 9 to 20/),
  inspect('opset-99', 'E_MODEL', /opset 99; swprune reads opsets 9 to 20/),
  {
    ...inspect('input-huge', 'E_MODEL', /the input "input" is 1x100000x100000 per example: 10000000000 values .* above swprune's bound/),
    spawn: true,
  },
  inspect('bn-variance-negative', 'E_MODEL', /running variance "features\.4\.running_var" is negative \(-0\.5 at channel 3\)/),
  {
    name: 'report input-huge',
    args: (p, out) => ['report', p('input-huge'), '--data', FASHION(p('data-small')), '-o', out('r.swb')],
    expect: 'E_MODEL',
    says: /1x100000x100000 per example/,
    spawn: true,
  },
  {
    name: 'eval pads-huge',
    args: (p) => ['eval', p('pads-huge'), '--data', FASHION(p('data-small'))],
    expect: 'E_MODEL',
    says: /pads \[100000, 100000, 100000, 100000\]/,
    spawn: true,
  },
  // Non-finite weights: a warning where the model is only evaluated, an error for training.
  inspect('weights-nan', 'warning', /^warning: 7 weights are NaN or infinite \(in "features\.3\.weight"\)/),
  {
    name: 'eval weights-inf',
    args: (p) => ['eval', p('weights-inf'), '--data', FASHION(p('data-small'))],
    expect: 'warning',
    says: /^warning: 2 weights are NaN or infinite \(in "features\.7\.weight"\)/,
  },
  {
    name: 'report weights-nan',
    args: (p, out) => ['report', p('weights-nan'), '--data', FASHION(p('data-small')), '-o', out('r.swb')],
    expect: 'warning',
    says: /^warning: 7 weights are NaN or infinite/,
  },
  {
    name: 'spatial weights-nan',
    args: (p, out) => ['spatial', p('weights-nan'), '--data', FASHION(p('data-small')), '-o', out('s.onnx'), ...TRAIN],
    expect: 'E_MODEL',
    says: /the input model has 7 NaN or infinite weights .*training cannot start/,
  },
  {
    name: 'winograd weights-inf',
    args: (p, out) => ['winograd', p('weights-inf'), '--data', FASHION(p('data-small')), '-o', out('w.onnx'), ...TRAIN],
    expect: 'E_MODEL',
    says: /NaN or infinite weights? .*training cannot start/,
  },
  // --std 0 is its own error, not a divergence.
  {
    name: 'eval --std 0',
    args: (p) => ['eval', p('source'), '--data', FASHION(p('data-small')), '--std', '0'],
    expect: 'E_USAGE',
    says: /--std 0: a standard deviation must be positive/,
  },
  {
    name: 'spatial --std 0',
    args: (p, out) => ['spatial', p('source'), '--data', FASHION(p('data-small')), '-o', out('s.onnx'), '--std', '0', ...TRAIN],
    expect: 'E_USAGE',
    says: /--std 0: a standard deviation must be positive/,
  },
  // A dataset with no examples: an error for every command that reads data.
  {
    name: 'eval data-empty',
    args: (p) => ['eval', p('source'), '--data', FASHION(p('data-empty'))],
    expect: 'E_DATA',
    says: /has no examples/,
  },
  {
    name: 'report data-empty',
    args: (p, out) => ['report', p('source'), '--data', FASHION(p('data-empty')), '-o', out('r.swb')],
    expect: 'E_DATA',
    says: /has no examples/,
  },
  {
    name: 'sensitivity data-empty',
    args: (p, out) => ['sensitivity', p('source'), '--data', FASHION(p('data-empty')), '--json', out('s.json')],
    expect: 'E_DATA',
    says: /has no examples/,
  },
  {
    name: 'spatial data-empty',
    args: (p, out) => ['spatial', p('source'), '--data', FASHION(p('data-empty')), '-o', out('s.onnx'), ...TRAIN],
    expect: 'E_DATA',
    says: /has no examples/,
  },
  {
    name: 'winograd data-empty',
    args: (p, out) => ['winograd', p('source'), '--data', FASHION(p('data-empty')), '-o', out('w.onnx'), ...TRAIN],
    expect: 'E_DATA',
    says: /has no examples/,
  },
  {
    name: 'spatial data-no-train',
    args: (p, out) => ['spatial', p('source'), '--data', FASHION(p('data-no-train')), '-o', out('s.onnx'), ...TRAIN],
    expect: 'E_DATA',
    says: /the training split of --data has no examples/,
  },
  {
    name: 'winograd data-no-train',
    args: (p, out) => ['winograd', p('source'), '--data', FASHION(p('data-no-train')), '-o', out('w.onnx'), ...TRAIN],
    expect: 'E_DATA',
    says: /the training split of --data has no examples/,
  },
];

/** Peak resident memory allowed for any case (bytes). */
const MEMORY_BOUND = 1024 ** 3;
/** Wall-clock bound per case: a refusal is quick; this only catches a hang or a slow allocation. */
const TIME_BOUND_MS = 60_000;

let dir: string;
let paths: Record<string, string>;
let preload: string;

const hashes = (files: readonly string[]) => new Map(files.map((f) => [f, createHash('sha256').update(readFileSync(f)).digest('hex')]));
const filesOf = (path: string): string[] => (statSync(path).isDirectory() ? readdirSync(path).map((f) => join(path, f)) : [path]);

interface Outcome {
  readonly status: number | null;
  readonly stderr: string;
  readonly maxRss: number;
  readonly ms: number;
}

/** The environment without SWPRUNE_DEBUG (which would allow stack traces). */
function withoutDebug(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { SWPRUNE_DEBUG: _, ...rest } = env;
  return rest;
}

function run(args: string[], rssFile: string): Promise<Outcome> {
  const start = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--max-old-space-size=1024', '--require', preload, repoPath('bin/swprune.js'), ...args], {
      cwd: dir,
      env: { ...withoutDebug(process.env), SWPRUNE_RSS_FILE: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIME_BOUND_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      const maxRss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) * 1024 : Number.NaN;
      done({ status, stderr, maxRss, ms: performance.now() - start });
    });
  });
}

/** The CLI in this process (no memory figure: the process is the test's). */
async function runHere(args: string[]): Promise<Outcome> {
  const start = performance.now();
  const io = bufferStreams();
  const status = await runCli(args, io);
  return { status, stderr: io.stderr.text, maxRss: 0, ms: performance.now() - start };
}

/** Runs `jobs` two at a time (the machine has two cores). */
async function twoAtATime<T>(jobs: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

const outcomes = new Map<string, { outcome: Outcome; before: Map<string, string>; after: Map<string, string>; outputs: string[] }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swprune-safety-models-'));
  paths = generate(join(dir, 'in'));
  preload = join(dir, 'rss.cjs');
  writeFileSync(
    preload,
    "process.on('exit', () => require('fs').writeFileSync(process.env.SWPRUNE_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  const jobs = CASES.map((c, i) => async () => {
    const outputs: string[] = [];
    const used: string[] = [];
    const p = (key: string) => {
      const path = paths[key];
      if (!path) throw new Error(`no generated input "${key}"`);
      used.push(path);
      return path;
    };
    const out = (name: string) => {
      const path = join(dir, `out-${i}-${name}`);
      outputs.push(path);
      return path;
    };
    const args = c.args(p, out);
    const inputs = used.flatMap(filesOf);
    const before = hashes(inputs);
    const outcome = c.spawn ? await run(args, join(dir, `rss-${i}`)) : await runHere(args);
    outcomes.set(c.name, { outcome, before, after: hashes(inputs), outputs });
  });
  // The spawned cases two at a time (two cores) beside the in-process ones, one at a time.
  const spawned = jobs.filter((_, i) => CASES[i]!.spawn);
  const here = jobs.filter((_, i) => !CASES[i]!.spawn);
  await Promise.all([twoAtATime(spawned), here.reduce((p, job) => p.then(job), Promise.resolve())]);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bad models and datasets end in one line, never a stack trace', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.expect}`, () => {
      const { outcome, before, after, outputs } = outcomes.get(c.name)!;
      const lines = outcome.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(outcome.stderr).not.toMatch(/\n\s+at |internal error/);
      if (c.expect === 'warning') {
        expect(outcome.status, outcome.stderr).toBe(0);
        expect(
          lines.filter((l) => l.startsWith('warning:') && c.says.test(l)),
          outcome.stderr,
        ).toHaveLength(1);
        expect(lines.filter((l) => /error/.test(l))).toEqual([]);
      } else {
        expect(outcome.status, outcome.stderr).not.toBe(0);
        const errors = lines.filter((l) => /error/.test(l));
        expect(errors, outcome.stderr).toHaveLength(1);
        expect(errors[0]).toMatch(new RegExp(`^swprune: error\\[${c.expect}\\]: `));
        expect(errors[0]).toMatch(c.says);
        // Refused: nothing written.
        for (const o of outputs) expect(existsSync(o), o).toBe(false);
      }
      expect(after).toEqual(before);
      if (c.spawn) {
        expect(outcome.maxRss).toBeGreaterThan(0);
        expect(outcome.maxRss).toBeLessThan(MEMORY_BOUND);
        expect(outcome.ms).toBeLessThan(TIME_BOUND_MS);
      }
    });
  }
});
