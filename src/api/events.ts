import type { BackendInfo } from '../backend/select.js';
import type { Accuracy } from '../eval/evaluate.js';
import type { Message } from '../errors.js';
import type { TrainingEvent } from '../train/events.js';

/**
 * Everything a command reports while it runs, as data: the training layer's events (progress,
 * stages, checkpoints) and the command's own. Pass an `EventSink` to a command to watch it;
 * the CLI renders these as progress lines, notes and tables. Messages name options by their API
 * name (see Message in src/errors.ts).
 */
export type SwpruneEvent =
  | TrainingEvent
  | { readonly kind: 'backend'; readonly backend: BackendInfo }
  /** Something the user should know that does not stop the command. */
  | { readonly kind: 'warning'; readonly message: Message }
  | { readonly kind: 'note'; readonly message: Message }
  /** `winograd`: the input's convolutions were converted; test top-1 before and after. */
  | { readonly kind: 'converted'; readonly layers: number; readonly tile: string; readonly input: Accuracy; readonly converted: Accuracy }
  /** A file other than the main output was written (e.g. the standard-ONNX expansion). */
  | { readonly kind: 'wrote'; readonly path: string; readonly what: string };

export type EventSink = (event: SwpruneEvent) => void;

/** A sink that ignores everything (the default). */
export const ignoreEvents: EventSink = () => {};
