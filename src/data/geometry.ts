/**
 * The geometry of torchvision's standard image transforms (torchvision 0.14 on PIL images),
 * as pure integer arithmetic: which output size `Resize(n)` gives, where `CenterCrop` cuts,
 * which box `RandomResizedCrop` draws. Pixels are not touched here (see resample.ts).
 */

/** A rectangle of pixels: top-left corner and size. May reach outside the image (zero padding). */
export interface Box {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** Python's round(): halves go to the even neighbour (round(16.5) = 16, round(17.5) = 18). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * `Resize(short)`: the shorter side becomes `short`, the longer one
 * `int(short * long / short_in)` (truncated, as torchvision computes it).
 */
export function resizedSize(height: number, width: number, short: number): { height: number; width: number } {
  const [s, l] = width <= height ? [width, height] : [height, width];
  const long = Math.trunc((short * l) / s);
  return width <= height ? { height: long, width: short } : { height: short, width: long };
}

/**
 * `CenterCrop(h, w)`: top = round((H - h) / 2), left = round((W - w) / 2) with Python's
 * rounding. A crop larger than the image is centred on it with zero padding, the extra pixel
 * of an odd difference going to the bottom/right (torchvision pads left (w - W) // 2).
 */
export function centerCropBox(height: number, width: number, cropHeight: number, cropWidth: number): Box {
  const axis = (size: number, crop: number) => (crop > size ? -Math.floor((crop - size) / 2) : roundHalfEven((size - crop) / 2));
  return { top: axis(height, cropHeight), left: axis(width, cropWidth), height: cropHeight, width: cropWidth };
}

/** `RandomResizedCrop`'s defaults: area fraction and aspect-ratio range. */
export const RRC_SCALE: readonly [number, number] = [0.08, 1];
export const RRC_RATIO: readonly [number, number] = [3 / 4, 4 / 3];

/**
 * `RandomResizedCrop.get_params`: up to 10 tries of area = A * U(scale), aspect ratio =
 * exp(U(log ratio)), w = round(sqrt(area * ratio)), h = round(sqrt(area / ratio)); the first
 * that fits gets a uniform position. Otherwise the central crop at the nearest allowed ratio.
 * `random` gives uniform [0, 1) numbers (the draws differ from torch's generator; the
 * distribution is the same).
 */
export function randomResizedCropBox(
  height: number,
  width: number,
  random: () => number,
  scale: readonly [number, number] = RRC_SCALE,
  ratio: readonly [number, number] = RRC_RATIO,
): Box {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * random());
    const aspect = Math.exp(logLo + (logHi - logLo) * random());
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = Math.floor(random() * (height - h + 1));
      const left = Math.floor(random() * (width - w + 1));
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(...ratio)) h = roundHalfEven(w / Math.min(...ratio));
  else if (inRatio > Math.max(...ratio)) w = roundHalfEven(h * Math.max(...ratio));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}
