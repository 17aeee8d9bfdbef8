/**
 * The parameter table of the bench's random-weight nets: `param(name, dims, std)` adds a tensor
 * of normal draws (Box-Muller from the seeded generator) times `std` and returns its name.
 */
import type { Param } from '#src/graph/ir.js';
import { mulberry32 } from '#src/data/rng.js';

export function randomParams(seed: number): {
  params: Map<string, Param>;
  param: (name: string, dims: number[], std: number) => string;
} {
  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const params = new Map<string, Param>();
  const param = (name: string, dims: number[], std: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    params.set(name, { name, dims, data: Float32Array.from({ length: n }, () => normal() * std) });
    return name;
  };
  return { params, param };
}
