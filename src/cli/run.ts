/**
 * `auxbus run FILE|DIR… [--json]`: runs scenario files (SCENARIOS.md). A DIR runs every `*.yaml`
 * below it, sorted. Exit status is the worst over all files: 0 every step held, 1 a step failed,
 * 2 bad input (then `FILE:LINE:COL: message` on stderr and none of that file's steps ran).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
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
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus, colors } from './io.js';

const USAGE = `usage: auxbus run FILE|DIR... [--json]

Runs scenario files (see SCENARIOS.md). A DIR runs every *.yaml below it, sorted.
  --json    one JSON object per step, then {"summary": {...}}
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
    .configureHelp({ formatHelp: () => USAGE })
    .configureOutput({ outputError: (text, write) => write(`auxbus run: ${text.replace(/^error: /, '')}${USAGE}`) });
  return runCommand(cmd, argv, io, () => {
    const targets = cmd.args;
    if (targets.length === 0) {
      io.stderr(`auxbus run: no scenario file or directory given\n${USAGE}`);
      return ExitStatus.BAD_INPUT;
    }
    return runTargets(targets, cmd.opts<{ json?: boolean }>().json === true, io, getHost);
  });
}

async function runTargets(targets: readonly string[], json: boolean, io: CliIo, getHost: () => Promise<ScenarioHost>): Promise<number> {
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
    const result: ScenarioRunResult = runScenarioFile(file, host!, {
      cwd: io.cwd,
      onStep: (r) => io.stdout(json ? jsonLine(stepJson(r, many ? file : undefined)) : formatStepText(file, r, c)),
    });
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
