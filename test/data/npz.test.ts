import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type checkDataFitsModel, loadDataset, parseDataSpec, type MemorySplit } from '../../src/data/index.js';
import { parseNpy } from '../../src/data/npy.js';
import { zipEntries } from '../../src/data/zip.js';
import { allBatches, repoPath } from '../helpers/fixtures.js';

/** Written by numpy (savez, savez_compressed, save) in test/fixtures/images/make_images.py. */
const ARRAYS = repoPath('test/fixtures/images/arrays');
/** make_images.py's value(n, h, w, c): every array fixture holds it (uint8, or / 255 as float32). */
const value = (n: number, h: number, w: number, c: number) => (n * 7 + h * 5 + w * 3 + c * 11) % 256;
const load = (
  path: string,
  model = { height: null, width: null, channels: null, classes: null } as Parameters<typeof checkDataFitsModel>[1],
) => loadDataset(parseDataSpec(`npz:${path}`), { model });
const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-npz-'));
const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as Error & { code: string };
  }
  throw new Error('expected an error');
};

describe('npz and .npy arrays', () => {
  it('numpy.savez (stored), uint8 [N, H, W]: one-channel images scaled to 0..1, labels kept', async () => {
    const ds = load(`${ARRAYS}/grey-nhw.npz`);
    expect(ds.imageShape).toEqual({ height: 10, width: 10, channels: 1 });
    expect([ds.train.count, ds.test.count, ds.classes]).toEqual([12, 6, 5]);
    expect(ds.mean).toEqual([0]);
    const [b] = await allBatches(ds.test, { batchSize: 6 });
    // Test example 2 is array example 12 + 2; pixel (3, 4): uint8 / 255, float32 (exact).
    expect(b!.x[2 * 100 + 3 * 10 + 4]).toBe(Math.fround(value(14, 3, 4, 0) / 255));
    expect(Array.from(b!.y)).toEqual([0, 1, 2, 3, 4, 0]);
    expect(ds.notes[0]).toMatch(/NHW 10x10x1, uint8, scaled to 0\.\.1; 12 training and 6 test examples/);
  });

  it('numpy.savez_compressed (deflated), float32 NCHW and int64 [N, 1] labels: transposed to NHWC, normalised by --mean/--std', async () => {
    const ds = loadDataset(parseDataSpec(`npz:${ARRAYS}/rgb-nchw.npz`), {
      model: { height: 8, width: 8, channels: 3, classes: 3 },
      mean: [0.5],
      std: [0.25],
    });
    expect(ds.imageShape).toEqual({ height: 8, width: 8, channels: 3 });
    expect(Array.from((ds.train as MemorySplit).labels)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    const [b] = await allBatches(ds.train, { batchSize: 7 });
    const f = Math.fround;
    for (const [n, h, w, c] of [
      [0, 0, 0, 0],
      [6, 7, 5, 2],
      [3, 1, 6, 1],
    ] as const) {
      expect(b!.x[((n * 8 + h) * 8 + w) * 3 + c]).toBe(f(f(f(f(value(n, h, w, c)) / 255) - 0.5) / 0.25));
    }
    expect(ds.notes[0]).toMatch(/NCHW 8x8x3, float32/);
  });

  it('a folder of .npy files: uint8 NHWC, int32 labels, one-hot test labels', () => {
    const ds = load(`${ARRAYS}/npy-folder`, { height: 6, width: 6, channels: 3, classes: 5 });
    expect(ds.imageShape).toEqual({ height: 6, width: 6, channels: 3 });
    expect(Array.from((ds.test as MemorySplit).labels)).toEqual([4, 2, 1]);
    expect((ds.train as MemorySplit).images[((5 * 6 + 2) * 6 + 3) * 3 + 1]).toBe(value(5, 2, 3, 1));
  });

  it('NHWC or NCHW is decided against the model input', () => {
    // rgb-nchw holds [N, 3, 8, 8]: a model taking 8x8x3 reads NCHW; with no model, 3 of 1..4 channels also wins.
    expect(load(`${ARRAYS}/rgb-nchw.npz`).notes[0]).toMatch(/NCHW/);
    const e = errorOf(() => load(`${ARRAYS}/rgb-nchw.npz`, { height: 32, width: 32, channels: 3, classes: null }));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toMatch(
      /x_train has shape \(7, 3, 8, 8\): neither NHWC \(3x8x8\) nor NCHW \(8x8x3\) images fit the model's 32x32x3 input/,
    );
  });

  it('ZIP64 records (sizes and offsets in the extra field) read the same arrays', async () => {
    const a = load(`${ARRAYS}/grey-nhw.npz`);
    const b = load(`${ARRAYS}/zip64.npz`);
    const entries = zipEntries(readFileSync(`${ARRAYS}/zip64.npz`), 'f');
    expect(entries.map((e) => [e.name, e.size])).toEqual([
      ['x_train.npy', 1328],
      ['y_train.npy', 140],
      ['x_test.npy', 728],
      ['y_test.npy', 134],
    ]);
    expect(await allBatches(b.train, { batchSize: 12 })).toEqual(await allBatches(a.train, { batchSize: 12 }));
  });

  it('reads the zip and .npy structure numpy writes', () => {
    const buf = readFileSync(`${ARRAYS}/rgb-nchw.npz`);
    expect(zipEntries(buf, 'f').map((e) => [e.name, e.method])).toEqual([
      ['x_train.npy', 8],
      ['y_train.npy', 8],
      ['x_test.npy', 8],
      ['y_test.npy', 8],
    ]);
    const y = parseNpy(readFileSync(`${ARRAYS}/npy-folder/y_test.npy`), 'y');
    expect([y.dtype, y.shape]).toEqual(['<f4', [3, 5]]);
  });
});

describe('bad arrays get one-line E_DATA errors', () => {
  it('labels out of the model range, missing arrays, truncated files, unsupported dtypes', () => {
    const range = errorOf(() => load(`${ARRAYS}/grey-nhw.npz`, { height: 10, width: 10, channels: 1, classes: 4 }));
    expect(range.code).toBe('E_DATA');
    expect(range.message).toMatch(/y_train label 4 at example 4 is out of the model's range 0\.\.3/);

    const dir = tmp();
    cpSync(`${ARRAYS}/npy-folder`, dir, { recursive: true });
    writeFileSync(join(dir, 'y_test.npy'), readFileSync(join(dir, 'y_test.npy')).subarray(0, 150));
    expect(errorOf(() => load(dir)).message).toMatch(
      /y_test\.npy: the header says 15 <f4 values \(60 bytes\), the file holds 22 bytes; the file is truncated or corrupt/,
    );
    writeFileSync(join(dir, 'y_test.npy'), 'not numpy');
    expect(errorOf(() => load(dir)).message).toMatch(/not a \.npy file \(bad magic string\)/);

    const npz = readFileSync(`${ARRAYS}/grey-nhw.npz`);
    const cut = join(tmp(), 'cut.npz');
    writeFileSync(cut, npz.subarray(0, npz.length - 200));
    expect(errorOf(() => load(cut)).message).toMatch(
      /cut\.npz: no zip end-of-central-directory record; the \.npz file is truncated or not a zip archive/,
    );

    // A deflated entry that inflates past the size its central-directory record states (a
    // corrupt or hostile archive) stops at that size: the record of x_train.npy says 100 bytes.
    const lying = Buffer.from(readFileSync(`${ARRAYS}/rgb-nchw.npz`));
    let patched = 0;
    for (let at = lying.indexOf('PK\x01\x02', 0, 'latin1'); at >= 0; at = lying.indexOf('PK\x01\x02', at + 4, 'latin1')) {
      if (lying.toString('utf8', at + 46, at + 46 + lying.readUInt16LE(at + 28)) === 'x_train.npy') {
        lying.writeUInt32LE(100, at + 24);
        patched++;
      }
    }
    expect(patched).toBe(1);
    const liar = join(tmp(), 'liar.npz');
    writeFileSync(liar, lying);
    expect(errorOf(() => load(liar)).message).toMatch(
      /liar\.npz: x_train\.npy inflates to more than the 100 bytes its header says; the \.npz file is truncated or not a zip archive/,
    );

    const missing = join(tmp(), 'missing');
    cpSync(`${ARRAYS}/npy-folder`, missing, { recursive: true });
    writeFileSync(join(missing, 'x_test.npy'), '');
    expect(errorOf(() => load(missing)).message).toMatch(/x_test\.npy: not a \.npy file/);

    // A hand-built .npy header of a dtype swprune does not read (complex64).
    const header = "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }";
    const padded = `${header.padEnd(118, ' ')}\n`;
    const npy = Buffer.concat([
      Buffer.from('\x93NUMPY\x01\x00', 'latin1'),
      Buffer.from([padded.length, 0]),
      Buffer.from(padded, 'latin1'),
      Buffer.alloc(16),
    ]);
    expect(errorOf(() => parseNpy(npy, 'c.npy')).message).toMatch(/arrays of dtype <c8 are not read/);
  });

  it('no examples', () => {
    const e = errorOf(() => load(`${ARRAYS}/empty-test.npz`));
    expect([e.code, e.message]).toEqual(['E_DATA', expect.stringMatching(/empty-test\.npz: x_test holds no examples$/)]);
  });

  it('a missing path names what to pass', () => {
    const e = errorOf(() => parseDataSpec('npz:/no/such/file.npz'));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toMatch(
      /file or directory "\/no\/such\/file\.npz" not found; pass an \.npz file \(x_train, y_train, x_test, y_test\) or a folder of those \.npy files/,
    );
  });
});
