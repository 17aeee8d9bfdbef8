import type { Graph, GraphNode } from '../graph/ir.js';
import type { Pruner } from './pruner.js';
import { chooseTargets } from './targets.js';
import { zeroCount } from '../winograd/winograd-weight.js';
import { winogradMask } from './winograd-mask.js';

/**
 * Beyond the paper (docs/method.md, "The other convolutions"): magnitude pruning of the
 * convolutions step 2 does not take — a network's stem, strided and 1x1 convolutions — so the
 * runtime's sparse direct convolution can run them. Their spatial weights are ranked by |g|
 * layer by layer and held at zero through the same retraining as the Winograd layers'.
 */

/** A convolution pruned by magnitude beside the Winograd layers: its node and weight [Cout, Cin, kh, kw]. */
export interface OtherConv {
  readonly node: GraphNode;
  readonly weight: string;
}

/** One such layer's figures as written to JSON (docs/json.md `othersPruned`). */
export interface OtherLayerZeros {
  readonly name: string;
  /** Weights of the layer (Cout·Cin·kh·kw). */
  readonly weights: number;
  /** Exact zeros among them. */
  readonly zeros: number;
}

/**
 * The convolutions of `graph` (after step 2's conversion) that are not Winograd layers and that
 * step 2 could not make one with `--tile` T: every `Conv` with a constant 4-D weight and group
 * 1 whose kernel, stride or dilation has no Winograd form (candidates.ts), or whose kernel has
 * no tile of that T. Candidates left spatial by `--layers`/`--skip-first` are not among them
 * (the user kept them out of pruning); grouped and depthwise convolutions are skipped.
 */
export function otherConvolutions(graph: Graph, tile: number): OtherConv[] {
  const winogradCapable = new Set(chooseTargets(graph, { tile }).map((t) => t.node));
  const seen = new Set<string>();
  return graph.nodes.flatMap((node) => {
    const weight = node.inputs[1];
    if (node.op !== 'Conv' || weight === undefined || winogradCapable.has(node) || seen.has(weight)) return [];
    if ((node.attrs.group ?? 1) !== 1 || graph.params.get(weight)?.dims.length !== 4) return [];
    seen.add(weight);
    return [{ node, weight }];
  });
}

/**
 * `inner` with the others' masks added: at a stage whose Winograd target is `target`, each
 * other layer's |g| smallest weights are zeroed until round(f·n) of its n weights are zero,
 * f = fraction · target / finalTarget (the others follow the schedule's stages and reach
 * `fraction` at the last one; zeros already there count and stay zero, ties go by index).
 * Their gradients are scaled by the mask alone; `inner`'s masks, gradient scales and figures
 * are its own, unchanged.
 */
export function withOthersPruned(inner: Pruner, others: readonly OtherConv[], fraction: number, finalTarget: number): Pruner {
  return {
    prune(graph, target) {
      const chosen = inner.prune(graph, target);
      const masks = new Map(chosen.masks);
      const f = othersStageFraction(fraction, target, finalTarget);
      for (const o of others) masks.set(o.weight, winogradMask(graph.params.get(o.weight)!.data as Float32Array, [[1]], f));
      return { ...chosen, masks };
    },
    gradientScales: (masks) => inner.gradientScales(masks),
    figures: (graph, target) => inner.figures(graph, target),
  };
}

/** The others' fraction of zeros at a stage: `fraction` scaled as the stage's target is to the final one. */
export function othersStageFraction(fraction: number, target: number, finalTarget: number): number {
  return target >= finalTarget ? fraction : (fraction * target) / finalTarget;
}

/** Exact zeros of each other layer's weights in `graph`. */
export function othersFigures(graph: Graph, others: readonly OtherConv[]): OtherLayerZeros[] {
  return others.map((o) => {
    const g = graph.params.get(o.weight)!.data as Float32Array;
    return { name: o.node.name, weights: g.length, zeros: zeroCount(g) };
  });
}
