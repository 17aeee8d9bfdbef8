/**
 * Progress of long loops (training epochs, test-set evaluation, sensitivity cells) as data;
 * front ends render it (the CLI: a progress line).
 */

/** What a progress event counts. */
export type ProgressTask =
  | { readonly kind: 'train'; readonly stage: number; readonly stages: number; readonly epoch: number; readonly epochs: number }
  /** Test-set evaluation of `subject` (e.g. 'baseline', 'pruned', 'retrained', 'bundle'), within a stage when given. */
  | { readonly kind: 'evaluate'; readonly subject: string; readonly stage?: number; readonly stages?: number }
  | { readonly kind: 'sensitivity' };

/** `done` of `total` examples (or cells) of a task; `finished` once, at the end. */
export interface ProgressEvent {
  readonly kind: 'progress';
  readonly task: ProgressTask;
  readonly done: number;
  readonly total: number;
  readonly finished: boolean;
  /** Training: the running mean loss and throughput. */
  readonly loss?: number;
  readonly examplesPerSecond?: number;
  /** Evaluation, when finished. */
  readonly top1?: number;
}

export type ProgressSink = (event: ProgressEvent) => void;
