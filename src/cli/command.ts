/**
 * Runs a commander program for one verb with the verb's io. The one error form of every verb:
 * `auxbus VERB: message` on stderr (usage errors and DriverModelError alike), exit 2; never a
 * stack trace. Input files report `file:line:col: message` themselves.
 */
import { Command, CommanderError } from 'commander';
import { DriverModelError } from '../base/index.js';
import { type CliIo, ExitStatus } from './io.js';

export function newCommand(name: string, io: CliIo): Command {
  const prog = `auxbus ${name}`;
  return new Command(prog)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(`${prog}: ${s.replace(/^error: /, '')}`),
    })
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
    if (DriverModelError.is(e)) {
      io.stderr(`${cmd.name()}: ${e.message}\n`);
      return ExitStatus.BAD_INPUT;
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
