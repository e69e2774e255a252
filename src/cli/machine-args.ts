/**
 * Options shared by every verb that builds a machine (--preset, --module, --no-autoload,
 * --doe, --lockdown, --rules), parsed with commander and validated into MachineOptions.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { kerr } from '../base/index.js';
import { type Machine, type MachineOptions, type MachineUdev, createMachine, doePolicies, lockdownLevels, machineUdev } from '../machine/index.js';
import type { HwdbLookup } from '../udev/index.js';
import { openHwdbPath } from '../udev/index.node.js';
import type { CliIo } from './io.js';

export function addMachineOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--preset <name...>', 'preset hardware to boot with').default(['cxl-type3', 'mlx5-nic']))
    .addOption(new Option('--module <name...>', 'modules to load at boot').default([]))
    .addOption(new Option('--no-autoload', 'do not load modules by MODALIAS through udev'))
    .addOption(new Option('--doe <policy>', 'DOE ownership policy').choices(doePolicies).default('aux-exclusive'))
    .addOption(new Option('--lockdown <level>', 'kernel lockdown').choices(lockdownLevels).default('none'))
    .addOption(new Option('--rules <file...>', 'udev rules files to install').default([]))
    .addOption(
      new Option(
        '--hwdb <path>',
        "udev's hardware database: hwdb.bin, .hwdb file, directory, or `system` for the host's (default: none, so runs do not depend on the host)",
      ),
    );
}

export interface MachineArgs {
  preset: string[];
  module: string[];
  autoload: boolean;
  doe: (typeof doePolicies)[number];
  lockdown: (typeof lockdownLevels)[number];
  rules: string[];
  hwdb?: string;
}

export function machineOptionsFrom(args: MachineArgs, cwd: string): MachineOptions {
  const rules = args.rules.map((file) => {
    try {
      return { name: basename(file), text: readFileSync(resolve(cwd, file), 'latin1') };
    } catch {
      throw kerr('ENOENT', `${file}: cannot read rules file`);
    }
  });
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

/** Build the machine the options describe and boot it (udevd processes every boot uevent). */
export function bootMachine(args: MachineArgs, io: CliIo): { machine: Machine; udev: MachineUdev } {
  const machine = createMachine(machineOptionsFrom(args, io.cwd));
  machine.boot();
  return { machine, udev: machineUdev(machine) };
}
