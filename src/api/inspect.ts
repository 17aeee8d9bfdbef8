import { compileGraph } from '../exec/compile.js';
import { writeJson } from '../io/json.js';
import { loadModel } from '../io/load.js';
import { layerTable, type InspectReport } from '../report/layer-table.js';
import { ignoreEvents, type EventSink } from './events.js';
import { guardRun, output, startCompute } from './open.js';
import type { CommonOptions } from './options.js';

export interface InspectOptions extends CommonOptions {
  /** ONNX file, or TensorFlow.js model.json (or its folder). */
  readonly model: string;
}

/** `inspect`: the layer table (op, shapes, Winograd candidacy, params, MACs) and totals. */
export async function runInspect(opts: InspectOptions, sink: EventSink = ignoreEvents): Promise<InspectReport> {
  const loaded = loadModel(opts.model);
  guardRun(loaded, {}, [output('json', opts.json, 'the JSON result')]);
  await startCompute(loaded, opts, sink);
  const model = compileGraph(loaded.graph);
  try {
    const report = layerTable(model);
    if (opts.json) writeJson(opts.json, { model: opts.model, format: loaded.format, ...report });
    return report;
  } finally {
    model.dispose();
  }
}
