/**
 * `auxbus pci-trace [--preset P...] [--bdf BDF] [PROGRAM | -e LINE...] [--json]`: boot a
 * machine (by default the `qemu-cxl-type3` preset alone, no modules, no autoload — the oracle
 * guest's situation), run an oracle program against a PCI function through its sysfs `config`
 * file as root, and print the oracle's JSON records (--json) or one readable line per record.
 * PROGRAM is a file, or `-` for standard input. `sleep` and the poll interval of `doe` advance
 * the machine's virtual clock.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { kerr } from '../base/index.js';
import { type PciTraceRecord, createMachine, doePolicies, lockdownLevels, runMachinePciTrace } from '../machine/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { addRulesOptions, loadRules, machineOptionsFrom } from './machine-args.js';

/** One record as a readable line: the op, then key=value pairs. */
export function formatPciTraceRecord(r: PciTraceRecord): string {
  const { op, ...rest } = r;
  const parts = Object.entries(rest).map(([k, v]) => {
    if (k === 'dwords' && Array.isArray(v)) return `dwords=[${v.length}]`;
    return `${k}=${Array.isArray(v) ? `[${v.join(' ')}]` : String(v)}`;
  });
  return `${String(op)}${parts.length ? ` ${parts.join(' ')}` : ''}`;
}

interface PciTraceArgs {
  preset: string[];
  module: string[];
  autoload: boolean;
  doe: (typeof doePolicies)[number];
  lockdown: (typeof lockdownLevels)[number];
  bdf: string;
  expr: string[];
  json?: boolean;
  rules: string[];
  strict?: boolean;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addRulesOptions(newCommand('pci-trace', io))
    .description('run a qemu-doe-oracle program against a PCI function of a machine')
    .argument('[program]', 'program file, or - for standard input')
    .addOption(new Option('--preset <name...>', 'preset hardware to boot with').default(['qemu-cxl-type3']))
    .addOption(new Option('--module <name...>', 'modules to load at boot').default([]))
    .addOption(new Option('--autoload', 'load modules by MODALIAS through udev').default(false))
    .addOption(new Option('--doe <policy>', 'DOE ownership policy').choices(doePolicies).default('aux-exclusive'))
    .addOption(new Option('--lockdown <level>', 'kernel lockdown').choices(lockdownLevels).default('none'))
    .addOption(new Option('--bdf <bdf>', 'the function to select first (default: the first of class 0x050210)').default('auto'))
    .addOption(new Option('-e, --expr <line...>', 'program lines given inline').default([]))
    .option('--json', 'the oracle JSON records, one per line');
  return runCommand(cmd, argv, io, () => {
    const opts = cmd.opts<PciTraceArgs>();
    const file = cmd.args[0];
    if (file === undefined && opts.expr.length === 0) {
      io.stderr('auxbus pci-trace: no program (give a file, - or -e LINE)\n');
      return ExitStatus.BAD_INPUT;
    }
    let program = opts.expr.join('\n');
    if (file !== undefined) {
      try {
        program = `${readFileSync(file === '-' ? 0 : resolve(io.cwd, file), 'latin1')}\n${program}`;
      } catch {
        throw kerr('ENOENT', `${file}: cannot read program`);
      }
    }
    const rules = loadRules(opts, io);
    if (typeof rules === 'number') return rules;
    const machine = createMachine(machineOptionsFrom(opts, rules, io.cwd));
    machine.boot();
    const write = (r: PciTraceRecord) => io.stdout(`${opts.json ? JSON.stringify(r) : formatPciTraceRecord(r)}\n`);
    runMachinePciTrace(machine, program, write, opts.bdf);
    return ExitStatus.OK;
  });
}
