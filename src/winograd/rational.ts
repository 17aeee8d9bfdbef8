/**
 * Exact rational numbers over BigInt, just enough to build Winograd matrices without rounding:
 * the Cook-Toom construction divides by products of point differences, and float64 would
 * leave entries like 0.16666666666666666 that no longer cancel exactly.
 */
export interface Rational {
  readonly num: bigint;
  /** Always > 0; num/den in lowest terms. */
  readonly den: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};

/** num/den in lowest terms with a positive denominator. */
export function rational(num: bigint | number, den: bigint | number = 1n): Rational {
  let n = BigInt(num);
  let d = BigInt(den);
  if (d === 0n) throw new RangeError('rational: zero denominator');
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { num: n / g, den: d / g };
}

/** The exact rational value of a float64 that is a dyadic fraction or an integer (e.g. 0.5, -2). */
export function fromNumber(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`fromNumber: ${x} is not finite`);
  let den = 1n;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    den *= 2n;
  }
  return rational(BigInt(v), den);
}

export const ZERO = rational(0);
export const ONE = rational(1);

export const add = (a: Rational, b: Rational) => rational(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Rational, b: Rational) => rational(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Rational, b: Rational) => rational(a.num * b.num, a.den * b.den);
export const div = (a: Rational, b: Rational) => rational(a.num * b.den, a.den * b.num);
export const neg = (a: Rational) => rational(-a.num, a.den);
export const isZero = (a: Rational) => a.num === 0n;
export const eq = (a: Rational, b: Rational) => a.num === b.num && a.den === b.den;
export const toNumber = (a: Rational) => Number(a.num) / Number(a.den);

/** a^k for a non-negative integer k. */
export function pow(a: Rational, k: number): Rational {
  let r = ONE;
  for (let i = 0; i < k; i++) r = mul(r, a);
  return r;
}

export type RationalMatrix = Rational[][];

export const toNumbers = (m: RationalMatrix): number[][] => m.map((row) => row.map(toNumber));
