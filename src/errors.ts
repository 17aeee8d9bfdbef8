/**
 * The few error classes swprune throws for bad input. Each has a stable `code` that scripts
 * can match; the message says what was expected, what was found and how to fix it, in one line.
 * The CLI prints `error[code]: message` and exits non-zero, never a stack trace.
 */
export type ErrorCode =
  | 'E_USAGE' // bad command-line option or combination
  | 'E_BACKEND' // a requested compute backend is not available
  | 'E_MODEL' // unreadable, corrupt or unsupported model file
  | 'E_UNSUPPORTED_OP' // model uses an op outside the op table
  | 'E_DATA' // dataset missing, malformed or not matching the model
  | 'E_TRAIN' // training diverged or cannot continue
  | 'E_IO' // a file could not be read or written
  | 'E_OUTPUT' // an output path is refused before any work: it is an input, another output, or cannot be written
  | 'E_ENGINE' // the torch engine cannot start (python3, torch or torchrun missing or too old) or one of its processes stopped
  | 'E_WORKER' // a worker thread of the runtime stopped (killed, out of memory) or stopped answering: the environment's failure, not the input's
  | 'E_INTERNAL'; // not the user's fault: a bug in swprune (the CLI prints the stack only with --debug)

/** A reference to an option of the API by its name (`lr`, `importancePower`, `out`). */
export interface OptionRef {
  readonly option: string;
}

/**
 * A message that may name options. The core names them by their API option name; a front end
 * spells them its own way (the CLI as flags: `lr` -> `--lr`, `out` -> `-o`), so no message in
 * the core depends on the command line.
 */
export type Message = readonly (string | OptionRef)[];

/** `opt('lr')`: an option reference inside `msg`. */
export const opt = (option: string): OptionRef => ({ option });

/** Tagged template building a Message: msg`${opt('lr')} must be positive, got ${lr}`. */
export function msg(strings: TemplateStringsArray, ...values: unknown[]): Message {
  const parts: (string | OptionRef)[] = [];
  strings.forEach((s, i) => {
    parts.push(s);
    if (i < values.length) {
      const v = values[i];
      parts.push(typeof v === 'object' && v !== null && 'option' in v ? (v as OptionRef) : String(v));
    }
  });
  return parts;
}

/** A message as text, each option spelled by `spell` (default: its API name). */
export function messageText(message: Message | string, spell: (option: string) => string = (o) => o): string {
  return typeof message === 'string' ? message : message.map((p) => (typeof p === 'string' ? p : spell(p.option))).join('');
}

export class SwpruneError extends Error {
  readonly code: ErrorCode;
  /** The message with its option references, for front ends that spell options their own way. */
  readonly parts: Message;
  constructor(code: ErrorCode, message: Message | string) {
    super(messageText(message));
    this.name = 'SwpruneError';
    this.code = code;
    this.parts = typeof message === 'string' ? [message] : message;
  }
}

export const usageError = (message: Message | string) => new SwpruneError('E_USAGE', message);
