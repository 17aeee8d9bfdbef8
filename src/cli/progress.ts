import type { TextSink } from './streams.js';

/**
 * A progress line for long loops. On a terminal it rewrites one line in place; elsewhere (CI
 * logs, pipes) it prints a plain line at most every `logEvery` of the way, so logs stay short.
 */
export interface Progress {
  /** `done` of `total` units finished; `detail` is appended (e.g. "loss 0.31, 812 ex/s"). */
  update(done: number, detail?: string): void;
  /** Ends the line (prints the final state once). */
  finish(detail?: string): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  /** Fraction of the total between plain log lines when not a terminal. */
  readonly logEvery?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/** Formats seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function createProgress(sink: TextSink, opts: ProgressOptions): Progress {
  const now = opts.now ?? (() => performance.now() / 1000);
  const start = now();
  const width = 24;
  const logEvery = opts.logEvery ?? 0.25;
  let nextLog = logEvery;
  let last = '';
  const line = (done: number, detail?: string) => {
    const frac = opts.total > 0 ? Math.min(1, done / opts.total) : 1;
    const elapsed = now() - start;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : Number.NaN;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const tail = detail ? `  ${detail}` : '';
    return `${opts.label} [${bar}] ${done}/${opts.total} ${formatDuration(elapsed)} eta ${formatDuration(eta)}${tail}`;
  };
  return {
    update(done, detail) {
      if (sink.isTTY) {
        last = line(done, detail);
        sink.write(`\r\x1b[2K${last}`);
      } else if (opts.total > 0 && done / opts.total >= nextLog && done < opts.total) {
        while (done / opts.total >= nextLog) nextLog += logEvery;
        sink.write(`${line(done, detail)}\n`);
      }
    },
    finish(detail) {
      const text = line(opts.total, detail);
      sink.write(sink.isTTY ? `\r\x1b[2K${text}\n` : `${text}\n`);
    },
  };
}
