import { centerCropBox, randomResizedCropBox, resizedSize, RRC_RATIO, RRC_SCALE, type Box } from './geometry.js';
import { resizeBilinear, type Image8 } from './resample.js';

/**
 * How one decoded image becomes a model input, in torchvision's terms:
 * - `resize-crop`: `Resize(resize)` (shorter side, bilinear, antialiased) then
 *   `CenterCrop((height, width))` — evaluation, and training with `--no-augment`;
 * - `random-crop`: `RandomResizedCrop((height, width), scale, ratio)` then
 *   `RandomHorizontalFlip()` — training.
 */
export type ImageTransform =
  | { readonly kind: 'resize-crop'; readonly resize: number; readonly height: number; readonly width: number }
  | {
      readonly kind: 'random-crop';
      readonly height: number;
      readonly width: number;
      readonly scale: readonly [number, number];
      readonly ratio: readonly [number, number];
    };

export const evalTransform = (resize: number, height: number, width: number): ImageTransform => ({
  kind: 'resize-crop',
  resize,
  height,
  width,
});
export const trainTransform = (height: number, width: number): ImageTransform => ({
  kind: 'random-crop',
  height,
  width,
  scale: RRC_SCALE,
  ratio: RRC_RATIO,
});

/** The transformed pixels (height x width of the transform) and whether to mirror them. */
export interface Transformed {
  readonly image: Image8;
  readonly flip: boolean;
}

/** Applies the transform; `random` (uniform [0, 1)) draws the crop box and the flip. */
export function applyTransform(img: Image8, t: ImageTransform, random: () => number): Transformed {
  if (t.kind === 'random-crop') {
    const box = randomResizedCropBox(img.height, img.width, random, t.scale, t.ratio);
    const image = resizeBilinear(img, box, t.height, t.width);
    return { image, flip: random() < 0.5 };
  }
  const size = resizedSize(img.height, img.width, t.resize);
  const box = centerCropBox(size.height, size.width, t.height, t.width);
  return { image: resizedCrop(img, size, box), flip: false };
}

/**
 * The `box` of the image resized to `size`, computing only the resized pixels inside the box;
 * a box reaching outside the resized image is zero-padded (torchvision's CenterCrop pads).
 */
function resizedCrop(img: Image8, size: { height: number; width: number }, box: Box): Image8 {
  const top = Math.max(0, box.top);
  const left = Math.max(0, box.left);
  const bottom = Math.min(size.height, box.top + box.height);
  const right = Math.min(size.width, box.left + box.width);
  const whole = { top: 0, left: 0, height: img.height, width: img.width };
  const inner = resizeBilinear(img, whole, size.height, size.width, { top, left, height: bottom - top, width: right - left });
  if (top === box.top && left === box.left && bottom - top === box.height && right - left === box.width) return inner;
  const C = img.channels;
  const out = new Uint8Array(box.height * box.width * C);
  const rowBytes = inner.width * C;
  for (let y = 0; y < inner.height; y++) {
    const at = ((top - box.top + y) * box.width + (left - box.left)) * C;
    out.set(inner.data.subarray(y * rowBytes, (y + 1) * rowBytes), at);
  }
  return { data: out, height: box.height, width: box.width, channels: C };
}

/**
 * Writes an 8-bit HWC image, mirrored left-right if `flip`, as normalised floats into `dst`
 * at `offset` through one 256-entry table per channel.
 */
export function writeNormalised(img: Image8, flip: boolean, tables: readonly Float32Array[], dst: Float32Array, offset: number): void {
  const { height: H, width: W, channels: C, data } = img;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const from = (y * W + (flip ? W - 1 - x : x)) * C;
      const to = offset + (y * W + x) * C;
      for (let c = 0; c < C; c++) dst[to + c] = tables[c]![data[from + c]!]!;
    }
  }
}
