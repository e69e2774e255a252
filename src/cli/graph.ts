/**
 * `auxbus graph --format dot|mermaid`: devices, drivers and bindings as a graph.
 */
import { Option } from 'commander';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine } from './machine-args.js';
import { renderGraph } from './render.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('graph', io).description('devices, drivers and bindings as a graph')).addOption(
    new Option('--format <format>', 'output format').choices(['dot', 'mermaid']).default('dot'),
  );
  return runCommand(cmd, argv, io, () => {
    const opts = cmd.opts<MachineArgs & { format: 'dot' | 'mermaid' }>();
    const live = openMachine(opts, io);
    if (typeof live === 'number') return live;
    const { machine } = live;
    io.stdout(renderGraph(machine, opts.format));
    return ExitStatus.OK;
  });
}
