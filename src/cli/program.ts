import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import type { CliIO } from './io.js';
import { COMMANDS } from './commands.js';

/**
 * Builds the commander program. Output goes to the given streams and commander never calls
 * process.exit: parse errors surface as CommanderError and runCli turns them into exit codes.
 */
export function buildProgram(io: CliIO): Command {
  const program = new Command('swprune')
    .description(
      'Spatial-Winograd pruning: make CNNs sparse in the Winograd domain without changing the network.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  for (const register of COMMANDS) {
    register(program, io).exitOverride();
  }
  return program;
}

export { CommanderError };
