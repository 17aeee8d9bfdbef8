import { msg, opt, usageError } from '../errors.js';
import { isWinogradConv, type Graph, type GraphNode } from '../graph/ir.js';
import { getTile } from '../winograd/tiles.js';
import type { WinogradTile } from '../winograd/tiles.js';
import { winogradCandidate } from './candidates.js';

/** A convolution swprune prunes: its node, weight parameter, shape and Winograd tile. */
export interface PruneTarget {
  readonly node: GraphNode;
  readonly weight: string;
  readonly cout: number;
  readonly cin: number;
  readonly tile: WinogradTile;
}

/** A WinogradConv layer being pruned: its node, weight W [Cout, Cin, T, T] and tile. */
export interface WinogradTarget {
  readonly node: GraphNode;
  readonly weight: string;
  readonly tile: WinogradTile;
}

export interface TargetOptions {
  /** Input tile size T (`--tile`). */
  readonly tile: number;
  /** `--layers <glob>`: node names matching it (`*` any run of characters, `?` one, `[...]` one of a set). */
  readonly layers?: string;
  /** `--skip-first`: leave the first candidate (often 1-3 input channels) alone. */
  readonly skipFirst?: boolean;
}

/**
 * A shell-style glob as a whole-string RegExp: `*` any run of characters, `?` one character,
 * `[abc]` / `[a-z]` one of a set, `[!abc]` one not in it; everything else (and a `[` with no
 * closing `]`) matches itself.
 */
export function globToRegExp(glob: string): RegExp {
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    const close = ch === '[' ? glob.indexOf(']', i + 2) : -1;
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (close > 0) {
      const set = glob.slice(i + 1, close);
      const negated = set.startsWith('!');
      const body = (negated ? set.slice(1) : set)
        .split(/(?<=.)-(?=.)/)
        .map(escape)
        .join('-');
      out += `[${negated ? '^' : ''}${body}]`;
      i = close;
    } else out += escapeRegExp(ch);
  }
  return new RegExp(`^${out}$`);
}

/**
 * The layers to prune: every Winograd candidate (candidates.ts) whose kernel size has a tile
 * of the chosen T, filtered by `--layers` and `--skip-first`. No target is a usage error.
 */
export function selectTargets(graph: Graph, opts: TargetOptions): PruneTarget[] {
  const targets = chooseTargets(graph, opts);
  if (targets.length === 0) {
    const names =
      spatialCandidates(graph)
        .map((n) => n.name)
        .join(', ') || 'none';
    const layers = opts.layers ? msg` matches ${opt('layers')} "${opts.layers}"` : [];
    throw usageError([
      ...msg`no convolution to prune`,
      ...layers,
      ...msg` with ${opt('tile')} ${opts.tile}; Winograd candidates in this model: ${names}`,
    ]);
  }
  return targets;
}

/** selectTargets' choice, possibly empty (a model whose candidates an earlier run already converted). */
export function chooseTargets(graph: Graph, opts: TargetOptions): PruneTarget[] {
  const pattern = opts.layers ? globToRegExp(opts.layers) : undefined;
  const candidates = spatialCandidates(graph);
  const chosen = (opts.skipFirst ? candidates.slice(1) : candidates).filter((n) => !pattern || pattern.test(n.name));
  return chosen.flatMap((node) => {
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
}

/** The convolutions still in spatial form that Winograd convolution can compute (candidates.ts). */
function spatialCandidates(graph: Graph): GraphNode[] {
  return graph.nodes.filter((n) => n.op === 'Conv' && winogradCandidate(n, graph).candidate);
}

/** The WinogradConv nodes of a graph as targets. */
export function winogradTargets(graph: Graph): WinogradTarget[] {
  return graph.nodes
    .filter(isWinogradConv)
    .map((node) => ({ node, weight: node.inputs[1]!, tile: getTile(node.attrs.tile as number, node.attrs.kernel as number) }));
}
