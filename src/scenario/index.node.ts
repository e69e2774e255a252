/**
 * scenario for Node: everything index.ts offers, with `runScenarioText` reading rules files from
 * disk, plus `runScenarioFile` and `collectScenarioFiles`. The CLI, the test kit and tests use
 * this entry; the browser-safe core uses index.ts.
 */
export {
  type FwctlScope,
  type ScenarioHost,
  type ScenarioMachine,
  type ScenarioMachineOptions,
  type ScenarioProcessSpec,
  type ScenarioUevent,
  type ScenarioVerb,
  type ScenarioCheckKey,
  SCENARIO_VERBS,
  SCENARIO_CHECKS,
  type Diagnostic,
  type LoadedScenario,
  type LoadResult,
  type LoadOptions,
  formatDiagnostic,
  loadScenario,
  type RunOptions,
  type ScenarioRunResult,
  type StepResult,
  runLoadedScenario,
  type ReportColors,
  formatStepText,
  formatSummaryText,
  formatDiagnosticsText,
  stepJson,
  summaryJson,
  jsonLine,
  normalizeHex,
  bytesToHex,
  hexToBytes,
  type RunTextOptions,
} from './index.js';
export { runScenarioText, runScenarioFile, collectScenarioFiles, readRulesFileFromDisk, type RunFileOptions } from './files.node.js';
