/**
 * Antialiased bilinear resizing of 8-bit images, computed exactly as Pillow's
 * `Image.resize(size, BILINEAR)` does (libImaging/Resample.c, which torchvision's `Resize` and
 * `RandomResizedCrop` call on PIL images): a triangle filter stretched by the downscale factor,
 * coefficients normalised and rounded to 22-bit fixed point, a horizontal pass into an 8-bit
 * intermediate (rounded and clipped), then a vertical pass. Same input, same bytes out — which is
 * what makes swprune's top-1 equal PyTorch's on the same files.
 */

/** An 8-bit image, pixels row-major with interleaved channels (HWC). */
export interface Image8 {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const CLIP_HIGH = 1 << (PRECISION_BITS + 8);

/** Per output position: the first input index, how many inputs, and their fixed-point weights. */
interface Coefficients {
  readonly first: Int32Array;
  readonly count: Int32Array;
  /** `kernelSize` weights per output position. */
  readonly weights: Int32Array;
  readonly kernelSize: number;
}

const triangle = (x: number) => {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
};

/**
 * Pillow's `precompute_coeffs` for the bilinear filter (support 1) followed by
 * `normalize_coeffs_8bpc`: output pixel i covers input [i*scale, (i+1)*scale) and weighs input
 * pixel x by triangle((x + 0.5 - centre) / max(scale, 1)), normalised to sum 1.
 */
function bilinearCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const ss = 1 / filterScale; // Pillow multiplies by the reciprocal: the same doubles
  const kernelSize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * kernelSize);
  const k = new Float64Array(kernelSize);
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(centre - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(centre + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = triangle((x + xmin - centre + 0.5) * ss);
      sum += k[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x]! / sum : k[x]!;
      weights[i * kernelSize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[i] = xmin;
    count[i] = xmax;
  }
  return { first, count, weights, kernelSize };
}

/** Fixed-point sum to 8 bits, as Pillow's clip8. */
const clip8 = (v: number) => (v >= CLIP_HIGH ? 255 : v <= 0 ? 0 : v >> PRECISION_BITS);

/** A rectangle of pixels: top-left corner and size. */
export interface Rect {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * Resizes the region `region` of `src` (which must lie inside it) to `outHeight x outWidth`, as
 * Pillow resizes `img.crop(region)`: the region's edges are the image's edges for the filter.
 * Only the pixels of `window` (a part of the resized image, all of it by default) are computed
 * — a centre crop after a resize needs no more — and they are the same bytes Pillow's full
 * resize has there. A pass whose size does not change is skipped, as in Pillow.
 */
export function resizeBilinear(src: Image8, region: Rect, outHeight: number, outWidth: number, window?: Rect): Image8 {
  const C = src.channels;
  const { top, left, height, width } = region;
  if (top < 0 || left < 0 || top + height > src.height || left + width > src.width || height < 1 || width < 1) {
    throw new RangeError(`resize region ${height}x${width}+${top}+${left} is outside the ${src.height}x${src.width} image`);
  }
  const win = window ?? { top: 0, left: 0, height: outHeight, width: outWidth };
  if (win.top < 0 || win.left < 0 || win.top + win.height > outHeight || win.left + win.width > outWidth) {
    throw new RangeError(`resize window ${win.height}x${win.width}+${win.top}+${win.left} is outside the ${outHeight}x${outWidth} output`);
  }
  const horiz = outWidth !== width ? bilinearCoefficients(width, outWidth) : undefined;
  const vert = outHeight !== height ? bilinearCoefficients(height, outHeight) : undefined;
  // Region rows the vertical pass reads (all rows of the window when there is no vertical pass).
  const rowFirst = vert ? vert.first[win.top]! : win.top;
  const rowEnd = vert ? vert.first[win.top + win.height - 1]! + vert.count[win.top + win.height - 1]! : win.top + win.height;
  const rows = rowEnd - rowFirst;
  const rowWidth = win.width * C;
  // Horizontal pass: `rows` rows of the window's columns, 8-bit (rounded and clipped).
  const mid = new Uint8Array(rows * rowWidth);
  if (horiz) {
    const { first, count, weights, kernelSize } = horiz;
    const data = src.data;
    for (let y = 0; y < rows; y++) {
      const srcRow = ((top + rowFirst + y) * src.width + left) * C;
      for (let x = 0; x < win.width; x++) {
        const ox = win.left + x;
        const n = count[ox]!;
        const wBase = ox * kernelSize;
        const o = y * rowWidth + x * C;
        const p0 = srcRow + first[ox]! * C;
        if (C === 3) {
          // RGB: the three channels' sums side by side, one pass over the taps.
          let a0 = HALF;
          let a1 = HALF;
          let a2 = HALF;
          for (let t = 0, p = p0; t < n; t++, p += 3) {
            const w = weights[wBase + t]!;
            a0 += data[p]! * w;
            a1 += data[p + 1]! * w;
            a2 += data[p + 2]! * w;
          }
          mid[o] = clip8(a0);
          mid[o + 1] = clip8(a1);
          mid[o + 2] = clip8(a2);
          continue;
        }
        // Any channel count: one channel at a time, the taps in a local sum (the same integer
        // sums as Pillow's loop).
        for (let c = 0; c < C; c++) {
          let acc = HALF;
          for (let t = 0, p = p0 + c; t < n; t++, p += C) acc += data[p]! * weights[wBase + t]!;
          mid[o + c] = clip8(acc);
        }
      }
    }
  } else {
    for (let y = 0; y < rows; y++) {
      const from = ((top + rowFirst + y) * src.width + left + win.left) * C;
      mid.set(src.data.subarray(from, from + rowWidth), y * rowWidth);
    }
  }
  if (!vert) return { data: mid, height: win.height, width: win.width, channels: C };
  // Vertical pass over the intermediate rows.
  const out = new Uint8Array(win.height * rowWidth);
  const { first, count, weights, kernelSize } = vert;
  for (let y = 0; y < win.height; y++) {
    const oy = win.top + y;
    const base = (first[oy]! - rowFirst) * rowWidth;
    const n = count[oy]!;
    const wBase = oy * kernelSize;
    const o = y * rowWidth;
    for (let i = 0; i < rowWidth; i++) {
      let acc = HALF;
      for (let t = 0, p = base + i; t < n; t++, p += rowWidth) acc += mid[p]! * weights[wBase + t]!;
      out[o + i] = clip8(acc);
    }
  }
  return { data: out, height: win.height, width: win.width, channels: C };
}
