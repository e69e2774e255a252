/**
 * `auxbus udevadm monitor [-k] [-u] [-p] [-s SUBSYSTEM[/DEVTYPE]…] [-t TAG…]`: boot a machine and
 * print the kernel uevents and processed udev events of that boot as udevadm monitor 252 prints
 * them, with virtual timestamps; --json prints the messages as JSON.
 */
import { monitorGroupsOf, monitorPassesFilter, parseSubsystemMatch, udevadmMonitor } from '../udev/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine, unswallow } from './machine-args.js';

interface MonitorArgs extends MachineArgs {
  kernel?: boolean;
  udev?: boolean;
  property?: boolean;
  environment?: boolean;
  subsystemMatch?: string[];
  tagMatch?: string[];
  json?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('udevadm monitor', io).description('the kernel and udev events of a machine boot'))
    .option('-k, --kernel', 'print kernel uevents')
    .option('-u, --udev', 'print udev events')
    .option('-p, --property', 'print the event properties')
    .option('-e, --environment', 'alias for --property')
    .option('-s, --subsystem-match <subsystem[/devtype]>', 'filter events by subsystem', collect)
    .option('-t, --tag-match <tag>', 'filter events by tag', collect)
    .option('--json', 'machine-readable output');
  return runCommand(cmd, unswallow(argv), io, () => {
    const o = cmd.opts<MonitorArgs>();
    const live = openMachine(o, io);
    if (typeof live === 'number') return live;
    const { udev } = live;
    const options = {
      kernel: o.kernel,
      udev: o.udev,
      property: o.property || o.environment,
      subsystemMatch: o.subsystemMatch,
      tagMatch: o.tagMatch,
    };
    if (o.json) {
      const groups = monitorGroupsOf(options);
      const filter = { subsystems: (o.subsystemMatch ?? []).map(parseSubsystemMatch), tags: o.tagMatch ?? [] };
      const events = udev.monitor.messages
        .filter((m) => groups.includes(m.group) && monitorPassesFilter(m, filter))
        .map((m) => ({ ...m, properties: Object.fromEntries(m.properties) }));
      io.stdout(`${JSON.stringify({ events })}\n`);
      return ExitStatus.OK;
    }
    io.stdout(udevadmMonitor(udev.monitor.messages, options));
    return ExitStatus.OK;
  });
}
