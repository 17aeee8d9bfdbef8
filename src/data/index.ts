/** Datasets on disk: parsing `--data`, readers, normalisation and streaming batches. */
export {
  parseDataSpec,
  loadDataset,
  checkDataFitsModel,
  DATASET_KINDS,
  type Dataset,
  type DataSpec,
  type DatasetKind,
  type LoadOptions,
  type ModelShape,
} from './dataset.js';
export { MemorySplit, type Batch, type BatchOptions, type DataSplit, type ImageShape } from './split.js';
export { FolderSplit } from './folder-split.js';
export type { SkippedImage } from './batch-job.js';
