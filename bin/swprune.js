#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` via the prepare script).
import { debugRequested, internalErrorText, runCli } from '../dist/cli/run.js';

// An exception that escapes runCli (a callback, a stream, a worker) is still one E_INTERNAL line.
const fatal = (err) => {
  process.stderr.write(internalErrorText(err, debugRequested(process.argv.slice(2), process.env)));
  process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

// A reader that goes away (`swprune run --help | head`) is not a failure of the command: what
// is left to print is dropped and the command goes on (a training run keeps writing its files).
const readerGone = (err) => err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';
for (const stream of [process.stdout, process.stderr]) stream.on('error', (err) => (readerGone(err) ? undefined : fatal(err)));

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
