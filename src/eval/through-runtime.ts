/**
 * Evaluation through the deployment runtime (src/runtime): the fastest inference path the
 * project has — one WebAssembly module for the whole network, dense 3x3 convolutions as
 * F(4x4,3x3) layers, a Winograd-form model's layers through the sparse kernels, worker threads
 * — for a model being trained: its current weights are planned into a runtime for the length
 * of one evaluation. Networks the runtime does not run return undefined (the executor
 * evaluates them).
 */
import { winogradLayers } from '../bundle/layers.js';
import { SwpruneError } from '../errors.js';
import type { CompiledModel } from '../exec/compile.js';
import type { Graph } from '../graph/ir.js';
import { loadGraph, RuntimeWorkers, type Runtime } from '../runtime/index.js';

/**
 * The worker threads of every evaluation in this process, started once: starting threads for
 * each evaluation cost more than the evaluation itself on small splits (`sensitivity` runs
 * dozens of 500-image evaluations). They do not keep the process alive.
 */
let shared: { count: number; workers: Promise<RuntimeWorkers> } | undefined;

function workersFor(threads: number): Promise<RuntimeWorkers> | undefined {
  if (threads < 2) return undefined;
  if (shared?.count !== threads - 1) {
    const old = shared;
    shared = { count: threads - 1, workers: RuntimeWorkers.start(threads - 1) };
    void old?.workers.then((w) => w.close());
  }
  return shared.workers;
}

/** The executor's `forward` gives logits: a trailing Softmax/LogSoftmax is left out here too. */
function logitsGraph(graph: Graph): Graph {
  const out = graph.outputs[0]!;
  const last = graph.nodes.find((n) => n.outputs.includes(out.name));
  if (!last || (last.op !== 'Softmax' && last.op !== 'LogSoftmax')) return graph;
  return { ...graph, nodes: graph.nodes.filter((n) => n !== last), outputs: [{ ...out, name: last.inputs[0]! }] };
}

/** A runtime for the model's current weights on `threads`, or undefined when the runtime cannot run the network (the caller closes it). */
export async function runtimeForModel(model: CompiledModel, threads: number): Promise<Runtime | undefined> {
  const graph = logitsGraph(model.toGraph());
  try {
    // Winograd layers reach the runtime as a bundle holds them (compressed rows per position),
    // built from the graph: encoding and decoding a bundle took 12 s for a VGG-nagadomi-sized model.
    const bundle = graph.nodes.some((n) => n.op === 'WinogradConv') ? winogradLayers(graph) : undefined;
    // Evaluation runs batches of many images: no team for single images (its plan would cost
    // memory for nothing), and its batches split between the threads without the race at load
    // that finds the smallest call worth splitting (it would run before every evaluation); each
    // layer's kernel by the size rules, not timed (the zeros change between evaluations).
    return await loadGraph(graph, bundle, { threads, workers: await workersFor(threads), team: false, split: 2, kernels: 'rules' });
  } catch (e) {
    if (e instanceof SwpruneError) return undefined;
    throw e;
  }
}
