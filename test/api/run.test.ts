import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEval } from '../../src/api/eval.js';
import { encodeBundle } from '../../src/bundle/write.js';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { FASHION_SLICE, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

const DATA = `fashion-mnist:${FASHION_SLICE}`;

interface RunJson {
  command: string;
  accuracy: { top1: number; top5: number; loss: number };
  testExamples: number;
  runtime: { threads: number; steps: string[] };
  speed: { threads: number; batch1: { msPerImage: number }; batched: { batch: number; examplesPerSecond: number } };
}

describe('swprune run', () => {
  it("runs a bundle through the runtime on 1 and 2 threads: the dense model's accuracy (unpruned Winograd form: same top-1 within one image), speed figures", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-run-'));
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const bundle = join(dir, 'm.swb');
    writeFileSync(bundle, encodeBundle(toWinogradGraph(graph, selectTargets(graph, { tile: 6 })), new Uint8Array([1])));
    const dense = await runEval({ model: ONNX_FIXTURES.fashionVgg, data: DATA, limit: 300, backend: 'wasm' });
    const results: RunJson[] = [];
    for (const threads of ['1', '2']) {
      const io = bufferStreams();
      const json = join(dir, `run-${threads}.json`);
      expect(await runCli(['run', bundle, '--data', DATA, '--limit', '300', '--threads', threads, '--json', json], io)).toBe(EXIT.ok);
      expect(io.stdout.text).toMatch(/m\.swb: top-1 [\d.]+%, top-5 [\d.]+%, loss [\d.]+ \(300 test images\)/);
      expect(io.stdout.text).toMatch(
        new RegExp(`speed \\(swprune runtime, ${threads} threads?\\): [\\d,]+ images/s in batches of 64; one image [\\d.]+ ms`),
      );
      results.push(JSON.parse(readFileSync(json, 'utf8')) as RunJson);
    }
    for (const r of results) {
      expect(r.command).toBe('run');
      expect(r.testExamples).toBe(300);
      expect(Math.abs(r.accuracy.top1 - dense.accuracy.top1)).toBeLessThanOrEqual(1 / 300);
      expect(r.runtime.steps.filter((s) => s.includes('sparse Winograd'))).toHaveLength(5);
      expect(r.speed.batched.batch).toBe(64);
      expect(r.speed.batched.examplesPerSecond).toBeGreaterThan(0);
      expect(r.speed.batch1.msPerImage).toBeGreaterThan(0);
    }
    // Results do not depend on the thread count.
    expect(results[1]!.accuracy).toEqual(results[0]!.accuracy);
  }, 120_000);

  it("runs a standard ONNX model dense on the same runtime: the dense executor's top-1 within one image, no sparse Winograd step", async () => {
    const dense = await runEval({ model: ONNX_FIXTURES.fashionVgg, data: DATA, limit: 300, backend: 'wasm' });
    const dir = mkdtempSync(join(tmpdir(), 'swprune-run-'));
    const json = join(dir, 'dense.json');
    const io = bufferStreams();
    expect(await runCli(['run', ONNX_FIXTURES.fashionVgg, '--data', DATA, '--limit', '300', '--threads', '1', '--json', json], io)).toBe(
      EXIT.ok,
    );
    const r = JSON.parse(readFileSync(json, 'utf8')) as RunJson;
    expect(Math.abs(r.accuracy.top1 - dense.accuracy.top1)).toBeLessThanOrEqual(1 / 300);
    expect(r.runtime.steps.some((s) => s.includes('sparse Winograd'))).toBe(false);
    expect(r.speed.batched.examplesPerSecond).toBeGreaterThan(0);
  }, 120_000);

  it('--profile times each step for calls of the size asked, in the table and in --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-run-'));
    const json = join(dir, 'profile.json');
    const io = bufferStreams();
    expect(
      await runCli(
        ['run', ONNX_FIXTURES.fashionVgg, '--data', DATA, '--limit', '20', '--threads', '1', '--profile', '3', '--json', json],
        io,
      ),
    ).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(
      /profile, calls of 3 images on 1 thread \(one thread\): [\d.]+ ms a call; the steps timed one at a time \(median of 5\) add up to [\d.]+ ms/,
    );
    expect(io.stdout.text).toMatch(/^\/fc\/Gemm +fully connected +[\d.]+ +[\d.]+%/m);
    const r = JSON.parse(readFileSync(json, 'utf8')) as RunJson & {
      profiles: { images: number; steps: { node: string; kind: string }[]; kinds: { kind: string }[] }[];
    };
    expect(r.profiles.map((p) => p.images)).toEqual([3]);
    // each dense 3x3 layer on the kernel measured faster at load (kernels.ts): F(4x4,3x3) with
    // dense products, or a direct convolution (not where a pooling is fused: two of the five)
    const convs = r.profiles[0]!.steps.filter((s) => s.node.endsWith('/Conv'));
    expect(convs).toHaveLength(5);
    expect(convs.every((s) => s.kind === 'winograd dense products' || s.kind === 'direct conv')).toBe(true);
    const winograd = convs.filter((s) => s.kind === 'winograd dense products').length;
    expect(winograd).toBeGreaterThanOrEqual(2);
    expect(io.stdout.text).toMatch(new RegExp(`^winograd transforms +[\\d.]+ +[\\d.]+% +${winograd}$`, 'm'));
    expect(r.profiles[0]!.steps.length).toBe(r.runtime.steps.length + 1);
    expect(io.stderr.text).toMatch(/profiling calls of 3 images/);
  }, 120_000);

  it('an image folder is shaped for the network it runs (resize and crop to its input), like eval does: same top-1', async () => {
    const model = repoPath('test/fixtures/torchvision/resnet18-eval-op11.onnx');
    const data = `imagefolder:${repoPath('test/fixtures/images/folder')}`;
    const dense = await runEval({ model, data, backend: 'wasm' });
    const dir = mkdtempSync(join(tmpdir(), 'swprune-run-'));
    const json = join(dir, 'folder.json');
    expect(await runCli(['run', model, '--data', data, '--threads', '1', '--json', json], bufferStreams())).toBe(EXIT.ok);
    const r = JSON.parse(readFileSync(json, 'utf8')) as RunJson;
    expect(r.testExamples).toBe(dense.examples);
    expect(Math.abs(r.accuracy.top1 - dense.accuracy.top1)).toBeLessThanOrEqual(1 / dense.examples);
  }, 120_000);

  it('a .swb that is not a bundle is a one-line E_MODEL error, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-run-'));
    const bad = join(dir, 'bad.swb');
    writeFileSync(bad, readFileSync(ONNX_FIXTURES.fashionVgg));
    const io = bufferStreams();
    expect(await runCli(['run', bad, '--data', DATA, '--limit', '10'], io)).not.toBe(EXIT.ok);
    expect(io.stderr.text).toMatch(/^swprune: error\[E_MODEL\]: .*bad\.swb: not a swprune bundle/m);
    expect(io.stderr.text).not.toMatch(/\n\s+at /);
  });
});
