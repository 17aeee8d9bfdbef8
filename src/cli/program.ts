import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { COMMANDS } from './commands.js';
import type { Streams } from './streams.js';

/**
 * Builds the commander program. Output goes to the given streams and commander never calls
 * process.exit: parse errors surface as CommanderError and runCli turns them into exit codes.
 */
export function buildProgram(streams: Streams): Command {
  const program = new Command('swprune')
    .description('Spatial-Winograd pruning: make CNNs sparse in the Winograd domain without changing the network.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Read by runCli before parsing (it may stand anywhere); declared here for --help.
    .option('--debug', 'on an internal error, print its stack trace (also SWPRUNE_DEBUG=1)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
    });
  for (const register of COMMANDS) {
    register(program, streams).exitOverride();
  }
  return program;
}

export { CommanderError };
