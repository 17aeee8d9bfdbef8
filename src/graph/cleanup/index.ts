import type { Graph } from '../ir.js';
import { toCanonicalForms } from '../opset-forms.js';
import { constantsToParams } from './constants.js';
import { removeDeadCode } from './dead-code.js';
import { foldConstants } from './fold.js';
import { removeIdentities } from './identities.js';
import { foldShapeChains } from './shape-chains.js';
import { toInferenceGraph } from './training-graph.js';
import { unshareParameters } from './unshare.js';

export interface CleanedGraph {
  readonly graph: Graph;
  /** What the user should know (a training-mode export evaluated as an inference graph). */
  readonly warnings: readonly string[];
}

/**
 * The one clean-up pass every loaded model goes through before anything compiles it: pure
 * graph rewriting that turns what exporters write into one canonical form, computing the same
 * function. In order:
 *   1. Constant nodes -> params;
 *   2. attributes ONNX moved to inputs across opsets -> inputs (opset-forms.ts);
 *   3. a training-mode export's BatchNormalization/Dropout -> inference form (with a warning);
 *   4. nodes whose inputs are all constants folded (Identity of an initializer included);
 *   5. Identity nodes on activations removed;
 *   6. Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains of a value's own dimensions
 *      -> a constant Reshape;
 *   7. dead nodes and unused params removed;
 *   8. learned parameters used in several places unshared.
 * Idempotent: cleaning a cleaned graph changes nothing, so written models reload with the
 * same parameter names.
 */
export function cleanUpGraph(graph: Graph): CleanedGraph {
  let g = toCanonicalForms(constantsToParams(graph));
  const training = toInferenceGraph(g);
  g = foldConstants(training.graph);
  g = removeDeadCode(foldShapeChains(removeIdentities(g)));
  g = unshareParameters(g);
  return { graph: g, warnings: training.warning ? [training.warning] : [] };
}
