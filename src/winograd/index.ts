/** Pure Winograd mathematics: matrices, dependency sets, importance factors, counts. No tensors. */
export type { WinogradTile } from './tiles.js';
export { getTile, listTiles } from './tiles.js';
export { cookToom, type ExactMatrices } from './cook-toom.js';
export { dependencySet, dependencySets, type DependencySet } from './dependency-sets.js';
export { importanceFactor, importanceRowFactors, type ImportanceNorm } from './importance.js';
export { winogradKernel, winogradWeight, winogradSparsity } from './winograd-weight.js';
export { convMultiplications, type ConvMultiplications, type ConvShape } from './multiplications.js';
