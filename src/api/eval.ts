import { evaluate, type EvalResult } from '../eval/evaluate.js';
import { compileGraph } from '../exec/compile.js';
import { writeJson } from '../io/json.js';
import { ignoreEvents, type EventSink } from './events.js';
import { openModelAndData, output, startCompute } from './open.js';
import { DEFAULTS, type CommonOptions, type DataOptions } from './options.js';

export interface EvalOptions extends DataOptions, CommonOptions {
  /** ONNX file, or TensorFlow.js model.json (or its folder). */
  readonly model: string;
}

/** The result of `eval` (what `--json` writes, docs/json.md). */
export interface EvalReport extends EvalResult {
  readonly model: string;
  readonly data: string;
  readonly backend: string;
  readonly seconds: number;
}

/** `eval`: top-1/top-5 accuracy and loss of a model on the test split. */
export async function runEval(opts: EvalOptions, sink: EventSink = ignoreEvents): Promise<EvalReport> {
  const { loaded, dataset } = openModelAndData(opts, sink, () => [output('json', opts.json, 'the JSON result')]);
  const backend = await startCompute(loaded, opts, sink);
  const model = compileGraph(loaded.graph);
  try {
    const start = performance.now();
    const result = await evaluate(model, dataset.test, {
      batchSize: opts.batchSize ?? DEFAULTS.batchSize,
      limit: opts.limit,
      progress: { task: { kind: 'evaluate', subject: 'test' }, sink },
    });
    const report: EvalReport = {
      ...result,
      model: opts.model,
      data: opts.data,
      backend: backend.name,
      seconds: (performance.now() - start) / 1000,
    };
    if (opts.json) writeJson(opts.json, report);
    return report;
  } finally {
    model.dispose();
  }
}
