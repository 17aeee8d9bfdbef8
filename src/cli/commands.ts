import { evalCommand } from './commands/eval.js';
import { inspectCommand } from './commands/inspect.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { sensitivityCommand } from './commands/sensitivity.js';
import { spatialCommand } from './commands/spatial.js';
import { winogradCommand } from './commands/winograd.js';
import type { RegisterCommand } from './define-command.js';

/** The subcommands, in the order --help lists them. */
export const COMMANDS: readonly RegisterCommand[] = [
  inspectCommand,
  evalCommand,
  spatialCommand,
  winogradCommand,
  reportCommand,
  runCommand,
  sensitivityCommand,
];
