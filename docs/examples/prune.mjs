// Prunes a model from JavaScript with swprune's API: step 1, step 2 and the report.
//
//   node prune.mjs MODEL DATA OUT_DIR        e.g. node prune.mjs model.onnx fashion-mnist:data out
import { runReport, runSpatial, runWinograd } from 'swprune';

const [model, data, outDir] = process.argv.slice(2);
const quick = { data, epochs: 1, limit: 256, batchSize: 64 };

// Events arrive while a command runs; this script keeps one line per stage.
const log = (event) => {
  if (event.kind === 'backend') console.log(event.backend.description);
  if (event.kind === 'stage-done') {
    const { stage, winogradSparsity, accuracy } = event.log;
    console.log(
      `stage ${stage}/${event.stages}: Winograd sparsity ${(100 * winogradSparsity).toFixed(1)}%, top-1 ${(100 * accuracy.top1).toFixed(2)}%`,
    );
  }
};

const spatial = await runSpatial({ ...quick, model, out: `${outDir}/spatial.onnx`, sparsity: 0.5 }, log);
const winograd = await runWinograd({ ...quick, model: spatial.out, out: `${outDir}/winograd.onnx`, sparsity: 0.6 }, log);
const report = await runReport({ model: winograd.out, data, out: `${outDir}/model.swb`, json: `${outDir}/report.json` }, log);

console.log(`baseline top-1 ${(100 * spatial.baseline.top1).toFixed(2)}%`);
console.log(
  `pruned: Winograd sparsity ${(100 * report.overall.winogradSparsity).toFixed(1)}%, top-1 from the bundle ${(100 * report.accuracy.top1).toFixed(2)}%`,
);
console.log(
  `multiplications per image: ${report.overall.network.direct} direct, ${report.overall.network.sparseWinograd} with sparse Winograd`,
);
