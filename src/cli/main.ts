#!/usr/bin/env node
/**
 * The `auxbus` command: dispatches to one verb file per verb through the table in verbs.ts.
 * Any error that is not a DriverModelError is a bug; it is reported without a stack trace
 * unless AUXBUS_DEBUG is set, and exits 2.
 */
import 'reflect-metadata';
import { processIo } from './io.js';
import { runCli } from './verbs.js';

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
