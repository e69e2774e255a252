/**
 * Options shared by every verb that works on a machine (--preset, --module, --no-autoload,
 * --doe, --lockdown, --rules FILE|DIR…, --strict, --scenario FILE [--until N]), parsed with
 * commander and turned into a live machine: booted from the options, or the machine a scenario
 * leaves after its steps (1..N with --until). Rules diagnostics are printed on stderr before the
 * machine is built; with --strict any of them is bad input (exit 2).
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { kerr } from '../base/index.js';
import {
  type Machine,
  type MachineOptions,
  type MachineUdev,
  createMachine,
  defaultPresets,
  doePolicies,
  lockdownLevels,
  machineOfScenario,
  machineScenarioHost,
  machineUdev,
} from '../machine/index.js';
import { formatDiagnosticsText, runScenarioFile } from '../scenario/index.node.js';
import type { HwdbLookup } from '../udev/index.js';
import { openHwdbPath } from '../udev/index.node.js';
import { type CliIo, ExitStatus } from './io.js';
import { type RulesText, formatRulesDiagnostic, readRulesArgs, rulesDiagnostics } from './rules-args.js';

export function addRulesOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--rules <path...>', 'udev rules files or directories (their *.rules) to install').default([]))
    .option('--strict', 'rules warnings and errors are bad input (exit 2)');
}

export function addMachineOptions(cmd: Command): Command {
  return addRulesOptions(
    cmd
      .addOption(new Option('--preset <name...>', 'preset hardware to boot with').default([...defaultPresets]))
      .addOption(new Option('--module <name...>', 'modules to load at boot').default([]))
      .addOption(new Option('--no-autoload', 'do not load modules by MODALIAS through udev'))
      .addOption(new Option('--doe <policy>', 'DOE ownership policy').choices(doePolicies).default('aux-exclusive'))
      .addOption(new Option('--lockdown <level>', 'kernel lockdown').choices(lockdownLevels).default('none'))
      .addOption(
        new Option(
          '--hwdb <path>',
          "udev's hardware database: hwdb.bin, .hwdb file, directory, or `system` for the host's (default: none, so runs do not depend on the host)",
        ),
      ),
  )
    .option('--scenario <file>', 'the machine a scenario file leaves (instead of booting one from the options)')
    .option('--until <n>', 'with --scenario: run only steps 1..N', (v: string) => {
      if (!/^\d+$/.test(v)) throw kerr('EINVAL', `--until ${v}: expected a step number`);
      return Number(v);
    });
}

export interface MachineArgs {
  preset: string[];
  module: string[];
  autoload: boolean;
  doe: (typeof doePolicies)[number];
  lockdown: (typeof lockdownLevels)[number];
  rules: string[];
  hwdb?: string;
  strict?: boolean;
  scenario?: string;
  until?: number;
}

export function machineOptionsFrom(args: MachineArgs, rules: readonly RulesText[], cwd = '.'): MachineOptions {
  let hwdb: HwdbLookup | undefined;
  if (args.hwdb !== undefined) {
    const r = openHwdbPath(args.hwdb === 'system' ? args.hwdb : resolve(cwd, args.hwdb));
    if ('error' in r) throw kerr(r.error, `${args.hwdb}: cannot use as hwdb`);
    hwdb = r.hwdb;
  }
  return {
    ...(hwdb ? { hwdb } : {}),
    presets: args.preset,
    modules: args.module,
    autoload: args.autoload,
    doe: args.doe,
    lockdown: args.lockdown,
    rules,
  };
}

/**
 * Prints the diagnostics of `rules` on stderr; returns BAD_INPUT when --strict and there are
 * any, else undefined.
 */
export function reportRules(rules: readonly RulesText[], strict: boolean | undefined, io: CliIo): number | undefined {
  const diags = rulesDiagnostics(rules);
  for (const d of diags) io.stderr(formatRulesDiagnostic(d));
  return strict && diags.length > 0 ? ExitStatus.BAD_INPUT : undefined;
}

/** Reads --rules and reports them; an exit status when the verb must stop. */
export function loadRules(args: { rules: string[]; strict?: boolean }, io: CliIo): RulesText[] | number {
  const rules = readRulesArgs(args.rules, io.cwd);
  return reportRules(rules, args.strict, io) ?? rules;
}

export interface LiveMachine {
  readonly machine: Machine;
  readonly udev: MachineUdev;
}

/**
 * The machine the options describe: a scenario's (run to its end or step --until), or one built
 * from the options and booted. Returns an exit status instead when the input is bad.
 */
export function openMachine(args: MachineArgs, io: CliIo): LiveMachine | number {
  if (args.until !== undefined && args.scenario === undefined) {
    io.stderr('auxbus: --until needs --scenario FILE\n');
    return ExitStatus.BAD_INPUT;
  }
  if (args.scenario !== undefined) return scenarioMachine(args, io);
  const rules = loadRules(args, io);
  if (typeof rules === 'number') return rules;
  const machine = createMachine(machineOptionsFrom(args, rules, io.cwd));
  machine.boot();
  return { machine, udev: machineUdev(machine) };
}

function scenarioMachine(args: MachineArgs, io: CliIo): LiveMachine | number {
  if (args.rules.length > 0) {
    io.stderr(`auxbus: --rules and --scenario: the scenario's rules: section installs its rules\n`);
    return ExitStatus.BAD_INPUT;
  }
  let kept: Machine | undefined;
  let strictStop = false;
  const result = runScenarioFile(args.scenario!, machineScenarioHost(), {
    cwd: io.cwd,
    until: args.until,
    onStart: (loaded) => {
      if (reportRules(loaded.machineOptions.rules ?? [], args.strict, io) !== undefined) strictStop = true;
    },
    keepMachine: (m) => {
      kept = machineOfScenario(m);
    },
  });
  if (result.status === ExitStatus.BAD_INPUT) {
    io.stderr(formatDiagnosticsText(result.diagnostics));
    return ExitStatus.BAD_INPUT;
  }
  if (strictStop) {
    kept?.dispose();
    return ExitStatus.BAD_INPUT;
  }
  for (const s of result.steps)
    if (!s.ok) io.stderr(`${args.scenario}:${s.line}: warning: step ${s.step} (${s.summary}) failed: ${s.failures.join('; ')}\n`);
  if (!kept) throw kerr('EINVAL', 'the scenario host kept no machine');
  return { machine: kept, udev: machineUdev(kept) };
}

/**
 * Option lists (`--rules A B`, `--preset X Y`) take every argument up to the next option, as
 * commander's variadic options do. So that they cannot swallow a verb's device arguments, an
 * argument that names a device (`/sys/…`, `/dev/…`, `/devices/…`) ends the list: it is moved
 * behind `--`, where only positional arguments are.
 */
export function unswallow(argv: readonly string[], variadic: readonly string[] = ['--rules', '--preset', '--module']): string[] {
  const keep: string[] = [];
  const moved: string[] = [];
  let inList = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      moved.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-')) {
      inList = variadic.includes(a);
      keep.push(a);
      continue;
    }
    if (inList && keep[keep.length - 1] !== undefined && !variadic.includes(keep[keep.length - 1]!) && /^\/(sys|dev|devices)(\/|$)/.test(a)) {
      moved.push(a);
      continue;
    }
    keep.push(a);
  }
  return moved.length > 0 ? [...keep, '--', ...moved] : keep;
}
