import { Option, type Command } from 'commander';
import { usageError } from '../errors.js';

/**
 * The shared options (DESIGN.md): each is defined once here, so it has the same name,
 * meaning, default and validation in every subcommand that takes it.
 */

/** Parses a positive integer option value or throws a one-line usage error. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw usageError(`${name} expects a positive integer, got "${value}"`);
    return n;
  };
}

/** Parses a non-negative integer option value. */
export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw usageError(`${name} expects a non-negative integer, got "${value}"`);
    return n;
  };
}

/** Parses a finite number option value. */
export function finiteNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw usageError(`${name} expects a number, got "${value}"`);
    return n;
  };
}

/** Parses a comma-separated list of finite numbers, e.g. "0.2,0.4,0.6". */
export function numberList(name: string) {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.some((s) => s === '') || nums.some((n) => !Number.isFinite(n))) {
      throw usageError(`${name} expects comma-separated numbers such as 0.5,0.6, got "${value}"`);
    }
    return nums;
  };
}

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** `--backend auto|tensorflow|wasm|cpu`. */
export function addBackendOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--backend <name>', 'compute backend; auto prefers the native one')
      .choices(BACKEND_CHOICES)
      .default('auto'),
  );
}

/** `--json <file>`: machine-readable output (schemas in docs/json.md). */
export function addJsonOption(cmd: Command): Command {
  return cmd.option('--json <file>', 'write machine-readable results to this JSON file');
}

/**
 * `--data`, `--mean`, `--std`, `--limit`, `--batch-size`: which examples, normalised how; and
 * for image folders `--resize`, `--crop` (preprocessing), `--strict` (unreadable images stop the
 * run), `--workers` (decoding threads).
 */
export function addDataOptions(cmd: Command, defaults: { batchSize: number }): Command {
  return cmd
    .requiredOption('--data <kind:path>', 'dataset: fashion-mnist:DIR, mnist:DIR, cifar10:DIR, cifar100:DIR, imagefolder:DIR (train/<class>/, val/<class>/), npz:FILE (or a folder of .npy)')
    .option('--mean <v,..>', 'input normalisation mean (default: the dataset kind\'s usual)', numberList('--mean'))
    .option('--std <v,..>', 'input normalisation std (default: the dataset kind\'s usual)', numberList('--std'))
    .option('--limit <n>', 'use only the first n examples (image folders: n spread over all classes)', positiveInt('--limit'))
    .option('--batch-size <n>', 'examples per batch', positiveInt('--batch-size'), defaults.batchSize)
    .option('--resize <n>', 'image folders: shorter side after resizing, for evaluation (default crop x 256/224)', positiveInt('--resize'))
    .option('--crop <n>', 'image folders: crop size (default the model\'s input size)', positiveInt('--crop'))
    .option('--strict', 'image folders: stop at an unreadable image instead of skipping it')
    .option('--workers <n>', 'image folders: decoding threads (0: the main thread; default the cores beside training, 1 to 4)', nonNegativeInt('--workers'));
}

/** Training options shared by `spatial` and `winograd`. */
export function addTrainingOptions(cmd: Command): Command {
  return cmd
    .option('--epochs <n>', 'retraining epochs per stage', positiveInt('--epochs'), 1)
    .option('--lr <x>', 'learning rate', finiteNumber('--lr'), 0.01)
    .option('--momentum <x>', 'SGD momentum', finiteNumber('--momentum'), 0.9)
    .option('--weight-decay <x>', 'weight decay (L2, coupled)', finiteNumber('--weight-decay'), 5e-4)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam']).default('sgd'))
    .option('--lr-schedule <s>', 'constant, cosine or step:EVERY:GAMMA, over each stage', 'cosine')
    .option('--seed <n>', 'random seed (shuffling, augmentation)', nonNegativeInt('--seed'), 1)
    .option('--no-augment', 'no augmentation (CIFAR: random crop + flip; image folders: random-resized crop + flip)')
    .option('--resume', 'continue from the checkpoint next to -o');
}

/** Pruning-target options shared by `spatial` and `winograd`. */
export function addPruneOptions(cmd: Command, defaults: { schedule: string }): Command {
  return cmd
    .requiredOption('-o, --out <file>', 'output model (same format as the input)')
    .addOption(new Option('--tile <T>', 'Winograd input tile: 4 = F(2x2,3x3), 6 = F(4x4,3x3), 8 = F(6x6,3x3) / F(4x4,5x5)').choices(['4', '6', '8']).default('6'))
    .option('--schedule <s1,s2,..>', `target Winograd-domain sparsity per stage (default ${defaults.schedule})`, numberList('--schedule'))
    .option('--sparsity <s>', 'a single stage with this target', finiteNumber('--sparsity'))
    .option('--layers <glob>', 'prune only convolutions whose node name matches (e.g. "*conv*")')
    .option('--skip-first', 'do not prune the first candidate convolution')
    .option('--targets-from <sens.json>', 'per-layer targets allocated from swprune sensitivity --json curves')
    .option('--max-drop <points>', 'with --targets-from: largest predicted top-1 drop per layer, in points', finiteNumber('--max-drop'), 1);
}
