/**
 * Runs a loaded scenario against a host: creates the machine and processes, performs each step
 * as its process, settles after acting steps, and judges the step's `expect:` (checks.ts judges
 * `check:` steps). Every step runs and yields one result, whatever happened before it. A
 * `DriverModelError` is an outcome to judge; anything else thrown is a bug, reported as a
 * failed step with its message.
 */
import { DriverModelError, pathBasename } from '../base/index.js';
import { evaluateCheck } from './checks.js';
import type { ScenarioHost, ScenarioMachine, ScenarioVerb } from './host.js';
import type { Diagnostic, LoadedScenario } from './loader.js';
import type { Expect, Step } from './schema.js';
import { type FdSlot, type StepData, verbRow } from './verbs.js';
import type { SourcePath } from './yaml-source.js';

/** The judged result of one step. `expected`/`actual` are JSON values (see report.ts). */
export interface StepResult {
  /** 1-based position in `steps:`. */
  readonly step: number;
  /** Line of the step in the file. */
  readonly line: number;
  readonly verb: ScenarioVerb;
  readonly ok: boolean;
  readonly expected: unknown;
  readonly actual: unknown;
  /** Why the step failed, one sentence each ("expected …, got …"); empty when ok. */
  readonly failures: readonly string[];
  /** The step in a few words, e.g. `write /sys/… "1"`. */
  readonly summary: string;
}

/** Everything one file produced. `status`: 0 all held, 1 a step failed, 2 invalid file. */
export interface ScenarioRunResult {
  readonly file: string;
  readonly name: string | undefined;
  readonly status: 0 | 1 | 2;
  /** Why the file is invalid (status 2); then no step ran. */
  readonly diagnostics: readonly Diagnostic[];
  readonly steps: readonly StepResult[];
  readonly failed: number;
}

export interface RunOptions {
  /** Called as each step finishes, before the next starts. */
  readonly onStep?: (result: StepResult) => void;
  /** Called once the file is valid, before the machine is built (rules diagnostics, traces). */
  readonly onStart?: (loaded: LoadedScenario) => void;
  /** Called just before each step runs, with the machine (per-step traces). */
  readonly beforeStep?: (step: number, machine: ScenarioMachine) => void;
  /** Run only steps 1..until (`--until N`); the rest are not run and yield no result. */
  readonly until?: number;
  /**
   * Keep the machine: it is handed over here after the last step instead of being disposed
   * (`--scenario FILE`: the machine as the scenario leaves it).
   */
  readonly keepMachine?: (machine: ScenarioMachine) => void;
}

/** What performing a step gave: success (with data for read/ls/ioctl/doe), an errno, or a bug. */
export type Outcome =
  | { readonly kind: 'done'; readonly data?: StepData }
  | { readonly kind: 'errno'; readonly errno: string; readonly message: string }
  | { readonly kind: 'bug'; readonly message: string };

