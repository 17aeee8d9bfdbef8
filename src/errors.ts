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
  | 'E_IO'; // a file could not be read or written

export class SwpruneError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'SwpruneError';
    this.code = code;
  }
}

export const usageError = (message: string) => new SwpruneError('E_USAGE', message);
