/**
 * `auxbus udevadm trigger [OPTIONS] [DEVPATH…]`: boot a machine, then request events from its
 * kernel as udevadm trigger 252 does (write ACTION to each matching device's `uevent` file;
 * default `change`), and let udevd process them. With --json: the devices and the uevents sent.
 */
import { Option } from 'commander';
import { enumerationTypes, findDevice, parseKeyValue, udevadmTrigger } from '../udev/index.js';
import { newCommand, runCommand } from './command.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, addMachineOptions, openMachine, unswallow } from './machine-args.js';

interface TriggerArgs extends MachineArgs {
  verbose?: boolean;
  dryRun?: boolean;
  quiet?: boolean;
  type: (typeof enumerationTypes)[number];
  action: string;
  subsystemMatch?: string[];
  subsystemNomatch?: string[];
  attrMatch?: string[];
  attrNomatch?: string[];
  propertyMatch?: string[];
  tagMatch?: string[];
  sysnameMatch?: string[];
  nameMatch?: string[];
  parentMatch?: string[];
  settle?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = addMachineOptions(newCommand('udevadm trigger', io).description('request events from the kernel of a booted machine'))
    .argument('[devices...]', 'trigger only these devices and the devices below them')
    .option('-v, --verbose', 'print the list of devices while running')
    .option('-n, --dry-run', 'do not actually trigger the events')
    .option('-q, --quiet', 'suppress error logging in triggering events')
    .addOption(new Option('-t, --type <type>', 'type of events to trigger').choices(enumerationTypes).default('devices'))
    .option('-c, --action <action>', 'event action value ("help" lists them)', 'change')
    .option('-s, --subsystem-match <subsystem>', 'trigger devices from a matching subsystem', collect)
    .option('-S, --subsystem-nomatch <subsystem>', 'exclude devices from a matching subsystem', collect)
    .option('-a, --attr-match <file[=value]>', 'trigger devices with a matching attribute', collect)
    .option('-A, --attr-nomatch <file[=value]>', 'exclude devices with a matching attribute', collect)
    .option('-p, --property-match <key=value>', 'trigger devices with a matching property', collect)
    .option('-g, --tag-match <tag>', 'trigger devices with a matching tag', collect)
    .option('-y, --sysname-match <name>', 'trigger devices with this /sys path', collect)
    .option('--name-match <name>', 'trigger devices with this /dev name', collect)
    .option('-b, --parent-match <name>', 'trigger devices with that parent device', collect)
    .option('-w, --settle', 'wait for the triggered events to complete')
    .option('--wait-daemon [seconds]', 'wait for udevd daemon to be initialized (always is)')
    .option('--json', 'machine-readable output');
  return runCommand(cmd, unswallow(argv), io, () => {
    const o = cmd.opts<TriggerArgs>();
    const live = openMachine(o, io);
    if (typeof live === 'number') return live;
    const { machine, udev } = live;
    const host = { sysfs: udev.sysfs, devfs: udev.devfs, db: udev.daemon.db };
    const parents: string[] = [];
    const lookups: [string, string | undefined][] = [
      ...(o.parentMatch ?? []).map((p) => [p, '/sys'] as [string, string]),
      ...(o.nameMatch ?? []).map((p) => [p, '/dev'] as [string, string]),
      ...((cmd.processedArgs[0] as string[] | undefined) ?? []).map((p) => [p, undefined] as [string, undefined]),
    ];
    for (const [id, prefix] of lookups) {
      const dev = findDevice(host, id, prefix);
      if (typeof dev === 'string') {
        io.stderr(`auxbus udevadm trigger: Failed to open the device '${id}': ${dev}\n`);
        return ExitStatus.BAD_INPUT;
      }
      parents.push(dev.syspath);
    }
    const bad = (o.propertyMatch ?? []).find((p) => !p.includes('='));
    if (bad !== undefined) {
      io.stderr(`auxbus udevadm trigger: Failed to add property match '${bad}': expected KEY=VALUE\n`);
      return ExitStatus.BAD_INPUT;
    }
    const sentBefore = machine.uevent.log.length;
    const r = udevadmTrigger(
      { sysfs: udev.sysfs, db: udev.daemon.db, settle: () => void machine.settle() },
      {
        action: o.action,
        type: o.type,
        dryRun: o.dryRun,
        verbose: o.verbose,
        quiet: o.quiet,
        settle: true,
        matches: {
          subsystems: o.subsystemMatch,
          nomatchSubsystems: o.subsystemNomatch,
          sysattrs: (o.attrMatch ?? []).map(parseKeyValue),
          nomatchSysattrs: (o.attrNomatch ?? []).map(parseKeyValue),
          properties: (o.propertyMatch ?? []).map((p) => parseKeyValue(p) as [string, string]),
          tags: o.tagMatch,
          sysnames: o.sysnameMatch,
          parents,
        },
      },
    );
    if (o.json) {
      const uevents = machine.uevent.log.slice(sentBefore).map((e) => `${e.action} ${e.devpath}`);
      io.stdout(`${JSON.stringify({ devices: r.devices, triggered: r.triggered, uevents })}\n`);
    } else io.stdout(r.out);
    for (const line of r.err.split('\n').filter((l) => l.length > 0)) io.stderr(`auxbus udevadm trigger: ${line}\n`);
    return r.status;
  });
}
