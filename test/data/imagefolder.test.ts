import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertChannels } from '../../src/data/channels.js';
import { decodeImage } from '../../src/data/decode.js';
import { checkDataFitsModel, type FolderSplit, loadDataset, parseDataSpec, type Batch, type Dataset } from '../../src/data/index.js';
import { normaliseTables } from '../../src/data/normalise.js';
import { applyTransform, evalTransform, writeNormalised } from '../../src/data/transform.js';
import { allBatches, firstBatch, repoPath } from '../helpers/fixtures.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';

/** Written by test/fixtures/images/make_images.py (torchvision 0.14, PyTorch 1.13). */
const FIXTURES = repoPath('test/fixtures/images');
const FOLDER = `${FIXTURES}/folder`;
const MODEL = `${FIXTURES}/tiny-resnet.onnx`;
const expected = JSON.parse(readFileSync(`${FIXTURES}/expected.json`, 'utf8')) as {
  classes: string[];
  crop: number;
  resize: number;
  train: [string, number][];
  val: [string, number][];
  valResults: { file: string; label: number; pred: number; logits: number[]; sha256: string }[];
  top1: number;
};
const MODEL_SHAPE = { height: 64, width: 64, channels: 3, classes: 4 };
const load = (dir: string, o: Parameters<typeof loadDataset>[1] = {}) =>
  loadDataset(parseDataSpec(`imagefolder:${dir}`), { model: MODEL_SHAPE, workers: 0, ...o });
const files = (split: Dataset['test'], root: string) => {
  const s = split as FolderSplit;
  return Array.from({ length: s.count }, (_, i) => [relative(root, s.files.path(i)), s.labels[i]!]);
};
const labelsOf = (batches: Batch[]) => batches.flatMap((b) => Array.from(b.y));
/** The images of a list of batches as one byte string (vitest's deep equality is slow on big typed arrays). */
const pixelsOf = (batches: Batch[]) =>
  Buffer.concat(batches.map((b) => Buffer.from(b.x.buffer, b.x.byteOffset, b.x.byteLength))).toString('base64');

