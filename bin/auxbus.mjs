#!/usr/bin/env node
// Installed entry point: runs the compiled CLI (built by `npm install` through `prepare`).
import '../dist/cli/main.js';
