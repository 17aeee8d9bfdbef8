import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertChannels } from '../../src/data/channels.js';
import { decodeImage } from '../../src/data/decode.js';
import { centerCropBox, randomResizedCropBox, resizedSize, roundHalfEven } from '../../src/data/geometry.js';
import { normaliseTables } from '../../src/data/normalise.js';
import { resizeBilinear } from '../../src/data/resample.js';
import { mulberry32 } from '../../src/data/rng.js';
import { applyTransform, evalTransform } from '../../src/data/transform.js';
import { repoPath } from '../helpers/fixtures.js';

/** Written by test/fixtures/images/make_images.py with Pillow 9.4 / torchvision 0.14. */
const FIXTURES = repoPath('test/fixtures/images');
const expected = JSON.parse(readFileSync(`${FIXTURES}/expected.json`, 'utf8')) as {
  mean: number[];
  std: number[];
  normalised: number[][];
  randomResizedCrop: {
    height: number;
    width: number;
    draws: number;
    meanArea: number;
    sdArea: number;
    meanLogRatio: number;
    sdLogRatio: number;
  };
  cases: {
    name: string;
    file: string;
    kind: 'eval' | 'crop';
    channels: number;
    resize?: number;
    crop: number;
    box?: number[];
    flip?: boolean;
    pixels: string;
  }[];
};
const resizeCases = JSON.parse(readFileSync(`${FIXTURES}/resize-cases.json`, 'utf8')) as {
  height: number;
  width: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  input: string;
  output: string;
}[];
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe("Pillow's bilinear resize, exactly", () => {
  it.each(resizeCases.map((c) => [`${c.height}x${c.width}x${c.channels} -> ${c.outHeight}x${c.outWidth}`, c] as const))(
    '%s: the same bytes as Pillow',
    (_, c) => {
      const src = { data: bytes(c.input), height: c.height, width: c.width, channels: c.channels };
      const out = resizeBilinear(src, { top: 0, left: 0, height: c.height, width: c.width }, c.outHeight, c.outWidth);
      expect(Buffer.from(out.data).equals(Buffer.from(bytes(c.output)))).toBe(true);
    },
  );

  it('a window of the output is the same bytes as that part of the whole output', () => {
    const c = resizeCases.find((r) => r.height === 23 && r.outHeight === 46)!;
    const src = { data: bytes(c.input), height: c.height, width: c.width, channels: c.channels };
    const all = { top: 0, left: 0, height: c.height, width: c.width };
    const whole = resizeBilinear(src, all, c.outHeight, c.outWidth);
    const win = resizeBilinear(src, all, c.outHeight, c.outWidth, { top: 5, left: 7, height: 30, width: 20 });
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 20 * 3; x++) expect(win.data[y * 60 + x]).toBe(whole.data[((5 + y) * c.outWidth + 7) * 3 + x]);
    }
  });

  it('rejects a region outside the image', () => {
    const src = { data: new Uint8Array(12), height: 2, width: 2, channels: 3 };
    expect(() => resizeBilinear(src, { top: 1, left: 0, height: 2, width: 2 }, 4, 4)).toThrow(/outside the 2x2 image/);
  });
});

