import type { Command } from 'commander';
import { addOptions, parsedOptions, type OptionName, type OptionOverrides, type ParsedOptions } from './options.js';
import type { Streams } from './streams.js';

/**
 * A subcommand: its argument, its options (names from the option table, src/cli/options.ts)
 * and what it runs — one function of the API, then its result printed. Each lives in its own
 * module under src/cli/commands/; src/cli/commands.ts lists them.
 */
export interface CommandSpec<K extends OptionName> {
  readonly name: string;
  readonly description: string;
  readonly argument: { readonly name: string; readonly description: string };
  readonly options: readonly K[];
  /** Command lines a user can paste, shown at the end of the command's --help. */
  readonly examples: readonly string[];
  readonly overrides?: OptionOverrides;
  readonly run: (model: string, opts: ParsedOptions<K>, streams: Streams) => Promise<void>;
}

export type RegisterCommand = (program: Command, streams: Streams) => Command;

export function defineCommand<K extends OptionName>(spec: CommandSpec<K>): RegisterCommand {
  return (program, streams) => {
    const cmd = program.command(spec.name).description(spec.description).argument(spec.argument.name, spec.argument.description);
    addOptions(cmd, spec.options, spec.overrides);
    cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}\n`).join('')}`);
    return cmd.action(async (model: string) => spec.run(model, parsedOptions<K>(cmd), streams));
  };
}
