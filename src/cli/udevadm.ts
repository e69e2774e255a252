/**
 * `auxbus udevadm <verb>`: udevadm's own verb table (info, trigger, settle, monitor on a booted
 * machine; test and verify on rules files), each verb in its own file with `run(argv, io)`, and
 * the boot every machine verb shares (machine-args.ts).
 */
import { type Dispatcher, type VerbTable, dispatch } from './dispatch.js';
import type { CliIo } from './io.js';

/** Lazily imported, like the top-level verbs. */
export const udevadmVerbs: VerbTable = [
  { name: 'info', summary: 'query sysfs or the udev database', run: async (a, io) => (await import('./udevadm-info.js')).run(a, io) },
  { name: 'trigger', summary: 'request events from the kernel', run: async (a, io) => (await import('./udevadm-trigger.js')).run(a, io) },
  { name: 'settle', summary: 'wait for pending udev events', run: async (a, io) => (await import('./udevadm-settle.js')).run(a, io) },
  {
    name: 'monitor',
    summary: 'listen to kernel and udev events (of the boot)',
    run: async (a, io) => (await import('./udevadm-monitor.js')).run(a, io),
  },
  {
    name: 'test',
    summary: 'test an event run: the machine’s rules on SYSPATH, or rules on a --device description',
    run: async (a, io) => (await import('./udevadm-test.js')).run(a, io),
  },
  {
    name: 'test-builtin',
    summary: 'test a built-in command on a device',
    run: async (a, io) => (await import('./udevadm-test-builtin.js')).run(a, io),
  },
  { name: 'verify', summary: 'verify udev rules files', run: async (a, io) => (await import('./udevadm-verify.js')).run(a, io) },
  { name: 'hwdb', summary: 'update or query the hardware database', run: async (a, io) => (await import('./udevadm-hwdb.js')).run(a, io) },
];

const udevadm: Dispatcher = {
  prog: 'auxbus udevadm',
  description: 'Send control commands or test the device manager.\n\n',
  unknownVerb: (name) => `auxbus udevadm: Unknown command verb '${name}' (try 'auxbus udevadm --help')`,
  verbs: udevadmVerbs,
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  return dispatch(udevadm, argv, io);
}
