#!/usr/bin/env node
/**
 * The CLI bundle bin/auxbus.mjs runs (`npm run build:cli`, part of `npm run build`): esbuild bundles
 * src/cli/main.ts into dist/bundle with one chunk per lazily imported verb, so a process loads a
 * handful of files instead of hundreds, and only the code its verb needs — `auxbus --help` loads
 * the verb table, `udevadm test --device` the udev engine and no machine (each verb imports the
 * machine only when it needs one: docs/performance.md, "CLI latency").
 * test/architecture/cli-bundle.test.ts builds with the same options and checks what each verb's
 * entry loads. The output directory is emptied first, so no stale chunk of an older build stays.
 *
 * Usage: node tools/cli-bundle/build.mjs [--metafile FILE]
 */
import { rmSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The esbuild options of the CLI bundle (outdir apart). */
export const cliBundleOptions = {
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // CommonJS dependencies call require(): an ES module has none, so one is made per chunk.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const metafile = args.includes('--metafile') ? args[args.indexOf('--metafile') + 1] : undefined;
  const outdir = `${root}dist/bundle`;
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({ ...cliBundleOptions, outdir, metafile: metafile !== undefined });
  if (metafile !== undefined) writeFileSync(metafile, JSON.stringify(result.metafile));
}
