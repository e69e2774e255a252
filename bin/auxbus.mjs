#!/usr/bin/env node
// Installed entry point: runs the bundled CLI (dist/bundle, one file per lazily loaded verb, so a
// process loads a handful of files instead of hundreds), or the compiled modules when the bundle
// was not built. Both come from `npm run build` (run by `npm install` through `prepare`).
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { URL } from 'node:url';

// Node ≥ 22.1 keeps V8's compiled code of the modules on disk and reuses it in the next process
// (module.enableCompileCache): most of a short verb's start-up is compiling the bundle. Node 20
// has no such API; there this does nothing.
nodeModule.enableCompileCache?.();

const bundled = new URL('../dist/bundle/main.js', import.meta.url);
await import(existsSync(bundled) ? bundled.href : '../dist/cli/main.js');
