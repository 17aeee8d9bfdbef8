import type { BackendChoice } from '../backend/select.js';
import { startBackend } from '../cli/backend.js';
import type { CliIO } from '../cli/io.js';
import { createProgress } from '../cli/progress.js';
import { formatPercent } from '../cli/table.js';
import { openDataset, type DataFlags } from '../data/index.js';
import { evaluate, type EvalResult } from '../eval/evaluate.js';
import { compileGraph, imageInputShape } from '../exec/compile.js';
import { writeJson } from '../io/json.js';
import { loadModel } from '../io/load.js';

export interface EvalCommandOptions extends DataFlags {
  readonly model: string;
  readonly data: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly limit?: number;
  readonly batchSize: number;
  readonly backend: BackendChoice;
  readonly json?: string;
}

/** The fields of `swprune eval --json` (docs/json.md). */
export interface EvalReport extends EvalResult {
  readonly model: string;
  readonly data: string;
  readonly backend: string;
  readonly seconds: number;
}

/** `swprune eval`: top-1/top-5 accuracy and loss of a model on the test split. */
export async function runEval(opts: EvalCommandOptions, io: CliIO): Promise<EvalReport> {
  // Check everything the user passed before the (slow) work starts.
  const loaded = loadModel(opts.model);
  const classes = loaded.graph.outputs[0]?.dims.at(-1) ?? null;
  const dataset = openDataset(opts, { ...imageInputShape(loaded.graph), classes }, (l) => io.stderr.write(`${l}\n`));
  const backend = await startBackend(opts.backend, io.stderr);
  for (const w of loaded.warnings) io.stderr.write(`warning: ${w}\n`);
  const model = compileGraph(loaded.graph);
  try {
    const start = performance.now();
    const progress = createProgress(io.stderr, { label: 'eval', total: dataset.test.size(opts.limit) });
    const result = await evaluate(model, dataset.test, {
      batchSize: opts.batchSize,
      limit: opts.limit,
      onBatch: (done) => progress.update(done),
    });
    const seconds = (performance.now() - start) / 1000;
    progress.finish(`${(result.examples / seconds).toFixed(0)} ex/s`);
    io.stdout.write(
      `top-1 ${formatPercent(result.accuracy.top1)}  top-5 ${formatPercent(result.accuracy.top5)}  loss ${result.loss.toFixed(4)}  ` +
        `(${result.examples} test examples, ${seconds.toFixed(1)} s)\n`,
    );
    const report: EvalReport = { ...result, model: opts.model, data: opts.data, backend: backend.name, seconds };
    if (opts.json) writeJson(opts.json, report);
    return report;
  } finally {
    model.dispose();
  }
}
