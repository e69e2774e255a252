/**
 * The options every verb that works on a machine takes (--preset, --module, --no-autoload, --doe,
 * --lockdown, --hwdb, --rules FILE|DIR…, --strict, --scenario FILE [--until N]), and the
 * reading and reporting of `--rules`. Defining them loads no machine: the closed sets come from
 * the machine's names (src/machine/names.ts), so a verb that may run without a machine (`udevadm
 * test --device`) loads the machine only when one is asked for (machine-args.ts builds it).
 */
import { type Command, Option } from 'commander';
import { kerr } from '../base/index.js';
import { type DoePolicy, type LockdownLevel, defaultPresets, doePolicies, lockdownLevels, moduleNames, presetNames } from '../machine/names.js';
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
  doe: DoePolicy;
  lockdown: LockdownLevel;
  rules: string[];
  hwdb?: string;
  strict?: boolean;
  scenario?: string;
  until?: number;
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
