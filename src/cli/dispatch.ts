/**
 * The one verb-table shape and its dispatcher, shared by `auxbus` and `auxbus udevadm` (as
 * udevadm.c's verb table is): each verb is a name, a one-line summary and a lazily imported
 * handler that parses its own arguments with commander (command.ts) and returns the exit status.
 */
import { type CliIo, ExitStatus } from './io.js';

export interface Verb {
  readonly name: string;
  readonly summary: string;
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

export type VerbTable = readonly Verb[];

/** How one command presents its table. */
export interface Dispatcher {
  /** `auxbus` or `auxbus udevadm`. */
  readonly prog: string;
  /** Printed between the usage line and the verb list (may be empty). */
  readonly description: string;
  /** The one-line error for a verb not in the table. */
  readonly unknownVerb: (name: string) => string;
  readonly verbs: VerbTable;
}

function usage(d: Dispatcher, io: CliIo): void {
  io.stdout(`usage: ${d.prog} <verb> [options]\n\n${d.description}verbs:\n`);
  const width = Math.max(10, ...d.verbs.map((v) => v.name.length));
  for (const v of d.verbs) io.stdout(`  ${v.name.padEnd(width)} ${v.summary}\n`);
}

/**
 * Runs the verb `argv[0]` with the rest of `argv`. No verb: usage, exit 2; `--help`/`-h`/`help`:
 * usage, exit 0; an unknown verb: one line, exit 2.
 */
export async function dispatch(d: Dispatcher, argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    usage(d, io);
    return name === undefined ? ExitStatus.BAD_INPUT : ExitStatus.OK;
  }
  const verb = d.verbs.find((v) => v.name === name);
  if (!verb) {
    io.stderr(`${d.unknownVerb(name)}\n`);
    return ExitStatus.BAD_INPUT;
  }
  return verb.run(rest, io);
}