/** Runs `loaded` on a fresh machine of `host`. */
export function runLoadedScenario(loaded: LoadedScenario, host: ScenarioHost, options: RunOptions = {}): ScenarioRunResult {
  const { file, scenario } = loaded;
  const invalid = (path: SourcePath, message: string): ScenarioRunResult => {
    const pos = loaded.locate(path, 'value');
    return { file, name: scenario.name, status: 2, diagnostics: [{ file, line: pos.line, col: pos.col, message }], steps: [], failed: 0 };
  };

  options.onStart?.(loaded);
  let machine: ScenarioMachine;
  try {
    machine = host.createMachine(loaded.machineOptions);
  } catch (e) {
    // Point at the rules entry the message names (a rules file that does not compile), else
    // at rules: or machine:.
    const text = errorText(e);
    const named = scenario.rules.findIndex((r) => text.includes(r.kind === 'text' ? r.name : pathBasename(r.file)));
    const where: SourcePath = named >= 0 ? ['rules', named] : scenario.rules.length > 0 ? ['rules'] : ['machine'];
    return invalid(where, `cannot build the machine: ${text}`);
  }
  for (const [name, spec] of loaded.processes) {
    try {
      machine.addProcess(name, spec);
    } catch (e) {
      safeDispose(machine);
      return invalid(['processes', name], `process '${name}': ${errorText(e)}`);
    }
  }

  const fds = new Map<string, FdSlot>();
  let windowStart = 0;
  const results: StepResult[] = [];
  for (const step of scenario.steps) {
    if (options.until !== undefined && step.index > options.until) break;
    options.beforeStep?.(step.index, machine);
    let result: StepResult;
    const line = loaded.locate(step.node).line;
    if (step.verb === 'check') {
      const judged = evaluateCheck(machine, step.check, windowStart);
      windowStart = judged.windowEnd;
      result = { step: step.index, line, verb: step.verb, ...judged.result, summary: summarize(step) };
    } else {
      const outcome: Outcome = step.verb === 'concurrent' ? { kind: 'done' } : perform(machine, step, fds);
      const failures = step.verb === 'concurrent' ? performLanes(machine, step, fds) : judge(step.expect, outcome);
      if (step.settle) {
        try {
          machine.settle();
        } catch (e) {
          failures.push(`settling after the step failed: ${errorText(e)}`);
        }
      }
      result = {
        step: step.index,
        line,
        verb: step.verb,
        ok: failures.length === 0,
        expected: expectedJson(step.expect),
        actual: actualJson(outcome),
        failures,
        summary: summarize(step),
      };
    }
    results.push(result);
    options.onStep?.(result);
  }
  if (options.keepMachine) options.keepMachine(machine);
  else safeDispose(machine);
  const failed = results.filter((r) => !r.ok).length;
  return { file, name: scenario.name, status: failed > 0 ? 1 : 0, diagnostics: [], steps: results, failed };
}

function safeDispose(machine: ScenarioMachine): void {
  try {
    machine.dispose?.();
  } catch {
    // A machine that fails to dispose has already produced every result; nothing to report.
  }
}

