/**
 * Step 2 of spatial-Winograd pruning (docs/method.md), pure math on one Winograd layer's weights
 * W in ONNX layout [Cout, Cin, T, T] (position p = i*T + j is the index modulo T*T).
 *
 * Ranking: zero the weights with the smallest |W[i][j]| * Γ[i][j] until the layer's fraction
 * of zeros reaches the target; weights already zero count and stay zero.
 */
export function winogradMask(w: Float32Array, gamma: readonly (readonly number[])[], target: number): Uint8Array {
  const T = gamma.length;
  const T2 = T * T;
  const flat = gamma.flat();
  const mask = new Uint8Array(w.length).fill(1);
  const want = Math.min(w.length, Math.round(target * w.length));
  let zeros = 0;
  const live: number[] = [];
  for (let k = 0; k < w.length; k++) {
    if (w[k] === 0) {
      mask[k] = 0;
      zeros++;
    } else live.push(k);
  }
  if (zeros >= want) return mask;
  const score = (k: number) => Math.abs(w[k]!) * flat[k % T2]!;
  live.sort((a, b) => score(a) - score(b) || a - b);
  for (let n = 0; n < want - zeros; n++) mask[live[n]!] = 0;
  return mask;
}

/**
 * Per-position gradient scale Γ[i][j]^(-p) (docs/method.md: the authors use p = 1.5 with Γ scaled
 * so min Γ = 1). `power` 0 means no scaling.
 */
export function gradientScale(gamma: readonly (readonly number[])[], power: number): number[] {
  return gamma.flat().map((g) => g ** -power);
}