describe("torchvision's transform geometry", () => {
  it("rounds halves to even, as Python's round", () => {
    expect([0.5, 1.5, 2.5, 16.5, 17.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 16, 18, 2, 3]);
  });

  it('Resize(n) sets the shorter side and truncates the longer', () => {
    expect(resizedSize(375, 500, 256)).toEqual({ height: 256, width: 341 }); // 341.33
    expect(resizedSize(500, 333, 256)).toEqual({ height: 384, width: 256 }); // 384.38
    expect(resizedSize(100, 100, 73)).toEqual({ height: 73, width: 73 });
  });

  it('CenterCrop rounds (H - h) / 2 half to even and pads a crop larger than the image', () => {
    expect(centerCropBox(257, 300, 224, 224)).toEqual({ top: 16, left: 38, height: 224, width: 224 }); // 16.5 -> 16
    expect(centerCropBox(259, 224, 224, 224)).toEqual({ top: 18, left: 0, height: 224, width: 224 }); // 17.5 -> 18
    expect(centerCropBox(41, 50, 48, 48)).toEqual({ top: -3, left: 1, height: 48, width: 48 }); // pad (48-41)//2 = 3 on top
  });

  it("RandomResizedCrop boxes lie inside the image and follow torchvision's distribution", () => {
    const ref = expected.randomResizedCrop;
    const random = mulberry32(7);
    const area: number[] = [];
    const logRatio: number[] = [];
    for (let i = 0; i < ref.draws; i++) {
      const b = randomResizedCropBox(ref.height, ref.width, random);
      expect(b.top >= 0 && b.left >= 0 && b.top + b.height <= ref.height && b.left + b.width <= ref.width).toBe(true);
      area.push((b.height * b.width) / (ref.height * ref.width));
      logRatio.push(Math.log(b.width / b.height));
    }
    // Means of two independent samples of `draws` each agree within 4 standard errors.
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const se = (sd: number) => 4 * Math.sqrt((2 * sd * sd) / ref.draws);
    expect(Math.abs(mean(area) - ref.meanArea)).toBeLessThan(se(ref.sdArea));
    expect(Math.abs(mean(logRatio) - ref.meanLogRatio)).toBeLessThan(se(ref.sdLogRatio));
  });

  it('RandomResizedCrop falls back to the central crop at the nearest ratio when nothing fits', () => {
    // A 1x100 strip: no draw fits a 3/4..4/3 box; the fallback is 1 x round(1 * 4/3) = 1x1, centred.
    expect(randomResizedCropBox(1, 100, mulberry32(1))).toEqual({ top: 0, left: 49, height: 1, width: 1 });
  });
});

describe('decode, convert and transform: the pixels torchvision feeds its model', () => {
  it.each(expected.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const img = convertChannels(await decodeImage(readFileSync(`${FIXTURES}/folder/${c.file}`)), c.channels)!;
    let pixels: Uint8Array;
    if (c.kind === 'eval') {
      pixels = applyTransform(img, evalTransform(c.resize!, c.crop, c.crop), Math.random).image.data;
    } else {
      const [top, left, height, width] = c.box!;
      const r = resizeBilinear(img, { top: top!, left: left!, height: height!, width: width! }, c.crop, c.crop);
      pixels = c.flip ? mirror(r.data, c.crop, c.crop, 3) : r.data;
    }
    expect(pixels.length).toBe(c.crop * c.crop * c.channels);
    expect(Buffer.from(pixels).equals(Buffer.from(bytes(c.pixels)))).toBe(true);
  });

  it('normalisation is float32-identical to ToTensor + Normalize', () => {
    const tables = normaliseTables(expected.mean, expected.std);
    for (let c = 0; c < 3; c++) expect(Array.from(tables[c]!)).toEqual(expected.normalised[c]!.map(Math.fround));
  });

  it("converts channels with Pillow's rules: grey repeated, alpha dropped, L = 299/587/114 in fixed point", () => {
    const rgba = { data: Uint8Array.from([10, 200, 30, 7, 255, 255, 255, 0]), height: 1, width: 2, channels: 4 };
    expect(Array.from(convertChannels(rgba, 3)!.data)).toEqual([10, 200, 30, 255, 255, 255]);
    expect(Array.from(convertChannels(rgba, 1)!.data)).toEqual([(10 * 19595 + 200 * 38470 + 30 * 7471 + 0x8000) >> 16, 255]);
    const grey = { data: Uint8Array.from([0, 77, 255]), height: 1, width: 3, channels: 1 };
    expect(Array.from(convertChannels(grey, 3)!.data)).toEqual([0, 0, 0, 77, 77, 77, 255, 255, 255]);
    expect(Array.from(convertChannels(grey, 4)!.data)).toEqual([0, 0, 0, 255, 77, 77, 77, 255, 255, 255, 255, 255]);
    expect(convertChannels(grey, 2)).toBeUndefined();
  });
});

function mirror(data: Uint8Array, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = data[(y * w + (w - 1 - x)) * c + k]!;
  return out;
}
