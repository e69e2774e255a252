/**
 * The playground bundle runs in a page with no Node polyfill: bundling its entry for the browser
 * (esbuild, platform "browser") resolves no Node built-in module and pulls in no Node-only file
 * of the project (*.node.ts, the CLI's Node I/O io.ts and front end). The ESLint rules
 * (eslint.config.js) check each file's imports; this checks the whole import graph at once.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { type Plugin, build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Vite's `?raw` imports (the lessons' example scenarios) as text. */
const raw: Plugin = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (a) => ({ path: resolve(dirname(a.importer), a.path.replace(/\?raw$/, '')), namespace: 'raw' }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, (a) => ({ contents: readFileSync(a.path, 'utf8'), loader: 'text' }));
  },
};

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe('the playground bundle', () => {
  it('contains no Node built-in import and no Node-only file', async () => {
    const r = await build({
      entryPoints: ['playground/src/main.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      outdir: 'out',
      loader: { '.css': 'css' },
      plugins: [raw],
    });
    const inputs = r.metafile.inputs;
    const files = Object.keys(inputs);
    // The shell interpreter is in it (the terminal pane), its Node front end is not.
    expect(files).toContain('src/cli/shell/index.ts');
    const nodeOnly = files.filter((f) => /\.node\.ts$|^src\/cli\/(io|shell|main|machine-args|command)\.ts$|^src\/testing\//.test(f));
    expect(nodeOnly).toEqual([]);
    const imports = Object.values(inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => builtins.has(p))).toEqual([]);
  });
});
