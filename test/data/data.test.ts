import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkDataFitsModel, loadDataset, parseDataSpec, type MemorySplit } from '../../src/data/index.js';
import { allBatches, FASHION_SLICE, firstBatch } from '../helpers/fixtures.js';

/** The raw labels of an in-memory split. */
const labels = (split: unknown) => (split as MemorySplit).labels;

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-data-'));

describe('Fashion-MNIST slice (IDX .gz)', () => {
  const ds = loadDataset(parseDataSpec(`fashion-mnist:${FASHION_SLICE}`));

  it('loads 4000 train / 1000 test 28x28x1 images with labels 0..9', () => {
    expect(ds.train.count).toBe(4000);
    expect(ds.test.count).toBe(1000);
    expect(ds.imageShape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(Math.max(...labels(ds.test))).toBe(9);
  });

  it('normalises (pixel/255 - 0.2860)/0.3530 in file order without shuffling (1e-6)', async () => {
    const raw = gunzipSync(readFileSync(join(FASHION_SLICE, 't10k-images-idx3-ubyte.gz'))).subarray(16);
    const fileLabels = gunzipSync(readFileSync(join(FASHION_SLICE, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
    const batch = await firstBatch(ds.test, { batchSize: 3 });
    expect(batch.size).toBe(3);
    expect(batch.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(batch.x).toHaveLength(3 * 784);
    for (const p of [0, 100, 784 + 300, 2 * 784 + 783]) expect(Math.abs(batch.x[p]! - (raw[p]! / 255 - 0.286) / 0.353)).toBeLessThan(1e-6);
    expect(Array.from(batch.y)).toEqual(Array.from(fileLabels.subarray(0, 3)));
  });

  it('shuffles deterministically by (seed, epoch), covers every example once, and resumes at a batch', async () => {
    const labelsOf = async (seed: number, epoch: number, startBatch = 0) =>
      (await allBatches(ds.train, { batchSize: 128, shuffle: true, seed, epoch, limit: 1000, startBatch })).flatMap((b) => Array.from(b.y));
    const a = await labelsOf(1, 0);
    expect(a).toHaveLength(1000);
    expect(await labelsOf(1, 0)).toEqual(a);
    expect(await labelsOf(1, 1)).not.toEqual(a);
    expect(await labelsOf(2, 0)).not.toEqual(a);
    expect(await labelsOf(1, 0, 3)).toEqual(a.slice(3 * 128));
    // Same multiset of labels as the first 1000 examples.
    expect([...a].sort()).toEqual(Array.from(labels(ds.train).subarray(0, 1000)).sort());
    expect(ds.train.numBatches(128, 1000)).toBe(8);
  });
});

/** CIFAR-style binary records with pixel value (example + channel * 10 + position) % 256. */
function cifarRecords(n: number, labelBytes: 1 | 2, label: (i: number) => number[]): Buffer {
  const rec = labelBytes + 3072;
  const b = Buffer.alloc(n * rec);
  for (let i = 0; i < n; i++) {
    b.set(label(i), i * rec);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) b[i * rec + labelBytes + c * 1024 + p] = (i + c * 10 + p) % 256;
  }
  return b;
}

describe('CIFAR binary readers', () => {
  it('CIFAR-10: planar records become HWC, labels kept, augmentation deterministic', async () => {
    const dir = tmp();
    const sub = join(dir, 'cifar-10-batches-bin');
    mkdirSync(sub);
    for (let k = 1; k <= 5; k++)
      writeFileSync(
        join(sub, `data_batch_${k}.bin`),
        cifarRecords(2, 1, (i) => [(i + k) % 10]),
      );
    writeFileSync(
      join(sub, 'test_batch.bin'),
      cifarRecords(3, 1, (i) => [i]),
    );
    const ds = loadDataset(parseDataSpec(`cifar10:${dir}`), { mean: [0], std: [1] });
    expect(ds.train.count).toBe(10);
    expect(Array.from(labels(ds.test))).toEqual([0, 1, 2]);
    // Example 1, pixel 5, channel 2 (blue): (1 + 20 + 5) % 256 = 26.
    expect((ds.test as MemorySplit).images[1 * 3072 + 5 * 3 + 2]).toBe(26);
    const first = async (epoch: number) => Array.from((await firstBatch(ds.train, { batchSize: 10, augment: true, seed: 3, epoch })).x);
    const plain = await firstBatch(ds.train, { batchSize: 10 });
    expect(await first(0)).toEqual(await first(0));
    expect(await first(0)).not.toEqual(await first(1));
    expect(await first(0)).not.toEqual(Array.from(plain.x));
  });

  it('CIFAR-100: fine labels by default, coarse with cifar100-coarse', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'train.bin'),
      cifarRecords(4, 2, (i) => [i, 50 + i]),
    );
    writeFileSync(
      join(dir, 'test.bin'),
      cifarRecords(2, 2, (i) => [19, 99 - i]),
    );
    expect(Array.from(labels(loadDataset(parseDataSpec(`cifar100:${dir}`)).test))).toEqual([99, 98]);
    const coarse = loadDataset(parseDataSpec(`cifar100-coarse:${dir}`));
    expect(Array.from(labels(coarse.train))).toEqual([0, 1, 2, 3]);
    expect(coarse.classes).toBe(20);
  });
});

describe('bad data gives one-line errors', () => {
  const errorOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as Error & { code: string };
    }
    throw new Error('expected an error');
  };

  it('bad specs and paths', () => {
    expect(errorOf(() => parseDataSpec('imagenet:/x')).message).toMatch(
      /^data expects kind:PATH with kind one of fashion-mnist, mnist, cifar10, cifar100, cifar100-coarse, imagefolder, npz/,
    );
    expect(errorOf(() => parseDataSpec('/just/a/path')).code).toBe('E_USAGE');
    const missing = errorOf(() => parseDataSpec('mnist:/no/such/dir'));
    expect(missing.code).toBe('E_DATA');
    expect(missing.message).toMatch(/directory "\/no\/such\/dir" not found/);
    const empty = tmp();
    expect(errorOf(() => loadDataset(parseDataSpec(`mnist:${empty}`))).message).toMatch(/train-images-idx3-ubyte\(\.gz\) not found/);
    expect(errorOf(() => loadDataset(parseDataSpec(`cifar10:${empty}`))).message).toMatch(/data_batch_1\.bin not found/);
  });

  it('corrupt IDX and CIFAR files', () => {
    const dir = tmp();
    const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
    for (const n of names) writeFileSync(join(dir, `${n}.gz`), readFileSync(join(FASHION_SLICE, `${n}.gz`)));
    const raw = gunzipSync(readFileSync(join(FASHION_SLICE, 't10k-images-idx3-ubyte.gz')));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(raw.subarray(0, 5000)));
    expect(errorOf(() => loadDataset(parseDataSpec(`fashion-mnist:${dir}`))).message).toMatch(
      /IDX header says 784000 bytes .* the file has 4984; the file is truncated or corrupt/,
    );
    // A gzip bomb: a header for 10 images, then 200 MB of zeros (~200 KB compressed). Reading
    // stops at the 7,856 bytes the header describes instead of inflating all of it.
    const header = Buffer.from(raw.subarray(0, 16));
    header.writeUInt32BE(10, 4);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(Buffer.concat([header, Buffer.alloc(200e6)]), { level: 9 }));
    expect(errorOf(() => loadDataset(parseDataSpec(`fashion-mnist:${dir}`))).message).toMatch(
      /t10k-images-idx3-ubyte\.gz: decompresses to more than the 7856 bytes its IDX header describes \(dims 10x28x28\); the file is corrupt/,
    );
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), Buffer.from('not gzip at all'));
    expect(errorOf(() => loadDataset(parseDataSpec(`fashion-mnist:${dir}`))).message).toMatch(/not a valid gzip file/);
    const cdir = tmp();
    writeFileSync(join(cdir, 'train.bin'), cifarRecords(2, 2, () => [0, 0]).subarray(0, 5000));
    writeFileSync(
      join(cdir, 'test.bin'),
      cifarRecords(1, 2, () => [0, 0]),
    );
    const e = errorOf(() => loadDataset(parseDataSpec(`cifar100:${cdir}`)));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toMatch(/5000 bytes is not a whole number of 3074-byte CIFAR records/);
  });

  it('a dataset that does not fit the model', () => {
    const data = { kind: 'fashion-mnist' as const, dir: 'D', imageShape: { height: 28, width: 28, channels: 1 }, classes: 10 };
    expect(() => checkDataFitsModel(data, { height: 28, width: 28, channels: 1, classes: 10 })).not.toThrow();
    expect(() => checkDataFitsModel(data, { height: null, width: null, channels: 1, classes: null })).not.toThrow();
    expect(errorOf(() => checkDataFitsModel(data, { height: 32, width: 32, channels: 3, classes: 10 })).message).toBe(
      'dataset fashion-mnist:D has 28x28x1 images, but the model expects 32x32x3; pass a dataset that matches the model',
    );
    expect(errorOf(() => checkDataFitsModel(data, { height: 28, width: 28, channels: 1, classes: 100 })).message).toMatch(
      /has 10 classes, but the model outputs 100/,
    );
  });

  it('--mean/--std of the wrong length', () => {
    expect(errorOf(() => loadDataset(parseDataSpec(`fashion-mnist:${FASHION_SLICE}`), { mean: [0.1, 0.2] })).message).toMatch(
      /^mean needs 1 value for 1-channel images, got 2/,
    );
  });
});
