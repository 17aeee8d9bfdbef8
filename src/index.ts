/**
 * swprune's programmatic API: each command is a function taking typed options and an optional
 * event sink, returning its typed result (what `--json` writes). The CLI (src/cli/, the `swprune`
 * binary) is one user of it.
 * docs/api.md shows a script that prunes a model from JavaScript.
 */
export { VERSION } from './version.js';
export { SwpruneError, messageText, type ErrorCode, type Message, type OptionRef } from './errors.js';

// Commands.
export { runInspect, type InspectOptions } from './api/inspect.js';
export { runEval, type EvalOptions, type EvalReport } from './api/eval.js';
export { runSpatial, type SpatialOptions, type SpatialReport } from './api/spatial.js';
export { runWinograd, type WinogradOptions, type WinogradReport } from './api/winograd.js';
export { runReport, type ReportOptions, type Report } from './api/report.js';
export { runBundle, type RunOptions, type RunResult, type RuntimeSpeed } from './api/run.js';
export { runSensitivity, type SensitivityOptions, type SensitivityReport } from './api/sensitivity.js';
export {
  DEFAULTS,
  type CommonOptions,
  type DataOptions,
  type ImportanceOptions,
  type PruneOptions,
  type TrainingOptions,
} from './api/options.js';
export { ignoreEvents, type EventSink, type SwpruneEvent } from './api/events.js';
export type { ProgressEvent, ProgressTask } from './eval/progress.js';
export type { StageLog, TrainingEvent } from './train/events.js';
export type { Accuracy } from './eval/evaluate.js';
export type { LayerSparsity } from './prune/pruner.js';
export type { InspectReport, LayerInfo } from './report/layer-table.js';

// Models and bundles.
export { loadModel, saveModel } from './io/load.js';
export type { Graph, GraphNode, LoadedModel, Param } from './graph/ir.js';
export { readBundle, type LoadedBundle } from './bundle/read.js';
// The deployment runtime (also alone, without TensorFlow.js: swprune/runtime).
export { loadBundle, loadBundleFile, type Runtime } from './runtime/index.js';
export { getTile, listTiles, type WinogradTile } from './winograd/tiles.js';
