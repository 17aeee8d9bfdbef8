import * as tf from '@tensorflow/tfjs';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../../src/exec/index.js';
import type { Graph, Param } from '../../../src/graph/ir.js';
import { loadModel, saveModel } from '../../../src/io/load.js';
import { repoPath } from '../../helpers/fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const FIXTURES = {
  seqCnn: repoPath('test/fixtures/tfjs/seq-cnn'),
  residual: repoPath('test/fixtures/tfjs/residual'),
  // Every tfjs-layers activation (as `activation` of Activation/Conv2D layers) and the
  // advanced-activation layers.
  activations: repoPath('test/fixtures/tfjs/activations'),
  // SeparableConv2D, DepthwiseConv2D, squeeze-excite Multiply, Cropping2D, Permute, Reshape,
  // GlobalMaxPooling2D.
  mobile: repoPath('test/fixtures/tfjs/mobile'),
};
const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-tfjs-'));
const bytes = (p: Param) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength);

/** Executor vs tfjs's own model.predict: max abs difference / max |tfjs output|. */
const TOL = 1e-4;

describe('readTfjs on models saved by tfjs', () => {
  for (const [key, dir] of Object.entries(FIXTURES)) {
    it(`${key}: the executor reproduces tfjs's predictions (${TOL})`, () => {
      const io = JSON.parse(readFileSync(`${dir}.io.json`, 'utf8')) as {
        input: { shape: number[]; data: number[] };
        output: { shape: number[]; data: number[] };
      };
      const loaded = loadModel(dir);
      expect(loaded.format).toBe('tfjs');
      const model = compileGraph(loaded.graph);
      const x = tf.tensor4d(io.input.data, io.input.shape as [number, number, number, number]);
      let y = model.forward(x);
      // The residual model ends in softmax: the executor returns logits.
      if (key === 'residual') y = tf.softmax(y);
      const got = y.dataSync();
      const scale = Math.max(...io.output.data.map(Math.abs));
      got.forEach((v, i) => {
        expect(Math.abs(v - io.output.data[i]!) / scale).toBeLessThan(TOL);
      });
      model.dispose();
    });
  }

  it("the bundled models/fashion-vgg-tfjs, loaded by tfjs itself, gives PyTorch's logits (1e-4)", async () => {
    const dir = repoPath('models/fashion-vgg-tfjs');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
    };
    const bin = readFileSync(join(dir, 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]!.weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const io = JSON.parse(readFileSync(repoPath('models/fashion-vgg.io.json'), 'utf8')) as {
      input: { shape: number[]; data: number[] };
      output: { data: number[] };
    };
    const [n, , h, w] = io.input.shape as [number, number, number, number];
    const got = (model.predict(tf.tensor4d(io.input.data, [n, h, w, 1])) as tf.Tensor).dataSync();
    expect(got.length).toBe(io.output.data.length);
    got.forEach((v, i) => {
      expect(Math.abs(v - io.output.data[i]!)).toBeLessThan(1e-4);
    });
    model.dispose();
  });

  it('round trip: read, write, read keeps every weight bit-identical and the topology', () => {
    const loaded = loadModel(FIXTURES.residual);
    const out = tmp();
    saveModel(loaded, loaded.graph, out);
    expect(readFileSync(join(out, 'weights.bin')).equals(readFileSync(join(FIXTURES.residual, 'weights.bin')))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(join(FIXTURES.residual, 'model.json'), 'utf8')),
    );
    const back = loadModel(out);
    for (const [name, p] of loaded.graph.params) expect(bytes(back.graph.params.get(name)!).equals(bytes(p))).toBe(true);
  });

  it('an edited conv weight lands in the shard at the Keras position of that weight', () => {
    const loaded = loadModel(FIXTURES.seqCnn);
    const w = loaded.graph.params.get('conv2/kernel')!; // ONNX [8, 8, 3, 3]
    const data = Float32Array.from(w.data as Float32Array);
    data[((5 * 8 + 2) * 3 + 1) * 3 + 0] = 42; // o=5, i=2, h=1, w=0
    const params = new Map(loaded.graph.params);
    params.set(w.name, { ...w, data });
    const out = tmp();
    saveModel(loaded, { ...loaded.graph, params } as Graph, join(out, 'model.json'));
    const back = loadModel(out);
    expect(back.graph.params.get('conv2/kernel')!.data[((5 * 8 + 2) * 3 + 1) * 3]).toBe(42);
    const changed = [...back.graph.params].filter(([n, p]) => !bytes(p).equals(bytes(loaded.graph.params.get(n)!)));
    expect(changed.map(([n]) => n)).toEqual(['conv2/kernel']);
  });
});

describe('bad tfjs models', () => {
  const copy = () => {
    const dir = tmp();
    cpSync(FIXTURES.seqCnn, dir, { recursive: true });
    return dir;
  };
  const errorOf = (dir: string) => {
    try {
      loadModel(dir);
    } catch (e) {
      return e as Error & { code: string };
    }
    throw new Error('expected an error');
  };

  it('an activation tfjs does not offer is an E_UNSUPPORTED_OP error naming the layer and the activation', () => {
    const dir = copy();
    writeFileSync(
      join(dir, 'model.json'),
      readFileSync(join(dir, 'model.json'), 'utf8').replace('"activation":"relu"', '"activation":"crelu"'),
    );
    const e = errorOf(dir);
    expect(e.code).toBe('E_UNSUPPORTED_OP');
    expect(e.message).toMatch(/layer "conv1" \(Conv2D\) uses activation "crelu", which swprune does not support/);
  });

  it('broken JSON, missing and short shards, unsupported layers', () => {
    let dir = copy();
    writeFileSync(join(dir, 'model.json'), '{"format": "layers-mo');
    expect(errorOf(dir).message).toMatch(/model\.json: is not valid JSON/);
    dir = copy();
    rmSync(join(dir, 'weights.bin'));
    expect(errorOf(dir).message).toMatch(/weight file "weights\.bin" not found beside model\.json/);
    dir = copy();
    writeFileSync(join(dir, 'weights.bin'), readFileSync(join(FIXTURES.seqCnn, 'weights.bin')).subarray(0, 1000));
    expect(errorOf(dir).message).toMatch(/fewer than the manifest needs \(truncated shard\)/);
    dir = copy();
    const json = readFileSync(join(dir, 'model.json'), 'utf8').replace('"class_name":"MaxPooling2D"', '"class_name":"LSTM"');
    writeFileSync(join(dir, 'model.json'), json);
    const e = errorOf(dir);
    expect(e.code).toBe('E_UNSUPPORTED_OP');
    expect(e.message).toMatch(/layer "pool1" is a LSTM, which swprune does not support; supported layers: InputLayer, Conv2D/);
  });
});
