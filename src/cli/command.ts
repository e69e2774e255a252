/**
 * Runs a commander program for one verb with the verb's io: usage errors become exit 2 with a
 * one-line message, never a stack trace; DriverModelError becomes `auxbus VERB: message`.
 */
import { Command, CommanderError } from 'commander';
import { DriverModelError } from '../base/index.js';
import { type CliIo, ExitStatus } from './io.js';

export function newCommand(name: string, io: CliIo): Command {
  return new Command(`auxbus ${name}`)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .allowExcessArguments(false);
}

/** Parse argv, run `action` with the parsed options/arguments, map failures to exit statuses. */
export async function runCommand(cmd: Command, argv: readonly string[], io: CliIo, action: () => number | Promise<number>): Promise<number> {
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? ExitStatus.OK : ExitStatus.BAD_INPUT;
    }
    throw e;
  }
  try {
    return await action();
  } catch (e) {
    if (DriverModelError.is(e)) {
      io.stderr(`${cmd.name()}: ${e.message} (${e.errno})\n`);
      return ExitStatus.BAD_INPUT;
    }
    throw e;
  }
}
