/**
 * `auxbus udevadm <verb>`: udevadm's own verb table (info, trigger, settle, monitor on a booted
 * machine; test and verify on rules files), each verb in its own file with `run(argv, io)`, and
 * the boot every machine verb shares.
 */
import { type Machine, type MachineUdev, createMachine, machineUdev } from '../machine/index.js';
import { type CliIo, ExitStatus } from './io.js';
import { type MachineArgs, machineOptionsFrom } from './machine-args.js';

export interface UdevadmVerb {
  readonly name: string;
  readonly summary: string;
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

/** Lazily imported, like the top-level verbs. */
export const udevadmVerbs: readonly UdevadmVerb[] = [
  { name: 'info', summary: 'query sysfs or the udev database', run: async (a, io) => (await import('./udevadm-info.js')).run(a, io) },
  { name: 'trigger', summary: 'request events from the kernel', run: async (a, io) => (await import('./udevadm-trigger.js')).run(a, io) },
  { name: 'settle', summary: 'wait for pending udev events', run: async (a, io) => (await import('./udevadm-settle.js')).run(a, io) },
  { name: 'monitor', summary: 'listen to kernel and udev events (of the boot)', run: async (a, io) => (await import('./udevadm-monitor.js')).run(a, io) },
  { name: 'test', summary: 'test an event run (rules against a device description)', run: async (a, io) => (await import('./udevadm-test.js')).run(a, io) },
  { name: 'verify', summary: 'verify udev rules files', run: async (a, io) => (await import('./udevadm-verify.js')).run(a, io) },
];

function usage(io: CliIo): void {
  io.stdout('usage: auxbus udevadm <verb> [options]\n\nSend control commands or test the device manager.\n\nverbs:\n');
  for (const v of udevadmVerbs) io.stdout(`  ${v.name.padEnd(10)} ${v.summary}\n`);
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name === undefined ? ExitStatus.BAD_INPUT : ExitStatus.OK;
  }
  const verb = udevadmVerbs.find((v) => v.name === name);
  if (!verb) {
    io.stderr(`auxbus udevadm: Unknown command verb '${name}' (try 'auxbus udevadm --help')\n`);
    return ExitStatus.BAD_INPUT;
  }
  return verb.run(rest, io);
}

/** Build the machine the options describe and boot it (udevd processes every boot uevent). */
export function bootMachine(args: MachineArgs, io: CliIo): { machine: Machine; udev: MachineUdev } {
  const machine = createMachine(machineOptionsFrom(args, io.cwd));
  machine.boot();
  return { machine, udev: machineUdev(machine) };
}
