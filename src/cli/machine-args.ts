/**
 * The options every verb that works on a machine takes (machine-flags.ts), turned into a live
 * machine: booted from the options, or the machine a scenario leaves after its steps (1..N with
 * --until). Rules diagnostics are printed on stderr before the machine is built; with --strict
 * any of them is bad input (exit 2). This file loads the machine; machine-flags.ts does not.
 */
import { resolve } from 'node:path';
import { kerr } from '../base/index.js';
import {
  type Machine,
  type MachineOptions,
  type MachineUdev,
  createMachine,
  machineOfScenario,
  machineScenarioHost,
  machineUdev,
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
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, loadRules, reportRules } from './machine-flags.js';
import type { RulesText } from './rules-args.js';

// The options and --rules reading, for the verbs that import them from here.
export { type MachineArgs, addMachineOptions, addRulesOptions, loadRules, reportRules } from './machine-flags.js';

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
