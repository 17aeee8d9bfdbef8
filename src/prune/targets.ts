import { usageError } from '../errors.js';
import type { Graph, GraphNode } from '../graph/ir.js';
import { getTile } from '../winograd/tiles.js';
import type { WinogradTile } from '../winograd/tile.js';
import { winogradCandidate } from './candidates.js';

/** A convolution swprune prunes: its node, weight parameter, shape and Winograd tile. */
export interface PruneTarget {
  readonly node: GraphNode;
  readonly weight: string;
  readonly cout: number;
  readonly cin: number;
  readonly tile: WinogradTile;
}

export interface TargetOptions {
  /** Input tile size T (`--tile`). */
  readonly tile: number;
  /** `--layers <glob>`: node names matching it (`*` any run of characters, `?` one). */
  readonly layers?: string;
  /** `--skip-first`: leave the first candidate (often 1-3 input channels) alone. */
  readonly skipFirst?: boolean;
}

const globToRegExp = (glob: string) =>
  new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/**
 * The layers to prune: every Winograd candidate (candidates.ts) whose kernel size has a tile
 * of the chosen T, filtered by `--layers` and `--skip-first`. No target is a usage error.
 */
export function selectTargets(graph: Graph, opts: TargetOptions): PruneTarget[] {
  const pattern = opts.layers ? globToRegExp(opts.layers) : undefined;
  const candidates = graph.nodes.filter((n) => n.op === 'Conv' && winogradCandidate(n, graph).candidate);
  const chosen = (opts.skipFirst ? candidates.slice(1) : candidates).filter((n) => !pattern || pattern.test(n.name));
  const targets = chosen.flatMap((node) => {
    const w = graph.params.get(node.inputs[1]!)!;
    const [cout, cin, r] = w.dims as [number, number, number];
    let tile: WinogradTile;
    try {
      tile = getTile(opts.tile, r);
    } catch {
      return []; // e.g. a 5x5 kernel with --tile 6: no F(m,5) with T = 6.
    }
    return [{ node, weight: w.name, cout, cin, tile }];
  });
  if (targets.length === 0) {
    const names = candidates.map((n) => n.name).join(', ') || 'none';
    throw usageError(`no convolution to prune${opts.layers ? ` matches --layers "${opts.layers}"` : ''} with --tile ${opts.tile}; Winograd candidates in this model: ${names}`);
  }
  return targets;
}
