import type { Command } from 'commander';
import type { CliIO } from './io.js';
import { evalCommand } from './commands/eval.js';
import { inspectCommand } from './commands/inspect.js';
import { reportCommand } from './commands/report.js';
import { sensitivityCommand } from './commands/sensitivity.js';
import { spatialCommand } from './commands/spatial.js';
import { winogradCommand } from './commands/winograd.js';

/**
 * A subcommand: adds itself to the program and returns the sub-Command it created.
 * The table below is the single list of subcommands; each lives in its own module under
 * src/cli/commands/ and only parses options and calls one function of the core API.
 */
export type RegisterCommand = (program: Command, io: CliIO) => Command;

export const COMMANDS: readonly RegisterCommand[] = [inspectCommand, evalCommand, spatialCommand, winogradCommand, reportCommand, sensitivityCommand];
