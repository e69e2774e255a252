/**
 * `auxbus graph --format dot|mermaid`: devices, drivers and bindings as a graph.
 */
import { Option } from 'commander';
import { createMachine } from '../machine/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, machineOptionsFrom } from './machine-args.js';
import { renderGraph } from './render.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('graph', io).description('devices, drivers and bindings as a graph')).addOption(
    new Option('--format <format>', 'output format').choices(['dot', 'mermaid']).default('dot'),
  );
  return runCommand(cmd, argv, io, () => {
    const opts = cmd.opts<MachineArgs & { format: 'dot' | 'mermaid' }>();
    const machine = createMachine(machineOptionsFrom(opts, io.cwd));
    machine.boot();
    io.stdout(renderGraph(machine, opts.format));
    return ExitStatus.OK;
  });
}
