import { readFileSync, statSync } from 'node:fs';
import { msg, opt, usageError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/** Writes a JSON result file (pretty, trailing newline) atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reads a JSON file the user passed with `option` (e.g. a sensitivity result); a missing,
 * unreadable or malformed file is a one-line usage error naming the option.
 */
export function readJson(path: string, option: string): unknown {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usageError(msg`${opt(option)}: cannot read ${path} (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw usageError(msg`${opt(option)}: ${path} is not JSON (${(e as Error).message})`);
  }
}
