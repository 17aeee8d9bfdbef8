import { CommanderError } from 'commander';
import { SwpruneError } from '../errors.js';
import { buildProgram } from './program.js';
import { cliText } from './render-events.js';
import type { Streams } from './streams.js';

/** Exit codes: 0 success, 1 a failed run (bad input, divergence, I/O), 2 bad usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The global flag that shows an internal error's stack trace (also SWPRUNE_DEBUG=1). */
const DEBUG_FLAG = '--debug';

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code.
 * Every error is one line `swprune: error[CODE]: message`: errors the user can act on with
 * their code, anything else (a bug) as E_INTERNAL with a request to report it; its stack
 * trace follows only with --debug (anywhere before `--`) or SWPRUNE_DEBUG=1.
 */
export async function runCli(argv: readonly string[], streams: Streams): Promise<number> {
  const debug = debugRequested(argv, process.env);
  const end = optionsEnd(argv);
  const args = argv.filter((a, i) => !(i < end && a === DEBUG_FLAG));
  const program = buildProgram(streams);
  try {
    await program.parseAsync(args, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    return reportError(err, streams, debug);
  }
}

const optionsEnd = (argv: readonly string[]) => (argv.includes('--') ? argv.indexOf('--') : argv.length);

/** True when --debug stands among the options (before `--`) or SWPRUNE_DEBUG=1. */
export function debugRequested(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  return argv.slice(0, optionsEnd(argv)).includes(DEBUG_FLAG) || env.SWPRUNE_DEBUG === '1';
}

/** The text an unexpected exception prints: one E_INTERNAL line, then the stack only when debugging. */
export function internalErrorText(err: unknown, debug: boolean): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const first = (e.message || e.name).split('\n')[0]!.trim();
  const hint = debug ? '' : ` (rerun with ${DEBUG_FLAG} for the stack trace)`;
  const line = `swprune: error[E_INTERNAL]: ${first}; this is a bug in swprune, please report it with the command line${hint}\n`;
  return debug ? `${line}${e.stack ?? e.message}\n` : line;
}

function reportError(err: unknown, streams: Streams, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help/version text).
    const printedHelpOrVersion =
      err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    return printedHelpOrVersion ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof SwpruneError) {
    streams.stderr.write(`swprune: error[${err.code}]: ${cliText(err.parts).replace(/\s*\n\s*/g, ' ')}\n`);
    return err.code === 'E_USAGE' ? EXIT.usage : EXIT.failure;
  }
  streams.stderr.write(internalErrorText(err, debug));
  return EXIT.failure;
}
