#!/usr/bin/env node
/**
 * The `auxbus` command: dispatches to one verb file per verb through the table in verbs.ts.
 * Any error that is not a DriverModelError is a bug; it is reported without a stack trace
 * unless AUXBUS_DEBUG is set, and exits 2. A reader that goes away (`auxbus … | head -1`:
 * EPIPE) ends the command quietly; any other I/O error on stdout/stderr is one line, exit 2.
 */
import { processIo } from './io.js';
import { runCli } from './verbs.js';

function onStreamError(stream: 'stdout' | 'stderr') {
  return (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    if (stream === 'stdout') {
      try {
        process.stderr.write(`auxbus: cannot write to ${stream}: ${e.code ?? e.message}\n`);
      } catch {
        // stderr is gone too: nothing left to tell.
      }
    }
    process.exit(2);
  };
}
process.stdout.on('error', onStreamError('stdout'));
process.stderr.on('error', onStreamError('stderr'));
process.on('uncaughtException', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  process.stderr.write(`auxbus: internal error: ${e.message}\n`);
  if (process.env.AUXBUS_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
  process.exit(2);
});

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