/** "EBUSY: message" for a DriverModelError, "internal error: message" for anything else. */
export function errorText(e: unknown): string {
  if (DriverModelError.is(e)) return `${e.errno}: ${e.message}`;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

/** The process a step runs as: `as:`, else the opener of its fd, else root. */
function procOf(step: Step, fds: ReadonlyMap<string, FdSlot>): string {
  if (step.as !== undefined) return step.as;
  const fd = step.verb === 'close' || step.verb === 'ioctl' ? step.fd : step.verb === 'doe' && 'fd' in step.target ? step.target.fd : undefined;
  return (fd !== undefined ? fds.get(fd)?.proc : undefined) ?? 'root';
}

/**
 * A `concurrent:` block outside the explorer: lane by lane, each step judged; a failure names
 * its lane and step. (The explorer runs the same steps interleaved: src/machine/explore.)
 */
function performLanes(m: ScenarioMachine, step: Step & { readonly verb: 'concurrent' }, fds: Map<string, FdSlot>): string[] {
  const failures: string[] = [];
  for (const [l, lane] of step.lanes.entries()) {
    for (const [j, nested] of lane.entries()) {
      for (const f of performAndJudge(m, nested, fds)) failures.push(`lane ${l + 1} step ${j + 1} (${summarize(nested)}): ${f}`);
    }
  }
  return failures;
}

/** One ordinary step performed and judged against its `expect:` (no settle); the explorer's unit too. */
export function performAndJudge(m: ScenarioMachine, step: Step, fds: Map<string, FdSlot>): string[] {
  return judge(step.expect, perform(m, step, fds));
}

/** Performs `step` through its row of the verb table; an errno is an outcome, anything else a bug. */
export function perform(m: ScenarioMachine, step: Step, fds: Map<string, FdSlot>): Outcome {
  const proc = procOf(step, fds);
  try {
    const data = verbRow(step.verb).perform({ machine: m, proc, fds }, step as never);
    return data === undefined ? { kind: 'done' } : { kind: 'done', data };
  } catch (e) {
    if (DriverModelError.is(e)) return { kind: 'errno', errno: e.errno, message: e.message };
    return { kind: 'bug', message: e instanceof Error ? e.message : String(e) };
  }
}

/** Why `outcome` does not meet `expect` (empty when it does). */
export function judge(expect: Expect, outcome: Outcome): string[] {
  if (outcome.kind === 'bug') return [`${expect.kind === 'errno' ? `expected errno ${expect.errno}, ` : ''}internal error: ${outcome.message}`];
  if (expect.kind === 'errno') {
    if (outcome.kind === 'errno') {
      return outcome.errno === expect.errno ? [] : [`expected errno ${expect.errno}, got ${outcome.errno} (${outcome.message})`];
    }
    return [`expected errno ${expect.errno}, but the step succeeded`];
  }
  if (outcome.kind === 'errno') return [`expected success, got ${outcome.errno} (${outcome.message})`];
  const data = outcome.data;
  const failures: string[] = [];
  if (data && 'problem' in data && data.problem !== undefined) failures.push(data.problem);
  if (data && 'value' in data) {
    if (expect.value !== undefined && data.value !== expect.value) {
      failures.push(`expected value ${JSON.stringify(expect.value)}, got ${JSON.stringify(data.value)}`);
    }
    if (expect.match !== undefined && !new RegExp(expect.match).test(data.value)) {
      failures.push(`expected value matching /${expect.match}/, got ${JSON.stringify(data.value)}`);
    }
  }
  if (data && 'entries' in data) {
    const got = new Set(data.entries);
    if (expect.entries !== undefined) {
      const want = new Set(expect.entries);
      const missing = [...want].filter((e) => !got.has(e));
      const extra = [...got].filter((e) => !want.has(e));
      if (missing.length > 0 || extra.length > 0) {
        const parts = [missing.length > 0 && `missing ${missing.join(', ')}`, extra.length > 0 && `unexpected ${extra.join(', ')}`].filter(Boolean);
        failures.push(`expected entries [${[...want].sort().join(', ')}], got [${data.entries.join(', ')}] (${parts.join('; ')})`);
      }
    }
    if (expect.contains !== undefined) {
      const missing = expect.contains.filter((e) => !got.has(e));
      if (missing.length > 0) failures.push(`expected entries to include ${missing.join(', ')}, got [${data.entries.join(', ')}]`);
    }
  }
  if (data && 'response' in data) {
    if (expect.response !== undefined && data.response !== expect.response) {
      failures.push(`expected response ${expect.response || '(empty)'}, got ${data.response || '(empty)'}`);
    }
    if (expect.responseMatch !== undefined && !new RegExp(expect.responseMatch).test(data.response)) {
      failures.push(`expected response matching /${expect.responseMatch}/, got ${data.response || '(empty)'}`);
    }
    if (expect.outLen !== undefined && data.out_len !== expect.outLen) {
      failures.push(`expected out_len ${expect.outLen}, got ${data.out_len}`);
    }
  }
  return failures;
}

/** `expected` of a step: "ok", {errno}, or the data the step must show. */
function expectedJson(expect: Expect): unknown {
  if (expect.kind === 'errno') return { errno: expect.errno };
  const out: Record<string, unknown> = {};
  if (expect.value !== undefined) out.value = expect.value;
  if (expect.match !== undefined) out.match = expect.match;
  if (expect.entries !== undefined) out.entries = [...expect.entries].sort();
  if (expect.contains !== undefined) out.contains = expect.contains;
  if (expect.response !== undefined) out.response = expect.response;
  if (expect.responseMatch !== undefined) out.response_match = expect.responseMatch;
  if (expect.outLen !== undefined) out.out_len = expect.outLen;
  return Object.keys(out).length === 0 ? 'ok' : out;
}

/** `actual` of a step: "ok", the data it produced, {errno, message}, or {error} for a bug. */
function actualJson(outcome: Outcome): unknown {
  if (outcome.kind === 'errno') return { errno: outcome.errno, message: outcome.message };
  if (outcome.kind === 'bug') return { error: outcome.message };
  return outcome.data ?? 'ok';
}

/** The step in a few words, for the text report. */
export function summarize(step: Step): string {
  const as = step.as !== undefined ? ` (as ${step.as})` : '';
  return verbRow(step.verb).summarize(step as never) + as;
}
