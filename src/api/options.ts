import type { BackendChoice } from '../backend/select.js';
import type { ImportanceNorm } from '../winograd/importance.js';

/**
 * The options commands take, typed once: each interface is a group of options with the same
 * name and meaning wherever it appears, and DEFAULTS holds every default (the CLI shows these
 * in --help). Options left out take the default.
 */

/** Commands that compute. */
export interface CommonOptions {
  /** 'auto' prefers the native TensorFlow backend, then wasm. */
  readonly backend?: BackendChoice;
  /**
   * Threads of swprune's own compute: its kernels on the wasm backend (training and evaluation)
   * and the runtime that runs a bundle (default: SWPRUNE_THREADS, else the cores available).
   */
  readonly threads?: number;
  /** Also write the result as JSON to this file (docs/json.md). */
  readonly json?: string;
}

/** Commands that read a dataset. */
export interface DataOptions {
  /** `kind:PATH`, e.g. `fashion-mnist:DIR` (docs/cli.md lists the kinds). */
  readonly data: string;
  /** Input normalisation, one value or one per channel (default: the dataset kind's usual). */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Use only the first n examples of each split (image folders: n spread over the classes). */
  readonly limit?: number;
  readonly batchSize?: number;
  /** Image folders: shorter side after resizing, for evaluation (default crop * 256/224). */
  readonly resize?: number;
  /** Image folders: crop size (default the model's input size; 224 if it does not fix one). */
  readonly crop?: number;
  /** Image folders: stop at an unreadable image instead of skipping it with a warning. */
  readonly strict?: boolean;
  /** Image folders: decoding worker threads (0: the main thread; default the cores beside training, 1 to 4). */
  readonly workers?: number;
}

/** Retraining (`spatial`, `winograd`). */
export interface TrainingOptions {
  /** Epochs of retraining per stage: one value for all stages or one per stage. */
  readonly epochs?: number | readonly number[];
  /** Learning rate: one value for all stages or one per stage. */
  readonly lr?: number | readonly number[];
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly optimizer?: 'sgd' | 'adam';
  /** `constant`, `cosine` or `step:EVERY:GAMMA`, over each stage. */
  readonly lrSchedule?: string;
  readonly seed?: number;
  /** Random crops and flips where the dataset kind has them (CIFAR; image folders: random-resized crops). */
  readonly augment?: boolean;
  /** Continue from the checkpoint next to `out`. */
  readonly resume?: boolean;
}

/**
 * What retrains each stage (`spatial`, `winograd`): the built-in engine, or PyTorch under
 * torchrun (docs/scale.md). The launch options apply to the torch engine only.
 */
export interface EngineOptions {
  readonly engine?: 'builtin' | 'torch';
  /** Processes on this machine (default: its CUDA devices, else 1). */
  readonly nproc?: number;
  /** torchrun's multi-machine arguments, passed through: nodes (N or MIN:MAX), this node's rank, the rendezvous. */
  readonly nnodes?: string;
  readonly nodeRank?: number;
  readonly rdzvEndpoint?: string;
  readonly rdzvBackend?: string;
  readonly rdzvId?: string;
  readonly masterAddr?: string;
  readonly masterPort?: number;
  /** The Python interpreter that imports torch (default: $SWPRUNE_PYTHON, python3 on PATH, /usr/bin/python3). */
  readonly python?: string;
}

/** What to prune and how far (`spatial`, `winograd`). */
export interface PruneOptions {
  /** The output model (same format as the input; `winograd` writes ONNX). */
  readonly out: string;
  /** Winograd input tile T: 4 = F(2x2,3x3), 6 = F(4x4,3x3), 8 = F(6x6,3x3) / F(4x4,5x5). */
  readonly tile?: number;
  /** Target Winograd-domain sparsity per stage; or `sparsity` for one stage. */
  readonly schedule?: readonly number[];
  readonly sparsity?: number;
  /** Prune only convolutions whose node name matches this glob. */
  readonly layers?: string;
  /** Leave the first candidate convolution alone. */
  readonly skipFirst?: boolean;
  /** A sensitivity JSON: per-layer targets are allocated from its curves. */
  readonly targetsFrom?: string;
  /** With targetsFrom: the largest predicted top-1 drop per layer, in points. */
  readonly maxDrop?: number;
}

/** How step 2 ranks Winograd weights and scales their gradients (docs/method.md). */
export interface ImportanceOptions {
  /** False: plain magnitude ranking and unscaled gradients (for comparison). */
  readonly importance?: boolean;
  /** Γ as computed ('none') or scaled so min Γ = 1 ('min', the authors' setting). */
  readonly importanceNorm?: ImportanceNorm;
  /** The gradient of W[i][j] is scaled by gain · Γ[i][j]^-p. */
  readonly importancePower?: number;
  /**
   * The gain of that scale (docs/method.md: with p = 2 it sets the effective rate of every
   * position). Default with p = 2: per tile, defaultImportanceGain (8 for F(2x2,3x3), 64 for larger tiles); else 1.
   */
  readonly importanceGain?: number;
}

export const DEFAULTS = {
  backend: 'auto',
  engine: 'builtin',
  tile: 6,
  /** Evaluation-only commands; training commands use trainBatchSize. */
  batchSize: 256,
  trainBatchSize: 128,
  epochs: 1,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  optimizer: 'sgd',
  lrSchedule: 'cosine',
  seed: 1,
  augment: true,
  maxDrop: 1,
  schedule: { spatial: [0.2, 0.4, 0.5, 0.6], winograd: [0.75, 0.8, 0.85] },
  thresholdMode: 'layer',
  importance: true,
  importanceNorm: 'none',
  /** Chosen by the study in docs/results.md (issue 29), with the per-tile gain of winograd/importance.ts; docs/method.md says why. */
  importancePower: 2,
  domain: 'both',
  levels: [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
} as const;
