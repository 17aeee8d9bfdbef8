import { compileGraph } from '../exec/compile.js';
import { inspectModel, type InspectReport } from '../report/layer-table.js';
import { loadModel } from '../io/load.js';
import { writeJson } from '../io/json.js';
import { startBackend } from '../cli/backend.js';
import type { BackendChoice } from '../backend/select.js';
import type { CliIO } from '../cli/io.js';
import { formatCount, formatTable } from '../cli/table.js';

export interface InspectOptions {
  readonly model: string;
  readonly backend: BackendChoice;
  readonly json?: string;
}

/** `swprune inspect`: the layer table (op, shapes, Winograd candidacy, params, MACs) and totals. */
export async function runInspect(opts: InspectOptions, io: CliIO): Promise<InspectReport> {
  const loaded = loadModel(opts.model);
  await startBackend(opts.backend, io.stderr);
  for (const w of loaded.warnings) io.stderr.write(`warning: ${w}\n`);
  const model = compileGraph(loaded.graph);
  try {
    const report = inspectModel(model);
    const rows = report.layers.map((l) => [
      l.name,
      l.op,
      `[${l.outputShape.join('x')}]`,
      l.winogradCandidate ? 'yes' : l.reason ? `no (${l.reason})` : '',
      formatCount(l.params),
      formatCount(l.macs),
    ]);
    io.stdout.write(
      formatTable(
        [{ header: 'layer' }, { header: 'op' }, { header: 'output' }, { header: 'winograd' }, { header: 'params', align: 'right' }, { header: 'MACs', align: 'right' }],
        rows,
      ),
    );
    const t = report.totals;
    io.stdout.write(
      `\n${report.layers.length} layers, ${formatCount(t.params)} parameters, ${formatCount(t.macs)} MACs per image; ` +
        `${t.winogradCandidates} Winograd candidates with ${formatCount(t.candidateMacs)} MACs (${((100 * t.candidateMacs) / Math.max(t.macs, 1)).toFixed(1)}%)\n`,
    );
    if (opts.json) writeJson(opts.json, { model: opts.model, format: loaded.format, ...report });
    return report;
  } finally {
    model.dispose();
  }
}
