import { Option, type Command } from 'commander';
import { DEFAULTS } from '../api/options.js';
import { BACKEND_CHOICES, type BackendChoice } from '../backend/select.js';
import { usageError } from '../errors.js';
import type { SensitivityDomain } from '../eval/sensitivity.js';
import type { ImportanceNorm } from '../winograd/importance.js';

/**
 * Every command-line option, declared once (vitest's cli-config idea): its flags, help text,
 * parser and default. The keys are the API's option names (src/api/options.ts), so a
 * command's parsed options are the API's options as they are; a message that names an option
 * (`opt('lr')`) is shown with its flag from this table.
 */
export interface OptionValues {
  out: string;
  data: string;
  mean: number[];
  std: number[];
  limit: number;
  batchSize: number;
  resize: number;
  crop: number;
  strict: boolean;
  workers: number;
  backend: BackendChoice;
  json: string;
  html: string;
  tile: number;
  schedule: number[];
  sparsity: number;
  layers: string;
  skipFirst: boolean;
  targetsFrom: string;
  maxDrop: number;
  thresholdMode: 'layer' | 'global';
  epochs: number | number[];
  lr: number | number[];
  momentum: number;
  weightDecay: number;
  optimizer: 'sgd' | 'adam';
  lrSchedule: string;
  seed: number;
  augment: boolean;
  resume: boolean;
  importance: boolean;
  importanceNorm: ImportanceNorm;
  importancePower: number;
  importanceGain: number;
  expand: string;
  pruneOthers: number;
  domain: SensitivityDomain | 'both';
  levels: number[];
  history: string[];
  threads: number;
  engine: 'builtin' | 'torch';
  nproc: number;
  nnodes: string;
  nodeRank: number;
  rdzvEndpoint: string;
  rdzvBackend: string;
  rdzvId: string;
  masterAddr: string;
  masterPort: number;
  python: string;
  profile: number | true;
}

export type OptionName = keyof OptionValues;

interface OptionSpec<T> {
  readonly flags: string;
  readonly description: string;
  /** The values allowed (commander checks them and lists them in --help); parse converts after. */
  readonly choices?: readonly string[];
  readonly parse?: (value: string) => T;
  readonly default?: T;
  readonly required?: boolean;
}

const positiveInt =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw usageError(`${flag} expects a positive integer, got "${value}"`);
    return n;
  };

const nonNegativeInt =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw usageError(`${flag} expects a non-negative integer, got "${value}"`);
    return n;
  };

const finiteNumber =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw usageError(`${flag} expects a number, got "${value}"`);
    return n;
  };

/** A comma-separated list of finite numbers, e.g. "0.2,0.4,0.6". */
const numberList =
  (flag: string) =>
  (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.some((s) => s === '') || nums.some((n) => !Number.isFinite(n))) {
      throw usageError(`${flag} expects comma-separated numbers such as 0.5,0.6, got "${value}"`);
    }
    return nums;
  };

const list = (xs: readonly number[]) => xs.join(',');

