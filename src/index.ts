/**
 * swprune's programmatic API: what the CLI calls, for scripts and tests.
 */
export { VERSION } from './version.js';
export { SwpruneError, type ErrorCode } from './errors.js';
export { runCli, EXIT } from './cli/run.js';
export { type CliIO, type TextSink, BufferSink, bufferIO } from './cli/io.js';
export type { WinogradTile } from './winograd/tiles.js';
