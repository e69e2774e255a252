/**
 * The `auxbus` verb table (P11): name, one-line help and handler. Adding a verb touches this file
 * and the verb's own file. The table shape and the dispatcher are dispatch.ts's, shared with
 * `auxbus udevadm`. Any error that is not a DriverModelError is a bug: reported in one line
 * (the stack only with AUXBUS_DEBUG), exit 2.
 */
import { readFileSync } from 'node:fs';
import { type Dispatcher, type VerbTable, dispatch } from './dispatch.js';
import { type CliIo, ExitStatus } from './io.js';

export type { Verb } from './dispatch.js';

/** Lazily imported so `auxbus --help` stays fast. */
export const verbs: VerbTable = [
  {
    name: 'demo',
    summary: 'a narrated tour: boot, split into auxiliary devices, unbind, hand-off',
    run: async (a, io) => (await import('./demo.js')).run(a, io),
  },
  { name: 'run', summary: 'run scenario files (FILE|DIR) [--json]', run: async (a, io) => (await import('./run.js')).run(a, io) },
  { name: 'tree', summary: 'boot a machine and draw its device tree with bindings', run: async (a, io) => (await import('./tree.js')).run(a, io) },
  {
    name: 'udevadm',
    summary: 'udevadm info|trigger|settle|monitor|test|verify on a simulated machine',
    run: async (a, io) => (await import('./udevadm.js')).run(a, io),
  },
  {
    name: 'shell',
    summary: 'a shell over one live machine: ls, cat, echo > FILE, modprobe, lspci, udevadm, driverctl, …',
    run: async (a, io) => (await import('./shell.js')).run(a, io),
  },
  {
    name: 'export',
    summary: 'write a machine as sysfs files, a umockdev recording or a device description',
    run: async (a, io) => (await import('./export.js')).run(a, io),
  },
  {
    name: 'import',
    summary: 'build a machine from a umockdev recording or a host /sys and draw it',
    run: async (a, io) => (await import('./import.js')).run(a, io),
  },
  {
    name: 'pci-trace',
    summary: 'run a qemu-doe-oracle program on a PCI function (PROGRAM [--preset P] [--bdf BDF] [--json])',
    run: async (a, io) => (await import('./pci-trace.js')).run(a, io),
  },
  {
    name: 'doe',
    summary: 'DOE client on a machine: discover|cdat|compliance|spdm DEVICE [--mailbox N] [--json]',
    run: async (a, io) => (await import('./doe.js')).run(a, io),
  },
  {
    name: 'explore',
    summary: 'race explorer: SCENARIO [--schedules N] [--seed S] [--exhaustive --depth D] [--shard I/N] [--replay S] [--json]',
    run: async (a, io) => (await import('./explore.js')).run(a, io),
  },
  {
    name: 'spdm',
    summary: 'spdm serve|connect: CMA/SPDM over the spdm-emu socket protocol (PCI_DOE)',
    run: async (a, io) => (await import('./spdm.js')).run(a, io),
  },
  {
    name: 'graph',
    summary: 'devices, drivers and bindings as Graphviz dot or Mermaid',
    run: async (a, io) => (await import('./graph.js')).run(a, io),
  },
];

const auxbus: Dispatcher = {
  prog: 'auxbus',
  description: 'A model of the Linux driver model: PCI functions, auxiliary devices, sysfs, /dev and udev 252.\n\n',
  unknownVerb: (name) => `auxbus: unknown verb '${name}' (try 'auxbus --help')`,
  verbs,
};

/** The package's version (package.json, two levels above src/cli and dist/cli). */
export function auxbusVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const name = argv[0];
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`auxbus ${auxbusVersion()}\n`);
    return ExitStatus.OK;
  }
  try {
    return await dispatch(auxbus, argv, io);
  } catch (e) {
    const err = e as Error;
    io.stderr(`auxbus ${name}: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.AUXBUS_DEBUG) io.stderr(`${err?.stack ?? ''}\n`);
    return ExitStatus.BAD_INPUT;
  }
}
