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
  moduleNames,
  presetNames,
} from '../machine/index.js';
import {
  type LoadedScenario,
  type ScenarioHost,
  type ScenarioMachineOptions,
  formatDiagnosticsText,
  runScenarioFile,
} from '../scenario/index.node.js';
import { DEFAULT_TRACE_DEVICES, type HwdbLookup } from '../udev/index.js';
import { openHwdbPath } from '../udev/index.node.js';
import { closedListOption } from './command.js';
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
      .addOption(closedListOption('--preset <name...>', 'preset hardware to boot with', presetNames).default([...defaultPresets]))
      .addOption(closedListOption('--module <name...>', 'modules to load at boot', moduleNames).default([]))
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

/** The base name a rules file is installed under in /etc/udev/rules.d. */
function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/**
 * A scenario's rules with the command line's `--rules` added: each file is installed under its
 * base name in /etc/udev/rules.d; one with the name of a scenario file replaces it (the command
 * line wins, as a file in /etc masks one of the same name in /usr/lib). Sorted by name.
 */
export function withCliRules(scenarioRules: ScenarioMachineOptions['rules'], cliRules: readonly RulesText[]): ScenarioMachineOptions['rules'] {
  if (cliRules.length === 0) return scenarioRules;
  const byName = new Map(scenarioRules.map((r) => [r.name, r]));
  for (const r of cliRules) byName.set(baseName(r.name), { name: baseName(r.name), text: r.text });
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A loaded scenario whose machine also installs the command line's `--rules`. */
export function withScenarioCliRules(loaded: LoadedScenario, cliRules: readonly RulesText[]): LoadedScenario {
  if (cliRules.length === 0) return loaded;
  return { ...loaded, machineOptions: { ...loaded.machineOptions, rules: withCliRules(loaded.machineOptions.rules, cliRules) } };
}

/**
 * udevd of `machine` records each device's last rules trace from now on (`explain`, `run
 * --trace`): the CLI's machines do, before they boot.
 */
export function recordRulesTraces(machine: Machine): void {
  machineUdev(machine).daemon.traces.setMaxDevices(DEFAULT_TRACE_DEVICES);
}

/**
 * A scenario host whose machines also install the command line's `--rules` and, with `traces`,
 * record udevd's rules traces from their boot on.
 */
export function hostWithCliRules(host: ScenarioHost, cliRules: readonly RulesText[], traces = false): ScenarioHost {
  if (cliRules.length === 0 && !traces) return host;
  return {
    supportedVerbs: host.supportedVerbs,
    supportedChecks: host.supportedChecks,
    presets: host.presets,
    createMachine: (options) => {
      const m = host.createMachine({ ...options, rules: withCliRules(options.rules, cliRules) });
      const machine = traces ? machineOfScenario(m) : undefined;
      if (machine) recordRulesTraces(machine);
      return m;
    },
  };
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
  if (args.until !== undefined && args.scenario === undefined) throw kerr('EINVAL', '--until needs --scenario FILE');
  if (args.scenario !== undefined) return scenarioMachine(args, io);
  const rules = loadRules(args, io);
  if (typeof rules === 'number') return rules;
  const machine = createMachine(machineOptionsFrom(args, rules, io.cwd));
  recordRulesTraces(machine);
  machine.boot();
  return { machine, udev: machineUdev(machine) };
}

function scenarioMachine(args: MachineArgs, io: CliIo): LiveMachine | number {
  const cliRules = loadRules(args, io);
  if (typeof cliRules === 'number') return cliRules;
  let kept: Machine | undefined;
  let strictStop = false;
  const result = runScenarioFile(args.scenario!, hostWithCliRules(machineScenarioHost(), cliRules, true), {
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

export { unswallow } from './command.js';
