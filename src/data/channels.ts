import type { Image8 } from './resample.js';

/**
 * Converts a decoded image (1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA) to the model's
 * channel count with Pillow's `convert` rules, which torchvision's loader applies
 * (`Image.open(f).convert('RGB')`, `transforms.Grayscale()`):
 * - to RGB: grey is repeated, alpha is dropped (not composited);
 * - to grey: L = (299 R + 587 G + 114 B) / 1000 in Pillow's fixed point
 *   ((19595 R + 38470 G + 7471 B + 0x8000) >> 16);
 * - to RGBA: alpha kept, or 255 where there is none.
 * Returns undefined when `to` is not 1, 3 or 4 (no image converts to it).
 */
export function convertChannels(img: Image8, to: number): Image8 | undefined {
  const from = img.channels;
  if (from === to) return img;
  const read = READ[from];
  const write = WRITE[to];
  if (!read || !write) return undefined;
  const n = img.height * img.width;
  const out = new Uint8Array(n * to);
  const px = new Uint8Array(4);
  for (let p = 0; p < n; p++) {
    read(img.data, p * from, px);
    write(px, out, p * to);
  }
  return { data: out, height: img.height, width: img.width, channels: to };
}

/** Reads one pixel as RGBA. */
const READ: Record<number, (src: Uint8Array, at: number, rgba: Uint8Array) => void> = {
  1: (s, i, o) => {
    o[0] = o[1] = o[2] = s[i]!;
    o[3] = 255;
  },
  2: (s, i, o) => {
    o[0] = o[1] = o[2] = s[i]!;
    o[3] = s[i + 1]!;
  },
  3: (s, i, o) => {
    o[0] = s[i]!;
    o[1] = s[i + 1]!;
    o[2] = s[i + 2]!;
    o[3] = 255;
  },
  4: (s, i, o) => {
    o[0] = s[i]!;
    o[1] = s[i + 1]!;
    o[2] = s[i + 2]!;
    o[3] = s[i + 3]!;
  },
};

/** Writes one RGBA pixel in the target layout. */
const WRITE: Record<number, (rgba: Uint8Array, dst: Uint8Array, at: number) => void> = {
  1: (p, d, i) => {
    d[i] = (p[0]! * 19595 + p[1]! * 38470 + p[2]! * 7471 + 0x8000) >> 16;
  },
  3: (p, d, i) => {
    d[i] = p[0]!;
    d[i + 1] = p[1]!;
    d[i + 2] = p[2]!;
  },
  4: (p, d, i) => {
    d[i] = p[0]!;
    d[i + 1] = p[1]!;
    d[i + 2] = p[2]!;
    d[i + 3] = p[3]!;
  },
};
