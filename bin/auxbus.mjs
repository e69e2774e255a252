#!/usr/bin/env node
// Installed entry point: runs the bundled CLI (dist/bundle, one file per lazily loaded verb, so a
// process loads a handful of files instead of hundreds), or the compiled modules when the bundle
// was not built. Both come from `npm run build` (run by `npm install` through `prepare`).
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const bundled = new URL('../dist/bundle/main.js', import.meta.url);
await import(existsSync(bundled) ? bundled.href : '../dist/cli/main.js');
