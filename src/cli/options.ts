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

/** `--data`, `--mean`, `--std`, `--limit`, `--batch-size`: which examples, normalised how. */
export function addDataOptions(cmd: Command, defaults: { batchSize: number }): Command {
  return cmd
    .requiredOption('--data <kind:path>', 'dataset: fashion-mnist:DIR, mnist:DIR, cifar10:DIR, cifar100:DIR')
    .option('--mean <v,..>', 'input normalisation mean (default: the dataset kind\'s usual)', numberList('--mean'))
    .option('--std <v,..>', 'input normalisation std (default: the dataset kind\'s usual)', numberList('--std'))
    .option('--limit <n>', 'use only the first n examples', positiveInt('--limit'))
    .option('--batch-size <n>', 'examples per batch', positiveInt('--batch-size'), defaults.batchSize);
}
