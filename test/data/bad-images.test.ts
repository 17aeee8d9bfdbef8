import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDataFitsModel, loadDataset, parseDataSpec, type FolderSplit, type SkippedImage } from '../../src/data/index.js';
import { allBatches, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

const FOLDER = repoPath('test/fixtures/images/folder');
const MODEL = { height: 64, width: 64, channels: 3, classes: 4 };

/** A copy of the fixture folder (val only, or both splits) to break. */
function copy(splits: ('train' | 'val')[] = ['train', 'val']): string {
  const dir = mkdtempSync(join(tmpdir(), 'swprune-bad-'));
  for (const s of splits) cpSync(join(FOLDER, s), join(dir, s), { recursive: true });
  return dir;
}
const load = (dir: string, o: Parameters<typeof loadDataset>[1] = {}) =>
  loadDataset(parseDataSpec(`imagefolder:${dir}`), { model: MODEL, workers: 0, ...o });
const errorOf = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return e as Error & { code: string };
  }
  throw new Error('expected an error');
};

describe('bad image folders get one-line E_DATA errors', () => {
  it('a missing path, no class folders, an empty class folder', async () => {
    const missing = await errorOf(() => parseDataSpec('imagefolder:/no/such/dir'));
    expect([missing.code, missing.message]).toEqual([
      'E_DATA',
      expect.stringMatching(/directory "\/no\/such\/dir" not found; pass the folder with train\/<class>\/ and val\/<class>\//),
    ]);
    const bare = mkdtempSync(join(tmpdir(), 'swprune-bad-'));
    writeFileSync(join(bare, 'a.jpg'), 'x');
    expect((await errorOf(() => load(bare))).message).toMatch(/no class folders; an image folder holds one folder per class/);
    const dir = copy();
    mkdirSync(join(dir, 'train', 'empty'));
    writeFileSync(join(dir, 'train', 'empty', 'readme.txt'), 'no images here');
    const e = await errorOf(() => load(dir));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toMatch(
      /train: class folder "empty" holds no images \(files ending \.jpg \.jpeg \.png .*\.webp\); add images or remove the folder/,
    );
  });

  it('a class in val that train does not have', async () => {
    const dir = copy();
    cpSync(join(dir, 'val', 'cross'), join(dir, 'val', 'star'), { recursive: true });
    const e = await errorOf(() => load(dir));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toMatch(
      /val: class folder "star" not among the 4 training classes; every class in val\/test needs a folder in train\//,
    );
  });

  it('labels beyond the model outputs, channels no image can have', async () => {
    const ds = load(FOLDER);
    const e = await errorOf(() => checkDataFitsModel(ds, { ...MODEL, classes: 3 }));
    expect(e.message).toMatch(/has 4 classes \(labels 0\.\.3\), but the model outputs 3; labels 3\.\.3 are out of its range/);
    // Fewer classes than outputs is fine: the labels are in range.
    expect(() => checkDataFitsModel(ds, { ...MODEL, classes: 1000 })).not.toThrow();
    const ch = await errorOf(() => load(FOLDER, { model: { ...MODEL, channels: 2 } }));
    expect([ch.code, ch.message]).toEqual([
      'E_DATA',
      expect.stringMatching(/the model takes 2-channel images; image files give 1 \(grey\), 3 \(RGB\) or 4 \(RGBA\) channels/),
    ]);
  });

  it('unreadable and truncated images are skipped with a warning and a count, or stop the run with strict', async () => {
    const dir = copy(['val']);
    const jpeg = join(dir, 'val', 'circle', 'cir_001.JPEG');
    writeFileSync(jpeg, readFileSync(jpeg).subarray(0, 700)); // truncated
    writeFileSync(join(dir, 'val', 'square', 'squ_000.jpg'), 'this is not a JPEG'); // unreadable
    const seen: [SkippedImage, number][] = [];
    const ds = load(dir, { onSkip: (s, n) => seen.push([s, n]) });
    const batches = await allBatches(ds.test, { batchSize: 16 });
    expect(batches.reduce((n, b) => n + b.size, 0)).toBe(78);
    expect(seen.map(([s, n]) => [s.path.slice(dir.length), n])).toEqual([
      ['/val/circle/cir_001.JPEG', 1],
      ['/val/square/squ_000.jpg', 2],
    ]);
    // The decoder's reason ("VipsJpeg: premature end of JPEG image" alone; libvips's shared
    // error buffer can lose it when another decode runs at the same time).
    expect(seen[0]![0].reason.length).toBeGreaterThan(0);
    // A second pass warns no more: each file is counted once.
    await allBatches(ds.test, { batchSize: 16 });
    expect(seen).toHaveLength(2);
    expect((ds.test as FolderSplit).skipped).toBe(2);
    for (const workers of [0, 1]) {
      const e = await errorOf(() => allBatches(load(dir, { strict: true, workers }).test, { batchSize: 16 }));
      expect(e.code).toBe('E_DATA');
      expect(e.message).toMatch(/cir_001\.JPEG: unreadable or truncated image \(.*\); remove or replace the file/);
    }
  });

  it('a folder with val/ only evaluates, and says why it cannot train', async () => {
    const dir = copy(['val']);
    const ds = load(dir);
    expect(ds.test.count).toBe(80);
    const e = await errorOf(() => allBatches(ds.train, { batchSize: 8 }));
    expect([e.code, e.message]).toEqual(['E_DATA', `${dir} has no train/ folder; training needs ${dir}/train/<class>/<image>`]);
    rmSync(dir, { recursive: true });
  });
});

describe('through the CLI', () => {
  it('a skipped image is a warning line; with --strict the run stops with one E_DATA line and exit code 1', () => {
    const dir = copy(['val']);
    writeFileSync(join(dir, 'val', 'square', 'squ_000.jpg'), 'this is not a JPEG');
    const run = (...extra: string[]) =>
      spawnSync(
        process.execPath,
        [repoPath('bin/swprune.js'), 'eval', ONNX_FIXTURES.resnetSmall, '--data', `imagefolder:${dir}`, '--backend', 'wasm', ...extra],
        { encoding: 'utf8' },
      );
    const ok = run();
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(new RegExp(`warning: skipped ${dir}/val/square/squ_000\\.jpg: unreadable image \\(.*\\); 1 skipped so far`));
    expect(ok.stdout).toMatch(/\(79 test examples/);
    const strict = run('--strict');
    expect(strict.status).toBe(1);
    const lines = strict.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^swprune: error\[E_DATA\]: .*squ_000\.jpg: unreadable or truncated image \(.*\); remove or replace the file$/,
    );
    expect(strict.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
