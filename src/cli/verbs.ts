/**
 * The verb table (P11): name, one-line help and handler. Adding a verb touches this file and
 * the verb's own file. Each handler parses its own options and returns the exit status.
 */
import { type CliIo, ExitStatus } from './io.js';

export interface Verb {
  readonly name: string;
  readonly summary: string;
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

/** Lazily imported so `auxbus --help` stays fast. */
export const verbs: readonly Verb[] = [
  { name: 'demo', summary: 'a narrated tour: boot, split into auxiliary devices, unbind, hand-off', run: async (a, io) => (await import('./demo.js')).run(a, io) },
  { name: 'run', summary: 'run scenario files (FILE|DIR) [--json]', run: async (a, io) => (await import('./run.js')).run(a, io) },
  { name: 'tree', summary: 'boot a machine and draw its device tree with bindings', run: async (a, io) => (await import('./tree.js')).run(a, io) },
  { name: 'udevadm', summary: 'udevadm info|trigger|settle|monitor|test|verify on a simulated machine', run: async (a, io) => (await import('./udevadm.js')).run(a, io) },
  { name: 'pci-trace', summary: 'run a qemu-doe-oracle program on a PCI function (PROGRAM [--preset P] [--bdf BDF] [--json])', run: async (a, io) => (await import('./pci-trace.js')).run(a, io) },
  { name: 'doe', summary: 'DOE client on a machine: discover|cdat|compliance|spdm DEVICE [--mailbox N] [--json]', run: async (a, io) => (await import('./doe.js')).run(a, io) },
  { name: 'graph', summary: 'devices, drivers and bindings as Graphviz dot or Mermaid', run: async (a, io) => (await import('./graph.js')).run(a, io) },
];

function usage(io: CliIo): void {
  io.stdout('usage: auxbus <verb> [options]\n\nverbs:\n');
  for (const v of verbs) io.stdout(`  ${v.name.padEnd(10)} ${v.summary}\n`);
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name === undefined ? ExitStatus.BAD_INPUT : ExitStatus.OK;
  }
  const verb = verbs.find((v) => v.name === name);
  if (!verb) {
    io.stderr(`auxbus: unknown verb '${name}' (try 'auxbus --help')\n`);
    return ExitStatus.BAD_INPUT;
  }
  try {
    return await verb.run(rest, io);
  } catch (e) {
    const err = e as Error;
    io.stderr(`auxbus ${name}: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.AUXBUS_DEBUG) io.stderr(`${err?.stack ?? ''}\n`);
    return ExitStatus.BAD_INPUT;
  }
}
