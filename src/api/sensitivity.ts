import { msg, opt, usageError } from '../errors.js';
import { hasWinogradConv } from '../graph/ir.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeJson } from '../io/json.js';
import { selectTargets } from '../prune/targets.js';
import { renderSensitivityHtml } from '../report/sensitivity-html.js';
import { analyseSensitivity, type SensitivityDomain, type SensitivityReport } from '../eval/sensitivity.js';
import { ignoreEvents, type EventSink } from './events.js';
import { openModelAndData, output, startCompute } from './open.js';
import { DEFAULTS, type CommonOptions, type DataOptions } from './options.js';

export interface SensitivityOptions extends DataOptions, CommonOptions {
  /** ONNX file or TensorFlow.js model.json (or a Winograd-form ONNX, domain 'winograd'). */
  readonly model: string;
  readonly tile?: number;
  /** Spatial-structured (step 1), Winograd-domain (step 2) or both. */
  readonly domain?: SensitivityDomain | 'both';
  /** Increasing sparsity levels between 0 and 1. */
  readonly levels?: readonly number[];
  readonly layers?: string;
  readonly skipFirst?: boolean;
  /** Also write an HTML page with one curve per layer. */
  readonly html?: string;
  /**
   * Accepted as `spatial` and `winograd` take it, so one set of options serves every step.
   * Sensitivity retrains nothing (one-shot pruning, then evaluation): with 'torch' a note says
   * that its evaluations run in swprune's executor, as with 'builtin' (docs/scale.md).
   */
  readonly engine?: 'builtin' | 'torch';
}

export type { SensitivityReport } from '../eval/sensitivity.js';

/** `sensitivity`: one-shot per-layer pruning curves in one or both domains. */
export async function runSensitivity(opts: SensitivityOptions, sink: EventSink = ignoreEvents): Promise<SensitivityReport> {
  const levels = opts.levels ?? DEFAULTS.levels;
  const tile = opts.tile ?? DEFAULTS.tile;
  const domain = opts.domain ?? DEFAULTS.domain;
  if (levels.length === 0 || levels.some((l) => !(l > 0 && l < 1)) || levels.some((l, i) => i > 0 && l <= levels[i - 1]!)) {
    throw usageError(msg`${opt('levels')} must be increasing sparsities between 0 and 1 (e.g. 0.2,0.4,0.6), got ${levels.join(',')}`);
  }
  const { loaded, dataset } = openModelAndData(opts, sink, () => [
    output('json', opts.json, 'the JSON result'),
    output('html', opts.html, 'the HTML page'),
  ]);
  const winogradForm = hasWinogradConv(loaded.graph);
  const domains: SensitivityDomain[] = domain === 'both' ? ['spatial', 'winograd'] : [domain];
  if (winogradForm && domains.includes('spatial')) {
    throw usageError(msg`${opts.model} is in Winograd form (no spatial weights); use ${opt('domain')} winograd`);
  }
  if (opts.engine === 'torch') {
    sink({
      kind: 'note',
      message: [
        ...msg`sensitivity retrains nothing, so ${opt('engine')} torch has no stage to run: its one-shot evaluations run in swprune's executor (${opt('backend')}), as with the built-in engine`,
      ],
    });
  } else if (opts.engine !== undefined && opts.engine !== 'builtin') {
    throw usageError(msg`${opt('engine')} must be builtin or torch, got ${opts.engine}`);
  }
  const targets = winogradForm ? [] : selectTargets(loaded.graph, { ...opts, tile });
  const backend = await startCompute(loaded, opts, sink);
  const result = await analyseSensitivity({
    graph: loaded.graph,
    targets,
    domains,
    levels,
    dataset,
    limit: opts.limit,
    batchSize: opts.batchSize ?? DEFAULTS.batchSize,
    sink,
  });
  const report: SensitivityReport = {
    command: 'sensitivity',
    model: opts.model,
    data: opts.data,
    tile,
    testExamples: dataset.test.size(opts.limit),
    backend: backend.name,
    ...result,
  };
  if (opts.json) writeJson(opts.json, report);
  if (opts.html) writeFileAtomic(opts.html, new TextEncoder().encode(renderSensitivityHtml(report)));
  return report;
}