const OPTIONS: { readonly [K in OptionName]: OptionSpec<OptionValues[K]> } = {
  out: { flags: '-o, --out <file>', description: 'output model (same format as the input)', required: true },
  data: {
    flags: '--data <kind:path>',
    description:
      'dataset: fashion-mnist:DIR, mnist:DIR, cifar10:DIR, cifar100:DIR, imagefolder:DIR (train/<class>/, val/<class>/), npz:FILE (or a folder of .npy)',
    required: true,
  },
  mean: {
    flags: '--mean <v,..>',
    description: "input normalisation mean (default: the dataset kind's usual)",
    parse: numberList('--mean'),
  },
  std: { flags: '--std <v,..>', description: "input normalisation std (default: the dataset kind's usual)", parse: numberList('--std') },
  limit: {
    flags: '--limit <n>',
    description: 'use only the first n examples (image folders: n spread over all classes)',
    parse: positiveInt('--limit'),
  },
  batchSize: {
    flags: '--batch-size <n>',
    description: 'examples per batch',
    parse: positiveInt('--batch-size'),
    default: DEFAULTS.batchSize,
  },
  resize: {
    flags: '--resize <n>',
    description: 'image folders: shorter side after resizing, for evaluation (default crop x 256/224)',
    parse: positiveInt('--resize'),
  },
  crop: { flags: '--crop <n>', description: "image folders: crop size (default the model's input size)", parse: positiveInt('--crop') },
  strict: { flags: '--strict', description: 'image folders: stop at an unreadable image instead of skipping it' },
  workers: {
    flags: '--workers <n>',
    description: 'image folders: decoding threads (0: the main thread; default the cores beside training, 1 to 4)',
    parse: nonNegativeInt('--workers'),
  },
  backend: {
    flags: '--backend <name>',
    description: 'compute backend; auto prefers the native one',
    choices: BACKEND_CHOICES,
    default: DEFAULTS.backend,
  },
  json: { flags: '--json <file>', description: 'write machine-readable results to this JSON file' },
  html: { flags: '--html <file>', description: 'also write a self-contained HTML page' },
  tile: {
    flags: '--tile <T>',
    description: 'Winograd input tile: 4 = F(2x2,3x3), 6 = F(4x4,3x3), 8 = F(6x6,3x3) / F(4x4,5x5)',
    choices: ['4', '6', '8'],
    parse: Number,
    default: DEFAULTS.tile,
  },
  schedule: { flags: '--schedule <s1,s2,..>', description: 'target Winograd-domain sparsity per stage', parse: numberList('--schedule') },
  sparsity: { flags: '--sparsity <s>', description: 'a single stage with this target', parse: finiteNumber('--sparsity') },
  layers: { flags: '--layers <glob>', description: 'prune only convolutions whose node name matches (e.g. "*conv*")' },
  skipFirst: { flags: '--skip-first', description: 'do not prune the first candidate convolution' },
  targetsFrom: { flags: '--targets-from <sens.json>', description: 'per-layer targets allocated from swprune sensitivity --json curves' },
  maxDrop: {
    flags: '--max-drop <points>',
    description: 'with --targets-from: largest predicted top-1 drop per layer, in points',
    parse: finiteNumber('--max-drop'),
    default: DEFAULTS.maxDrop,
  },
  thresholdMode: {
    flags: '--threshold-mode <mode>',
    description: 'one importance threshold per layer, or one for all layers',
    choices: ['layer', 'global'],
    default: DEFAULTS.thresholdMode,
  },
  epochs: {
    flags: '--epochs <n,..>',
    description: 'retraining epochs per stage: one value for all stages, or one per stage',
    parse: numberList('--epochs'),
    default: DEFAULTS.epochs,
  },
  lr: {
    flags: '--lr <x,..>',
    description: 'learning rate: one value for all stages, or one per stage',
    parse: numberList('--lr'),
    default: DEFAULTS.lr,
  },
  momentum: { flags: '--momentum <x>', description: 'SGD momentum', parse: finiteNumber('--momentum'), default: DEFAULTS.momentum },
  weightDecay: {
    flags: '--weight-decay <x>',
    description: 'weight decay (L2, coupled)',
    parse: finiteNumber('--weight-decay'),
    default: DEFAULTS.weightDecay,
  },
  optimizer: { flags: '--optimizer <name>', description: 'optimizer', choices: ['sgd', 'adam'], default: DEFAULTS.optimizer },
  lrSchedule: {
    flags: '--lr-schedule <s>',
    description: 'constant, cosine or step:EVERY:GAMMA, over each stage',
    default: DEFAULTS.lrSchedule,
  },
  seed: {
    flags: '--seed <n>',
    description: 'random seed (shuffling, augmentation)',
    parse: nonNegativeInt('--seed'),
    default: DEFAULTS.seed,
  },
  augment: { flags: '--no-augment', description: 'no augmentation (CIFAR: random crop + flip; image folders: random-resized crop + flip)' },
  resume: { flags: '--resume', description: 'continue from the checkpoint next to -o' },
  importance: { flags: '--no-importance', description: 'plain magnitude ranking and unscaled gradients (for comparison)' },
  importanceNorm: {
    flags: '--importance-norm <norm>',
    description: "Γ as computed (none) or scaled so min Γ = 1 (min, the authors' setting)",
    choices: ['none', 'min'],
    default: DEFAULTS.importanceNorm,
  },
  importancePower: {
    flags: '--importance-power <p>',
    description: 'scale the gradient of W[i][j] by Γ[i][j]^-p',
    parse: finiteNumber('--importance-power'),
    default: DEFAULTS.importancePower,
  },
  importanceGain: {
    flags: '--importance-gain <g>',
    description:
      'multiply that gradient scale by g (with p = 2: the rate every Winograd position retrains at; default with p = 2: 8 for F(2x2,3x3), 64 for larger tiles; else 1)',
    parse: finiteNumber('--importance-gain'),
  },
  expand: { flags: '--expand <file>', description: 'also write the model as standard ONNX ops (runs in any ONNX runtime)' },
  pruneOthers: {
    flags: '--prune-others <fraction>',
    description:
      'beyond the paper: also zero this fraction (0 to <1) of the smallest weights of every other convolution (stem, strided, 1x1; not grouped), per layer, held through the retraining; reported apart',
    parse: finiteNumber('--prune-others'),
  },
  domain: {
    flags: '--domain <d>',
    description: 'spatial-structured (step 1), Winograd-domain (step 2) or both',
    choices: ['spatial', 'winograd', 'both'],
    default: DEFAULTS.domain,
  },
  levels: { flags: '--levels <s1,s2,..>', description: 'sparsity levels', parse: numberList('--levels'), default: [...DEFAULTS.levels] },
  profile: {
    flags: '--profile [images]',
    description: 'also time each step of the network and sum the time by kind of kernel, for calls of this many images (default: 1 and 64)',
    parse: positiveInt('--profile'),
  },
  threads: {
    flags: '--threads <n>',
    description:
      "threads of swprune's compute: its kernels on the wasm backend and the runtime (default: $SWPRUNE_THREADS, else the cores available)",
    parse: positiveInt('--threads'),
  },
  engine: {
    flags: '--engine <name>',
    description: 'what retrains: the built-in engine, or PyTorch under torchrun (python3 with torch; docs/scale.md)',
    choices: ['builtin', 'torch'],
    default: DEFAULTS.engine,
  },
  nproc: {
    flags: '--nproc <n>',
    description: '--engine torch: processes on this machine (default: its CUDA devices, else 1)',
    parse: positiveInt('--nproc'),
  },
  nnodes: {
    flags: '--nnodes <n>',
    description: "--engine torch: machines (torchrun's --nnodes, N or MIN:MAX); run the same command on each",
  },
  nodeRank: {
    flags: '--node-rank <n>',
    description: "--engine torch: this machine's rank (torchrun's --node_rank)",
    parse: nonNegativeInt('--node-rank'),
  },
  rdzvEndpoint: { flags: '--rdzv-endpoint <host:port>', description: "--engine torch: rendezvous endpoint (torchrun's --rdzv_endpoint)" },
  rdzvBackend: { flags: '--rdzv-backend <name>', description: "--engine torch: rendezvous backend (torchrun's --rdzv_backend, e.g. c10d)" },
  rdzvId: { flags: '--rdzv-id <id>', description: "--engine torch: rendezvous id (torchrun's --rdzv_id)" },
  masterAddr: {
    flags: '--master-addr <host>',
    description: "--engine torch: node 0's address for the static rendezvous (torchrun's --master_addr)",
  },
  masterPort: {
    flags: '--master-port <port>',
    description: "--engine torch: node 0's port for the static rendezvous (torchrun's --master_port)",
    parse: positiveInt('--master-port'),
  },
  python: {
    flags: '--python <path>',
    description: '--engine torch: the Python interpreter that imports torch (default: $SWPRUNE_PYTHON, python3 on PATH, /usr/bin/python3)',
  },
  history: {
    flags: '--history <a.json,..>',
    description:
      'the --json logs of the spatial/winograd runs that made the model, in order: the HTML charts accuracy against sparsity by stage',
    parse: (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
  },
};

/** Per-command changes to an option's help text or default (e.g. the training batch size). */
export type OptionOverrides = { readonly [K in OptionName]?: Partial<Pick<OptionSpec<OptionValues[K]>, 'description' | 'default'>> };

/** Adds the named options to a command, in the given order. */
export function addOptions(cmd: Command, names: readonly OptionName[], overrides: OptionOverrides = {}): Command {
  for (const name of names) {
    const spec = { ...OPTIONS[name], ...overrides[name] } as OptionSpec<unknown>;
    const option = new Option(spec.flags, spec.description);
    if (spec.choices) option.choices(spec.choices);
    if (spec.parse) {
      const check = spec.choices ? option.parseArg! : (v: string) => v;
      const parse = spec.parse;
      option.argParser((value: string, previous: unknown) => parse(check(value, previous) as string));
    }
    if (spec.default !== undefined) option.default(spec.default, Array.isArray(spec.default) ? list(spec.default as number[]) : undefined);
    if (spec.required) option.makeOptionMandatory();
    cmd.addOption(option);
  }
  return cmd;
}

/** How the CLI spells an option the core names: its short flag if it has one, else its long flag. */
export function flagOf(name: string): string {
  const spec = (OPTIONS as Record<string, OptionSpec<unknown> | undefined>)[name];
  if (!spec) return name;
  const flags = spec.flags.split(/[ ,]+/).filter((f) => f.startsWith('-'));
  const short = flags.find((f) => !f.startsWith('--'));
  // `--no-x` options are named after what they turn off; the message means the flag.
  return short ?? flags[0]!;
}

/** Option groups, in the order --help lists them. */
export const PRUNE_OPTIONS = [
  'out',
  'tile',
  'schedule',
  'sparsity',
  'layers',
  'skipFirst',
  'targetsFrom',
  'maxDrop',
] as const satisfies readonly OptionName[];
export const DATA_OPTIONS = [
  'data',
  'mean',
  'std',
  'limit',
  'batchSize',
  'resize',
  'crop',
  'strict',
  'workers',
] as const satisfies readonly OptionName[];
export const TRAINING_OPTIONS = [
  'epochs',
  'lr',
  'momentum',
  'weightDecay',
  'optimizer',
  'lrSchedule',
  'seed',
  'augment',
  'resume',
] as const satisfies readonly OptionName[];
export const ENGINE_OPTIONS = [
  'engine',
  'nproc',
  'nnodes',
  'nodeRank',
  'rdzvEndpoint',
  'rdzvBackend',
  'rdzvId',
  'masterAddr',
  'masterPort',
  'python',
] as const satisfies readonly OptionName[];
export const COMMON_OPTIONS = ['backend', 'threads', 'json'] as const satisfies readonly OptionName[];

/** Options commander always fills in (mandatory ones). */
type RequiredOption = 'out' | 'data';

/** A command's parsed options: the API's option names and types. */
export type ParsedOptions<K extends OptionName> = Pick<OptionValues, K & RequiredOption> &
  Partial<Pick<OptionValues, Exclude<K, RequiredOption>>>;

/** The options commander parsed for a command (their types are the table's: each parser ran). */
export const parsedOptions = <K extends OptionName>(cmd: Command): ParsedOptions<K> => cmd.opts() as ParsedOptions<K>;

export const formatList = list;
