/**
 * scenario — the scenario file format of SCENARIOS.md: load (schema, positions), run against a
 * `ScenarioHost`, report. `runScenarioText` is the entry point; it never throws for a bad file
 * (status 2 with diagnostics instead). This surface imports no `node:*` module; reading scenario
 * and rules files from disk (`runScenarioFile`, `collectScenarioFiles`) is index.node.ts's.
 */
import type { ScenarioHost } from './host.js';
import { type LoadOptions, loadScenario } from './loader.js';
import { type RunOptions, type ScenarioRunResult, runLoadedScenario } from './runner.js';

export {
  type FwctlScope,
  type FwctlScopeName,
  type ScenarioHost,
  type ScenarioMachine,
  type ScenarioMachineOptions,
  type ScenarioFleetHost,
  type ScenarioFleetPort,
  type ScenarioProcessSpec,
  type ScenarioUevent,
  type ScenarioVerb,
  type ScenarioCheckKey,
  SCENARIO_VERBS,
  SCENARIO_CHECKS,
} from './host.js';
export { type Diagnostic, type LoadedScenario, type LoadResult, type LoadOptions, formatDiagnostic, loadScenario } from './loader.js';
export { type RunOptions, type ScenarioRunResult, type StepResult, type Outcome, runLoadedScenario, perform, judge, summarize } from './runner.js';
export type { Step } from './schema.js';
export type { FdSlot } from './verbs.js';
export { type ReportColors, formatStepText, formatSummaryText, formatDiagnosticsText, stepJson, summaryJson, jsonLine } from './report.js';
export { normalizeHex, bytesToHex, hexToBytes } from './hex.js';

export interface RunTextOptions extends RunOptions {
  /** Directory `rules: - file:` paths are relative to; default the directory of `fileName`. */
  readonly baseDir?: string;
  /** Reads `rules: - file:` entries; without one they cannot be read (see LoadOptions). */
  readonly readRulesFile?: LoadOptions['readRulesFile'];
}

/** Loads and runs scenario `text`; `fileName` is used in messages and to find rules files. */
export function runScenarioText(text: string, fileName: string, host: ScenarioHost, options: RunTextOptions = {}): ScenarioRunResult {
  const { baseDir, readRulesFile } = options;
  const loaded = loadScenario(text, fileName, host, { ...(baseDir !== undefined ? { baseDir } : {}), ...(readRulesFile ? { readRulesFile } : {}) });
  if (!loaded.ok) return { file: fileName, name: undefined, status: 2, diagnostics: loaded.diagnostics, steps: [], failed: 0 };
  return runLoadedScenario(loaded.loaded, host, options);
}
