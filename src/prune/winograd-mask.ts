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
  for (let k = 0; k < w.length; k++) {
    if (w[k] === 0) {
      mask[k] = 0;
      zeros++;
    }
  }
  const need = want - zeros;
  if (need <= 0) return mask;
  // Scores of the nonzero weights, in index order; the need-th smallest is the cut. Everything
  // below it goes, and of the weights scoring exactly the cut the lowest indices, so ties go
  // by index. (Selecting the cut, not sorting indices by score: 9.3M weights took 7.6 s.)
  const live = new Int32Array(w.length - zeros);
  const score = new Float64Array(live.length);
  for (let k = 0, n = 0; k < w.length; k++) {
    if (w[k] === 0) continue;
    live[n] = k;
    score[n++] = Math.abs(w[k]!) * flat[k % T2]!;
  }
  const cut = nthSmallest(score.slice(), need - 1);
  let ties = need;
  for (let n = 0; n < score.length; n++) if (score[n]! < cut) ties--;
  for (let n = 0; n < score.length; n++) {
    if (score[n]! < cut) mask[live[n]!] = 0;
    else if (score[n] === cut && ties > 0) {
      mask[live[n]!] = 0;
      ties--;
    }
  }
  return mask;
}

/** The k-th smallest value (k from 0) of `a`, which it reorders: quickselect, linear on average. */
export function nthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // Median of three as the pivot, then Hoare's partition.
    const mid = (lo + hi) >> 1;
    const pivot = Math.max(Math.min(a[lo]!, a[mid]!), Math.min(Math.max(a[lo]!, a[mid]!), a[hi]!));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Per-position gradient scale gain · Γ[i][j]^(-p) (docs/method.md: the authors use p = 1.5 with Γ
 * scaled so min Γ = 1, gain 1). `power` 0 and gain 1 mean no scaling.
 */
export function gradientScale(gamma: readonly (readonly number[])[], power: number, gain = 1): number[] {
  return gamma.flat().map((g) => gain * g ** -power);
}
