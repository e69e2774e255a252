/**
 * Scenario files from vitest: `runScenario` runs a file (a path) or a scenario text (anything
 * with a newline) on a fresh machine and returns the runner's result, one entry per step;
 * `scenarioFailures` renders what went wrong as the CLI prints it (`FILE:LINE: step — why`, or the
 * file's positioned diagnostics), which is the message of the `toPassScenario` matcher.
 */
import { machineScenarioHost } from '../machine/index.js';
import { type ScenarioRunResult, formatDiagnostic, runScenarioFile, runScenarioText } from '../scenario/index.node.js';

export type { ScenarioRunResult, StepResult, Diagnostic } from '../scenario/index.node.js';

export interface RunScenarioOptions {
  /** Name used in messages for a text (default `scenario.yaml`); rules `file:` entries resolve from `baseDir`. */
  readonly fileName?: string;
  readonly baseDir?: string;
  /** Directory a relative path resolves against; default the process's. */
  readonly cwd?: string;
}

/** Runs scenario `fileOrText`. Never throws for a bad file: status 2 with diagnostics instead. */
export function runScenario(fileOrText: string, options: RunScenarioOptions = {}): ScenarioRunResult {
  const host = machineScenarioHost();
  if (fileOrText.includes('\n')) {
    return runScenarioText(fileOrText, options.fileName ?? 'scenario.yaml', host, options.baseDir === undefined ? {} : { baseDir: options.baseDir });
  }
  return runScenarioFile(fileOrText, host, options.cwd === undefined ? {} : { cwd: options.cwd });
}

/** What failed, one line each, as `auxbus run` prints it; empty when every step held. */
export function scenarioFailures(result: ScenarioRunResult): string[] {
  if (result.status === 2) return result.diagnostics.map(formatDiagnostic);
  return result.steps.filter((s) => !s.ok).map((s) => `${result.file}:${s.line}: ${s.summary} — ${s.failures.join('; ')}`);
}
