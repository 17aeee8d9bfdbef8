import { CommanderError } from 'commander';
import { SwpruneError } from '../errors.js';
import { buildProgram } from './program.js';
import { cliText } from './render-events.js';
import type { Streams } from './streams.js';

/** Exit codes: 0 success, 1 a failed run (bad input, divergence, I/O), 2 bad usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code.
 * Errors the user can act on print as one line `swprune: error[CODE]: message`; anything
 * else is a bug and prints its stack so it can be reported.
 */
export async function runCli(argv: readonly string[], streams: Streams): Promise<number> {
  const program = buildProgram(streams);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    return reportError(err, streams);
  }
}

function reportError(err: unknown, streams: Streams): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help/version text).
    const printedHelpOrVersion =
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help';
    return printedHelpOrVersion ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof SwpruneError) {
    streams.stderr.write(`swprune: error[${err.code}]: ${cliText(err.parts)}\n`);
    return err.code === 'E_USAGE' ? EXIT.usage : EXIT.failure;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  streams.stderr.write(`swprune: internal error (please report it): ${e.stack ?? e.message}\n`);
  return EXIT.failure;
}
