/**
 * `auxbus tree`: boot a machine and draw its device tree with bindings.
 */
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine } from './machine-args.js';
import { renderTree } from './render.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('tree', io).description('boot a machine and draw its device tree')).option(
    '--json',
    'machine-readable output',
  );
  return runCommand(cmd, argv, io, () => {
    const opts = cmd.opts<MachineArgs & { json?: boolean }>();
    const live = openMachine(opts, io);
    if (typeof live === 'number') return live;
    const { machine } = live;
    if (opts.json) {
      const devices = [...machine.core.devices].map((d) => ({
        name: d.name,
        devpath: d.devpath,
        bus: d.bus?.name ?? null,
        class: d.class?.name ?? null,
        driver: d.driver?.name ?? null,
        parent: d.parent?.devpath ?? null,
      }));
      io.stdout(`${JSON.stringify({ devices })}\n`);
    } else {
      io.stdout(renderTree(machine, io));
    }
    return ExitStatus.OK;
  });
}
