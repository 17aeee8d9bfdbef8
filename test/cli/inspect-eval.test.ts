import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { FASHION_SLICE, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-cli-'));
const meta = JSON.parse(readFileSync(repoPath('models/fashion-vgg.meta.json'), 'utf8')) as {
  accuracy: { pytorch_test_slice_first_1000: { top1: number; top5: number; loss: number } };
};

describe('swprune inspect', () => {
  it('lists layers with Winograd candidacy, params and MACs, and writes the JSON fields', async () => {
    const json = join(tmp(), 'inspect.json');
    const io = bufferStreams();
    expect(await runCli(['inspect', ONNX_FIXTURES.resnetSmall, '--backend', 'cpu', '--json', json], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(/\/block2\/conv1\/Conv\s+Conv\s+\[1x16x14x14\]\s+no \(stride != 1\)/);
    expect(io.stderr.text).toMatch(/^backend: cpu/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const byName = new Map(report.layers.map((l: { name: string }) => [l.name, l]));
    // stem conv 1->8 3x3 at 28x28: 28*28*8*1*9 MACs; the 1x1 stride-2 shortcut is not a candidate.
    expect(byName.get('/stem/stem.0/Conv')).toMatchObject({ op: 'Conv', winogradCandidate: true, params: 72, macs: 28 * 28 * 8 * 9 });
    expect(byName.get('/block2/shortcut/shortcut.0/Conv')).toMatchObject({ winogradCandidate: false, reason: 'kernel not 3x3/5x5' });
    expect(report.totals.macs).toBe(report.layers.reduce((s: number, l: { macs: number }) => s + l.macs, 0));
    expect(report.totals.winogradCandidates).toBe(4);
  });
});

describe('swprune eval', () => {
  it.each([
    ['ONNX', ONNX_FIXTURES.fashionVgg],
    ['tfjs layers', repoPath('models/fashion-vgg-tfjs')],
  ])(
    'the bundled %s model reproduces PyTorch accuracy and loss on the committed slice (top-1 to 0.1%%, loss to 1e-3)',
    async (_kind, model) => {
      const json = join(tmp(), 'eval.json');
      const io = bufferStreams();
      const code = await runCli(['eval', model, '--data', `fashion-mnist:${FASHION_SLICE}`, '--backend', 'wasm', '--json', json], io);
      expect(code).toBe(EXIT.ok);
      const r = JSON.parse(readFileSync(json, 'utf8'));
      const want = meta.accuracy.pytorch_test_slice_first_1000;
      expect(Math.abs(r.accuracy.top1 - want.top1)).toBeLessThanOrEqual(0.001);
      expect(Math.abs(r.accuracy.top5 - want.top5)).toBeLessThanOrEqual(0.001);
      expect(Math.abs(r.loss - want.loss)).toBeLessThan(1e-3);
      expect(r).toMatchObject({ examples: 1000, backend: 'wasm' });
      expect(r.seconds).toBeGreaterThan(0);
      expect(io.stdout.text).toMatch(/^top-1 92\.80% {2}top-5 100\.00%/);
    },
  );

  it('the second study network (fashion-cnn5, no batch norm) reproduces PyTorch accuracy and loss on the committed slice', async () => {
    const want = (JSON.parse(readFileSync(repoPath('models/fashion-cnn5.meta.json'), 'utf8')) as typeof meta).accuracy
      .pytorch_test_slice_first_1000;
    const json = join(tmp(), 'eval.json');
    expect(
      await runCli(
        ['eval', repoPath('models/fashion-cnn5.onnx'), '--data', `fashion-mnist:${FASHION_SLICE}`, '--backend', 'wasm', '--json', json],
        bufferStreams(),
      ),
    ).toBe(EXIT.ok);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(Math.abs(r.accuracy.top1 - want.top1)).toBeLessThanOrEqual(0.001);
    expect(Math.abs(r.loss - want.loss)).toBeLessThan(1e-3);
  });

  it('--limit evaluates the first n examples', async () => {
    const io = bufferStreams();
    expect(
      await runCli(
        ['eval', ONNX_FIXTURES.fashionVgg, '--data', `fashion-mnist:${FASHION_SLICE}`, '--limit', '100', '--backend', 'wasm'],
        io,
      ),
    ).toBe(EXIT.ok);
    expect(io.stdout.text).toMatch(/\(100 test examples/);
  });
});

describe('bad input: one line, non-zero exit, no file written', () => {
  const cases: [string, (dir: string) => string[], number, RegExp][] = [
    [
      'a truncated model',
      (d) => {
        const p = join(d, 'half.onnx');
        writeFileSync(p, readFileSync(ONNX_FIXTURES.fashionVgg).subarray(0, 5000));
        return ['eval', p, '--data', `fashion-mnist:${FASHION_SLICE}`];
      },
      EXIT.failure,
      /^swprune: error\[E_MODEL\]: .*half\.onnx: not a valid ONNX file/,
    ],
    ['a missing model', (d) => ['inspect', join(d, 'nope.onnx')], EXIT.failure, /error\[E_MODEL\]: .*nope\.onnx: file not found/],
    [
      'a wrong dataset path',
      () => ['eval', ONNX_FIXTURES.fashionVgg, '--data', 'fashion-mnist:/no/such/dir'],
      EXIT.failure,
      /error\[E_DATA\]: --data fashion-mnist:\/no\/such\/dir: directory/,
    ],
    [
      'data that does not fit the model',
      (d) => {
        const cifar = join(d, 'c');
        const rec = Buffer.alloc(2 * 3074);
        mkdirSync(cifar);
        writeFileSync(join(cifar, 'train.bin'), rec);
        writeFileSync(join(cifar, 'test.bin'), rec);
        return ['eval', ONNX_FIXTURES.fashionVgg, '--data', `cifar100:${cifar}`];
      },
      EXIT.failure,
      /error\[E_DATA\]: dataset cifar100:.* has 32x32x3 images, but the model expects 28x28x1/,
    ],
    [
      'an unknown backend',
      () => ['inspect', ONNX_FIXTURES.smallCnn, '--backend', 'gpu'],
      EXIT.usage,
      /option '--backend <name>' argument 'gpu' is invalid/,
    ],
  ];
  for (const [what, args, code, message] of cases) {
    it(what, () => {
      const dir = tmp();
      const json = join(dir, 'out.json');
      const r = spawnSync(process.execPath, [repoPath('bin/swprune.js'), ...args(dir), '--json', json], { encoding: 'utf8' });
      expect(r.status).toBe(code);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('backend:'))
          .join('\n'),
      ).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(json)).toBe(false);
    });
  }
});

describe('an ONNX file with an unsupported op', () => {
  it('exits 1 with one line naming the node, the op and the opset', async () => {
    const { readOnnx, encodeOnnx } = await import('../../src/io/onnx/index.js');
    const model = readOnnx(ONNX_FIXTURES.smallCnn);
    const graph = { ...model.graph, nodes: model.graph.nodes.map((n) => (n.op === 'MaxPool' ? { ...n, op: 'MaxUnpool' } : n)) };
    const path = join(tmp(), 'unsupported.onnx');
    writeFileSync(path, encodeOnnx(model, graph));
    const r = spawnSync(process.execPath, [repoPath('bin/swprune.js'), 'inspect', path, '--backend', 'cpu'], { encoding: 'utf8' });
    expect(r.status).toBe(EXIT.failure);
    expect(r.stderr).toMatch(
      /^backend: cpu[^\n]*\nswprune: error\[E_UNSUPPORTED_OP\]: node "\/MaxPool" uses op MaxUnpool \(opset 11\), which swprune does not support; supported ops: [^\n]*\n$/,
    );
  });
});
