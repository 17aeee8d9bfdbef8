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

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
