/**
 * Normalisation as torchvision computes it in float32: `ToTensor` (pixel / 255) then
 * `Normalize` ((x - mean) / std), every step rounded to float32, so a normalised pixel is the
 * same float PyTorch feeds its model.
 */

/** (pixel/255 - mean)/std with float32 rounding at each step, for a pixel value 0..255. */
function normalisePixel(v: number, mean: number, std: number): number {
  const f = Math.fround;
  return f(f(f(v / 255) - f(mean)) / f(std));
}

/** One 256-entry table per channel: pixel value -> normalised float32. */
export function normaliseTables(mean: readonly number[], std: readonly number[]): Float32Array[] {
  return mean.map((m, c) => Float32Array.from({ length: 256 }, (_, v) => normalisePixel(v, m, std[c]!)));
}

/** Float data (already 0..1 or any scale): (x - mean)/std in float32. */
export function normaliseFloat(x: number, mean: number, std: number): number {
  const f = Math.fround;
  return f(f(f(x) - f(mean)) / f(std));
}
