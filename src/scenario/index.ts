/**
 * scenario — the scenario file format of SCENARIOS.md: load (schema, positions), run against a
 * `ScenarioHost`, report. `runScenarioText`/`runScenarioFile` are the entry points for the CLI
 * and for vitest users; they never throw for a bad file (status 2 with diagnostics instead).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { ScenarioHost } from './host.js';
import { loadScenario } from './loader.js';
import { type RunOptions, type ScenarioRunResult, runLoadedScenario } from './runner.js';

export {
  type FwctlScope,
  type FwctlScopeName,
  type ScenarioHost,
  type ScenarioMachine,
  type ScenarioMachineOptions,
  type ScenarioProcessSpec,
  type ScenarioUevent,
  type ScenarioVerb,
  type ScenarioCheckKey,
  SCENARIO_VERBS,
  SCENARIO_CHECKS,
} from './host.js';
export { type Diagnostic, type LoadedScenario, type LoadResult, formatDiagnostic, loadScenario } from './loader.js';
export { type RunOptions, type ScenarioRunResult, type StepResult, runLoadedScenario } from './runner.js';
export { type ReportColors, formatStepText, formatSummaryText, formatDiagnosticsText, stepJson, summaryJson, jsonLine } from './report.js';
export { defaultScenarioHost } from './default-host.js';
export { normalizeHex, bytesToHex, hexToBytes } from './hex.js';

export interface RunTextOptions extends RunOptions {
  /** Directory `rules: - file:` paths are relative to; default the directory of `fileName`. */
  readonly baseDir?: string;
}

/** Loads and runs scenario `text`; `fileName` is used in messages and to find rules files. */
export function runScenarioText(text: string, fileName: string, host: ScenarioHost, options: RunTextOptions = {}): ScenarioRunResult {
  const loaded = loadScenario(text, fileName, host, options.baseDir !== undefined ? { baseDir: options.baseDir } : {});
  if (!loaded.ok) return { file: fileName, name: undefined, status: 2, diagnostics: loaded.diagnostics, steps: [], failed: 0 };
  return runLoadedScenario(loaded.loaded, host, options);
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
    return { file: path, name: undefined, status: 2, diagnostics: [{ file: path, line: 1, col: 1, message: `cannot read the file (${code})` }], steps: [], failed: 0 };
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
