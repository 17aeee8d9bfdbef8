import type { Dataset } from '../data/dataset.js';
import { evaluate } from './evaluate.js';
import type { ProgressSink } from './progress.js';
import { compileGraph, type CompiledModel } from '../exec/compile.js';
import { hasWinogradConv, type Graph } from '../graph/ir.js';
import { applyMask, chooseThreshold } from '../prune/spatial-mask.js';
import type { PruneTarget } from '../prune/targets.js';
import { toWinogradGraph } from '../prune/to-winograd.js';
import { winogradMask } from '../prune/winograd-mask.js';
import { winogradTargets } from '../prune/targets.js';
import { importanceFactor } from '../winograd/importance.js';

export type SensitivityDomain = 'spatial' | 'winograd';

/** One cell: the layer pruned one-shot to `sparsity` (achieved: what its discrete groups allowed). */
export interface SensitivityLevel {
  readonly sparsity: number;
  readonly achieved: number;
  readonly top1: number;
  readonly top5: number;
  readonly loss: number;
}

export interface SensitivityLayer {
  readonly name: string;
  readonly domain: SensitivityDomain;
  /** Winograd weights of the layer (Cout·Cin·T²). */
  readonly size: number;
  readonly levels: readonly SensitivityLevel[];
}

export interface SensitivityResult {
  readonly baseline: { readonly top1: number; readonly top5: number; readonly loss: number };
  readonly layers: readonly SensitivityLayer[];
}

/** The result of `sensitivity` (what `--json` writes, docs/json.md); read back by `targetsFrom`. */
export interface SensitivityReport extends SensitivityResult {
  readonly command: 'sensitivity';
  readonly model: string;
  readonly data: string;
  readonly tile: number;
  readonly testExamples: number;
  readonly backend: string;
}

export interface SensitivityRun {
  /** The input model: spatial (Conv candidates in `targets`) or already in Winograd form. */
  readonly graph: Graph;
  readonly targets: readonly PruneTarget[];
  readonly domains: readonly SensitivityDomain[];
  readonly levels: readonly number[];
  readonly dataset: Dataset;
  readonly limit?: number;
  readonly batchSize: number;
  readonly sink?: ProgressSink;
}

/** A layer's one-shot pruning at a level: the masked parameter and the Winograd sparsity reached. */
type Pruning = (level: number) => { data: Float32Array; achieved: number };

interface Subject {
  readonly name: string;
  readonly weight: string;
  readonly size: number;
  readonly prune: Pruning;
}

/**
 * Per layer and level: prune only that layer one-shot (spatial-structured, docs/method.md step 1,
 * or Winograd-domain by |W|·Γ, step 2), evaluate, restore. One compiled model per domain and
 * one data pipeline serve every cell; the baseline is measured once.
 */
export async function analyseSensitivity(run: SensitivityRun): Promise<SensitivityResult> {
  const plans: { domain: SensitivityDomain; graph: Graph; subjects: Subject[] }[] = [];
  const spatialForm = !hasWinogradConv(run.graph);
  if (run.domains.includes('spatial'))
    plans.push({ domain: 'spatial', graph: run.graph, subjects: run.targets.map((t) => spatialSubject(run.graph, t)) });
  if (run.domains.includes('winograd')) {
    const graph = spatialForm ? toWinogradGraph(run.graph, run.targets) : run.graph;
    plans.push({ domain: 'winograd', graph, subjects: winogradTargets(graph).map((t) => winogradSubject(graph, t)) });
  }
  const total = plans.reduce((s, p) => s + p.subjects.length, 0) * run.levels.length;
  const score = async (model: CompiledModel) => {
    const r = await evaluate(model, run.dataset.test, { batchSize: run.batchSize, limit: run.limit });
    return { top1: r.accuracy.top1, top5: r.accuracy.top5, loss: r.loss };
  };
  let baseline: SensitivityResult['baseline'] | undefined;
  const layers: SensitivityLayer[] = [];
  let done = 0;
  for (const plan of plans) {
    const model = compileGraph(plan.graph);
    try {
      baseline ??= await score(model);
      for (const s of plan.subjects) {
        const original = plan.graph.params.get(s.weight)!.data as Float32Array;
        const levels = [];
        for (const level of run.levels) {
          const { data, achieved } = s.prune(level);
          assign(model, s.weight, data);
          const r = await score(model);
          done++;
          run.sink?.({ kind: 'progress', task: { kind: 'sensitivity' }, done, total, finished: done === total });
          levels.push({ sparsity: level, achieved, ...r });
        }
        assign(model, s.weight, original);
        layers.push({ name: s.name, domain: plan.domain, size: s.size, levels });
      }
    } finally {
      model.dispose();
    }
  }
  return { baseline: baseline!, layers };
}

/** Sets parameter `name` of the compiled model to `data` (ONNX layout). */
function assign(model: CompiledModel, name: string, data: Float32Array): void {
  const value = model.toExecLayout(name, data);
  model.variables.get(name)!.assign(value);
  value.dispose();
}

function spatialSubject(graph: Graph, t: PruneTarget): Subject {
  const g = graph.params.get(t.weight)!.data as Float32Array;
  const layer = { tile: t.tile, g, cout: t.cout, cin: t.cin };
  return {
    name: t.node.name,
    weight: t.weight,
    size: t.cout * t.cin * t.tile.T * t.tile.T,
    prune: (level) => {
      const choice = chooseThreshold([layer], level);
      return { data: applyMask(g, choice.masks[0]!), achieved: choice.winogradSparsity };
    },
  };
}

function winogradSubject(graph: Graph, t: ReturnType<typeof winogradTargets>[number]): Subject {
  const w = graph.params.get(t.weight)!.data as Float32Array;
  const gamma = importanceFactor(t.tile, { norm: 'none' });
  return {
    name: t.node.name,
    weight: t.weight,
    size: w.length,
    prune: (level) => {
      const mask = winogradMask(w, gamma, level);
      const data = w.map((v, i) => (mask[i] ? v : 0));
      return { data, achieved: mask.reduce((z, m) => z + (m ? 0 : 1), 0) / w.length };
    },
  };
}
