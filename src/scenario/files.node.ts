/**
 * The scenario runner's Node side: rules and scenario files read from disk. `runScenarioText`
 * here reads `rules: - file:` entries relative to the scenario's directory; `runScenarioFile`
 * reads the scenario itself; `collectScenarioFiles` walks a directory. The CLI and vitest users
 * import these through index.node.ts.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { ScenarioHost } from './host.js';
import { type RunTextOptions, runScenarioText as runText } from './index.js';
import type { RunOptions, ScenarioRunResult } from './runner.js';

/** Reads a rules file relative to `baseDir` (itself relative to the process's directory). */
export function readRulesFileFromDisk(baseDir: string, file: string): string {
  return readFileSync(resolve(baseDir, file), 'utf8');
}

/** Loads and runs scenario `text`; `rules: - file:` entries are read from disk. */
export function runScenarioText(text: string, fileName: string, host: ScenarioHost, options: RunTextOptions = {}): ScenarioRunResult {
  return runText(text, fileName, host, { readRulesFile: readRulesFileFromDisk, ...options });
}

export interface RunFileOptions extends RunOptions {
  /** Directory a relative `path` resolves against; default the process's. */
  readonly cwd?: string;
}

/** Reads and runs the scenario at `path` (named `path`, as given, in every message). */
export function runScenarioFile(path: string, host: ScenarioHost, options: RunFileOptions = {}): ScenarioRunResult {
  const full = resolve(options.cwd ?? process.cwd(), path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return {
      file: path,
      name: undefined,
      status: 2,
      diagnostics: [{ file: path, line: 1, col: 1, message: `cannot read the file (${code})` }],
      steps: [],
      failed: 0,
    };
  }
  return runScenarioText(text, path, host, { ...options, baseDir: dirname(full) });
}

/**
 * Every `*.yaml` file below `dir` (recursively), as paths joined onto `dir` as given, sorted by
 * their path relative to `dir` (code-unit order). Directories whose name starts with `.` are skipped.
 */
export function collectScenarioFiles(dir: string, cwd: string = process.cwd()): string[] {
  const root = resolve(cwd, dir);
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) walk(p);
      } else if (entry.name.endsWith('.yaml') && (entry.isFile() || statSync(p).isFile())) {
        found.push(relative(root, p).split('\\').join('/'));
      }
    }
  };
  walk(root);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((rel) => join(dir, rel));
}
