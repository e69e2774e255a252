/**
 * How results are printed: text (one line per step, `ok`/`FAIL`, FILE:LINE, the step, and for a
 * failure what was expected and what happened; then a summary line) or JSON lines (one object
 * per step `{step, line, verb, ok, expected, actual}`, then `{summary: {steps, failed}}`).
 * Diagnostics of invalid files are `FILE:LINE:COL: message`, for stderr.
 */
import type { Diagnostic } from './loader.js';
import { formatDiagnostic } from './loader.js';
import type { ScenarioRunResult, StepResult } from './runner.js';

/** Colour functions (picocolors-compatible); identity when colour is off. */
export interface ReportColors {
  green(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** One text line (with newline) for a step of `file`. */
export function formatStepText(file: string, r: StepResult, c: ReportColors): string {
  const mark = r.ok ? c.green('ok  ') : c.red('FAIL');
  const where = c.dim(`${file}:${r.line}`);
  const why = r.ok ? '' : ` ${c.dim('—')} ${r.failures.join('; ')}`;
  return `${mark} ${where} ${r.summary}${why}\n`;
}

/** The summary line of one file's run. */
export function formatSummaryText(result: ScenarioRunResult, c: ReportColors): string {
  const n = result.steps.length;
  const counts = `${n} step${n === 1 ? '' : 's'}, ${result.failed} failed`;
  const name = result.name !== undefined ? ` ${result.name}:` : '';
  return `${c.bold(result.file)}:${name} ${result.failed > 0 ? c.red(counts) : c.green(counts)}\n`;
}

/** Diagnostic lines (with newlines), for stderr. */
export function formatDiagnosticsText(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('');
}

/**
 * The JSON object of a step. `file` is added only when several files run. `message` (the
 * failures in words) is added only to a failed step.
 */
export function stepJson(r: StepResult, file?: string): Record<string, unknown> {
  return {
    ...(file !== undefined && { file }),
    step: r.step,
    line: r.line,
    verb: r.verb,
    ok: r.ok,
    expected: r.expected,
    actual: r.actual,
    ...(!r.ok && { message: r.failures.join('; ') }),
  };
}

export function summaryJson(steps: number, failed: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { summary: { steps, failed, ...extra } };
}

/** One JSON line. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
