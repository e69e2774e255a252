/**
 * `auxbus run FILE|DIR… [--json]`: runs scenario files (SCENARIOS.md). A DIR runs every `*.yaml`
 * below it, sorted. Exit status is the worst over all files: 0 every step held, 1 a step failed,
 * 2 bad input (then `FILE:LINE:COL: message` on stderr and none of that file's steps ran).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import {
  type ScenarioHost,
  type ScenarioRunResult,
  collectScenarioFiles,
  formatDiagnosticsText,
  formatStepText,
  formatSummaryText,
  jsonLine,
  runScenarioFile,
  stepJson,
  summaryJson,
} from '../scenario/index.node.js';
import { type Machine, machineOfScenario } from '../machine/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus, colors } from './io.js';
import { hostWithCliRules, loadRules, reportRules } from './machine-args.js';
import { type TraceMark, traceMark, traceSince } from './trace.js';

const USAGE = `usage: auxbus run FILE|DIR... [--json] [-v|--trace] [--rules FILE|DIR...] [--strict]

Runs scenario files (see docs/scenarios.md). A DIR runs every *.yaml below it, sorted.
  --json        one JSON object per step, then {"summary": {...}}
  -v, --trace   after each step: its kernel uevents, udev events with the rules lines that
                matched, and the changes below /sys/devices, /sys/bus and /dev
  --rules P...  udev rules files or directories (their *.rules) installed beside each
                scenario's own (a file named like one of the scenario's replaces it)
  --strict      a rules warning or error makes the file bad input (exit 2)
Rules diagnostics are printed on stderr (file:line:col: level: message) before the first step.
Exit status: 0 every step held, 1 a step failed, 2 bad input.
`;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runVerb(argv, io, buildHost);
}

/** The real machine's host (imported lazily: argument errors need no machine). */
async function buildHost(): Promise<ScenarioHost> {
  return (await import('../machine/index.js')).machineScenarioHost();
}

/** `run` against a given host (tests, and builds that supply their own machine). */
export async function runWithHost(argv: readonly string[], io: CliIo, host: ScenarioHost): Promise<number> {
  return runVerb(argv, io, async () => host);
}

/** The verb; the host is built only once the arguments are known to be good. */
async function runVerb(argv: readonly string[], io: CliIo, getHost: () => Promise<ScenarioHost>): Promise<number> {
  const cmd = newCommand('run', io)
    .argument('[targets...]')
    .option('--json', 'one JSON object per step, then {"summary": {...}}')
    .option('-v, --trace', 'per step: kernel uevents, udev events and matched rules lines, sysfs and /dev changes')
    .option('--verbose', 'the same as --trace')
    .addOption(new Option('--rules <path...>', 'udev rules files or directories installed beside each scenario’s').default([]))
    .option('--strict', 'rules warnings and errors are bad input')
    .configureHelp({ formatHelp: () => USAGE })
    .configureOutput({ outputError: (text, write) => write(`auxbus run: ${text.replace(/^error: /, '')}${USAGE}`) });
  return runCommand(cmd, argv, io, () => {
    const targets = cmd.args;
    if (targets.length === 0) {
      io.stderr(`auxbus run: no scenario file or directory given\n${USAGE}`);
      return ExitStatus.BAD_INPUT;
    }
    const o = cmd.opts<{ json?: boolean; trace?: boolean; verbose?: boolean; strict?: boolean; rules: string[] }>();
    const rules = loadRules(o, io);
    if (typeof rules === 'number') return rules;
    const flags = { json: o.json === true, trace: o.trace === true || o.verbose === true, strict: o.strict === true };
    return runTargets(targets, flags, io, async () => hostWithCliRules(await getHost(), rules, flags.trace));
  });
}

interface RunFlags {
  readonly json: boolean;
  readonly trace: boolean;
  readonly strict: boolean;
}

/** Thrown from onStart to stop a file whose rules --strict rejects. */
class StrictStop extends Error {}

async function runTargets(targets: readonly string[], flags: RunFlags, io: CliIo, getHost: () => Promise<ScenarioHost>): Promise<number> {
  const { json } = flags;
  let worst: number = ExitStatus.OK;
  const files: string[] = [];
  let many = targets.length > 1;
  for (const target of targets) {
    let isDir: boolean;
    try {
      isDir = statSync(resolve(io.cwd, target)).isDirectory();
    } catch {
      io.stderr(`auxbus run: ${target}: no such file or directory\n`);
      worst = ExitStatus.BAD_INPUT;
      continue;
    }
    if (isDir) {
      many = true;
      files.push(...collectScenarioFiles(target, io.cwd));
    } else files.push(target);
  }

  // The host (a machine build) is made only when there is a file to run.
  const host = files.length > 0 ? await getHost() : undefined;
  const c = colors(io);
  let totalSteps = 0;
  let totalFailed = 0;
  let invalid = 0;
  for (const file of files) {
    let machine: Machine | undefined;
    let mark: TraceMark | undefined;
    let result: ScenarioRunResult;
    try {
      result = runScenarioFile(file, host!, {
        cwd: io.cwd,
        onStart: (loaded) => {
          if (reportRules(loaded.machineOptions.rules ?? [], flags.strict, io) !== undefined) throw new StrictStop();
        },
        beforeStep: (_, m) => {
          if (!flags.trace) return;
          machine = machineOfScenario(m);
          mark = machine ? traceMark(machine) : undefined;
        },
        onStep: (r) => {
          io.stdout(json ? jsonLine(stepJson(r, many ? file : undefined)) : formatStepText(file, r, c));
          if (flags.trace && !json && (r.verb === 'read' || r.verb === 'ls')) io.stdout(`    ${r.verb}: ${JSON.stringify(r.actual)}\n`);
          if (flags.trace && !json && machine && mark) io.stdout(traceSince(machine, mark));
        },
      });
    } catch (e) {
      if (!(e instanceof StrictStop)) throw e;
      io.stderr(`auxbus run: ${file}: rules diagnostics with --strict\n`);
      worst = ExitStatus.BAD_INPUT;
      invalid++;
      continue;
    }
    worst = Math.max(worst, result.status);
    if (result.status === ExitStatus.BAD_INPUT) {
      invalid++;
      io.stderr(formatDiagnosticsText(result.diagnostics));
      continue;
    }
    totalSteps += result.steps.length;
    totalFailed += result.failed;
    if (json) {
      if (many) io.stdout(jsonLine({ file, ...summaryJson(result.steps.length, result.failed) }));
      else io.stdout(jsonLine(summaryJson(result.steps.length, result.failed)));
    } else io.stdout(formatSummaryText(result, c));
  }
  if (many) {
    if (json) io.stdout(jsonLine(summaryJson(totalSteps, totalFailed, { files: files.length, invalid })));
    else {
      const line = `total: ${files.length} file${files.length === 1 ? '' : 's'}, ${totalSteps} steps, ${totalFailed} failed, ${invalid} invalid`;
      io.stdout(`${worst === ExitStatus.OK ? c.green(line) : c.red(line)}\n`);
    }
  }
  return worst;
}
