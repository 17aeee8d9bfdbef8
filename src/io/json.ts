import { writeFileAtomic } from './atomic.js';

/** Writes a JSON result file (pretty, trailing newline) atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