describe('imagefolder: the ImageNet layout as torchvision reads it', () => {
  const ds = load(FOLDER);

  it("lists classes, files and labels in ImageFolder's order (sorted classes, os.walk order, image extensions only)", () => {
    expect(ds.classes).toBe(4);
    expect(ds.imageShape).toEqual({ height: 64, width: 64, channels: 3 });
    expect(ds.mean).toEqual([0.485, 0.456, 0.406]);
    expect(ds.std).toEqual([0.229, 0.224, 0.225]);
    expect(files(ds.train, FOLDER)).toEqual(expected.train);
    expect(files(ds.test, FOLDER)).toEqual(expected.val);
    expect(ds.notes.join('\n')).toMatch(/resizes the shorter side to 73 and centre-crops 64x64/);
  });

  it("every val image's preprocessed pixels are torchvision's, byte for byte (80 images)", async () => {
    const t = evalTransform(expected.resize, expected.crop, expected.crop);
    for (const r of expected.valResults) {
      const img = convertChannels(await decodeImage(readFileSync(join(FOLDER, r.file))), 3)!;
      const digest = createHash('sha256')
        .update(applyTransform(img, t, Math.random).image.data)
        .digest('hex');
      expect(digest, r.file).toBe(r.sha256);
    }
  });

  it("onnxruntime on swprune's batches gives PyTorch's logits (1e-4) and top-1", async () => {
    const batches = await allBatches(ds.test, { batchSize: 32 });
    expect(labelsOf(batches)).toEqual(expected.valResults.map((r) => r.label));
    let k = 0;
    let correct = 0;
    for (const b of batches) {
      const out = await runOnnxRuntime(MODEL, { data: nhwcToNchw(b), dims: [b.size, 3, 64, 64] });
      for (let i = 0; i < b.size; i++, k++) {
        const logits = Array.from(out.data.subarray(i * 4, i * 4 + 4));
        const want = expected.valResults[k]!;
        for (let c = 0; c < 4; c++) expect(Math.abs(logits[c]! - want.logits[c]!)).toBeLessThan(1e-4);
        const pred = logits.indexOf(Math.max(...logits));
        expect(pred).toBe(want.pred);
        if (pred === b.y[i]) correct++;
      }
    }
    expect(correct / k).toBe(expected.top1);
  });

  it('a batch holds the normalised pixels in file order', async () => {
    const b = await firstBatch(ds.test, { batchSize: 2 });
    const img = convertChannels(await decodeImage(readFileSync(join(FOLDER, expected.val[1]![0]))), 3)!;
    const want = new Float32Array(64 * 64 * 3);
    writeNormalised(applyTransform(img, evalTransform(73, 64, 64), Math.random).image, false, normaliseTables(ds.mean, ds.std), want, 0);
    expect(Buffer.from(b.x.buffer, b.x.byteOffset + 64 * 64 * 3 * 4).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it('training order and crops are fixed by (seed, epoch), the same on worker threads, and resume exactly at a batch', async () => {
    const opts = { batchSize: 50, shuffle: true, augment: true, seed: 3, epoch: 0 };
    const a = await allBatches(ds.train, opts);
    expect(labelsOf(a).sort()).toEqual(expected.train.map(([, l]) => l).sort());
    const again = await allBatches(ds.train, opts);
    expect(pixelsOf(again) === pixelsOf(a)).toBe(true);
    const threaded = await allBatches(load(FOLDER, { workers: 2, prefetch: 3 }).train, opts);
    expect(pixelsOf(threaded) === pixelsOf(a)).toBe(true);
    const resumed = await allBatches(ds.train, { ...opts, startBatch: 3 });
    expect(pixelsOf(resumed) === pixelsOf(a.slice(3))).toBe(true);
    const epoch1 = await allBatches(ds.train, { ...opts, epoch: 1 });
    expect(labelsOf(epoch1)).not.toEqual(labelsOf(a));
    // Without augmentation the same order gives the evaluation crops: different pixels.
    const plain = await firstBatch(ds.train, { ...opts, augment: false });
    expect(Array.from(plain.y)).toEqual(Array.from(a[0]!.y));
    expect(pixelsOf([plain]) === pixelsOf([a[0]!])).toBe(false);
  });

  it('a folder of class folders alone: 10% of each class held out, the same every run', () => {
    const flat = `${FOLDER}/train`;
    const one = load(flat);
    const same = load(flat);
    expect(one.test.count).toBe(24); // 6 of each class's 60
    expect(one.train.count).toBe(216);
    expect(files(one.test, flat)).toEqual(files(same.test, flat));
    // Not simply the first or last files of each class.
    const perClass = files(one.test, flat)
      .filter(([, l]) => l === 0)
      .map(([f]) => f);
    const firstSix = expected.train
      .filter(([, l]) => l === 0)
      .slice(0, 6)
      .map(([f]) => (f as string).replace(/^train\//, ''));
    expect(perClass).not.toEqual(firstSix);
    const all = [...files(one.train, flat), ...files(one.test, flat)].map(([f]) => f).sort();
    expect(all).toEqual(expected.train.map(([f]) => (f as string).replace(/^train\//, '')).sort());
    expect(one.notes.join('\n')).toMatch(/no val\/ or test\/ folder: 24 images .* held out/);
  });

  it('a grey model gets grey images, a model without a fixed size gets 224 crops, --crop/--resize override', () => {
    const grey = load(FOLDER, { model: { ...MODEL_SHAPE, channels: 1 } });
    expect(grey.imageShape.channels).toBe(1);
    expect(grey.mean).toEqual([0.449]);
    const free = load(FOLDER, { model: { height: null, width: null, channels: 3, classes: null } });
    expect(free.imageShape).toEqual({ height: 224, width: 224, channels: 3 });
    expect(free.notes.join('\n')).toMatch(/resizes the shorter side to 256 and centre-crops 224x224/);
    const set = load(FOLDER, { crop: 32, resize: 40 });
    expect(set.imageShape).toEqual({ height: 32, width: 32, channels: 3 });
    expect(() => checkDataFitsModel(set, MODEL_SHAPE)).toThrow(/has 32x32x3 images, but the model expects 64x64x3/);
  });

  it('copies of the folder elsewhere read the same (paths are relative to DIR)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-if-'));
    cpSync(FOLDER, dir, { recursive: true });
    expect(files(load(dir).test, dir)).toEqual(expected.val);
  });
});

/** NHWC batch -> NCHW for onnxruntime. */
function nhwcToNchw(b: Batch): Float32Array {
  const { height: H, width: W, channels: C } = b.shape;
  const out = new Float32Array(b.x.length);
  for (let n = 0; n < b.size; n++) {
    for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) out[n * H * W * C + c * H * W + p] = b.x[n * H * W * C + p * C + c]!;
  }
  return out;
}

describe('imagefolder --limit', () => {
  it('takes examples spread over every class, not the first class only', async () => {
    const ds = load(FOLDER);
    const labels = labelsOf(await allBatches(ds.test, { batchSize: 8, limit: 8 }));
    expect(labels).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(ds.test.size(8)).toBe(8);
    const shuffled = labelsOf(await allBatches(ds.train, { batchSize: 5, limit: 20, shuffle: true, seed: 1 }));
    expect(shuffled.sort()).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
  });
});
